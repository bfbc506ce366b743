"""Render plan chunks to output batches, in this process or in a pool of forked workers.

Rendering is a pure function of a chunk, so the bytes do not depend on the number of workers;
results are consumed in submission order.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa

from distillguard.simulate import timing as T
from distillguard.simulate.ids import hex_ids
from distillguard.simulate.records import Assembler
from distillguard.simulate.schema import TRUTH
from distillguard.simulate.writer import exchanges_table, write_part

_STATE: dict = {}


def init(asm: Assembler, fmt: str, seed: int, ts_style: np.ndarray, profiles: np.ndarray, folder: Path) -> None:
    _STATE.update(asm=asm, fmt=fmt, seed=seed, ts_style=ts_style, profiles=profiles, folder=folder)


def render_chunk(task: tuple[dict[str, np.ndarray], int, int]) -> tuple[str, pa.Table]:
    """Render one chunk and write it as exchange part `index`; return (path, truth table)."""
    plan, counter, index = task
    s = _STATE
    n = plan["ts"].size
    rids = hex_ids("req_", np.arange(counter, counter + n), s["seed"], "request")
    tss = T.rfc3339(plan["ts"], s["ts_style"][s["profiles"][plan["acct"]]])
    chunk = {k: v.tolist() for k, v in plan.items()}
    asm: Assembler = s["asm"]
    trows = []
    if s["fmt"] == "jsonl":
        out: object = []
        for i in range(n):
            rec, t = asm.row(i, chunk, rids[i], tss[i], False)
            out.append(orjson.dumps(rec) + b"\n")
            trows.append(t)
    else:
        rows = []
        for i in range(n):
            rec, t = asm.row(i, chunk, rids[i], tss[i], True)
            rows.append(rec)
            trows.append(t)
        out = exchanges_table(rows)
    cols = list(zip(*trows)) if trows else [[] for _ in TRUTH.names]
    truth = pa.Table.from_arrays([pa.array(list(c), type=f.type) for c, f in zip(cols, TRUTH)], schema=TRUTH)
    return write_part(s["folder"], index, s["fmt"], out), truth


def run(tasks: Iterable[tuple[dict[str, np.ndarray], int, int]], workers: int,
        sink: Callable[[str, pa.Table], None]) -> None:
    """Render every task and hand results to `sink` in order."""
    if workers <= 1:
        for task in tasks:
            sink(*render_chunk(task))
        return
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(render_chunk, (task,)))
            while len(pending) > workers:
                sink(*pending.popleft().get())
        while pending:
            sink(*pending.popleft().get())
