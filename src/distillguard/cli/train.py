"""`distillguard train classifier`: rebuild the per-exchange classifier artefact from labelled data."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out

train_app = typer.Typer(help="Train models that distillguard ships (deterministic; no download).",
                        no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")


def _default_data() -> Path:
    for cand in (Path("../shared/data"), Path(__file__).resolve().parents[4] / "shared" / "data"):
        if (cand / "templates" / "attack.jsonl").is_file():
            return cand
    return Path("../shared/data")


@train_app.command("classifier")
@handle_errors
def classifier_cmd(
    data: Path = typer.Option(None, "--data", help="Corpus folder (templates/attack.jsonl, templates/attack_seeds.jsonl, "
                                                  "prompts/benign.jsonl.gz, prompts/tau2_agent_system.jsonl; the open "
                                                  "corpus has this layout). Default: ../shared/data."),
    world: list[Path] = typer.Option([], "--world", help="Simulated world folder(s) with truth/exchanges.parquet."),
    out_dir: Path = typer.Option(None, "--out", help="Artefact folder. Default: the package's shipped model/ folder."),
    seed: int = typer.Option(0, "--seed", help="Seed for rendering and splits (same seed -> same weights)."),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Train the category + harvest classifier and write weights.npz + model.json."""
    from distillguard.signals.classifier._model import MODEL_DIR
    from distillguard.signals.classifier._train import TrainConfig, train

    data = data or _default_data()
    target = out_dir or MODEL_DIR
    log = (lambda s: None) if quiet else (lambda s: err.print(s, markup=False))
    model = train(data, world, TrainConfig(seed=seed), log=log)
    model.save(target)
    summary = {"out": str(target), "harvest_threshold": model.harvest_threshold, "temperature": model.temperature,
               "examples": model.meta.get("examples"), "worlds": [str(w) for w in world]}
    if as_json:
        out.print_json(orjson.dumps(summary).decode())
    else:
        out.print(f"wrote {target}/weights.npz and model.json "
                  f"({summary['examples']['total']} examples; harvest threshold {model.harvest_threshold:.4f})",
                  markup=False)


@train_app.command("accounts")
@handle_errors
def accounts_cmd(
    world: list[Path] = typer.Option(..., "--world", help="Labelled world folder(s) written by `distillguard simulate`."),
    out_path: Path = typer.Option(None, "--out", help="Model file. Default: the package's shipped accounts.pkl."),
    seed: int = typer.Option(0, "--seed", help="Seed of the trees and of the evasion copies' donors (same seed -> same model)."),
    as_json: bool = typer.Option(False, "--json", help="Print a summary as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Train the supervised account-risk model from the fingerprints of labelled worlds."""
    from distillguard.pipeline import train_account_model

    log = (lambda s: None) if quiet else (lambda s: err.print(f"[dim]stage[/dim] {s}"))
    summary = train_account_model(world, out_path, seed=seed, say=log)
    if as_json:
        out.print_json(orjson.dumps(summary).decode())
    elif not quiet:
        err.print(f"trained on {summary['accounts']:,} accounts from {len(world)} world(s); wrote {summary['out']}")


@train_app.command("agree")
@handle_errors
def agree_cmd(
    models: list[Path] = typer.Argument(..., help="Account model files (two or more, trained on the same features)."),
    out_path: Path = typer.Option(..., "--out", help="Model file to write."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Join account models trained on different families of worlds: the joined model reads each account
    as the least suspicious of them (a verdict needs every one of them to call it likely)."""
    from distillguard.fingerprints.score import agree_models, load_model, save_model

    path = save_model(agree_models(*(load_model(p) for p in models)), out_path)
    err.print(f"joined {len(models)} account models; wrote {path}")
