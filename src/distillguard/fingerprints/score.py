"""Account risk from the fingerprint: an unsupervised evidence score and an optional supervised model.

Unsupervised (`risk_unsupervised`, no labels): each *evidence rule* turns a few documented
fingerprint features into a strength in [0, 1] and carries a weight and an analyst phrase. The
weighted sum, plus a small isolation-forest term for unusual feature combinations, is squashed by
a logistic into [0, 1]. Reasons are the phrases of the three strongest rules.

Supervised (`risk_supervised`): `train_supervised(fingerprints, labels)` fits a gradient-boosted
tree model on the numeric fingerprint features plus the rule strengths, each feature's effect held
to the direction `MONOTONE` declares, each training world weighing the same; `save_model` /
`load_model` keep it as one small file (a pickle: load only files you produced). `agree_models`
joins models trained on different families of worlds into one whose probability is the lowest of
theirs: an account is as suspicious as the least suspicious reading of it, so a verdict needs every
member to call it likely.
"""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.errors import ConfigError
from distillguard.schema.fingerprints import ACCOUNT_SCORES, FINGERPRINTS

Cols = dict[str, np.ndarray]


def _num(fp: pa.Table, name: str, fill: float = 0.0) -> np.ndarray:
    if name not in fp.schema.names:
        return np.full(fp.num_rows, fill)
    arr = fp.column(name)
    if pa.types.is_boolean(arr.type):
        arr = arr.cast(pa.float64())
    return pc.fill_null(arr.cast(pa.float64()), fill).to_numpy()


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0)


@dataclass(frozen=True)
class Rule:
    """One piece of evidence: strength in [0, 1] per account, a weight, and a phrase."""

    name: str
    weight: float
    strength: Callable[[Cols], np.ndarray]
    phrase: Callable[[Cols, int], str]


def _cols(fp: pa.Table) -> Cols:
    c = {f.name: _num(fp, f.name) for f in FINGERPRINTS.columns
         if pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type)}
    c["_gap_known"] = (~pc.is_null(fp.column("gap_log_std")).to_numpy(zero_copy_only=False)).astype(float)
    c["_verified_known"] = (~pc.is_null(fp.column("verified")).to_numpy(zero_copy_only=False)).astype(float)
    c["_age_known"] = (~pc.is_null(fp.column("age_at_first_use_h")).to_numpy(zero_copy_only=False)).astype(float)
    c["_lift_known"] = (~pc.is_null(fp.column("release_share_lift")).to_numpy(zero_copy_only=False)).astype(float)
    kinds = fp.column("top_template_kind").to_pylist()
    c["_top_is_wrapper"] = np.array([k in ("template", "repeat") for k in kinds], dtype=float)
    return c


def _volume(c: Cols, k: float = 20.0) -> np.ndarray:
    """Confidence from volume: 0 at 1 exchange, ~0.5 at k, -> 1."""
    n = c["exchanges"]
    return n / (n + k)


