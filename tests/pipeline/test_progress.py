"""Progress bars: drawn on a terminal, per stage with counts; never with -q or into a pipe."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from badfiles import KINDS


def _run_on_a_terminal(args: list[str]) -> tuple[int, str]:
    master, slave = os.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "distillguard.cli.main", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode("utf-8", "replace"))
    return proc.returncode, text


def test_detect_draws_stage_progress_on_a_terminal_only(tmp_path):
    good, n, _ = KINDS["valid"](tmp_path, 1, 120)
    rc, text = _run_on_a_terminal(["detect", str(good), "--out", str(tmp_path / "out")])
    assert rc == 0, text
    for stage in ("ingest", "classify", "templates", "fingerprints", "linking", "write"):
        assert stage in text, (stage, text)
    assert "120 records" in text  # ingest and classify count records
    rc, quiet = _run_on_a_terminal(["detect", str(good), "--out", str(tmp_path / "out2"), "-q"])
    assert rc == 0 and quiet.strip() == "", quiet
    piped = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "detect", str(good), "--out",
                            str(tmp_path / "out3")], capture_output=True, text=True)
    assert piped.returncode == 0 and "classify" not in piped.stderr and "records/s" not in piped.stderr
