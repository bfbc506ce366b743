"""Resent requests: a group that sends its own requests again and again harvests, whatever the classifier says."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from distillguard.engine import open_engine
from distillguard.linking.coordination import CoordinationParams, coordinated_groups, harvests
from distillguard.linking.resends import Resends, resent_requests
from tests.linking.test_coordination import plant, population, to_table

P = CoordinationParams()


def _table(rows: list[tuple[int, int, int]]) -> pa.Table:
    acc, req, n = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table({"account": pa.array(acc, pa.int64()), "request": pa.array(req, pa.uint64()),
                     "n": pa.array(n, pa.int64())})


def _resends(rows: list[tuple[int, int, int]], exchanges: np.ndarray) -> Resends:
    return Resends.of(_table(rows), exchanges, P.min_accounts, P.min_lift, P.max_common)


def _questions(rng: np.random.Generator, members: np.ndarray, n_questions: int, per_account: int,
               first: int = 1000) -> list[tuple[int, int, int]]:
    """Each member sends `per_account` exchanges over one closed set of `n_questions` requests."""
    rows = []
    for a in members.tolist():
        counts = np.bincount(rng.integers(0, n_questions, per_account), minlength=n_questions)
        rows += [(a, first + q, int(c)) for q, c in enumerate(counts.tolist()) if c]
    return rows


def _coupled(seed: int, k: int, **values: str) -> tuple[np.random.Generator, int, dict, np.ndarray]:
    """2,000 random customers, `k` of them sharing `values`: (rng, n, facet columns, the k)."""
    rng = np.random.default_rng(seed)
    n = 2000
    cols = population(rng, n)
    members = rng.choice(n, k, replace=False)
    plant(cols, members, **values)
    return rng, n, cols, members


def test_a_member_share_counts_only_requests_the_group_owns():
    n = 1000
    exchanges = np.full(n, 10)
    group = np.arange(20)
    # every member: 4 exchanges of the group's own question, 3 of a prompt half the population sends
    rows = [(a, 1, 4) for a in group.tolist()] + [(a, 2, 3) for a in range(0, n, 2)]
    shares = _resends(rows, exchanges).shares(group)
    assert np.allclose(shares, 0.4)


def test_a_part_of_an_operator_owns_its_prompts_and_a_public_prompt_is_no_ones():
    rng = np.random.default_rng(3)
    n = 2000
    exchanges = np.full(n, 40)
    operator = np.arange(100)
    rows = _questions(rng, operator, 10, 24)          # 60% of each account's traffic: ten questions
    public = rng.choice(np.arange(100, n), 600, replace=False)
    rows += _questions(rng, public, 3, 12, first=5000)  # three prompts many customers send
    r = _resends(rows, exchanges)
    assert r.shares(operator).mean() == pytest.approx(0.6)
    assert r.shares(operator[:12]).mean() == pytest.approx(0.6)   # a part of the operator's accounts
    assert r.shares(public[:50]).max() == 0.0


def test_fewer_members_than_min_accounts_own_nothing():
    exchanges = np.full(500, 10)
    rows = [(a, 7, 9) for a in range(P.min_accounts - 1)]
    assert _resends(rows, exchanges).shares(np.arange(P.min_accounts - 1)).max() == 0.0
    assert _resends([], exchanges).shares(np.arange(10)).max() == 0.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_class_that_asks_a_few_questions_collects_too_few_answers_to_harvest(seed):
    # Fifty students of one school, one sign-up day, one lesson: each asks the same three questions
    # (every exchange resent, share 1.0), four exchanges each: 200 answers in all, no dataset.
    rng, n, cols, students = _coupled(seed, 50, template="homework", signup_day="2025-10-27", shift="10000000",
                                      network="10.9.9")
    harvest = np.zeros(n)
    exchanges = np.full(n, 50)
    exchanges[students] = 4
    r = _resends(_questions(rng, students, 3, 4), exchanges)
    assert r.shares(students).mean() == pytest.approx(1.0)
    assert r.sent(students).sum() < P.min_resent_exchanges
    assert coordinated_groups(to_table(cols), harvest, resends=r) == []
    # the floor is what kept them out: without it the same accounts are a group
    off = CoordinationParams(min_resent_exchanges=0)
    assert coordinated_groups(to_table(cols), harvest, off, resends=r)


def _ten_question_seats(seed: int):  # type: ignore[no-untyped-def]
    """One operator's 30 seats (one sign-up day, shift and card) among 2,000 customers, each asking ten
    questions (one mined template) 50 times of its 100 exchanges; harvest shares near 0 for everyone.
    Returns (rng, n, facet columns, the seats, harvest, exchanges, the resent rows)."""
    rng, n, cols, op = _coupled(seed, 30, template="ten-questions", signup_day="2025-10-27", shift="10001111",
                                payment="op-card")
    return rng, n, cols, op, rng.uniform(0, 0.05, n), np.full(n, 100), _questions(rng, op, 10, 50)


def test_the_resend_bar_is_the_harvest_bar():
    low = np.zeros(20)
    assert not harvests(low, low, P, resent=None)
    assert harvests(low, low, P, resent=np.full(20, P.min_harvest + 0.01))
    assert not harvests(low, low, P, resent=np.full(20, P.min_harvest - 0.01))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_resends_of_answers_a_word_long_collect_nothing_but_unknown_lengths_set_no_floor(seed):
    # The same coupled seats resending ten questions; what their answers are decides whether that harvests.
    rng, n, cols, op, harvest, exchanges, rows = _ten_question_seats(seed)
    table = _table(rows)

    def found(answers: np.ndarray) -> set[int]:
        r = Resends.of(table, exchanges, P.min_accounts, P.min_lift, P.max_common, answers)
        return {int(a) for g in coordinated_groups(to_table(cols), harvest, resends=r) for a in g.members}

    text = np.full(n, 300.0)
    assert found(text) and found(text) <= set(op.tolist())
    probes = text.copy()
    probes[op] = P.min_resent_answer_tokens / 4          # a word or two per answer
    assert found(probes) == set()
    unknown = np.full(n, np.nan)                         # records that carry no output token counts
    assert found(unknown) == found(text)
    some = probes.copy()
    some[op[: len(op) // 2]] = np.nan                    # the mean is over the members that carry one
    assert found(some) == set()
    r = Resends.of(table, exchanges, P.min_accounts, P.min_lift, P.max_common, unknown)
    assert r.answer_tokens(op) is None and _resends([], exchanges).answer_tokens(op) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_coupled_group_that_resends_its_own_questions_is_found_without_the_classifier(seed):
    # One operator's seats: one sign-up day, one shift, one card; every account asks ten questions
    # (one mined template) over and over, which the classifier calls ordinary (harvest share ~0).
    rng, n, cols, op, harvest, exchanges, rows = _ten_question_seats(seed)
    assert coordinated_groups(to_table(cols), harvest) == []
    r = _resends(rows, exchanges)
    found = coordinated_groups(to_table(cols), harvest, resends=r)
    assert found and set(np.concatenate([g.members for g in found]).tolist()) <= set(op.tolist())
    # the same coupled accounts asking public prompts (most senders outside them) stay no group
    others = rng.choice(np.setdiff1d(np.arange(n), op), 400, replace=False)
    public = _questions(rng, np.concatenate([op, others]), 10, 50)
    assert coordinated_groups(to_table(cols), harvest, resends=_resends(public, exchanges)) == []


def test_resent_requests_reads_exchange_templates_and_keeps_requests_enough_accounts_send(tmp_path):
    ids = [f"acct-{i:03d}" for i in range(12)]
    rows = {"exchange_id": [], "account_id": [], "template_id": [], "slot_hash": []}

    def send(account: str, template: str, slot: int, times: int) -> None:
        for _ in range(times):
            rows["exchange_id"].append(f"x{len(rows['exchange_id'])}")
            rows["account_id"].append(account)
            rows["template_id"].append(template)
            rows["slot_hash"].append(slot)

    for a in ids[:6]:
        send(a, "tpl-q", 1, 3)          # six accounts resend one question
        send(a, "tpl-q", 2, 1)          # the same wrapper around other content: another request
    for a in ids[6:9]:
        send(a, "tpl-x", 1, 2)          # three accounts: below min_accounts, dropped
    engine = open_engine(None)
    engine.register("exchange_templates", pa.table({**rows, "slot_hash": pa.array(rows["slot_hash"], pa.uint64())}))
    active = np.array(sorted(ids), dtype=object)
    t = resent_requests(engine, active, min_accounts=5)
    got = sorted(zip(t["account"].to_pylist(), t["n"].to_pylist(), strict=True))
    assert len(set(t["request"].to_pylist())) == 2
    assert got == sorted([(i, 3) for i in range(6)] + [(i, 1) for i in range(6)])


def test_the_evidence_says_the_group_resends_its_own_requests_and_the_table_carries_it():
    from distillguard.linking.coordination import Unit, coordination_campaigns, explain
    from distillguard.outputs.tables import coordination_table

    rng = np.random.default_rng(4)
    n = 2000
    cols = population(rng, n)
    op = rng.choice(n, 30, replace=False)
    plant(cols, op, template="ten-questions", signup_day="2025-10-27", shift="10001111", payment="op-card")
    harvest = rng.uniform(0, 0.05, n)
    groups = coordinated_groups(to_table(cols), harvest, resends=_resends(_questions(rng, op, 10, 50), np.full(n, 100)))
    assert groups and all(g.resent == pytest.approx(0.5) for g in groups)
    ids = np.array([f"acct-{i:05d}" for i in range(n)], dtype=object)
    text = explain(groups, ids)
    assert "50% of their exchanges resend requests of their own" in text
    campaigns = coordination_campaigns([], [Unit(g.members, [g]) for g in groups], ids)
    t = coordination_table(campaigns)
    assert t.num_rows and set(t["resent"].to_pylist()) == {0.5}
    # a group that passes on what the classifier scores says nothing about resending
    plain = coordinated_groups(to_table(cols), np.where(np.isin(np.arange(n), op), 0.8, harvest))
    assert plain and all(g.resent is None for g in plain) and "resend" not in explain(plain, ids)
