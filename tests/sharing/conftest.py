"""One tiny simulated world, detected once with its store kept, shared by the sharing tests."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

KEY = b"partners-shared-secret-0123456789"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "distillguard.cli.main", *args], capture_output=True, text=True)


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    from distillguard.simulate import simulate_world

    out = tmp_path_factory.mktemp("share-world")
    simulate_world(out, scale="tiny", seed=11)
    return out


@pytest.fixture(scope="session")
def detected(world, tmp_path_factory) -> tuple[Path, Path]:
    """(results folder, store folder) of `detect` on the tiny world."""
    base = tmp_path_factory.mktemp("share-detect")
    proc = run_cli("detect", str(world / "exchanges"), "--accounts", str(world / "accounts.jsonl"),
                   "--events", str(world / "events.jsonl"), "--out", str(base / "results"),
                   "--store", str(base / "store"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    return base / "results", base / "store"


@pytest.fixture(scope="session")
def key_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("share-key") / "share.key"
    p.write_bytes(KEY + b"\n")
    return p


@pytest.fixture(scope="session")
def bundle(detected, key_file, tmp_path_factory) -> Path:
    results, store = detected
    out = tmp_path_factory.mktemp("share-bundle") / "bundle.json"
    proc = run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out", str(out),
                   "--share-key", str(key_file))
    assert proc.returncode == 0, proc.stderr
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
