"""`distillguard detect`: the data contract's detection command (section 4)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out, show_progress


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_cmd)


@handle_errors
def detect_cmd(
    exchanges: list[Path] = typer.Argument(..., help="Files or folders of exchange records (JSONL, .gz, .zst, Parquet)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for accounts.csv and campaigns.json."),
    accounts: list[Path] = typer.Option([], "--accounts", help="Account records (JSONL, CSV, Parquet)."),
    events: list[Path] = typer.Option([], "--events", help="Event records (JSONL), e.g. model releases."),
    log_format: str = typer.Option("contract", "--format", help="Log format of the exchange files: contract, auto, "
                                   "litellm, litellm-spendlogs (also a postgresql:// URL), otel, mapping:FILE.yaml "
                                   "(see docs/ingest.md)."),
    account_fields: list[str] = typer.Option([], "--account-field", help="Source field holding the account, for "
                                             "--format litellm/litellm-spendlogs/otel (repeat: first non-empty wins)."),
    until: str = typer.Option(None, "--until", help="Use only exchanges before this RFC 3339 time."),
    store: Path = typer.Option(None, "--store", help="Keep the ingested store here (default: a temporary folder)."),
    turn_text: bool = typer.Option(False, "--turn-text", help="Keep every turn's text in the store (detection reads "
                                                              "only the system prompt and the last user turn, which "
                                                              "the store always keeps)."),
    account_model: Path = typer.Option(None, "--account-model",
                                       help="Supervised account model (default: the shipped one, if it matches "
                                            "the installed scikit-learn; see `distillguard train accounts`)."),
    unsupervised: bool = typer.Option(False, "--unsupervised", help="Ignore any account model: no labels anywhere."),
    classify_per_account: int = typer.Option(None, "--classify-per-account", min=0, show_default=False,
                                             help="Classify at most about this many exchanges of one account "
                                                  "(a deterministic sample; default: the policy's, 64); "
                                                  "0: every exchange."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Find distillation campaigns: write accounts.csv (every account) and campaigns.json."""
    from distillguard.decisions import Policy
    from distillguard.pipeline import detect

    progress = show_progress(quiet)
    detect = partial(detect, fmt=log_format, account_fields=account_fields)  # issue 17: input adapters

    def on_stage(name: str) -> None:
        if not quiet:
            err.print(f"[dim]stage[/dim] {name}")

    result = detect(exchanges, out_dir, accounts=accounts, events=events, until=until, store=store, turn_text=turn_text,
                    policy=Policy(account_model=account_model, use_account_model=not unsupervised,
                                  **_sample(classify_per_account)),
                    on_stage=on_stage if progress or not quiet else None)
    rep = result.ingest
    if rep.rows_quarantined:
        err.print(f"{rep.rows_quarantined:,} of {rep.rows_read:,} records were quarantined "
                  f"(see --store DIR/quarantine); reasons: "
                  + ", ".join(f"{r}={n}" for c in rep.counts.values() for r, n in c.quarantine_by_reason.items()))
    if as_json:
        out.print_json(orjson.dumps(result.to_dict()).decode())
    elif not quiet:
        err.print(f"{result.accounts:,} accounts, {result.flagged:,} flagged, {result.campaigns} campaign(s); "
                  f"wrote {out_dir}/accounts.csv and {out_dir}/campaigns.json")


def _sample(per_account: int | None) -> dict:
    """Policy argument for --classify-per-account: absent keeps the policy's default, 0 means all."""
    if per_account is None:
        return {}
    return {"classify_per_account": per_account or None}
