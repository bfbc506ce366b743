"""Every command's --help reads cleanly: no typer type placeholders, each flag documented."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from distillguard.cli.main import app


def _commands() -> list[list[str]]:
    root = typer.main.get_command(app)
    out: list[list[str]] = [[]]

    def walk(cmd: object, path: list[str]) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            out.append([*path, name])
            walk(sub, [*path, name])

    walk(root, [])
    return out


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p) or "distillguard")
def test_help_has_no_type_placeholders(path):
    res = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert not re.search(r"<(bool|int|str|float|path|list\[\w+\]|int range|float range)>", res.output), res.output
    assert "--help" in res.output


def test_every_command_is_listed():
    names = {p[0] for p in _commands() if p}
    assert {"ingest", "simulate", "detect", "report", "quarantine", "train", "evaluate", "fingerprint"} <= names


def test_simulate_takes_short_quiet(tmp_path):
    res = CliRunner().invoke(app, ["simulate", "-q", "--scale", "tiny", "--seed", "3", "--out", str(tmp_path / "w")])
    assert res.exit_code == 0, res.output
    assert res.output == "" and (tmp_path / "w" / "labels.jsonl").is_file()
