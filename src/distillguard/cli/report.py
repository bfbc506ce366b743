"""`distillguard report`: a static HTML report of a `detect` run for analysts."""

from __future__ import annotations

from pathlib import Path

import typer

from distillguard.cli._common import err, fail, handle_errors, out, show_progress
from distillguard.cli._progress import stage_progress


def register(app: typer.Typer) -> None:
    app.command("report")(report_cmd)


@handle_errors
def report_cmd(
    results: Path = typer.Option(..., "--results", help="The --out folder of `distillguard detect`."),
    store: Path = typer.Option(None, "--store", help="The --store folder of that run (timelines, infrastructure, "
                                                     "sign-ups and example prompts need it)."),
    out_dir: Path = typer.Option(Path("report"), "--out", help="Folder to write the HTML report into."),
    max_account_pages: int = typer.Option(300, "--max-account-pages", min=0,
                                          help="Write pages for at most this many flagged accounts (highest risk)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Write a self-contained HTML report (overview, one page per campaign and per flagged account)."""
    from distillguard.outputs.report import build_report

    if store is not None and not store.is_dir():
        fail(f"--store {store}: no such folder", 3, "give the --store folder of `distillguard detect`, or leave it out")
    with stage_progress(show_progress(quiet), unit="pages") as bars:
        if bars:
            bars.stage("report")
        result = build_report(results, store, out_dir, max_account_pages=max_account_pages)
    if quiet:
        return
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    err.print(f"{result.campaign_pages} campaign page(s), {result.account_pages} account page(s)", markup=False)
    out.print(str(result.index.resolve()), markup=False)