RULES: tuple[Rule, ...] = (
    Rule("shared_template", 3.0,
         lambda c: _clip(c["shared_template_share"])
         * _clip(np.log(np.maximum(c["top_template_accounts"], 1)) / math.log(30)) * _volume(c, 5),
         lambda c, i: f"{c['top_template_share'][i]:.0%} of traffic is one template shared with "
                      f"{int(c['top_template_accounts'][i]) - 1} other accounts"),
    Rule("one_wrapper", 1.0,
         lambda c: _clip(c["top_template_share"]) * c["_top_is_wrapper"] * _volume(c, 50),
         lambda c, i: f"{c['top_template_share'][i]:.0%} of {int(c['exchanges'][i])} requests use one prompt wrapper"),
    Rule("clockwork_timing", 1.5,
         lambda c: _clip((1.0 - c["gap_log_std"]) / 0.8) * c["_gap_known"] * _volume(c, 10),
         lambda c, i: f"requests arrive at machine-regular intervals (median gap {c['gap_median_s'][i]:.0f}s, "
                      f"{c['gap_near_median_share'][i]:.0%} within ±25%)"),
    Rule("round_the_clock", 1.0,
         lambda c: _clip((c["mean_hours_per_active_day"] - 8.0) / 10.0) * _volume(c, 20),
         lambda c, i: f"active {c['mean_hours_per_active_day'][i]:.0f} of 24 hours on an average active day"),
    Rule("harvest_parameters", 1.0,
         lambda c: _clip(np.maximum.reduce([c["max_tokens_cap_share"], c["logprobs_share"], c["n_gt1_share"]]))
         * _clip(c["param_fixity"]) * _volume(c, 20),
         lambda c, i: _param_phrase(c, i)),
    Rule("long_outputs", 0.7,
         lambda c: _clip(np.log10(np.maximum(c["output_input_ratio"], 1.0)) / 2.0
                         + _clip(c["reasoning_token_share"]) * 0.5) * _volume(c, 20),
         lambda c, i: f"answers are {c['output_input_ratio'][i]:.0f}x longer than prompts"
                      + (f", {c['reasoning_token_share'][i]:.0%} reasoning tokens" if c["reasoning_token_share"][i] > 0.05
                         else "")),
    Rule("single_turn", 0.5,
         lambda c: _clip(c["single_turn_share"]) ** 4 * _volume(c, 50),
         lambda c, i: f"{c['single_turn_share'][i]:.0%} of requests are single-turn"),
    Rule("rotating_infrastructure", 1.2,
         lambda c: np.maximum.reduce([_clip(c["ip_churn"] * 5.0), _clip(c["datacenter_share"]),
                                      _clip(c["vpn_share"]), _clip(c["country_mismatch_share"]) * 0.7])
         * _clip((c["distinct_ips"] - 1.0) / 10.0) * _volume(c, 10),
         lambda c, i: f"{int(c['distinct_ips'][i])} distinct IPs over {int(c['exchanges'][i])} requests"
                      + (f", {c['datacenter_share'][i]:.0%} from datacenters" if c["datacenter_share"][i] > 0.05 else "")
                      + (f", {c['vpn_share'][i]:.0%} via VPN" if c["vpn_share"][i] > 0.05 else "")),
    Rule("fresh_unverified_account", 0.8,
         lambda c: (_clip(1.0 - c["age_at_first_use_h"] / 168.0) * c["_age_known"] * 0.4
                    + (1.0 - c["verified"]) * c["_verified_known"] * 0.3 + c["disposable_email"] * 0.3),
         lambda c, i: _life_phrase(c, i)),
    Rule("shared_payment", 0.8,
         lambda c: _clip((c["payment_shared_accounts"] - 1.0) / 6.0),
         lambda c, i: f"payment instrument shared with {int(c['payment_shared_accounts'][i]) - 1} other accounts"),
    Rule("release_rush", 0.5,
         lambda c: _clip(c["release_share_lift"] / 0.4) * c["_lift_known"] * _volume(c, 20),
         lambda c, i: f"{c['release_new_model_share'][i]:.0%} of traffic on the new model in its first 24 h "
                      f"(population {c['release_population_share'][i]:.0%})"),
    Rule("classifier_harvest", 2.0,
         lambda c: _clip(c["harvest_share"]) * _volume(c, 10),
         lambda c, i: f"{c['harvest_share'][i]:.0%} of requests look like training-data harvesting"),
)
BIAS = 3.0
SLOPE = 1.3
IFOREST_WEIGHT = 0.6


def _param_phrase(c: Cols, i: int) -> str:
    parts = []
    if c["max_tokens_cap_share"][i] > 0.5:
        parts.append(f"max_tokens at the cap in {c['max_tokens_cap_share'][i]:.0%} of requests")
    if c["logprobs_share"][i] > 0.5:
        parts.append(f"log-probabilities requested in {c['logprobs_share'][i]:.0%}")
    if c["n_gt1_share"][i] > 0.5:
        parts.append(f"n>1 choices in {c['n_gt1_share'][i]:.0%}")
    return "; ".join(parts[:1]) or f"one fixed parameter set in {c['param_fixity'][i]:.0%} of requests"


