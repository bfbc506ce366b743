"""`detect` answers every kind of bad input with one line and a known exit code, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from badfiles import KINDS
from distillguard.engine import open_engine

EXIT_CODES = {0, 3, 5}  # success; quarantine over --max-quarantine; no valid record


def detect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "distillguard.cli.main", "detect", *args, "--quiet"],
                          capture_output=True, text=True)


@pytest.mark.parametrize("kind", ["empty", "garbage", "wrong_fields", "json_array", "not_gzip", "damaged_parquet"])
def test_no_valid_record_is_one_line_and_exit_5(tmp_path, kind):
    path, _, _ = KINDS[kind](tmp_path, 1, 3)
    proc = detect(str(path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 5, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("error: no ") and "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    if kind != "empty":  # the reasons are named with their counts, and the quarantine is where it says
        assert "quarantined (" in lines[0] and "=" in lines[0]
        assert (tmp_path / "out" / "quarantine").is_dir()
        assert f"--store {tmp_path / 'out'}" in proc.stderr
    assert not (tmp_path / "out" / "accounts.csv").exists()


def test_quarantine_goes_to_out_and_lists_by_reason(tmp_path):
    good, n_good, _ = KINDS["valid"](tmp_path, 2, 30)
    mixed, n_mixed, _ = KINDS["mixed_lines"](tmp_path, 3, 10)
    proc = detect(str(good), str(mixed), "--out", str(tmp_path / "out"), "--max-quarantine", "50")
    assert proc.returncode == 0, proc.stderr
    assert f"list them with `distillguard quarantine --store {tmp_path / 'out'}`" in proc.stderr
    assert "DIR" not in proc.stderr
    listing = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "quarantine", "--store",
                              str(tmp_path / "out"), "--json"], capture_output=True, text=True)
    assert listing.returncode == 0, listing.stderr
    groups = json.loads(listing.stdout)["reasons"]
    assert sum(g["rows"] for g in groups) == n_mixed // 2
    assert all(g["samples"] and g["samples"][0]["source"] == str(mixed.resolve()) for g in groups)
    text = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "quarantine", "--store",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert text.returncode == 0 and groups[0]["reason"] in text.stdout


def test_max_quarantine_exits_3_after_writing_outputs(tmp_path):
    good, _, _ = KINDS["valid"](tmp_path, 4, 20)
    mixed, _, _ = KINDS["mixed_lines"](tmp_path, 5, 10)  # 5 of 30 records bad: 17%
    proc = detect(str(good), str(mixed), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3, proc.stderr
    assert "over the --max-quarantine limit of 1%" in proc.stderr and "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "accounts.csv").exists()
    ok = detect(str(good), str(mixed), "--out", str(tmp_path / "out2"), "--max-quarantine", "20")
    assert ok.returncode == 0, ok.stderr


def test_truncated_file_among_good_ones_goes_on_unless_strict(tmp_path):
    good, _, _ = KINDS["valid"](tmp_path, 6, 200)
    cut, _, _ = KINDS["truncated_gz"](tmp_path, 7, 400)
    proc = detect(str(good), str(cut), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "store"),
                  "--max-quarantine", "100")
    assert proc.returncode == 0, proc.stderr
    assert "could not read 1 file(s) to the end" in proc.stderr and cut.name in proc.stderr
    stored = open_engine(tmp_path / "store").sql("SELECT count(*) FROM exchanges").column(0)[0].as_py()
    assert stored > 200  # every record of the good file and what was read of the cut one
    strict = detect(str(good), str(cut), "--out", str(tmp_path / "out2"), "--strict")
    assert strict.returncode == 3 and strict.stderr.startswith("error: cannot read") and cut.name in strict.stderr


def test_unreadable_accounts_and_events_files_are_one_line(tmp_path):
    good, _, _ = KINDS["valid"](tmp_path, 8, 10)
    bad = tmp_path / "accounts.csv"
    bad.write_bytes(b"")
    for flag, path in (("--accounts", bad), ("--events", tmp_path / "missing.jsonl")):
        proc = detect(str(good), flag, str(path), "--out", str(tmp_path / "out"))
        assert proc.returncode == 3, proc.stderr
        assert proc.stderr.startswith("error: cannot read") and path.name in proc.stderr.splitlines()[0]
        assert "Traceback" not in proc.stderr


def test_bad_infra_folder_is_a_usage_error(tmp_path):
    good, _, _ = KINDS["valid"](tmp_path, 9, 5)
    (tmp_path / "lists").mkdir()
    proc = detect(str(good), "--out", str(tmp_path / "out"), "--infra", str(tmp_path / "lists"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: --infra") and "Traceback" not in proc.stderr
