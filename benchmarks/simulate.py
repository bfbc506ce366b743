"""Benchmark the simulator: records/s (wall and CPU) and peak RSS.

    python benchmarks/simulate.py --scale small [--seed 0] [--out DIR] [--corpus DIR] [--config FILE]

Prints one JSON line. Peak RSS comes from resource.getrusage (this process and its children).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="small", choices=["tiny", "small", "full", "seed"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one, removed)")
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--format", dest="fmt", default=None, choices=["jsonl", "parquet"])
    args = ap.parse_args()
    from distillguard.simulate import simulate_world

    out = args.out or Path(tempfile.mkdtemp(prefix="dg-sim-"))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        summary = simulate_world(out, scale=args.scale, seed=args.seed, corpus=args.corpus, config=args.config,
                                 fmt=args.fmt, progress=sys.stderr.isatty())
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    wall = time.perf_counter() - wall0
    self_ru = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu0 + kids.ru_utime + kids.ru_stime
    rss_mb = max(self_ru.ru_maxrss, kids.ru_maxrss) / 1024
    print(json.dumps({
        "scale": args.scale, "format": summary["format"], "exchanges": summary["exchanges"],
        "accounts": summary["accounts"], "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
        "records_per_s_wall": round(summary["exchanges"] / wall), "records_per_s_cpu": round(summary["exchanges"] / cpu),
        "peak_rss_mb": round(rss_mb), "output_mb": round(size / 2**20, 1),
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
