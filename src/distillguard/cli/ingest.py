"""`distillguard ingest`: contract records -> the canonical store."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from rich.table import Table

from distillguard.cli._common import err, handle_errors, out, show_progress
from distillguard.cli.quarantine import MAX_QUARANTINE_PCT, check_share, print_unreadable, reasons_text


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)


@handle_errors
def ingest_cmd(
    paths: list[Path] = typer.Argument(..., help="Exchange files or folders (JSONL, .gz, .zst, Parquet). "
                                                  "Account and event files are recognised by content too."),
    store: Path = typer.Option(..., "--store", help="Store folder (created if absent)."),
    accounts: list[Path] = typer.Option([], "--accounts", help="Account files (JSONL, CSV, Parquet)."),
    events: list[Path] = typer.Option([], "--events", help="Event files (JSONL)."),
    log_format: str = typer.Option("contract", "--format", help="Log format of the exchange files: contract, auto, "
                                   "litellm, litellm-spendlogs (also a postgresql:// URL), otel, mapping:FILE.yaml "
                                   "(see docs/ingest.md)."),
    account_fields: list[str] = typer.Option([], "--account-field", help="Source field holding the account, for "
                                             "--format litellm/litellm-spendlogs/otel (repeat: first non-empty wins)."),
    max_quarantine: float = typer.Option(MAX_QUARANTINE_PCT, "--max-quarantine", metavar="PCT", min=0, max=100,
                                         help="Exit 3 (after storing the good records) when more than this percentage "
                                              "of the records is quarantined."),
    max_quarantine_share: float = typer.Option(None, "--max-quarantine-share", hidden=True,
                                               help="Deprecated: the same limit as a fraction (0.01 = 1%)."),
    strict: bool = typer.Option(False, "--strict", help="Stop at a file that cannot be read to its end (a truncated "
                                                         ".gz/.zst, a damaged Parquet file) instead of keeping what "
                                                         "was read and going on."),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Read contract records, normalise them, quarantine bad ones and write the Parquet store."""
    from distillguard.ingest import ingest_paths

    report = _run_with_progress(lambda cb: ingest_paths(paths, store, accounts=accounts, events=events, on_rows=cb,
                                                        strict=strict, fmt=log_format,
                                                        account_fields=account_fields),
                                show_progress(quiet), "ingest")
    if as_json:
        out.print_json(orjson.dumps(report.to_dict()).decode())
    else:
        print_report(report)
    if max_quarantine_share is not None:
        max_quarantine = max_quarantine_share * 100
    check_share(report, max_quarantine, store, "the good records were stored")


def _run_with_progress(job, enabled: bool, label: str):  # type: ignore[no-untyped-def]
    if not enabled:
        return job(None)
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn(f"{label}"), MofNCompleteColumn(),
                  TextColumn("rows  {task.fields[rate]:,.0f} rows/s"), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(label, total=None, rate=0.0)

        def on_rows(n: int) -> None:
            progress.advance(task, n)
            t = progress.tasks[0]
            progress.update(task, rate=(t.completed / t.elapsed) if t.elapsed else 0.0)

        return job(on_rows)


def print_report(report) -> None:  # type: ignore[no-untyped-def]
    table = Table(title=f"ingest run {report.run_id}", title_justify="left")
    for c in ("kind", "read", "stored", "quarantined", "duplicates"):
        table.add_column(c, justify="right" if c != "kind" else "left")
    for kind, c in report.counts.items():
        if c.rows_read:
            table.add_row(kind, f"{c.rows_read:,}", f"{c.rows_stored:,}", f"{c.rows_quarantined:,}", f"{c.duplicates:,}")
    err.print(table)
    if report.rows_quarantined:
        err.print("quarantined by reason: " + reasons_text(report), markup=False)
    print_unreadable(report)
    if report.skipped_files:
        err.print(f"skipped {len(report.skipped_files)} file(s) of unknown format: "
                  + ", ".join(report.skipped_files[:5]) + (" ..." if len(report.skipped_files) > 5 else ""))
    rate = report.rows_read / report.seconds if report.seconds else 0
    err.print(f"{report.rows_read:,} rows in {report.seconds:.1f}s ({rate:,.0f} rows/s); store: {report.store}")