def _life_phrase(c: Cols, i: int) -> str:
    bits = []
    if c["_age_known"][i] and c["age_at_first_use_h"][i] < 168:
        bits.append(f"first used {c['age_at_first_use_h'][i]:.0f} h after sign-up")
    if c["_verified_known"][i] and not c["verified"][i]:
        bits.append("unverified")
    if c["disposable_email"][i]:
        bits.append("disposable e-mail")
    return ", ".join(bits) or "new account"


def rule_strengths(fp: pa.Table) -> tuple[np.ndarray, Cols]:
    """Matrix (accounts, rules) of rule strengths in [0, 1], and the numeric columns used."""
    c = _cols(fp)
    if fp.num_rows == 0:
        return np.zeros((0, len(RULES))), c
    return np.stack([_clip(r.strength(c)) for r in RULES], axis=1), c


_IF_FEATURES = ("gap_log_std", "gap_cv", "mean_hours_per_active_day", "top_template_share", "shared_template_share",
                "param_fixity", "max_tokens_cap_share", "single_turn_share", "output_input_ratio", "ip_churn",
                "rate_per_active_hour", "template_entropy", "content_diversity")


def _iforest(c: Cols) -> np.ndarray:
    """Isolation-forest anomaly rank in [0, 1] over robust-scaled features (0 for tiny populations)."""
    n = len(c["exchanges"])
    if n < 50:
        return np.zeros(n)
    from sklearn.ensemble import IsolationForest

    x = np.stack([c[f] for f in _IF_FEATURES] + [np.log1p(c["exchanges"])], axis=1)
    med = np.median(x, axis=0)
    mad = np.median(np.abs(x - med), axis=0) * 1.4826
    x = (x - med) / np.where(mad > 0, mad, 1.0)
    x = np.clip(x, -20, 20)
    forest = IsolationForest(n_estimators=100, max_samples=min(512, n), random_state=0).fit(x)
    s = -forest.score_samples(x)
    ranks = s.argsort().argsort() / max(n - 1, 1)
    return ranks


def score_accounts(fingerprints: pa.Table, model: object | None = None) -> pa.Table:
    """Score every fingerprinted account.

    Parameters
    ----------
    fingerprints
        Output of `build_fingerprints` (any row order).
    model
        A model from `train_supervised` / `load_model`, or a path to one; None leaves
        ``risk_supervised`` null.

    Returns
    -------
    pa.Table
        Schema `ACCOUNT_SCORES`, sorted by account_id.
    """
    fp = fingerprints.sort_by("account_id")
    s, c = rule_strengths(fp)
    weights = np.array([r.weight for r in RULES])
    contrib = s * weights
    iso = _iforest(c) if fp.num_rows else np.zeros(0)
    raw = contrib.sum(axis=1) + IFOREST_WEIGHT * iso ** 4
    risk = 1.0 / (1.0 + np.exp(-SLOPE * (raw - BIAS)))
    n = fp.num_rows
    pct = risk.argsort(kind="stable").argsort() / max(n - 1, 1) if n else risk
    reasons = []
    for i in range(n):
        top = [j for j in np.argsort(-contrib[i], kind="stable")[:3] if contrib[i, j] >= 0.3]
        reasons.append("; ".join(RULES[j].phrase(c, i) for j in top))
    sup = pa.nulls(n, pa.float64())
    if model is not None:
        if isinstance(model, (str, Path)):
            model = load_model(model)
        sup = pa.array(predict_supervised(model, fp), pa.float64())
    return pa.table({"account_id": fp.column("account_id"), "risk_unsupervised": pa.array(risk, pa.float64()),
                     "risk_percentile": pa.array(pct, pa.float64()), "risk_supervised": sup,
                     "reasons": pa.array(reasons, pa.string())}, schema=ACCOUNT_SCORES.schema)


