"""The `distillguard` typer app. Each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

from distillguard import __version__
from distillguard.cli._common import plain_metavars

app = typer.Typer(
    name="distillguard",
    help="Find and stop distillation attacks in model-API traffic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"distillguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    """Find and stop distillation attacks in model-API traffic."""


def _register() -> None:
    # Pipeline order: ingest -> simulate -> train -> detect -> evaluate -> report.
    from distillguard.cli import ingest as _ingest

    _ingest.register(app)
    for name in ("simulate", "train", "fingerprint", "detect", "evaluate", "report", "quarantine", "share", "serve"):
        try:
            module = __import__(f"distillguard.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"distillguard.cli.{name}":
                raise
            continue
        module.register(app)


_register()
plain_metavars(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
