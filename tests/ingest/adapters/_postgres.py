"""Start a throwaway Debian PostgreSQL server for a test (initdb in a temporary folder, trust auth).

`scripts/install_postgres.sh` (run by `make test`) installs the server; without it the caller
skips with the reason this module gives.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def server_bin() -> Path | None:
    """The folder holding Debian's initdb and pg_ctl (the newest installed major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres() -> Iterator[str]:
    """Run a server for the block; yield its URL. Raises RuntimeError (with the server's output) if it cannot start.

    Its folder is made under the system temporary folder (pytest's own are private to the user,
    and the server runs as `postgres` when the tests run as root) and removed afterwards.
    """
    bindir = server_bin()
    if bindir is None:
        raise RuntimeError("Debian PostgreSQL is not installed (bash scripts/install_postgres.sh installs it)")
    base = Path(tempfile.mkdtemp(prefix="distillguard-pg-"))
    data, sock = base / "pgdata", base / "pgsock"
    sock.mkdir(parents=True, exist_ok=True)
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: use Debian's postgres account
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()

    def run(*cmd: str) -> None:
        proc = subprocess.run([*as_user, *cmd], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {(proc.stderr or proc.stdout).strip()[-400:]}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(base / "pg.log"), "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)