# --------------------------------------------------------------------------- supervised

# Left out of the supervised model: absolute volumes, world-specific values, and what counts other
# accounts. How many accounts share an account's template (and the template's slot diversity over all
# of them) grows with the population: a public research prompt has ~10 senders in a small world and
# hundreds at seed scale, so a model trained on small worlds put every researcher of a large one at the
# far end of a feature it may only rise with. Many accounts sharing one thing is coordination
# evidence, judged in linking against a null taken from the run (docs/benchmarks.md, issue 16).
_EXCLUDE = {"exchanges", "active_days", "active_hours", "max_daily_exchanges", "total_output_tokens",
            "max_tokens_mode", "temperature_mode", "release_population_share",
            "top_template_accounts", "top_template_slot_diversity", "rule_shared_template"}


def supervised_features(fp: pa.Table) -> tuple[list[str], np.ndarray]:
    """Feature names and matrix: numeric fingerprint columns (-1 for null) + rule strengths.

    Absolute volumes, world-specific values and counts of other accounts (`_EXCLUDE`) are left out
    so a model moves between worlds of other sizes.
    """
    names, cols = [], []
    for f in FINGERPRINTS.columns:
        if f.name in _EXCLUDE or not (pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
                                      or pa.types.is_boolean(f.type)):
            continue
        arr = fp.column(f.name)
        if pa.types.is_boolean(arr.type):
            arr = arr.cast(pa.float64())
        names.append(f.name)
        cols.append(pc.fill_null(arr.cast(pa.float64()), float("nan")).to_numpy())
    s, _ = rule_strengths(fp)
    for j, r in enumerate(RULES):
        if f"rule_{r.name}" not in _EXCLUDE:
            names.append(f"rule_{r.name}")
            cols.append(s[:, j])
    names.append("log_exchanges")
    cols.append(np.log1p(_num(fp, "exchanges")))
    x = np.column_stack(cols)
    # Null -> -1: trees split it off; all-null columns (no classifier, no accounts) stay harmless.
    return names, np.nan_to_num(x, nan=-1.0, posinf=1e9, neginf=-1e9)


# The direction in which each feature may move the supervised model's probability (1: more of it can
# only raise it, -1: only lower it; features not named may go either way, and every rule strength
# may only raise it, see `monotone_constraints`). Each is what distillation *is*, not a value of one
# simulator's campaigns: harvesting outputs, one pipeline for many accounts (shared templates, fixed
# parameters), scripted traffic, rented or hidden infrastructure, shared payment, fresh accounts,
# asking for more of the model's thinking.
# Trees fitted without them learn the training campaigns' exact values on both sides of a split and
# put a campaign that differs on one axis below ordinary customers (docs/benchmarks.md, issue 16).
MONOTONE: dict[str, int] = {
    "harvest_share": 1, "harvest_mean": 1,                                   # harvesting
    "shared_template_share": 1, "top_template_share": 1, "wrapper_share": 1,
    "param_fixity": 1, "max_tokens_cap_share": 1,                            # one pipeline
    "single_turn_share": 1, "sub_second_gap_share": 1, "gap_near_median_share": 1,   # scripted
    "datacenter_share": 1, "vpn_share": 1, "ip_churn": 1, "country_mismatch_share": 1,  # rented exits
    "payment_shared_accounts": 1, "disposable_email": 1, "age_at_first_use_h": -1,   # farmed accounts
    "n_gt1_share": 1, "logprobs_share": 1, "reasoning_token_share": 1, "thinking_share": 1,  # more output
    "release_share_lift": 1,                                                  # release reaction
}


def monotone_constraints(names: list[str]) -> list[int]:
    """`MONOTONE` per feature name; every rule strength (a declared suspicion) may only raise the risk."""
    return [MONOTONE.get(n, 1 if n.startswith("rule_") else 0) for n in names]


