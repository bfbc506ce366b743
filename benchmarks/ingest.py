"""Ingest benchmark: generate N contract records as JSONL.gz, ingest them, report speed and memory.

    python benchmarks/ingest.py --n 1000000            # the figure in docs/benchmarks.md
    python benchmarks/ingest.py --n 16000000           # the 16M figure

Records come from `distillguard.testing.make_exchange` (both request forms, optional fields
varied, ~0.9 KB each). Ingest runs in a child process so its peak RSS is measured alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from distillguard.testing import make_exchange


def generate(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    chunk: list[bytes] = []
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for i in range(n):
            chunk.append(orjson.dumps(make_exchange(rng, i, n_accounts=max(1000, n // 700))))
            if len(chunk) == 50_000:
                fh.write(b"\n".join(chunk) + b"\n")
                chunk = []
        if chunk:
            fh.write(b"\n".join(chunk) + b"\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", type=Path, default=None, help="keep data here instead of a temp folder")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="dg-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"exchanges-{args.n}.jsonl.gz"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.n, args.seed)
        print(f"generated {args.n:,} records in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    store = work / "store"
    subprocess.run(["rm", "-rf", str(store)], check=True)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(data), "--store", str(store),
                           "--json", "--quiet"], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"ingest failed ({proc.returncode}): {proc.stderr}")
    report = json.loads(proc.stdout)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = data.stat().st_size / 1e6
    result = {
        "n": args.n, "rows_stored": report["rows_stored"], "wall_s": round(wall, 1),
        "records_per_s": round(args.n / wall), "compressed_mb_per_s": round(size_mb / wall, 1),
        "input_mb_gz": round(size_mb, 1), "peak_rss_mb": round(peak_mb), "cpus": 2,
        "command": f"python benchmarks/ingest.py --n {args.n}",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
