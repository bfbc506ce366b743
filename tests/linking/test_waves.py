"""A campaign's timeline of waves (linking/waves.py)."""

from __future__ import annotations

import numpy as np

from distillguard.linking.waves import HOUR_US, split_waves, waves_sentence

T0 = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z in µs


def _hours(*h: float) -> np.ndarray:
    return (T0 + np.asarray(h, dtype=np.float64) * HOUR_US).astype(np.int64)


def test_one_start_is_one_wave():
    first = _hours(0, 0.1, 0.2, 3, 5)
    waves = split_waves(first, _hours(48, 48, 48, 48, 48), np.ones(5, dtype=np.int64), 12.0, 3)
    assert len(waves) == 1 and waves[0].accounts == 5 and waves[0].stopped == 0 and waves[0].handed_over == 0


def test_a_replacement_wave_after_a_gap_names_the_accounts_it_replaced():
    # four accounts start at hour 0 and stop at hour 30; four more start at hour 30 and run to the end
    first = _hours(0, 1, 2, 3, 30, 30.5, 31, 31.5)
    last = _hours(30, 30, 29, 2, 60, 60, 60, 60)
    n = np.arange(1, 9, dtype=np.int64)
    waves = split_waves(first, last, n, 12.0, 3)
    assert [w.accounts for w in waves] == [4, 4]
    assert waves[0].exchanges == 1 + 2 + 3 + 4 and waves[1].exchanges == 5 + 6 + 7 + 8
    assert waves[0].stopped == 4 and waves[1].stopped == 0
    assert waves[1].handed_over == 3  # the account that stopped at hour 2 did not make way for wave 2
    assert waves[1].first_use_from == int(first[4]) and waves[1].first_use_to == int(first[7])


def test_a_straggler_joins_the_wave_before_it_and_a_small_first_piece_the_one_after():
    first = _hours(0, 1, 2, 40, 80, 81, 82)        # a lone account at hour 40
    waves = split_waves(first, _hours(*[90] * 7), np.ones(7, dtype=np.int64), 12.0, 3)
    assert [w.accounts for w in waves] == [4, 3]
    first = _hours(0, 40, 41, 42)                   # a lone account before the first wave
    waves = split_waves(first, _hours(*[90] * 4), np.ones(4, dtype=np.int64), 12.0, 3)
    assert [w.accounts for w in waves] == [4]


def test_order_of_members_does_not_matter_and_records_are_plain_json():
    import json

    first = _hours(0, 30, 1, 31, 2, 32)
    last = _hours(20, 60, 20, 60, 20, 60)
    n = np.ones(6, dtype=np.int64)
    a = split_waves(first, last, n, 12.0, 3)
    perm = np.array([5, 3, 1, 0, 2, 4])
    b = split_waves(first[perm], last[perm], n[perm], 12.0, 3)
    assert a == b
    records = [w.record(i + 1) for i, w in enumerate(a)]
    assert json.loads(json.dumps(records)) == records and all(type(r["accounts"]) is int for r in records)
    sentence = waves_sentence(records)
    assert sentence and sentence.startswith("Its accounts came in 2 waves") and "3 earlier accounts stopped" in sentence
    assert waves_sentence(records[:1]) is None
