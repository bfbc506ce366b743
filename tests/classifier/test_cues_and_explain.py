"""Phrase cues on token hashes, the explain=False fast path and explain_rows."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from distillguard.ingest.normalise import normalise_exchange
from distillguard.ingest.run import rows_to_table
from distillguard.schema.exchanges import EXCHANGES
from distillguard.signals.classifier import classify, explain_rows, load_model
from distillguard.signals.classifier import _features as fx
from distillguard.signals.classifier import _hashing as hs
from distillguard.signals.classifier._cues import CueMatcher
from distillguard.testing import make_exchange

SCHEMA = pa.schema(list(EXCHANGES.schema)[:-2])


def cues_of(texts: list[str]) -> list[set[str]]:
    m = fx.phrase_cues(hs.tokenize(pa.array(texts, pa.string())))
    return [{name for j, name in enumerate(fx.CUE_NAMES) if m[i, j]} for i in range(len(texts))]


# (text, cue, expected): the regex cues they replace matched the same way unless noted
CASES = [
    ("Let's think Step-by-step.", "cue_step_by_step", True),
    ("Show all your work please", "cue_step_by_step", True),
    ("one step. By step two", "cue_step_by_step", False),           # punctuation breaks a phrase
    ("put your final answer within \\boxed{}", "cue_boxed", True),
    ("a boxed lunch", "cue_boxed", False),                           # \boxed needs its backslash
    ("Rate each answer from 1 to 10.", "cue_rubric", True),
    ("I give it 7/10", "cue_rubric", True),
    ("I give it 7 10", "cue_rubric", False),
    ("Output [[A]] if assistant A is better", "cue_judge", True),
    ("see [A] above", "cue_judge", False),
    ("Return valid JSON only", "cue_format", True),
    ("### Instruction:\nSay hi", "cue_dataset", True),
    ("the instruction is short", "cue_dataset", False),
    ("We fine-tune models on it", "cue_dataset", True),
    ("Please rephrase this", "cue_rewrite", True),
    ("act as a Response Rewriter", "cue_rewrite", True),
    ("paraphrasing is allowed", "cue_rewrite", False),               # as before: no "paraphras*" glob
    ("```python\nprint(1)\n```", "cue_code", True),
    ("Generate 20 diverse questions about cooking", "cue_batch", True),
    ("Come up with a set of 5 tasks", "cue_batch", True),
    ("Give me {n} examples", "cue_batch", True),
    ("Generate. 20 questions", "cue_batch", False),                  # not one clause
    ("Write a poem about 3 cats and questions", "cue_batch", True),
    ("Write a poem about cats", "cue_batch", False),
    ("Come up with a list of questions about tides", "cue_batch", True),   # "list" is a verb and a quantity
    ("Draft a dozen short, friendly FAQ entries", "cue_batch", True),       # adjectives may be comma-separated
    ("Write ten lines, then stop. Questions later", "cue_batch", False),
    ("Return a Python list of names", "cue_format", True),
    ("one object with the following keys: a, b", "cue_format", True),
    ("You are an impartial judge", "cue_persona", True),
    ("<|start_header_id|>user<|end_header_id|>", "cue_chat_markup", True),
    ("What is the capital of France?", "cue_persona", False),
]


@pytest.mark.parametrize("text,cue,expected", CASES)
def test_phrase_cue(text, cue, expected):
    assert (cue in cues_of([text])[0]) is expected


def test_cues_do_not_cross_rows_and_match_batch_of_one():
    texts = [text for text, _, _ in CASES]
    together = cues_of(texts)
    alone = [cues_of([t])[0] for t in texts]
    assert together == alone
    # a phrase split across two rows is no phrase
    assert "cue_step_by_step" not in set().union(*cues_of(["first step by", "step then"]))


def test_cue_matcher_rejects_bad_phrases():
    with pytest.raises(ValueError):
        CueMatcher({"x": ("one two three four five six seven",)})
    lit = CueMatcher({"x": ("```",), "y": ("a b",)})
    m = lit.match(hs.tokenize(pa.array(["x ``` y", "a-b", "a , b", ""])))
    assert m.tolist() == [[True, False], [False, True], [False, False], [False, False]]


def test_elided_lines_count_ellipsis_only_lines_per_row():
    texts = ["Format:\n1. <item>\n2. <item>\n...\n", "A: x\n\u2026", "wait... what?\n... and more",
             "...", "", "etc...\n"]
    got = fx._elided_lines(hs.tokenize(pa.array(texts, pa.string())))
    assert got.tolist() == [1, 1, 0, 1, 0, 0]
    assert [fx._elided_lines(hs.tokenize(pa.array([t], pa.string())))[0] for t in texts] == got.tolist()


def test_open_turn_is_an_empty_turn_header_at_the_end():
    texts = ["Q: hi\nA: hello\n\n# Assistant:\n", "ctx\n[[[User]]] ", "x\n<|im_start|>assistant\n",
             "x\n<|start_header_id|>user<|end_header_id|>\n\n", "x\n### Response:", "x\n# Output\n\n",
             "What does the user want?", "x\nAnswer:", "Tell me about the assistant:", "x\nthe user:",
             "x\nwhat is the <|user|>", "# Assistant: sure, here it is", "", "x\n4. Output:"]
    got = fx._open_turn(hs.tokenize(pa.array(texts, pa.string())))
    assert got.tolist() == [1] * 6 + [0] * 8
    assert [fx._open_turn(hs.tokenize(pa.array([t], pa.string())))[0] for t in texts] == got.tolist()


@pytest.fixture(scope="module")
def mixed() -> pa.Table:
    rng = random.Random(11)
    recs = [make_exchange(rng, i) for i in range(400)]
    return rows_to_table([normalise_exchange(r) for r in recs], SCHEMA)


def test_explain_false_same_scores_empty_explanations(mixed):
    a = classify(mixed, explain=True)
    b = classify(mixed, explain=False)
    assert b.column("explanation").to_pylist() == [""] * mixed.num_rows
    assert a.drop(["explanation"]).equals(b.drop(["explanation"]))
    assert sum(1 for s in a.column("explanation").to_pylist() if s) > mixed.num_rows // 2


def test_explain_rows_matches_explain_true(mixed):
    full = classify(mixed, explain=True).column("explanation").to_pylist()
    pick = [3, 17, 18, 250, 399]
    sub = mixed.take(pick)
    assert explain_rows(sub).to_pylist() == [full[i] for i in pick]
    assert explain_rows(mixed.slice(0, 0)).to_pylist() == []


def test_best_tokens_match_reference_sort(mixed):
    """The vectorised per-row argmax equals the straightforward lexsort it replaced."""
    model = load_model()
    feats = fx.featurize(mixed, model.dim, keep_spans=True)
    rng = np.random.default_rng(0)
    col = rng.integers(0, 11, feats.n)
    got_tok, got_val = model._best_tokens(feats, col)
    ref_tok = np.full(feats.n, -1, dtype=np.int64)
    ref_val = np.zeros(feats.n, np.float32)
    sel = np.flatnonzero(feats.kinds < 2)
    r = feats.rows[sel]
    c = model.w_text[feats.slots[sel], col[r]] * feats.scale[r]
    order = np.lexsort((-c, r))
    first = order[np.r_[True, r[order][1:] != r[order][:-1]]]
    ref_tok[r[first]] = sel[first]
    ref_val[r[first]] = c[first]
    np.testing.assert_array_equal(got_val, ref_val)
    # ties may pick a different token with the same value; the chosen spans must score the same
    assert np.array_equal(got_tok >= 0, ref_tok >= 0)


def test_input_columns_are_all_the_classifier_reads(mixed):
    projected = mixed.select([c for c in fx.INPUT_COLUMNS if c in mixed.column_names])
    assert classify(mixed).equals(classify(projected))


def test_response_lengths_may_come_as_counts(mixed):
    """detect passes `<name>_chars` instead of the long response texts; scores must not change."""
    import pyarrow.compute as pc

    slim = mixed.drop(["response_text", "response_reasoning"])
    for name in ("response_text", "response_reasoning"):
        slim = slim.append_column(name + "_chars", pc.utf8_length(mixed.column(name)).cast(pa.int64()))
    assert pc.sum(slim.column("response_text_chars")).as_py() > 0
    assert classify(mixed, explain=False).equals(classify(slim, explain=False))


def test_adaptive_thinking_reads_as_a_thinking_budget_up_to_max_tokens():
    """Adaptive thinking (no budget) gives the thinking feature max_tokens would give as a budget."""
    base = {"request_id": "r", "ts": "2026-03-02T10:00:00Z", "account_id": "a", "model": "claude-x"}
    msgs = [{"role": "user", "content": "Prove that there are infinitely many primes."}]
    recs = [{**base, "request": {"max_tokens": 16000, "messages": msgs, "thinking": {"type": "adaptive"}}},
            {**base, "request": {"max_tokens": 20000, "messages": msgs,
                                 "thinking": {"type": "enabled", "budget_tokens": 16000}}},
            {**base, "request": {"max_tokens": 16000, "messages": msgs}}]
    table = rows_to_table([normalise_exchange(r) for r in recs], SCHEMA)
    col = fx.DENSE_INDEX["thinking_budget"]
    dense = fx.featurize(table, load_model().dim).dense[:, col]
    assert dense[0] == dense[1] > 0
    assert dense[2] == 0
