"""`distillguard quarantine`: what ingest set aside, by reason; plus the quarantine lines that
`ingest` and `detect` print.

The quarantine table lives in a store (`STORE/quarantine/*.parquet`); `detect` without
`--store` copies it to `OUT/quarantine/`, so either folder can be given.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from rich.table import Table

from distillguard.cli._common import err, fail, handle_errors, out

# `--max-quarantine` default, in percent: the house limit (STYLE.md section 4) for ingest and detect.
MAX_QUARANTINE_PCT = 1.0


def register(app: typer.Typer) -> None:
    app.command("quarantine")(quarantine_cmd)


def reasons(report) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Quarantined rows by reason over every record kind of an `IngestReport`."""
    total: dict[str, int] = {}
    for c in report.counts.values():
        for r, n in c.quarantine_by_reason.items():
            total[r] = total.get(r, 0) + n
    return dict(sorted(total.items(), key=lambda kv: (-kv[1], kv[0])))


def reasons_text(report) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{r}={n:,}" for r, n in reasons(report).items())


def print_unreadable(report) -> None:  # type: ignore[no-untyped-def]
    """One line naming the files that could not be read to their end."""
    files = report.unreadable_files
    if files:
        err.print(f"could not read {len(files)} file(s) to the end (records before the damage were kept; "
                  f"use --strict to stop instead): " + ", ".join(files[:5]) + (" ..." if len(files) > 5 else ""),
                  markup=False)


def check_share(report, max_pct: float, where: Path, what: str) -> None:  # type: ignore[no-untyped-def]
    """Exit 3 (after the outputs are written) when more than `max_pct` % of the records were quarantined."""
    if report.rows_read and report.quarantine_share * 100 > max_pct:
        fail(f"{report.rows_quarantined:,} of {report.rows_read:,} records ({report.quarantine_share:.1%}) were "
             f"quarantined, over the --max-quarantine limit of {max_pct:g}%; {what} ({reasons_text(report)})",
             3, f"list them with `distillguard quarantine --store {where}`; raise --max-quarantine to accept them")


@handle_errors
def quarantine_cmd(
    store: Path = typer.Option(..., "--store", help="A store folder, or the --out folder of a `detect` run without "
                                                    "--store (both hold quarantine/*.parquet)."),
    samples: int = typer.Option(3, "--samples", min=0, help="Sample rows to show per reason."),
    width: int = typer.Option(160, "--width", min=20, help="Cut raw records longer than this many characters."),
    as_json: bool = typer.Option(False, "--json", help="Print counts and samples as JSON on stdout."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """List quarantined records by reason: how many, and a few samples with their source file and row."""
    from distillguard.ingest.quarantine import REASONS, summarise

    folder = store / "quarantine"
    if not store.is_dir():
        fail(f"--store {store}: no such folder", 3, "give a --store folder, or the --out folder of `detect`")
    groups = summarise(folder, samples=samples)
    if as_json:
        out.print_json(orjson.dumps({"store": str(store), "reasons": groups}).decode())
        return
    if not groups:
        out.print(f"nothing quarantined in {store}", markup=False)
        return
    for g in groups:
        out.print(f"{g['reason']}: {g['rows']:,} row(s) from {g['files']:,} file(s) - {REASONS.get(g['reason'], '')}",
                  markup=False)
        table = Table(show_header=True, box=None, pad_edge=False)
        for col in ("source", "row", "detail", "raw"):
            table.add_column(col, overflow="fold")
        for s in g["samples"]:
            raw = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else "?" for c in s["raw"] or "")
            table.add_row(s["source"], str(s["source_row"]), s["detail"],
                          raw if len(raw) <= width else raw[: width - 1] + "…")
        if g["samples"]:
            out.print(table)
