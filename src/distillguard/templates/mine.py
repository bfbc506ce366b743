"""Mine prompt templates over all exchanges, across accounts.

Method (details and limits in docs/templates.md):

1. **Segments.** Each exchange's key text (system prompt + last user text, masked) is cut into
   segments and each segment hashed, inside the engine (`_text.py`). Exchanges whose two texts
   are the same (a first pass hashes them, 64 bits) share their segments, so the text work runs
   once per distinct pair of texts; the hashes are kept per batch for step 3 (`_segments.py`: in
   memory, or in a temporary folder above `sample_rows` texts).
2. **Fixed vs slot.** A segment is *fixed* when it occurs in at least `min_df` exchanges
   (counted exactly up to `sample_rows` exchanges, else on a deterministic hash sample of that
   size); everything else is slot content. Harness wrappers repeat across thousands of calls,
   pasted content, names and questions do not.
3. **Exact skeletons.** An exchange with at least one fixed anchor-sized segment (>= 4 words)
   gets the hash of its sequence of fixed segments and slot runs: its exact skeleton. The rest are
   *free-form*: they group only with near-exact repeats of the same masked text.
4. **Paraphrase merge.** Distinct skeletons (far fewer than exchanges) are rendered from one
   representative each, MinHashed over word bigrams and merged by LSH when their estimated
   Jaccard similarity is at least `merge_threshold`.

All per-exchange work after the SQL text pass is numpy over Arrow batches (fixed-segment lookup
through an open-addressing `HashIndex`); only distinct skeletons become Python strings.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from distillguard._arrays import unique_inverse
from distillguard.engine.base import Engine
from distillguard.schema.templates import EXCHANGE_TEMPLATES, TEMPLATES
from distillguard.templates import _lsh
from distillguard.templates._hashindex import HashIndex
from distillguard.templates._segments import SegmentCounts, SegmentParts
from distillguard.templates._text import EMPTY_SQL, segments_query, segments_text_query

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as batches finish; total may be 0 when unknown."""

_BUCKETS = 4096
_SLOT = np.uint64(0x5EED5107D00DF00D)
_SLOT_MARK = "{…}"
_FREE_SKELETON = "{free-form text}"
_MAX_SKELETON = 2000


