"""The one-pass mining machinery: hash index, segment counts and parts, batch-independent results."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from distillguard.engine import open_engine
from distillguard.templates import mine_templates, skeleton_hashes
from distillguard.templates._hashindex import HashIndex
from distillguard.templates._lsh import mix64
from distillguard.templates._segments import SegmentCounts, SegmentParts
from distillguard.templates.mine import _SLOT

M64 = (1 << 64) - 1


def test_hash_index_finds_keys_and_only_keys() -> None:
    rng = np.random.default_rng(0)
    keys = np.unique(rng.integers(0, 2**64 - 1, 5_000, dtype=np.uint64))
    # Keys sharing their top bits collide in the table and must probe past each other.
    keys = np.unique(np.concatenate([keys, (keys[:300] & np.uint64(0xFFFFFFFF00000000)) | np.uint64(5)]))
    idx = HashIndex(keys)
    assert (idx.find(keys) == np.arange(len(keys))).all()
    q = np.concatenate([rng.integers(0, 2**64 - 1, 20_000, dtype=np.uint64), keys[::7], keys[:50] ^ np.uint64(1)])
    expect = np.array([int(np.searchsorted(keys, x)) if x in set(keys.tolist()) else -1 for x in q.tolist()])
    assert (idx.find(q) == expect).all()
    assert (HashIndex(np.empty(0, np.uint64)).find(q[:5]) == -1).all()
    assert len(idx.find(np.empty(0, np.uint64))) == 0


def test_segment_counts_are_exact_across_compactions() -> None:
    rng = np.random.default_rng(1)
    batches = [rng.integers(0, 400, rng.integers(0, 300), dtype=np.uint64) for _ in range(40)]
    c = SegmentCounts(compact_every=3)
    for b in batches:
        c.add(b)
    u, n = c.frequent(3)
    ref_u, ref_n = np.unique(np.concatenate(batches), return_counts=True)
    keep = ref_n >= 3
    assert u.tolist() == ref_u[keep].tolist() and n.tolist() == ref_n[keep].tolist()
    assert len(SegmentCounts().frequent(1)[0]) == 0


@pytest.mark.parametrize("spill", [False, True])
def test_segment_parts_round_trip(spill: bool) -> None:
    rng = np.random.default_rng(2)
    put = []
    with SegmentParts(spill=spill) as parts:
        for k in range(5):
            flat = rng.integers(0, 2**64 - 1, 10 * k, dtype=np.uint64)
            offsets = np.array([0, 3 * k, 10 * k], dtype=np.int64)
            meta = pa.record_batch({"exchange_id": [f"e{k}a", f"e{k}b"]})
            parts.put(meta, flat, offsets)
            put.append((meta, flat, offsets))
        spill_dir = parts._dir
        got = list(parts.drain())
        assert len(got) == 5
        for (m1, f1, o1), (m2, f2, o2) in zip(put, got, strict=True):
            assert m1.equals(m2) and (f1 == f2).all() and (o1 == o2).all() and o2.dtype == np.int64
        assert list(parts.drain()) == []
    if spill:
        assert spill_dir is not None and not spill_dir.exists()


def _reference_skeletons(rows: list[list[int]], fixed: dict[int, int], relative_df: float) -> list[tuple]:
    """Per-row (skel, slot, full, anchored, has_slot), written plainly, one segment at a time."""
    def mix(x: int) -> int:
        return int(mix64(np.array([x % (M64 + 1)], dtype=np.uint64))[0])

    out = []
    for segs in rows:
        cnt = [fixed.get(s, 0) for s in segs]
        ref = max([c for c, s in zip(cnt, segs, strict=True) if s & 1] or [0])
        is_fixed = [s in fixed and c >= relative_df * ref for s, c in zip(segs, cnt, strict=True)]
        skel = slot = full = 0
        rank = 0
        for i, (s, f) in enumerate(zip(segs, is_fixed, strict=True)):
            if f:
                skel += mix(s ^ mix(rank + 1))
            elif i == 0 or is_fixed[i - 1]:
                skel += mix(int(_SLOT) ^ mix(rank + 1))
            if not f:
                slot += mix(s ^ mix(i - rank + 7))
            full += mix(s ^ mix(i + 13))
            rank += f
        anchored = any(f and s & 1 for s, f in zip(segs, is_fixed, strict=True))
        out.append((skel & M64, slot & M64, full & M64, anchored, not all(is_fixed)))
    return out


@pytest.mark.parametrize("relative_df", [0.0, 0.15, 0.5])
def test_skeleton_hashes_match_plain_reference(relative_df: float) -> None:
    rng = random.Random(4)
    vocab = [rng.getrandbits(64) for _ in range(60)]
    fixed = {v: rng.randint(3, 200) for v in vocab[:25]}
    rows = [[rng.choice(vocab) for _ in range(rng.randint(0, 12))] for _ in range(300)]
    flat = np.array([v for r in rows for v in r], dtype=np.uint64)
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    keys = np.array(sorted(fixed), dtype=np.uint64)
    h = skeleton_hashes(flat, offsets, keys, np.array([fixed[int(k)] for k in keys], dtype=np.int64), relative_df)
    got = list(zip(h["skel"].tolist(), h["slot"].tolist(), h["full"].tolist(), h["anchored"].tolist(),
                   h["has_slot"].tolist(), strict=True))
    assert got == _reference_skeletons(rows, fixed if relative_df else {k: 0 for k in fixed}, relative_df)


WRAPPERS = ["Translate the following text into French, keeping the tone.\n{x}\nReturn only the translation.",
            "You are grading an answer.\nQuestion: {x}\nGive a score from 1 to 10 and explain why in one line.",
            "Summarise this for a busy executive: {x}. Use three bullet points and no more than 50 words."]


def _world(n: int) -> pa.Table:
    rng = random.Random(11)
    words = "alpha beta gamma delta river stone cloud paper light music garden window".split()
    rows = []
    for i in range(n):
        x = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14))) + f" {rng.randint(0, 99)}"
        text = WRAPPERS[i % 3].format(x=x) if i % 4 else x.capitalize() + "?"
        rows.append((f"x{i:05d}", f"acct-{i % 17}", text))
    return pa.table({
        "exchange_id": [r[0] for r in rows], "account_id": [r[1] for r in rows],
        "ts": pa.array([1_772_409_600_000_000 + i for i in range(n)]).cast(pa.timestamp("us", tz="UTC")),
        "system_prompt": pa.nulls(n, pa.string()), "last_user_text": [r[2] for r in rows],
    })


def _mine(table: pa.Table, **kw: object) -> tuple[pa.Table, pa.Table]:
    eng = open_engine(None)
    eng.register("exchanges", table)
    et, tpl = mine_templates(eng, **kw)
    return et.sort_by("exchange_id"), tpl


def test_results_do_not_depend_on_batch_size() -> None:
    t = _world(600)
    et1, tpl1 = _mine(t)
    et2, tpl2 = _mine(t, batch_rows=37)
    assert et1.equals(et2) and tpl1.equals(tpl2)
    assert et1.column("template_id").to_pylist()[1].startswith("tpl-")


def test_sampled_spilled_path_is_batch_independent_and_cleans_up() -> None:
    t = _world(600)
    before = set(Path(tempfile.gettempdir()).glob("distillguard-templates-*"))
    et1, tpl1 = _mine(t, sample_rows=200)                 # sampled counts, spilled segments
    et2, tpl2 = _mine(t, sample_rows=200, batch_rows=53)
    assert et1.equals(et2) and tpl1.equals(tpl2)
    assert set(Path(tempfile.gettempdir()).glob("distillguard-templates-*")) == before
    # The three wrappers are still found from a third of the rows.
    ids = et1.column("template_id").to_pylist()
    assert len({ids[i] for i in range(600) if i % 4 and i % 3 == 1}) == 1


def test_weighted_segment_counts_equal_repeated_values() -> None:
    rng = np.random.default_rng(5)
    c, ref = SegmentCounts(compact_every=2), SegmentCounts(compact_every=2)
    for _ in range(12):
        values = rng.integers(0, 50, rng.integers(0, 40), dtype=np.uint64)
        weights = rng.integers(0, 4, len(values))
        c.add(values, weights)
        ref.add(np.repeat(values, weights))
    u, n = c.frequent(2)
    ru, rn = ref.frequent(2)
    assert u.tolist() == ru.tolist() and n.tolist() == rn.tolist() and n.dtype == np.int64


def _repeats(times: int) -> pa.Table:
    """A world where one long prompt is sent `times` times (each a different exchange)."""
    prompt = "Please check this exact paragraph about the harbour for spelling mistakes and report them."
    rep = pa.table({
        "exchange_id": [f"r{i}" for i in range(times)], "account_id": [f"acct-r{i}" for i in range(times)],
        "ts": pa.array([1_772_409_700_000_000 + i for i in range(times)]).cast(pa.timestamp("us", tz="UTC")),
        "system_prompt": pa.nulls(times, pa.string()), "last_user_text": [prompt] * times,
    })
    return pa.concat_tables([_world(60), rep])


@pytest.mark.parametrize("times", [2, 3, 5])
def test_an_exact_repeat_counts_once_per_exchange(times: int) -> None:
    # Text work runs once per distinct text, but a segment's frequency counts exchanges: the
    # prompt sent min_df (3) times or more is fixed text (a "repeat"), twice is free-form text.
    et, tpl = _mine(_repeats(times))
    ids = {r["template_id"] for r in et.to_pylist() if r["exchange_id"].startswith("r")}
    assert len(ids) == 1
    (tid,) = ids
    if times >= 3:
        row = [r for r in tpl.to_pylist() if r["template_id"] == tid][0]
        assert tid.startswith("tpl-") and row["kind"] == "repeat" and row["exchanges"] == times
    else:
        assert tid.startswith("txt-")


def test_duplicated_exchange_rows_are_mined_like_any_repeat() -> None:
    t = _repeats(2)
    dup = t.slice(t.num_rows - 1, 1)                     # the same exchange row, twice
    et, tpl = _mine(pa.concat_tables([t, dup]))
    assert et.num_rows == t.num_rows + 1
    rows = [r for r in et.to_pylist() if r["exchange_id"].startswith("r")]
    assert len({r["template_id"] for r in rows}) == 1 and rows[0]["template_id"].startswith("tpl-")