# Fingerprint columns by what an operator controls together. Training adds copies of every campaign
# account with some groups' columns taken from a random ordinary account of the same world: an
# operator can evade on any axis (aged accounts, home lines, human timing, no shared template), and
# on several at once; what it cannot drop is the harvesting. A model that saw only campaigns caught
# on every axis at once learns to need all of them (on held-out playbooks it put evasive accounts
# below ordinary customers); one that saw one axis evaded at a time still leaned on a single network
# column (one address: benign) for campaigns that evade on four (docs/benchmarks.md, issue 16).
EVASION_GROUPS: dict[str, tuple[str, ...]] = {
    "network": ("distinct_ips", "ip_churn", "distinct_asns", "distinct_client_countries", "datacenter_share",
                "vpn_share", "country_mismatch_share"),
    "client": ("distinct_user_agents", "ua_family_top", "ua_families", "browser_ua_share", "distinct_tls_fingerprints",
               "distinct_api_keys"),
    "account": ("account_created_at", "age_at_first_use_h", "signup_path", "verified", "email_domain",
                "disposable_email", "payment_shared_accounts"),
    "timing": ("rate_per_active_hour", "daily_count_cv", "gap_median_s", "gap_cv", "gap_log_std", "burstiness",
               "gap_near_median_share", "sub_second_gap_share", "hour_entropy", "hours_of_day_share",
               "mean_hours_per_active_day", "hour_profile", "rate_limited_share", "backoff_gap_ratio",
               "long_pause_share"),
    "pipeline": ("templates_used", "top_template_id", "top_template_share", "top_template_kind", "top_template_accounts",
                 "top_template_slot_diversity", "shared_template_share", "wrapper_share", "template_entropy",
                 "max_tokens_cap_share", "max_tokens_mode_share", "max_tokens_mode", "temperature_mode",
                 "param_fixity", "temperature_mean", "temperature_given_share"),
    "release": ("release_new_model_share", "release_population_share", "release_share_lift", "hours_to_new_model"),
}
# Copies per campaign account that take a random set of two or more groups (each group with
# probability 1/2) from one ordinary account, besides the one copy per group.
EVASION_MIXED_COPIES = 6


def evasion_copies(fp: pa.Table, y: np.ndarray, world: np.ndarray, seed: int = 0,
                   mixed: int = EVASION_MIXED_COPIES) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """`fp`, `y`, `world` with copies of every campaign row that take some `EVASION_GROUPS` groups'
    columns from a random benign row of the same world (worlds without benign rows: no copies).

    First one copy per group (that group only), then `mixed` copies that each take a random set of
    at least two groups, each copy from its own donor. Harvesting columns are never taken.
    """
    rng = np.random.default_rng(seed)
    camp = np.flatnonzero(y > 0)
    groups = list(EVASION_GROUPS.values())
    # per world of campaign rows: those rows (positions in `camp`) and the world's benign rows
    pools = [(world[camp] == wd, np.flatnonzero((y == 0) & (world == wd))) for wd in np.unique(world[camp])]
    parts, ys, ws = [fp], [y], [world]
    for k in range(len(groups) + mixed):
        rows, donor_rows = _donors(rng, camp, pools)
        if not len(rows):
            break
        if k < len(groups):
            take = np.zeros((len(rows), len(groups)), dtype=bool)
            take[:, k] = True
        else:
            take = _random_groups(rng, len(rows), len(groups))
        copy, donor = fp.take(pa.array(rows)), fp.take(pa.array(donor_rows))
        for g, cols in enumerate(groups):
            if not take[:, g].any():
                continue
            mask = pa.array(take[:, g])
            for col in cols:
                if col in copy.schema.names:
                    copy = copy.set_column(copy.schema.get_field_index(col), col,
                                           pc.if_else(mask, donor[col], copy[col]))
        parts.append(copy)
        ys.append(y[rows])
        ws.append(world[rows])
    return pa.concat_tables(parts), np.concatenate(ys), np.concatenate(ws)


