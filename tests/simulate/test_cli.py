"""`distillguard simulate` on the command line."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from distillguard.cli.main import app


def test_cli_json_summary(tmp_path):
    res = CliRunner().invoke(app, ["simulate", "--scale", "tiny", "--seed", "4", "--out", str(tmp_path / "w"),
                                   "--format", "parquet", "--json"])
    assert res.exit_code == 0, res.output
    summary = orjson.loads(res.stdout)
    assert summary["format"] == "parquet" and summary["exchanges"] > 0
    assert (tmp_path / "w" / "exchanges" / "part-00000.parquet").is_file()
    assert (tmp_path / "w" / "world.json").is_file()


def test_cli_errors_are_one_line(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[world]\ndays = 0\n")
    res = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "w"), "--config", str(cfg)])
    assert res.exit_code == 2
    assert res.output.startswith("error: world.days") and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "w"), "--corpus", str(tmp_path)])
    assert res.exit_code == 3 and res.output.startswith("error: corpus folder")
