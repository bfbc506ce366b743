"""Compact per-account signatures: two accounts driven by the same harness land near each other.

A signature is a row of ``uint32``: `TEMPLATE_PERM` MinHash values of the account's set of mined
wrapper templates (kinds template and repeat; free-form text never links accounts) followed by
`len(PROFILE)` codes of a quantised parameter / timing / client profile.

*Near* means `similarity(a, b) >= 0.5`: similarity is
``0.7 * (share of equal MinHash values, an estimate of the Jaccard similarity of the two
template sets) + 0.3 * (share of equal profile codes)``. Same-harness accounts share most
wrapper templates and the same request configuration; unrelated accounts share neither. Accounts
without any wrapper template get MinHash values unique to them, so "no template" never matches.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from distillguard.templates._lsh import minhash, mix64

TEMPLATE_PERM = 48
TEMPLATE_WEIGHT = 0.7
MIN_TEMPLATE_SHARE = 0.02   # ignore templates below 2% of the account's traffic (dilution, noise)
PROFILE = ("max_tokens_mode", "temperature_mode", "ua_family_top", "gap_median_s", "gap_log_std",
           "mean_hours_per_active_day", "single_turn_share", "logprobs_share", "n_gt1_share", "tools_share",
           "mean_output_tokens", "signup_path")


def _quantise(name: str, v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if name in ("gap_median_s", "mean_output_tokens"):
            return str(round(math.log2(max(v, 0.01))))
        if name == "gap_log_std":
            return str(min(int(v / 0.5), 6))
        if name == "mean_hours_per_active_day":
            return str(int(v // 4))
        return str(round(v * 4))
    return str(v)


def signatures(fingerprints: pa.Table, exchange_templates: pa.Table,
               templates: pa.Table | None = None) -> tuple[pa.Array, np.ndarray]:
    """Signature matrix (accounts x (TEMPLATE_PERM + len(PROFILE))) uint32, rows in account_id order.

    `templates` (optional) gives template kinds; without it, ids starting ``txt-`` are treated as
    free-form.
    """
    fp = fingerprints.sort_by("account_id")
    ids = fp.column("account_id").combine_chunks() if fp.num_rows else pa.array([], pa.string())
    n = len(ids)
    et = exchange_templates.select(["account_id", "template_id"])
    tid = et.column("template_id")
    if templates is not None:
        wrappers = templates.filter(pc.is_in(templates.column("kind"), pa.array(["template", "repeat"])))
        keep = pc.is_in(tid, wrappers.column("template_id"))
    else:
        keep = pc.invert(pc.starts_with(tid, "txt-"))
    totals = et.group_by("account_id").aggregate([("template_id", "count")])
    per = et.filter(keep).group_by(["account_id", "template_id"]).aggregate([("template_id", "count")])
    per = per.join(totals.rename_columns(["account_id", "total"]), "account_id")
    per = per.filter(pc.greater_equal(pc.divide(pc.cast(per.column("template_id_count"), pa.float64()),
                                                pc.cast(per.column("total"), pa.float64())), MIN_TEMPLATE_SHARE))
    # account index of each (account, template) pair, then flat hashes grouped by account
    pos = pc.index_in(per.column("account_id"), value_set=ids).to_numpy(zero_copy_only=False)
    h = np.array([xxhash.xxh64_intdigest(t.encode()) for t in per.column("template_id").to_pylist()],
                 dtype=np.uint64)
    order = np.argsort(pos, kind="stable")
    pos, h = pos[order], h[order]
    offsets = np.searchsorted(pos, np.arange(n + 1)).astype(np.int64)
    sig_t = minhash(h, offsets, num_perm=TEMPLATE_PERM, seed=11)
    empty = np.diff(offsets) == 0
    if empty.any():
        acc_h = np.array([xxhash.xxh64_intdigest(a.encode()) for a in ids.filter(pa.array(empty)).to_pylist()],
                         dtype=np.uint64)
        fill = mix64(acc_h[:, None] + np.arange(1, TEMPLATE_PERM + 1, dtype=np.uint64)[None, :])
        sig_t[empty] = (fill >> np.uint64(32)).astype(np.uint32)
    prof = np.zeros((n, len(PROFILE)), dtype=np.uint32)
    for j, name in enumerate(PROFILE):
        vals = fp.column(name).to_pylist() if name in fp.schema.names else [None] * n
        prof[:, j] = [xxhash.xxh32_intdigest(f"{name}={_quantise(name, v)}".encode()) for v in vals]
    return ids, np.hstack([sig_t, prof])


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Similarity in [0, 1] of signature rows (broadcasts: one row against many)."""
    a = np.atleast_2d(a)
    b = np.atleast_2d(b)
    t = (a[:, :TEMPLATE_PERM] == b[:, :TEMPLATE_PERM]).mean(axis=1)
    p = (a[:, TEMPLATE_PERM:] == b[:, TEMPLATE_PERM:]).mean(axis=1)
    return TEMPLATE_WEIGHT * t + (1 - TEMPLATE_WEIGHT) * p
