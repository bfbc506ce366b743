"""`distillguard fingerprint` on a tiny store."""

from __future__ import annotations

import pyarrow.parquet as pq
from fp_toyworld import make_world
from typer.testing import CliRunner

from distillguard.cli.main import app


def test_fingerprint_command_writes_four_tables(tmp_path) -> None:
    world = make_world(seed=2, n_benign=10, n_campaign=6)
    store = tmp_path / "store"
    for name in ("exchanges", "accounts", "events"):
        (store / name).mkdir(parents=True)
        pq.write_table(world[name], store / name / "part-0.parquet")
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["fingerprint", "--store", str(store), "--out", str(out), "--quiet", "--json"])
    assert res.exit_code == 0, res.output
    for name in ("templates", "exchange_templates", "fingerprints", "account_scores"):
        assert (out / f"{name}.parquet").is_file()
    fp = pq.read_table(out / "fingerprints.parquet")
    assert fp.num_rows == len(set(world["exchanges"].column("account_id").to_pylist()))


def test_missing_store_is_an_input_error(tmp_path) -> None:
    res = CliRunner().invoke(app, ["fingerprint", "--store", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3


def test_train_agree_joins_models_and_needs_two(tmp_path) -> None:
    from pathlib import Path

    import distillguard.fingerprints.score as score

    shipped = Path(score.__file__).with_name("model") / "accounts.pkl"
    out = tmp_path / "agree.pkl"
    res = CliRunner().invoke(app, ["train", "agree", str(shipped), str(shipped), "--out", str(out)])
    assert res.exit_code == 0, res.output
    joined, one = score.load_model(out), score.load_model(shipped)
    assert len(joined["agree"]) == 2 * len(one.get("agree", [])) + 1 and joined["features"] == one["features"]
    res = CliRunner().invoke(app, ["train", "agree", str(shipped), "--out", str(tmp_path / "one.pkl")])
    assert res.exit_code != 0 and "two models" in res.output and not (tmp_path / "one.pkl").exists()
