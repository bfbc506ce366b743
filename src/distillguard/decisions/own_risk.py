"""Each judged account's own risk, as the decide stage reads it.

`own_risk(scores)` orders the accounts the `account_risk` stage scored (sorted ids) and gives
each one's own risk (the supervised model's where it gave one, else the rules') and reasons;
partner evidence (issue 19) is a prior the pipeline applies on it afterwards
(`PartnerEvidence.apply_risk`, `linking/partner.py`).
`policy_for_model(policy, supervised)`: without the supervised model the unsupervised score
is not a calibrated probability, so an account no campaign ties to others keeps only
`unsupervised_unlinked_weight` of it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa

from distillguard.decisions.policy import Policy


def is_supervised(scores: pa.Table) -> bool:
    """Whether the supervised model scored any account of `scores`."""
    sup = scores.column("risk_supervised") if "risk_supervised" in scores.column_names else None
    return sup is not None and sup.null_count < len(sup)


def best_risk(scores: pa.Table) -> np.ndarray:
    """Per row of `scores`: the supervised risk when the model scored any account, else the unsupervised one."""
    name = "risk_supervised" if is_supervised(scores) else "risk_unsupervised"
    return np.asarray(scores.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)


def own_risk(scores: pa.Table) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(judged account ids, sorted; each one's own risk from our own traffic, NaN as 0; each one's reasons)."""
    active = np.array(sorted(scores["account_id"].to_pylist()), dtype=object)
    score_by = dict(zip(scores["account_id"].to_pylist(), range(scores.num_rows), strict=True))
    order = np.array([score_by[a] for a in active.tolist()], dtype=np.int64)
    risk = np.nan_to_num(best_risk(scores)[order], nan=0.0)
    reasons = [scores["reasons"][int(i)].as_py() or "" for i in order]
    return active, risk, reasons


def policy_for_model(policy: Policy, supervised: bool) -> Policy:
    """`policy` as it applies when the own risk is (`supervised`) or is not the model's probability."""
    return policy if supervised else replace(policy, unlinked_weight=policy.unsupervised_unlinked_weight)
