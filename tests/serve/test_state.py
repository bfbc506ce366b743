"""Online state: the same behaviour in memory and in a real redis-server; snapshots; eviction."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from distillguard.serve.state import MemoryState

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a minute and day boundary


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest):
    if request.param == "memory":
        yield MemoryState()
        return
    from distillguard.serve.redis_state import RedisState

    url = request.getfixturevalue("redis_url")
    st = RedisState(url, prefix=f"t{uuid.uuid4().hex[:8]}:")
    yield st
    st.close()


def test_rates_and_tokens(state) -> None:
    for i in range(5):
        v = state.record("a", T0 + i, 100, [])
    assert v.n == 5 and v.per_day == 5 and v.tokens_day == 500
    assert v.per_minute == pytest.approx(5)
    # 30 s into the next minute: half of the previous minute still counts.
    v = state.record("a", T0 + 90, 0, [])
    assert v.per_minute == pytest.approx(1 + 5 * 0.5)
    # A minute later than that the old minute is gone entirely.
    v = state.record("a", T0 + 200, 0, [])
    assert v.per_minute == pytest.approx(1)
    # Next UTC day: the day counters restart.
    v = state.record("a", T0 + 86_400 + 5, 7, [])
    assert v.per_day == 1 and v.tokens_day == 7 and v.n == 8


def test_observe_without_count(state) -> None:
    state.record("b", T0, 10, [])
    v = state.record("b", T0 + 1, 50, [("c-1", "template", 0.9)], count=False)
    assert v.n == 1 and v.tokens_day == 60 and v.evidence == {"c-1": {"template": 0.9}}


def test_evidence_keeps_best_purity_per_kind(state) -> None:
    state.record("e", T0, 0, [("c-1", "template", 0.8)])
    state.record("e", T0 + 1, 0, [("c-1", "template", 0.95), ("c-1", "config", 0.6)])
    v = state.record("e", T0 + 2, 0, [("c-1", "template", 0.5), ("c-2", "ip", 1.0)])
    assert v.evidence == {"c-1": {"template": 0.95, "config": 0.6}, "c-2": {"ip": 1.0}}
    assert state.record("other", T0, 0, []).evidence == {}


def test_token_bucket(state) -> None:
    rate = 1 / 10  # one request per 10 s
    assert [state.take("t", T0, rate, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = state.take("t", T0, rate, 3)
    assert wait == pytest.approx(10.0)
    assert state.take("t", T0 + 5, rate, 3) == pytest.approx(5.0)
    assert state.take("t", T0 + 10.01, rate, 3) == 0.0
    assert state.take("fresh", T0, rate, 3) == 0.0  # another account's bucket is its own


def test_harvest_moving_average(state) -> None:
    state.add_harvest("h", 1.0)
    state.add_harvest("h", 0.0)
    v = state.record("h", T0, 0, [])
    assert v.harvest_n == 2 and v.harvest == pytest.approx(0.8)


def test_size(state) -> None:
    for a in ("x1", "x2", "x3"):
        state.record(a, T0, 0, [])
    assert state.size() >= 3


def test_redis_state_is_shared(redis_url: str) -> None:
    """Two instances (two workers or two hosts) see one account's counters and bucket."""
    from distillguard.serve.redis_state import RedisState

    prefix = f"s{uuid.uuid4().hex[:8]}:"
    a, b = RedisState(redis_url, prefix=prefix), RedisState(redis_url, prefix=prefix)
    try:
        a.record("acct", T0, 1, [("c-9", "template", 1.0)])
        v = b.record("acct", T0 + 1, 1, [])
        assert v.n == 2 and v.evidence == {"c-9": {"template": 1.0}}
        assert a.take("acct", T0, 0.01, 1) == 0.0
        assert b.take("acct", T0, 0.01, 1) > 0  # the bucket a emptied
    finally:
        a.close()
        b.close()


def test_snapshot_restore(tmp_path: Path) -> None:
    st = MemoryState()
    st.record("a", T0, 5, [("c-1", "config", 0.7)])
    st.add_harvest("a", 0.4)
    st.take("a", T0, 1.0, 2)
    path = tmp_path / "snap" / "state.pkl"
    assert st.snapshot(path) == 1
    back = MemoryState.restore(path)
    v = back.record("a", T0 + 1, 0, [])
    assert v.n == 2 and v.evidence == {"c-1": {"config": 0.7}} and v.harvest == pytest.approx(0.4)
    assert MemoryState.restore(tmp_path / "absent.pkl").size() == 0
    assert not list(path.parent.glob("*.tmp"))


def test_eviction_bounds_memory() -> None:
    st = MemoryState(max_accounts=100)
    for i in range(1000):
        st.record(f"a{i}", T0 + i, 0, [])
    assert st.size() <= 100
    assert st.record("a999", T0 + 2000, 0, []).n == 2  # the most recent survive
