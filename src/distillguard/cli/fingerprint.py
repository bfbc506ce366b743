"""`distillguard fingerprint`: templates, per-account fingerprints and account risk from a store."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out


def register(app: typer.Typer) -> None:
    app.command("fingerprint")(fingerprint_cmd)


def _until_us(until: str | None) -> int | None:
    if not until:
        return None
    from distillguard.errors import ConfigError

    try:
        ts = datetime.fromisoformat(until.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigError(f"--until {until!r} is not an RFC 3339 time", hint="e.g. 2026-03-05T00:00:00Z") from exc
    if ts.tzinfo is None:
        raise ConfigError(f"--until {until!r} has no UTC offset", hint="add Z or +00:00")
    return int(ts.timestamp() * 1_000_000)


def _write(table, path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)


@handle_errors
def fingerprint_cmd(
    store: Path = typer.Option(..., "--store", help="Store folder written by `distillguard ingest`."),
    out_dir: Path = typer.Option(..., "--out", help="Output folder (created if absent)."),
    classified: Path | None = typer.Option(None, "--classified", help="Parquet file of classifier output "
                                           "(exchange_id, category, harvest), optional."),
    model: Path | None = typer.Option(None, "--model", help="Supervised account model (from `train accounts`)."),
    until: str | None = typer.Option(None, "--until", help="Use only exchanges before this RFC 3339 time."),
    infra: Path | None = typer.Option(None, "--infra", metavar="DIR",
                                      help="Your own infrastructure lists (datacenter_ipv4.txt, vpn_ipv4.txt, "
                                           "hosting_asns.txt, disposable_domains.txt; see docs/infra.md); files "
                                           "absent there use the shipped lists."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Mine prompt templates, build per-account fingerprints and score account risk.

    Writes templates.parquet, exchange_templates.parquet, fingerprints.parquet and
    account_scores.parquet into --out.
    """
    import pyarrow.parquet as pq

    from distillguard.engine import open_engine
    from distillguard.errors import InputError
    from distillguard.fingerprints import build_fingerprints, score_accounts
    from distillguard.templates import mine_templates

    if not store.is_dir():
        raise InputError(f"store {store} does not exist", hint="run `distillguard ingest ... --store DIR` first")
    until_us = _until_us(until)
    cls = None
    if classified is not None:
        try:
            cls = pq.read_table(classified)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is an input problem
            raise InputError(f"cannot read classifier output {classified}: {exc}".splitlines()[0]) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if quiet or now - last[0] < 2.0:
            return
        last[0] = now
        err.print(f"{stage}: {done:,}" + (f" / {total:,}" if total else "") + f" rows  ({now - t0:.0f}s)")

    if infra is not None:
        from distillguard.fingerprints._infra import check_infra_dir

        check_infra_dir(infra)
    engine = open_engine(store)
    try:
        et, tpl = mine_templates(engine, progress=progress, until_us=until_us)
        if not quiet:
            err.print(f"templates: {tpl.num_rows:,} over {et.num_rows:,} exchanges ({time.perf_counter() - t0:.1f}s)")
        fp = build_fingerprints(engine, et, tpl, cls, until_us=until_us, infra=infra)
        scores = score_accounts(fp, model)
    finally:
        engine.close()
    paths = {}
    for name, table in (("templates", tpl), ("exchange_templates", et), ("fingerprints", fp),
                        ("account_scores", scores)):
        paths[name] = out_dir / f"{name}.parquet"
        _write(table, paths[name])
    secs = time.perf_counter() - t0
    summary = {"exchanges": et.num_rows, "templates": tpl.num_rows, "accounts": fp.num_rows,
               "accounts_risk_over_0_5": int(sum(1 for r in scores.column("risk_unsupervised").to_pylist() if r > 0.5)),
               "seconds": round(secs, 2), "paths": {k: str(v) for k, v in paths.items()}}
    if as_json:
        out.print_json(orjson.dumps(summary).decode())
    elif not quiet:
        err.print(f"{fp.num_rows:,} accounts fingerprinted, {summary['accounts_risk_over_0_5']:,} with risk > 0.5; "
                  f"wrote {out_dir} in {secs:.1f}s")
