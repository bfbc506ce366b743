"""`distillguard serve`: the inline scoring service (see docs/serve.md)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import typer

from distillguard.cli._common import err, fail, handle_errors


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def read_token(token_file: Path | None) -> str:
    """The bearer token from --token-file, else DISTILLGUARD_TOKEN; exits 2 when there is none."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            fail(f"cannot read token file {token_file}: {exc.strerror}", 2)
    else:
        token = os.environ.get("DISTILLGUARD_TOKEN", "").strip()
    if len(token) < 16:
        fail("no bearer token: set DISTILLGUARD_TOKEN or pass --token-file (at least 16 characters)", 2,
             "the service reveals verdicts, so it never runs without one")
    return token


@handle_errors
def serve_cmd(
    results: Path = typer.Option(..., "--results", help="The --out folder of `distillguard detect` "
                                                        "(accounts.csv, campaigns.json)."),
    store: Path = typer.Option(None, "--store", help="The --store folder of that run: campaign signatures "
                                                     "(templates, request configurations, client stacks)."),
    policy: Path = typer.Option(None, "--policy", help="Policy file (TOML); the built-in default when omitted."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8787, "--port", min=0, max=65535, help="Port to listen on."),
    token_file: Path = typer.Option(None, "--token-file", help="File holding the bearer token "
                                                               "(else DISTILLGUARD_TOKEN)."),
    state_dir: Path = typer.Option(Path("distillguard-serve"), "--state-dir",
                                   help="Folder for the state snapshot, the audit log and observed exchanges."),
    redis_url: str = typer.Option(None, "--redis", help="Keep state in Redis (redis://host:port/db), shared by "
                                                        "every instance; no snapshot then."),
    snapshot_interval: float = typer.Option(10.0, "--snapshot-interval", min=0.1,
                                            help="Seconds between state snapshots (the most a kill -9 loses)."),
    no_harvest: bool = typer.Option(False, "--no-harvest", help="Do not run the harvest classifier."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Score requests inline at the gateway: /v1/score, /v1/observe, the LiteLLM guardrail API."""
    import uvicorn

    from distillguard.serve.app import create_app
    from distillguard.serve.service import Service
    from distillguard.serve.state import MemoryState, Snapshotter

    token = read_token(token_file)
    if not (results / "accounts.csv").is_file():
        fail(f"{results} has no accounts.csv", 3, "point --results at the --out folder of `distillguard detect`")
    state_dir.mkdir(parents=True, exist_ok=True)
    snapshotter = None
    if redis_url:
        from distillguard.serve.redis_state import RedisState

        try:
            state = RedisState(redis_url)
        except Exception as exc:  # noqa: BLE001 - redis-py raises several kinds
            fail(f"cannot reach Redis at {redis_url}: {exc}", 2)
    else:
        state = MemoryState.restore(state_dir / "state.pkl")
        snapshotter = Snapshotter(state, state_dir / "state.pkl", snapshot_interval)
        snapshotter.start()
    service = Service(results, store, policy, state, state_dir / "audit.jsonl", state_dir / "observed",
                      harvest=not no_harvest)

    def on_hup(signum: int, frame: object) -> None:
        def run() -> None:
            try:
                info = service.reload()
                err.print(f"reloaded: policy {info['policy_version']}, results {info['results_version']}",
                          markup=False)
            except Exception as exc:  # noqa: BLE001 - keep serving the previous version
                err.print(f"error: reload failed, still serving the previous version: {exc}", markup=False)
        threading.Thread(target=run, name="dg-reload", daemon=True).start()

    signal.signal(signal.SIGHUP, on_hup)
    info = service.current.knowledge.summary()
    err.print(f"distillguard serve on http://{host}:{port}: {info['accounts']:,} accounts, {info['campaigns']} "
              f"campaign(s), signatures {info['signatures']} from {info['signature_source']}; "
              f"policy {service.current.scorer.policy_version}"
              + (" (shadow mode)" if service.current.policy.shadow else ""), markup=False)
    try:
        uvicorn.run(create_app(service, token), host=host, port=port, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=5)
    finally:
        service.close()
        if snapshotter is not None:
            snapshotter.stop()
        state.close()
