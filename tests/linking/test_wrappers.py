"""Recurring-prompt clusters (linking/wrappers.py): paraphrases of one wrapper cluster, other text does not."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from distillguard.engine.duckdb import DuckDBEngine
from distillguard.linking import wrappers as W

WRAPPER = ("You are a meticulous annotator working for a dataset pipeline. Think through every problem "
           "carefully, write down each intermediate deduction explicitly, verify arithmetic twice, and finish "
           "with the final answer on its own line prefixed by the word Answer")
SWAPS = {"meticulous": "careful", "annotator": "labeller", "carefully": "thoroughly", "explicitly": "plainly",
         "verify": "check", "finish": "conclude"}
# ordinary customers: every request different, drawn from a shared vocabulary
VOCAB = ("weather garden recipe travel holiday budget invoice meeting letter poem story history music "
         "football science planet ocean mountain river forest animal kitchen bicycle camera market").split()


def _paraphrase(text: str, rng: random.Random) -> str:
    words = text.split()
    return " ".join(SWAPS.get(w, w) if rng.random() < 0.5 else w for w in words)


def _engine(rows: list[tuple[str, str, str | None, str]]) -> DuckDBEngine:
    eng = DuckDBEngine()
    eng.register("exchanges", pa.table({"account_id": [r[0] for r in rows], "exchange_id": [r[1] for r in rows],
                                        "system_prompt": [r[2] for r in rows], "last_user_text": [r[3] for r in rows]}))
    return eng


def _world(seed: int, operator: int = 8, others: int = 12, per_account: int = 15):
    rng = random.Random(seed)
    rows, ids = [], []
    for a in range(operator):   # one operator: its own paraphrase per account, the problem changes
        acc = f"op{a:02d}"
        ids.append(acc)
        mine = _paraphrase(WRAPPER, rng)
        for e in range(per_account):
            problem = " ".join(rng.choice(VOCAB) for _ in range(12))
            rows.append((acc, f"{acc}-{e:03d}", mine if a % 2 else None, problem if a % 2 else mine + "\n\n" + problem))
    for a in range(others):
        acc = f"user{a:02d}"
        ids.append(acc)
        for e in range(per_account):
            rows.append((acc, f"{acc}-{e:03d}", None, " ".join(rng.choice(VOCAB) for _ in range(15))))
    return _engine(rows), np.array(sorted(ids), dtype=object)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_paraphrases_of_one_wrapper_cluster_and_other_customers_do_not(seed):
    eng, ids = _world(seed)
    labels = W.wrapper_clusters(eng, ids)
    op = np.array([a.startswith("op") for a in ids.tolist()])
    assert len(set(labels[op].tolist())) == 1 and labels[op][0] != ""       # whichever turn carries it
    assert not set(labels[~op].tolist()) & set(labels[op].tolist())


def test_too_little_recurring_text_gets_no_label():
    rows = [(f"a{i}", f"a{i}-{e}", None, f"tiny note {e}") for i in range(3) for e in range(6)]
    labels = W.wrapper_clusters(_engine(rows), np.array(["a0", "a1", "a2"], dtype=object))
    assert (labels == "").all()


def test_many_passes_give_what_one_pass_gives(monkeypatch):
    eng, ids = _world(7, operator=10, others=20)
    one = W.wrapper_clusters(eng, ids)
    monkeypatch.setattr(W, "ROWS_PER_PASS", 17)   # a pass per few accounts
    many = W.wrapper_clusters(eng, ids)
    assert (one == many).all() and (one != "").sum() >= 10


def test_words_of_any_script_count_and_accounts_outside_the_run_are_ignored():
    text = ("Пожалуйста подробно объясните каждый шаг решения задачи затем проверьте ответ дважды "
            "и запишите итоговый результат отдельной строкой")
    rows = [(f"r{i}", f"r{i}-{e}", text, f"вопрос {e}") for i in range(4) for e in range(5)]
    rows += [("ghost", f"g-{e}", text, "x") for e in range(5)]
    labels = W.wrapper_clusters(_engine(rows), np.array(["r0", "r1", "r2", "r3"], dtype=object))
    assert len(set(labels.tolist())) == 1 and labels[0] == "w0"   # named after its first account
