"""Template mining: stable ids under changed slot content, distinct ids for distinct wrappers."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from distillguard.engine import open_engine
from distillguard.schema.templates import EXCHANGE_TEMPLATES, TEMPLATES
from distillguard.templates import mine_templates, skeleton_hashes

NAMES = ["John Smith", "Maria Garcia", "Wei Chen", "Ahmed Ali", "Olga Petrova"]
TOPICS = ["photosynthesis in desert plants", "the french revolution", "binary search trees",
          "inflation and interest rates", "plate tectonics", "the immune system", "sorting algorithms"]
GRADER = ("Please evaluate the essay below written by {name}, a student in grade {g}.\n"
          "Essay: {essay}\n"
          "Rate it from 1 to {top} for clarity and accuracy, and justify the score in two sentences.")
SOLVER = ("Solve the following problem carefully and show every step of your work.\n{q}\n"
          "Put your final answer in a box at the end.")


def _essay(rng: random.Random) -> str:
    return f"{rng.choice(TOPICS).capitalize()} matters because " + " ".join(
        rng.choice("it is very often quite important for many reasons people say".split()) for _ in range(12))


def _engine(rows: list[dict]) -> object:
    t = pa.table({
        "exchange_id": [r["id"] for r in rows], "account_id": [r["acct"] for r in rows],
        "ts": pa.array([1_772_409_600_000_000 + int(r["id"][1:]) * 1_000_000 for r in rows]).cast(
            pa.timestamp("us", tz="UTC")),
        "system_prompt": [r.get("sp") for r in rows], "last_user_text": [r["text"] for r in rows],
    })
    eng = open_engine(None)
    eng.register("exchanges", t)
    return eng


@pytest.fixture(scope="module")
def mined() -> tuple[pa.Table, pa.Table, list[dict]]:
    rng = random.Random(3)
    rows = []
    for i in range(90):
        kind = i % 3
        if kind == 0:
            text = GRADER.format(name=rng.choice(NAMES), g=rng.randint(3, 12), essay=_essay(rng),
                                 top=rng.choice([5, 10]))
            sp = "You are a strict but fair grader."
        elif kind == 1:
            text = SOLVER.format(q=f"A train leaves at {rng.randint(1, 12)} pm going {rng.randint(20, 90)} km/h "
                                   f"towards {rng.choice(NAMES).split()[0]}'s town; {_essay(rng)}, when?")
            sp = None
        else:
            text = " ".join(rng.choice(TOPICS + NAMES).lower() for _ in range(rng.randint(3, 9))) + "?"
            sp = None
        rows.append({"id": f"e{i}", "acct": f"a{i % 11}", "sp": sp, "text": text, "kind": kind})
    et, tpl = mine_templates(_engine(rows))
    return et, tpl, rows


def test_schemas(mined) -> None:
    et, tpl, rows = mined
    assert et.schema == EXCHANGE_TEMPLATES.schema
    assert tpl.schema == TEMPLATES.schema
    assert et.num_rows == len(rows)
    assert sum(tpl.column("exchanges").to_pylist()) == len(rows)


def test_same_wrapper_same_id_despite_numbers_names_and_content(mined) -> None:
    et, _, rows = mined
    ids = dict(zip(et.column("exchange_id").to_pylist(), et.column("template_id").to_pylist(), strict=True))
    grader = {ids[r["id"]] for r in rows if r["kind"] == 0}
    solver = {ids[r["id"]] for r in rows if r["kind"] == 1}
    assert len(grader) == 1 and len(solver) == 1
    assert grader != solver
    assert next(iter(grader)).startswith("tpl-")


def test_free_text_is_not_one_big_template(mined) -> None:
    et, tpl, rows = mined
    ids = dict(zip(et.column("exchange_id").to_pylist(), et.column("template_id").to_pylist(), strict=True))
    free = [ids[r["id"]] for r in rows if r["kind"] == 2]
    assert len(set(free)) >= 0.8 * len(free)


def test_template_row_describes_wrapper(mined) -> None:
    _, tpl, _ = mined
    big = tpl.sort_by([("exchanges", "descending")]).slice(0, 2).to_pylist()
    for row in big:
        assert row["kind"] == "template"
        assert row["accounts"] == 11
        assert "{…}" in row["skeleton"]
        assert 0 < row["slot_diversity"] <= 1
        assert row["first_seen"] <= row["last_seen"]
    assert any("rate it from <n> to <n>" in r["skeleton"].lower() for r in big)


def test_paraphrased_wrapper_merges_and_different_wrapper_does_not() -> None:
    rng = random.Random(5)
    variants = [GRADER, GRADER.replace("Please evaluate", "Kindly evaluate").replace("two sentences", "2 sentences"),
                GRADER.replace("for clarity and accuracy", "for accuracy and clarity")]
    rows = []
    for i in range(120):
        text = variants[i % 3].format(name=rng.choice(NAMES), g=rng.randint(3, 12), essay=_essay(rng), top=10)
        rows.append({"id": f"p{i}", "acct": f"b{i % 3}", "text": text})
    for i in range(40):
        rows.append({"id": f"s{i}", "acct": "c0", "text": SOLVER.format(q=_essay(rng))})
    et, tpl = mine_templates(_engine(rows))
    ids = et.column("template_id").to_pylist()
    assert len(set(ids[:120])) == 1
    assert set(ids[120:]).isdisjoint(ids[:120])
    merged = tpl.filter(pa.compute.equal(tpl.column("template_id"), ids[0])).to_pylist()[0]
    assert merged["variants"] >= 3  # three wordings (x names drawn from a small pool)


def test_row_order_does_not_change_ids(mined) -> None:
    et, tpl, rows = mined
    shuffled = rows[:]
    random.Random(9).shuffle(shuffled)
    et2, tpl2 = mine_templates(_engine(shuffled))
    a = dict(zip(et.column("exchange_id").to_pylist(), et.column("template_id").to_pylist(), strict=True))
    b = dict(zip(et2.column("exchange_id").to_pylist(), et2.column("template_id").to_pylist(), strict=True))
    assert a == b
    assert tpl.equals(tpl2)


def test_empty_and_null_text() -> None:
    et, tpl = mine_templates(_engine([{"id": "x1", "acct": "a", "text": None}, {"id": "y2", "acct": "a", "text": ""}]))
    assert et.num_rows == 2 and tpl.num_rows >= 1
    eng = open_engine(None)
    eng.register("exchanges", pa.table({"exchange_id": pa.array([], pa.string()), "account_id": pa.array([], pa.string()),
                                        "ts": pa.array([], pa.timestamp("us", tz="UTC")),
                                        "system_prompt": pa.array([], pa.string()),
                                        "last_user_text": pa.array([], pa.string())}))
    et, tpl = mine_templates(eng)
    assert et.num_rows == 0 and tpl.num_rows == 0


def test_skeleton_hash_ignores_slot_content() -> None:
    fixed = np.array([10, 20, 30], dtype=np.uint64) | np.uint64(1)
    rows = [[10, 555, 20, 30], [10, 777, 888, 20, 30], [10, 20, 999, 30]]
    flat = np.array([v | 1 if v in (10, 20, 30) else v * 2 for r in rows for v in r], dtype=np.uint64)
    offsets = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    h = skeleton_hashes(flat, offsets, np.sort(fixed))
    assert h["skel"][0] == h["skel"][1] != h["skel"][2]
    assert h["slot"][0] != h["slot"][1]
    assert h["anchored"].all() and h["has_slot"].all()


def test_a_tool_loop_is_templated_by_the_persons_prompt_not_the_tool_output() -> None:
    """Agent calls (Anthropic tool loops, ingested) take their template from the prompt the person wrote.

    The grader prompts share a wrapper while their tool outputs are free text; the free questions
    get tool outputs that all follow the grader wrapper. Templating by tool output would swap the two.
    """
    from distillguard.ingest.normalise import EXCHANGE_COLUMNS, normalise_exchange

    rng = random.Random(7)

    def loop(i: int, prompt: str, tool_out: str) -> dict:
        rec = normalise_exchange({
            "request_id": f"t{i}", "ts": "2026-03-02T10:00:00Z", "account_id": f"a{i % 5}", "model": "m",
            "request": {"system": "You are an agent with a file reader.", "max_tokens": 2048, "messages": [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "u1", "name": "read", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "u1", "content": tool_out}]}]}})
        row = dict(zip(EXCHANGE_COLUMNS, rec))
        return {"id": f"e{i}", "acct": row["account_id"], "sp": row["system_prompt"], "text": row["last_user_text"]}

    def grader() -> str:
        return GRADER.format(name=rng.choice(NAMES), g=rng.randint(3, 12), essay=_essay(rng), top=10)

    def free() -> str:
        return " ".join(rng.choice(TOPICS + NAMES).lower() for _ in range(rng.randint(3, 9))) + "?"

    rows = [loop(i, grader(), free()) for i in range(60)] + [loop(60 + i, free(), grader()) for i in range(60)]
    et, _ = mine_templates(_engine(rows))
    ids = dict(zip(et.column("exchange_id").to_pylist(), et.column("template_id").to_pylist(), strict=True))
    graded = {ids[f"e{i}"] for i in range(60)}
    assert len(graded) == 1 and None not in graded
    assert graded.isdisjoint(ids[f"e{60 + i}"] for i in range(60))