def _flat(col: pa.Array, drop: np.uint64 | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flat uint64 values and 0-based offsets of a list<uint64> array (handles slices).

    Values equal to `drop` (the empty segment's hash) are removed.
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    offsets = col.offsets.to_numpy().astype(np.int64)
    values = col.values.to_numpy(zero_copy_only=False).astype(np.uint64, copy=False)
    values = values[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    if drop is not None and len(values):
        gone = values == drop
        if gone.any():
            lengths = np.diff(offsets)
            dropped = np.zeros(len(lengths), dtype=np.int64)
            nz = lengths > 0
            dropped[nz] = np.add.reduceat(gone, offsets[:-1][nz], dtype=np.int64)
            values = values[~gone]
            offsets = np.concatenate(([0], np.cumsum(lengths - dropped)))
    return values, offsets


def _row_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Wrapping uint64 sum of each row's values (0 for empty rows)."""
    n = len(offsets) - 1
    out = np.zeros(n, dtype=np.uint64)
    lengths = np.diff(offsets)
    nz = lengths > 0
    if nz.any():
        out[nz] = np.add.reduceat(values, offsets[:-1][nz])
    return out


def skeleton_hashes(flat: np.ndarray, offsets: np.ndarray, fixed_sorted: np.ndarray,
                    fixed_counts: np.ndarray | None = None, relative_df: float = 0.0,
                    index: HashIndex | None = None) -> dict[str, np.ndarray]:
    """Per-row skeleton hash, slot hash, full-text hash and flags from segment hashes.

    `fixed_sorted` is the array of frequent segment hashes, `fixed_counts` their counts; with
    `relative_df` > 0 a frequent segment is fixed only where its count is at least that share of
    the row's largest count. `index` is a prebuilt `HashIndex(fixed_sorted)` (built when omitted).
    """
    n = len(offsets) - 1
    lengths = np.diff(offsets)
    starts = offsets[:-1]
    m = len(flat)
    row_start = np.repeat(starts, lengths)
    pos = np.arange(m, dtype=np.int64) - row_start
    big = (flat & np.uint64(1)) == 1                  # anchor-sized segments
    fixed = _fixed_flags(flat, offsets, fixed_sorted, fixed_counts, relative_df, index)
    anchor = fixed & big
    cf_excl = np.cumsum(fixed, dtype=np.int64) - fixed
    rank = cf_excl - cf_excl[row_start] if m else cf_excl   # fixed segments before, in the row
    prev_fixed = np.concatenate(([True], fixed[:-1]))
    prev_fixed[pos == 0] = True
    slot_start = ~fixed & prev_fixed
    slot = ~fixed
    # mix64 of small position counters comes from a table; the rest only where it is used.
    top = int(pos.max()) + 1 if m else 1
    pos_mix = {k: _lsh.mix64(np.arange(top, dtype=np.uint64) + np.uint64(k)) for k in (1, 7, 13)}
    val = np.zeros(m, dtype=np.uint64)
    val[fixed] = _lsh.mix64(flat[fixed] ^ pos_mix[1][rank[fixed]])
    val[slot_start] = _lsh.mix64(_SLOT ^ pos_mix[1][rank[slot_start]])
    slot_val = np.zeros(m, dtype=np.uint64)
    slot_val[slot] = _lsh.mix64(flat[slot] ^ pos_mix[7][(pos - rank)[slot]])
    full_val = _lsh.mix64(flat ^ pos_mix[13][pos])
    row = np.repeat(np.arange(n), lengths)
    return {
        "skel": _row_sums(val, offsets),
        "slot": _row_sums(slot_val, offsets),
        "full": _row_sums(full_val, offsets),
        "anchored": np.bincount(row[anchor], minlength=n) > 0,
        "has_slot": np.bincount(row[slot], minlength=n) > 0,
    }


def _fixed_flags(flat: np.ndarray, offsets: np.ndarray, fixed_sorted: np.ndarray,
                 fixed_counts: np.ndarray | None = None, relative_df: float = 0.0,
                 index: HashIndex | None = None) -> np.ndarray:
    """Per segment of many rows (flat hashes + offsets): whether it is fixed wrapper text.

    A segment is fixed when it is frequent (in `fixed_sorted`) and, with `relative_df` > 0, its
    count is at least that share of the largest count among its row's anchor-sized segments.
    """
    if not (len(fixed_sorted) and len(flat)):
        return np.zeros(len(flat), dtype=bool)
    lengths = np.diff(offsets)
    ix = (index or HashIndex(fixed_sorted)).find(flat)
    fixed = ix >= 0
    if fixed_counts is not None and relative_df > 0:
        cnt = np.where(fixed, fixed_counts[ix], 0)
        big = (flat & np.uint64(1)) == 1
        # Only anchor-sized segments set the reference count of their row.
        nonempty = lengths > 0
        row_max = np.zeros(len(lengths), dtype=np.int64)
        row_max[nonempty] = np.maximum.reduceat(np.where(big, cnt, 0), offsets[:-1][nonempty])
        fixed &= cnt >= relative_df * np.repeat(row_max, lengths)
    return fixed


def _render(seg_text: list[str], fixed: np.ndarray) -> tuple[str, int]:
    """Readable skeleton: fixed segments kept, each run of slot segments shown once as {…}."""
    parts: list[str] = []
    fixed_chars = 0
    for s, f in zip(seg_text, fixed.tolist(), strict=True):
        if f:
            parts.append(s)
            fixed_chars += len(s)
        elif not parts or parts[-1] != _SLOT_MARK:
            parts.append(_SLOT_MARK)
    return " ".join(parts).replace(" § ", "\n§\n").replace("§ ", "§\n"), fixed_chars


def _where(until_us: int | None) -> str:
    return "" if until_us is None else f"WHERE epoch_us(ts) < {int(until_us)}"


def mine_templates(
    engine: Engine,
    *,
    progress: Progress | None = None,
    min_df: int = 3,
    sample_rows: int = 4_000_000,
    merge_threshold: float = 0.6,
    relative_df: float = 0.15,
    batch_rows: int = 131_072,
    until_us: int | None = None,
) -> tuple[pa.Table, pa.Table]:
    """Assign every exchange a template id and describe the templates.

    Parameters
    ----------
    engine
        Engine with an ``exchanges`` view.
    progress
        Optional ``progress(stage, done_rows, total_rows)`` callback.
    min_df
        A segment seen in at least this many (sampled) exchanges is fixed wrapper text.
    sample_rows
        Count segment frequencies exactly up to this many exchanges, else on a hash sample of it;
        keep the segment hashes in memory up to this many distinct texts, else in a temporary folder.
    merge_threshold
        Estimated Jaccard similarity (word bigrams) at which two exact skeletons merge.
    relative_df
        In one exchange, a frequent segment counts as fixed only if seen at least this share as
        often as the exchange's most frequent anchor-sized segment: slot values drawn from a pool (seed tasks,
        question lists) repeat, but each far less often than the wrapper around them.
    batch_rows
        Rows per Arrow batch.
    until_us
        Only exchanges with ``ts`` before this epoch-microsecond time.

    Returns
    -------
    (exchange_templates, templates)
        Tables with the schemas `schema.templates.EXCHANGE_TEMPLATES` and `TEMPLATES`.
    """
    where = _where(until_us)
    total = int(engine.sql(f"SELECT count(*) AS n FROM exchanges {where}").column(0)[0].as_py())
    take = _BUCKETS if total <= sample_rows else max(1, (_BUCKETS * sample_rows) // total)
    sampled = take < _BUCKETS
    empty = np.uint64(engine.sql(EMPTY_SQL).column(0)[0].as_py())

    # Pass 1, no text work: each exchange's metadata and a hash of the two texts its key text is
    # made of. Exchanges with the same texts get the same segments and skeleton, so the text work
    # below runs once per distinct pair (a harness's system prompt, a repeated question).
    rows = _exchange_rows(engine, where, batch_rows, progress, total)
    keys, inv, per_key = unique_inverse(rows.pop("text_hash"))  # type: ignore[arg-type]
    id_hash: np.ndarray = rows["id_hash"]  # type: ignore[assignment]
    # Segment frequencies count exchanges (all of them, or a deterministic hash sample).
    weights = (np.bincount(inv[id_hash % np.uint64(_BUCKETS) < np.uint64(take)], minlength=len(keys))
               if sampled else per_key)
    rep = _min_rows(inv, id_hash, len(keys))          # one exchange per distinct text pair
    engine.register("_tpl_texts", pa.table({"id_hash": id_hash[rep], "text_hash": keys,
                                            "tk": np.arange(len(keys), dtype=np.int64)}))
    texts = ("(SELECT r.tk, e.system_prompt, e.last_user_text FROM exchanges e JOIN _tpl_texts r "
             "ON hash(e.exchange_id) = r.id_hash AND hash(e.system_prompt, e.last_user_text) = r.text_hash)")

    # Pass 2, the text work on the distinct pairs: segment hashes kept per batch (spilled to a
    # temporary folder above `sample_rows` texts), each segment counted once per exchange.
    counts = SegmentCounts()
    seen = np.zeros(len(keys), dtype=bool)
    done = [0]
    with SegmentParts(spill=len(keys) > sample_rows) as parts:

        def segment_batch(b: pa.RecordBatch) -> pa.RecordBatch:
            flat, offsets = _flat(b.column("segs"), empty)
            tk = b.column("tk").to_numpy()
            first = _first_seen(tk, seen)             # a duplicated exchange row comes back twice
            if not first.all():
                tk, flat, offsets = _take_rows(first, tk, flat, offsets)
            counts.add(flat, np.repeat(weights[tk], np.diff(offsets)))
            parts.put(pa.record_batch([pa.array(tk)], names=["tk"]), flat, offsets)
            done[0] += len(tk)
            if progress:
                progress("segments", done[0], len(keys))
            return _NO_ROWS                    # not b.slice: a slice would keep b's buffers alive

        _map_batches(engine, segment_batch, segments_query(texts, "tk"), batch_rows)
        engine.unregister("_tpl_texts")
        if not seen.all():
            raise RuntimeError(f"template mining lost {int((~seen).sum())} texts between its two passes")
        fixed_sorted, fixed_counts = counts.frequent(min_df)
        index = HashIndex(fixed_sorted)

        # Skeleton hashes per distinct text (numpy over the kept batches), then per exchange.
        per_text = {k: np.zeros(len(keys), dtype=np.uint64) for k in ("skel", "slot", "full")}
        per_text.update({k: np.zeros(len(keys), dtype=bool) for k in ("anchored", "has_slot")})

        def skeleton_batch(part: tuple[pa.RecordBatch, np.ndarray, np.ndarray]) -> None:
            meta, flat, offsets = part
            tk = meta.column("tk").to_numpy()
            for k, v in skeleton_hashes(flat, offsets, fixed_sorted, fixed_counts, relative_df, index=index).items():
                per_text[k][tk] = v

        for _ in _ordered_map(skeleton_batch, parts.drain()):
            pass
    for k, v in per_text.items():
        rows[k] = v[inv]
    del per_text
    if progress:
        progress("skeletons", total, total)
    return _assemble(engine, rows, (fixed_sorted, fixed_counts, relative_df), merge_threshold, progress, empty)


def _exchange_rows(engine: Engine, where: str, batch_rows: int, progress: Progress | None,
                   total: int) -> dict[str, object]:
    """Per exchange (engine order): id, account, time, id hash and the hash of its two texts."""
    cols = ("exchange_id, account_id, epoch_us(ts) AS ts_us, hash(exchange_id) AS id_hash, "
            "hash(system_prompt, last_user_text) AS text_hash")
    done = [0]

    def keep(b: pa.RecordBatch) -> pa.RecordBatch:
        done[0] += b.num_rows
        if progress:
            progress("exchanges", done[0], total)
        # A copy: a column of an engine batch can keep the whole batch alive.
        return pa.record_batch([pa.concat_arrays([b.column(i)]) for i in range(b.num_columns)], schema=b.schema)

    batches = _map_batches(engine, keep, f"SELECT {cols} FROM exchanges {where}", batch_rows)
    t = pa.Table.from_batches([b if b.schema == _ROWS_SCHEMA else b.cast(_ROWS_SCHEMA) for b in batches],
                              schema=_ROWS_SCHEMA)
    out: dict[str, object] = {"exchange_id": t.column("exchange_id"), "account_id": t.column("account_id")}
    for k in ("ts_us", "id_hash", "text_hash"):
        out[k] = t.column(k).to_numpy()
    return out


_NO_ROWS = pa.record_batch([pa.array([], pa.int64())], names=["tk"])
_ROWS_SCHEMA = pa.schema([("exchange_id", pa.string()), ("account_id", pa.string()), ("ts_us", pa.int64()),
                          ("id_hash", pa.uint64()), ("text_hash", pa.uint64())])


def _min_rows(inv: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1 (each row's group in `inv`), the row with the smallest value; ties go to
    the first row (order-independent when values are distinct, as id hashes are)."""
    low = np.full(n, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(low, inv, values)
    cand = np.flatnonzero(values == low[inv])       # ascending: ties go to the first row
    _, first = np.unique(inv[cand], return_index=True)
    return cand[first]


def _first_seen(tk: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Rows of a batch whose text index comes for the first time (marks them in `seen`)."""
    first = ~seen[tk]
    _, at = np.unique(tk, return_index=True)
    once = np.zeros(len(tk), dtype=bool)
    once[at] = True
    first &= once
    seen[tk[first]] = True
    return first


def _take_rows(keep: np.ndarray, tk: np.ndarray, flat: np.ndarray,
               offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lengths = np.diff(offsets)
    return tk[keep], flat[np.repeat(keep, lengths)], np.concatenate(([0], np.cumsum(lengths[keep])))


def _ordered_map(fn: Callable[[Any], Any], items: Iterator[Any], workers: int = 2) -> Iterator[Any]:
    """`map(fn, items)` in threads, in order, with at most `2 * workers` items loaded at once.

    For numpy work on big arrays, which runs without the GIL: the skeleton loop over 3M exchanges in
    spilled parts took 4.4 s in one thread and 2.3-2.4 s in two.
    """
    pending: deque[Future[Any]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dg-templates") as pool:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _map_batches(engine: Engine, fn: Callable[[pa.RecordBatch], pa.RecordBatch], query: str,
                 batch_rows: int) -> list[pa.RecordBatch]:
    """Stream a query's batches through `fn`.

    On DuckDB this reads the relation's Arrow stream directly (duckdb 2.0 has no
    ``fetch_record_batch`` on results, which ``DuckDBEngine.map_batches`` still calls); other
    engines use their ``map_batches``.
    """
    con = getattr(engine, "con", None)
    if con is not None and hasattr(con, "sql") and getattr(engine, "name", "") == "duckdb":
        return [fn(b) for b in con.sql(query).to_arrow_reader(batch_rows)]
    return engine.map_batches(fn, query, batch_rows)


def _assemble(engine: Engine, rows: dict, fixed: tuple, merge_threshold: float,
              progress: Progress | None, empty: np.uint64) -> tuple[pa.Table, pa.Table]:
    anchored: np.ndarray = rows["anchored"]  # type: ignore[assignment]
    n = len(anchored)
    key = np.where(anchored, rows["skel"], rows["full"]).astype(np.uint64)  # type: ignore[arg-type]
    # Separate the two key spaces so a skeleton hash never equals a free-form text hash.
    key = np.where(anchored, key, _lsh.mix64(key ^ np.uint64(0xF4EE)))

    # Distinct exact skeletons and a representative exchange each (min id hash: order-independent).
    a_idx = np.flatnonzero(anchored)
    skel_keys, skel_inv, skel_counts = unique_inverse(key[a_idx])
    id_hash: np.ndarray = rows["id_hash"]  # type: ignore[assignment]
    rep_rows = a_idx[_min_rows(skel_inv, id_hash[a_idx], len(skel_keys))]
    texts, fixed_chars = _representatives(engine, rows["exchange_id"], rep_rows, fixed, empty)  # type: ignore[arg-type]
    if progress:
        progress("merge", 0, len(skel_keys))

    # Merge paraphrased skeletons: MinHash over word bigrams, LSH, union of verified pairs.
    flat, offsets = _lsh.word_shingles(texts)
    sig = _lsh.minhash(flat, offsets, num_perm=64)
    labels = _lsh.cluster(sig, merge_threshold, bands=16, rows=4)
    n_comp = int(labels.max()) + 1 if len(labels) else 0
    # Canonical skeleton of a component: most exchanges, then smallest text.
    canon = np.full(n_comp, -1, dtype=np.int64)
    order_c = sorted(range(len(labels)), key=lambda i: (labels[i], -int(skel_counts[i]), texts[i]))
    for i in order_c:
        if canon[labels[i]] < 0:
            canon[labels[i]] = i
    variants = np.bincount(labels, minlength=n_comp)
    comp_ids = [f"tpl-{xxhash.xxh64_hexdigest(texts[canon[c]].encode())}" for c in range(n_comp)]

    # Free-form keys: one id per distinct masked text.
    f_idx = np.flatnonzero(~anchored)
    ff_keys, ff_inv, _ = unique_inverse(key[f_idx])
    ff_ids = [f"txt-{int(k):016x}" for k in ff_keys]

    # Dictionary-encoded template id per exchange.
    dictionary = pa.array(comp_ids + ff_ids, pa.string())
    codes = np.empty(n, dtype=np.int32)
    codes[a_idx] = labels[skel_inv] if len(a_idx) else 0
    codes[f_idx] = n_comp + ff_inv
    template_id = pa.DictionaryArray.from_arrays(pa.array(codes), dictionary)

    tpl_kind = ["template"] * n_comp + ["free_form"] * len(ff_ids)
    skeletons = [texts[canon[c]][:_MAX_SKELETON] for c in range(n_comp)] + [_FREE_SKELETON] * len(ff_ids)
    fixed = [int(fixed_chars[canon[c]]) for c in range(n_comp)] + [0] * len(ff_ids)
    # A single skeleton without any slot is an exact repeat of the same prompt.
    has_slot_comp = np.zeros(n_comp, dtype=bool)
    if len(a_idx):
        np.logical_or.at(has_slot_comp, labels[skel_inv], rows["has_slot"][a_idx])  # type: ignore[index]
    for c in range(n_comp):
        if not has_slot_comp[c] and variants[c] == 1:
            tpl_kind[c] = "repeat"
    meta = pa.table({
        "code": pa.array(np.arange(len(dictionary), dtype=np.int32)),
        "kind": pa.array(tpl_kind, pa.string()),
        "skeleton": pa.array(skeletons, pa.string()),
        "variants": pa.array(np.concatenate([variants, np.ones(len(ff_ids), dtype=np.int64)]).astype(np.int64)),
        "fixed_chars": pa.array(fixed, pa.int64()),
    })
    work = pa.table({
        "exchange_id": rows["exchange_id"], "account_id": rows["account_id"], "code": pa.array(codes),
        "ts": pa.array(rows["ts_us"]).cast(pa.timestamp("us", tz="UTC")), "slot_hash": pa.array(rows["slot"]),
    })
    engine.register("_tpl_work", work)
    engine.register("_tpl_meta", meta)
    agg = engine.sql(_TEMPLATES_SQL)
    # Order-independent output: templates by template_id.
    agg = agg.append_column("template_id", pc.take(dictionary, agg.column("code")))
    templates = agg.select(TEMPLATES.names).sort_by("template_id").cast(TEMPLATES.schema)
    exchange_templates = pa.table({
        "exchange_id": rows["exchange_id"], "account_id": rows["account_id"],
        "template_id": template_id.cast(pa.string()), "slot_hash": pa.array(rows["slot"], pa.uint64()),
    }, schema=EXCHANGE_TEMPLATES.schema)
    engine.unregister("_tpl_work", "_tpl_meta")
    if progress:
        progress("templates", len(templates), len(templates))
    return exchange_templates, templates


_TEMPLATES_SQL = """
WITH per_acct AS (
  SELECT code, account_id, count(*) AS n FROM _tpl_work GROUP BY code, account_id
), acct AS (
  SELECT code, count(*) AS accounts, max(n) AS top_n FROM per_acct GROUP BY code
), base AS (
  SELECT code, count(*) AS exchanges, min(ts) AS first_seen, max(ts) AS last_seen,
         count(DISTINCT slot_hash) AS slots
  FROM _tpl_work GROUP BY code
)
SELECT b.code, m.kind, b.exchanges, a.accounts, CAST(a.top_n AS DOUBLE) / b.exchanges AS top_account_share,
       b.first_seen, b.last_seen, m.skeleton,
       CAST(b.slots AS DOUBLE) / b.exchanges AS slot_diversity, m.variants, m.fixed_chars
FROM base b JOIN acct a ON a.code = b.code JOIN _tpl_meta m ON m.code = b.code
"""


def _representatives(engine: Engine, exchange_id: pa.ChunkedArray, rep_rows: np.ndarray,
                     fixed: tuple, empty: np.uint64) -> tuple[list[str], np.ndarray]:
    """Render the skeleton text of each representative exchange (in rep_rows order)."""
    if len(rep_rows) == 0:
        return [], np.zeros(0, dtype=np.int64)
    ids = pc.take(exchange_id, pa.array(rep_rows))
    engine.register("_tpl_reps", pa.table({"exchange_id": ids, "ord": pa.array(np.arange(len(rep_rows)))}))
    # The representatives' texts first, then the text work on them alone: as one query DuckDB
    # ran the segment expressions before the join (10x slower at 7.5M exchanges).
    texts_in = engine.sql("SELECT r.ord, e.exchange_id, e.system_prompt, e.last_user_text "
                          "FROM exchanges e JOIN _tpl_reps r ON e.exchange_id = r.exchange_id")
    engine.register("_tpl_rep_text", texts_in)
    q = segments_text_query("_tpl_rep_text")
    res = engine.sql(f"SELECT r.ord, s.seg_text, s.segs FROM ({q}) s JOIN _tpl_reps r USING (exchange_id)")
    engine.unregister("_tpl_reps", "_tpl_rep_text")
    texts = [""] * len(rep_rows)
    fixed_chars = np.zeros(len(rep_rows), dtype=np.int64)
    ords = res.column("ord").to_pylist()
    seg_texts = res.column("seg_text").to_pylist()
    flat, offsets = _flat(res.column("segs"))
    keep = flat != empty
    row = np.repeat(np.arange(len(ords)), np.diff(offsets))
    kept_offsets = np.concatenate(([0], np.cumsum(np.bincount(row[keep], minlength=len(ords)))))
    fixed_kept = _fixed_flags(flat[keep], kept_offsets, *fixed)
    for j, (o, st) in enumerate(zip(ords, seg_texts, strict=True)):
        k = keep[offsets[j]:offsets[j + 1]].tolist()
        texts[o], fixed_chars[o] = _render([t for t, kk in zip(st, k, strict=True) if kk],
                                           fixed_kept[kept_offsets[j]:kept_offsets[j + 1]])
    return texts, fixed_chars