# Groups an ordinary customer may share with an operator, one at a time: addresses that rotate (mobile, IPv6
# privacy addresses, a VPN), a scripted client, a fresh or programme account or a company card, scripted or
# round-the-clock timing, a rush to a new model. What stays the operator's is harvesting through one pipeline.
# A model that saw the simulator's customers only at their own clean values (one address, no rotation)
# made each of those values a cut-off: on a generator it never saw, benign coding-agent users on IPv6
# privacy addresses scored 0.99 (docs/benchmarks.md, issue 16, thirty-ninth step).
LOOKALIKE_GROUPS = ("network", "client", "account", "timing", "release")


def lookalike_copies(fp: pa.Table, y: np.ndarray, world: np.ndarray, seed: int = 1) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The mirror of `evasion_copies`: copies of every benign row that take one `LOOKALIKE_GROUPS` group's
    columns from a random campaign row of the same world, labelled benign (one copy per group)."""
    rng = np.random.default_rng(seed)
    ben = np.flatnonzero(y == 0)
    pools = [(world[ben] == wd, np.flatnonzero((y > 0) & (world == wd))) for wd in np.unique(world[ben])]
    parts, ys, ws = [fp], [y], [world]
    for g in LOOKALIKE_GROUPS:
        rows, donor_rows = _donors(rng, ben, pools)
        if not len(rows):
            break
        copy, donor = fp.take(pa.array(rows)), fp.take(pa.array(donor_rows))
        for col in EVASION_GROUPS[g]:
            if col in copy.schema.names:
                copy = copy.set_column(copy.schema.get_field_index(col), col, donor[col])
        parts.append(copy)
        ys.append(y[rows])
        ws.append(world[rows])
    return pa.concat_tables(parts), np.concatenate(ys), np.concatenate(ws)


def _donors(rng: np.random.Generator, rows: np.ndarray, pools: list[tuple[np.ndarray, np.ndarray]]
            ) -> tuple[np.ndarray, np.ndarray]:
    """(the `rows` that get a donor, each one's donor row): per world, `pools` holds a mask over `rows`
    (those of that world) and the world's rows to draw donors from; rows of a world with none get none."""
    donors = np.full(len(rows), -1, dtype=np.int64)
    for at, pool in pools:
        if len(pool):
            donors[at] = rng.choice(pool, int(at.sum()))
    return rows[donors >= 0], donors[donors >= 0]


def _random_groups(rng: np.random.Generator, rows: int, groups: int) -> np.ndarray:
    """Per row, each of `groups` taken with probability 1/2, drawn again until at least two are."""
    take = rng.random((rows, groups)) < 0.5
    few = take.sum(axis=1) < 2
    while few.any():
        take[few] = rng.random((int(few.sum()), groups)) < 0.5
        few = take.sum(axis=1) < 2
    return take


def balanced_weights(y: np.ndarray, world: np.ndarray) -> np.ndarray:
    """Sample weights under which every (world, class) group weighs the same in all (mean weight 1)."""
    from sklearn.utils.class_weight import compute_sample_weight

    group = np.char.add(np.asarray(world, dtype=str), np.where(np.asarray(y) > 0, "\x1f1", "\x1f0"))
    return compute_sample_weight("balanced", group)   # n / (groups x group size)


def train_supervised(fingerprints: pa.Table, labels: pa.Table, *, seed: int = 0) -> dict:
    """Fit a supervised account model on labelled worlds.

    `labels` has ``account_id`` and ``campaign`` (null / empty = benign) and may have ``world``
    (any label per account): each world's campaign accounts and its benign accounts then weigh the
    same in all (a large world does not drown a small one, nor benign accounts the campaigns).
    Campaign accounts also train with each `EVASION_GROUPS` group taken from an ordinary account
    (`evasion_copies`), and ordinary accounts with one `LOOKALIKE_GROUPS` group taken from a campaign
    account (`lookalike_copies`). Feature effects are held to `MONOTONE`. Returns a model dict (``features``, ``estimator``,
    ``sklearn_version``) for `predict_supervised` / `save_model`.
    """
    from sklearn import __version__ as skv
    from sklearn.ensemble import HistGradientBoostingClassifier

    if "account_id" not in labels.schema.names or "campaign" not in labels.schema.names:
        raise ConfigError("labels need account_id and campaign columns")
    fp = fingerprints.sort_by("account_id")
    lab = dict(zip(labels.column("account_id").to_pylist(), labels.column("campaign").to_pylist(), strict=True))
    worlds = dict(zip(labels.column("account_id").to_pylist(), labels.column("world").to_pylist(), strict=True)) \
        if "world" in labels.schema.names else {}
    ids = fp.column("account_id").to_pylist()
    keep = np.array([a in lab for a in ids])
    y = np.array([bool(lab.get(a)) for a in ids], dtype=int)[keep]
    if len(set(y.tolist())) < 2:
        raise ConfigError("labels must contain both campaign and benign accounts to train")
    world = np.array([str(worlds.get(a, "")) for a in ids], dtype=object)[keep]
    fp = fp.filter(pa.array(keep))
    n = fp.num_rows
    # both kinds of copies are drawn from the labelled rows only (no copy of a copy)
    looks, y_looks, w_looks = lookalike_copies(fp, y, world, seed + 1)
    fp, y, world = evasion_copies(fp, y, world, seed)
    fp = pa.concat_tables([fp, looks.slice(n)])
    y, world = np.concatenate([y, y_looks[n:]]), np.concatenate([world, w_looks[n:]])
    names, x = supervised_features(fp)
    weight = balanced_weights(y, world)   # a world's copies share its campaign accounts' weight
    est = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=10,
                                         l2_regularization=1.0, monotonic_cst=monotone_constraints(names),
                                         random_state=seed)
    est.fit(x, y, sample_weight=weight)
    return {"kind": "distillguard.account_model", "version": 4, "features": names, "estimator": est,
            "sklearn_version": skv}


