"""End-to-end `distillguard detect` benchmark: wall time per stage and peak memory on a world.

    distillguard simulate --scale seed --seed 5 --config benchmarks/worlds/heldout.toml \\
        --corpus ../shared/data --format parquet --out /tmp/seedw
    python benchmarks/detect.py /tmp/seedw --work /tmp/seedw-detect

Runs `distillguard detect` on the world's exchanges, accounts and events in a child process
(so the figure is detect alone), samples the resident memory of its whole process tree
(workers included) every half second, and prints one JSON object: exchanges, accounts, wall
seconds, seconds per stage (from detect's own --json summary), exchanges per second, peak RSS
of the tree and of the largest process, the main process's peak RSS as each stage ended (the
stage where it jumps raised it), the machine's CPU count, and `machine`: the processor, the
library versions and the time of one fixed DuckDB workload (`calibration_s`), so that times taken
on different hosts or library versions can be told apart from changes of the code. With --results DIR the
JSON is also written to DIR/detect-<world name>.json.

    python benchmarks/detect.py /tmp/seedw --work /tmp/seedw-detect --reuse-store

re-runs only the stages after ingest on the store a previous run left in WORK/store
(`pipeline.analyse_store`); the ingest seconds then come from that store's ingest report.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


REUSE = """
import json, sys
from pathlib import Path
from distillguard.pipeline import analyse_store
r = analyse_store(Path(sys.argv[1]), Path(sys.argv[2]))
print(json.dumps({"accounts": r.accounts, "flagged": r.flagged, "campaigns": r.campaigns,
                  "seconds": {k: round(v, 2) for k, v in r.seconds.items()},
                  "peak_rss_mb": r.seconds.peak_rss_mb}))
"""


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(sum, max) resident MB of `pid` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    total, largest, todo = 0.0, 0.0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0.0)
        largest = max(largest, rss.get(p, 0.0))
        todo.extend(children.get(p, []))
    return total, largest


def machine() -> dict[str, object]:
    """What a time depends on besides the code: the processor, the library versions, and a fixed workload's time.

    Sessions run on different hosts and install whatever versions the registry offers, so a
    time from another day is comparable only when these agree. `calibration_s` is the best of
    three runs of one fixed single-threaded DuckDB query (hashing and summing 100M integers, about
    0.6 s on the host of docs/benchmarks.md's seed 123): a larger figure says a slower host. How
    each stage of detect scales with it has not been measured.
    """
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import duckdb

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    libs = {}
    for name in ("duckdb", "pyarrow", "numpy", "scikit-learn", "scipy", "graspologic-native", "datasketch"):
        try:
            libs[name] = version(name)
        except PackageNotFoundError:
            libs[name] = None
    con = duckdb.connect()
    con.execute("SET threads = 1")
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        con.execute("SELECT sum(hash(i) % 1000) FROM range(100000000) r(i)").fetchall()
        best = min(best, time.perf_counter() - t)
    con.close()
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(), "libraries": libs,
            "calibration_s": round(best, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("world", type=Path, help="folder written by `distillguard simulate`")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder for the store and outputs (emptied)")
    ap.add_argument("--results", type=Path, help="also write the JSON here")
    ap.add_argument("--reuse-store", action="store_true", help="skip ingest: analyse WORK/store as it is")
    args = ap.parse_args()
    host = machine()  # before detect, on the same quiet machine
    if args.reuse_store:
        cmd = [sys.executable, "-c", REUSE, str(args.work / "store"), str(args.work / "out")]
    else:
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        cmd = [sys.executable, "-m", "distillguard.cli.main", "detect", str(args.world / "exchanges"),
               "--accounts", str(args.world / "accounts.jsonl"), "--events", str(args.world / "events.jsonl"),
               "--out", str(args.work / "out"), "--store", str(args.work / "store"), "--json"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak_tree = peak_one = 0.0
    while proc.poll() is None:
        total, largest = tree_rss_mb(proc.pid)
        peak_tree, peak_one = max(peak_tree, total), max(peak_one, largest)
        time.sleep(0.5)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode != 0:
        print(f"detect failed with exit code {proc.returncode}", file=sys.stderr)
        return 1
    summary = json.loads(out)
    if args.reuse_store:  # the ingest figures of the run that built the store
        runs = sorted((args.work / "store" / "runs").glob("*.json"))
        summary["ingest"] = json.loads(runs[0].read_text())
        summary["seconds"] = {"ingest": round(summary["ingest"]["seconds"], 2), **summary["seconds"]}
        wall += summary["ingest"]["seconds"]
    n = summary["ingest"]["counts"]["exchange"]["rows_stored"]
    result = {
        "world": str(args.world), "exchanges": n, "accounts": summary["accounts"], "flagged": summary["flagged"],
        "campaigns": summary["campaigns"], "wall_s": round(wall, 1), "stages_s": summary["seconds"],
        "exchanges_per_s": round(n / wall) if n else None, "peak_rss_tree_mb": round(peak_tree),
        "main_process_peak_rss_mb_after_stage": summary.get("peak_rss_mb"),
        "peak_rss_process_mb": round(peak_one), "cpus": os.cpu_count(), "machine": host,
    }
    print(json.dumps(result, indent=1))
    if args.results:
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / f"detect-{args.world.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
