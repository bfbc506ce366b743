"""`distillguard simulate`: write a simulated world of API traffic with ground truth."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out, show_progress


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    @handle_errors
    def simulate(
        out_dir: Path = typer.Option(..., "--out", help="Folder to write the world into."),
        scale: str = typer.Option("tiny", "--scale", help="tiny, small, full or seed."),
        seed: int = typer.Option(0, "--seed", help="Random seed; same seed, same bytes."),
        corpus: Path | None = typer.Option(None, "--corpus", help="Public corpus folder (shared/data)."),
        config: Path | None = typer.Option(None, "--config", help="TOML or JSON file overriding knobs."),
        fmt: str | None = typer.Option(None, "--format", help="jsonl or parquet (default: jsonl for tiny)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    ) -> None:
        """Simulate benign personas and distillation campaigns as contract-shaped API logs."""
        from distillguard.simulate import simulate_world

        summary = simulate_world(out_dir, scale=scale, seed=seed, corpus=corpus, config=config, fmt=fmt,
                                 progress=show_progress(quiet))
        if as_json:
            out.print(orjson.dumps(summary, option=orjson.OPT_SORT_KEYS).decode(), markup=False)
        elif not quiet:
            camp = ", ".join(f"{k} {v}" for k, v in summary["accounts_by_campaign"].items())
            err.print(f"wrote {summary['exchanges']:,} exchanges, {summary['accounts']:,} accounts "
                      f"({camp or 'no campaigns'}) to {out_dir} in {summary['seconds']:.1f} s", markup=False)