def predict_supervised(model: dict, fingerprints: pa.Table) -> np.ndarray:
    names, x = supervised_features(fingerprints)
    if names != model["features"]:
        raise ConfigError("account model was trained on other fingerprint features",
                          hint="retrain it with this version: distillguard train accounts")
    if x.shape[0] == 0:
        return np.zeros(0)
    p = model["estimator"].predict_proba(x)[:, 1]
    for other in model.get("agree", []):   # `agree_models`: the lowest reading
        p = np.minimum(p, other.predict_proba(x)[:, 1])
    return p


def agree_models(*models: dict) -> dict:
    """One model whose probability is the lowest of `models`' (each from `train_supervised`, on the same
    features): trained on different families of worlds, they disagree where one family's customers look
    like another's campaigns, and an account is flagged on its own only where all call it likely."""
    if len(models) < 2:
        raise ConfigError("agree_models needs two models or more")
    first = models[0]
    if any(m["features"] != first["features"] for m in models[1:]):
        raise ConfigError("account models to agree were trained on other fingerprint features",
                          hint="retrain them with this version: distillguard train accounts")
    others = [e for m in models[1:] for e in [m["estimator"], *m.get("agree", [])]]
    return {**first, "agree": [*first.get("agree", []), *others],
            "trained_on": {"agree": [m.get("trained_on") for m in models]}}   # each member's recipe


def save_model(model: dict, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(pickle.dumps(model, protocol=5))
    tmp.replace(path)
    return path


def load_model(path: Path | str) -> dict:
    """Load a model written by `save_model` (a pickle: only load files you produced)."""
    try:
        model = pickle.loads(Path(path).read_bytes())  # noqa: S301 - own artefact, documented
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise ConfigError(f"cannot load account model {path}: {exc}") from exc
    if not isinstance(model, dict) or model.get("kind") != "distillguard.account_model":
        raise ConfigError(f"{path} is not a distillguard account model")
    return model
