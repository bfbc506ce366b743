"""The supervised account model: where the shipped one lives, loading it, and training it.

`load_account_model(path=None)` gives the model `detect` scores accounts with (the shipped
`model/accounts.pkl` unless a path is named; None: the unsupervised score only).
`train_account_model(worlds)` fits it on labelled simulated worlds (`distillguard train accounts`),
running detect's stages up to fingerprints over each world's whole history and over early cuts of it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa

from distillguard.engine import open_engine
from distillguard.ingest import ingest_paths

ACCOUNT_MODEL = Path(__file__).resolve().parent / "model" / "accounts.pkl"


def load_account_model(path: Path | None = None) -> dict | None:
    """The supervised account model: `path`, else the shipped one, else None (unsupervised only)."""
    from distillguard.fingerprints.score import load_model

    if path is not None:
        return load_model(path)  # a model the user named must load, or the run fails clearly
    if not ACCOUNT_MODEL.exists():
        return None
    import warnings

    from sklearn import __version__ as sklearn_version

    model = load_model(ACCOUNT_MODEL)
    if model.get("sklearn_version") != sklearn_version:
        # Tree pickles are tied to the scikit-learn that wrote them: fall back rather than guess.
        warnings.warn(f"shipped account model was built with scikit-learn {model.get('sklearn_version')}, "
                      f"this is {sklearn_version}: using the unsupervised score "
                      "(rebuild it with `distillguard train accounts --world DIR`)", stacklevel=2)
        return None
    return model


# Early cuts the account model also learns from, as fractions of each world's time span: a
# campaign account 24 hours in has a short history, and a model that only ever saw full
# histories learns "few exchanges = benign".
TRAIN_CUTS = (0.15, 0.3, 0.5)


def train_account_model(worlds: list[Path], out: Path | None = None, *, seed: int = 0,
                        say: Callable[[str], None] | None = None, cuts: tuple[float, ...] = TRAIN_CUTS) -> dict[str, Any]:
    """Fit the supervised account model on labelled simulated worlds and save it (default: shipped path).

    Each world contributes its accounts' fingerprints over the whole history and, for each
    fraction in `cuts`, over the history up to that point of the world's time span.
    """
    import json

    from distillguard.errors import ConfigError
    from distillguard.fingerprints.score import save_model, train_supervised
    from distillguard.pipeline import StageTimes, compute_features  # the detect stages up to fingerprints

    say = say or (lambda s: None)
    fps: list[pa.Table] = []
    labels: dict[str, list[Any]] = {"account_id": [], "campaign": [], "world": []}
    for w_i, world in enumerate(worlds):
        lab = world / "labels.jsonl"
        if not lab.exists():
            raise ConfigError(f"{lab} not found: --world must be a folder written by `distillguard simulate`")
        truth = {}
        for line in lab.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                truth[r["account_id"]] = r.get("campaign")
        with tempfile.TemporaryDirectory(prefix="distillguard-train-") as tmp:
            say(f"ingest {world}")
            acc = [p for p in (world / "accounts.jsonl",) if p.exists()]
            ev = [p for p in (world / "events.jsonl",) if p.exists()]
            ingest_paths([world / "exchanges"], Path(tmp), accounts=acc, events=ev, turn_text=False)
            span = open_engine(Path(tmp)).sql(
                "SELECT min(epoch_us(ts)) AS lo, max(epoch_us(ts)) AS hi FROM exchanges").to_pylist()[0]
            for c_i, cut in enumerate((None, *cuts)):
                engine = open_engine(Path(tmp))
                if cut is not None:
                    say(f"fingerprints up to {cut:.0%} of {world.name}")
                    engine.restrict_until(int(span["lo"] + cut * (span["hi"] - span["lo"])))
                fp = compute_features(engine, say, StageTimes()).fingerprints
                # account ids are only unique within one world and one cut
                tag = f"{w_i}/{c_i}/"
                ids = fp.column("account_id").to_pylist()
                fps.append(fp.set_column(fp.schema.get_field_index("account_id"), "account_id",
                                         pa.array([tag + a for a in ids], pa.string())))
                labels["account_id"].extend(tag + a for a in ids)
                labels["campaign"].extend(truth.get(a) for a in ids)
                labels["world"].extend([w_i] * len(ids))   # each world weighs the same (train_supervised)
    fp_all = pa.concat_tables(fps)
    model = train_supervised(fp_all, pa.table(labels), seed=seed)
    model["trained_on"] = {"worlds": [str(w) for w in worlds], "cuts": list(cuts)}
    target = out or ACCOUNT_MODEL
    save_model(model, target)
    return {"out": str(target), "accounts": fp_all.num_rows, "worlds": [str(w) for w in worlds],
            "cuts": list(cuts), "features": len(model["features"])}
