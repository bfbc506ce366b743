"""Coordination-first campaign finding: groups of accounts that act as one, tested against the data.

Distillation is one operator driving many accounts through one pipeline to harvest a capability.
That gives two families of per-account *facets*:

* **pipeline facets**: what the software sends - a mined prompt template, the request
  configuration (modal ``max_tokens`` and ``temperature``), the client (user agent + TLS
  fingerprint), the harvest target (the extraction categories that make at least
  ``target_min_share`` of the account's traffic: one operator harvests one set of capabilities
  through every account, whatever wrapper or configuration each has). Unrelated customers of one
  product share all of them, so a pipeline value only *proposes* a group (an anchor); it never
  confirms one.
* **operator facets**: how the accounts are run - sign-up day, first-use day, last-use day, working shift
  (which 3-hour blocks of the UTC day carry the traffic), daily volume (log2 bucket), network
  (/24 or /48 prefixes of an account that uses few), ASN, payment instrument, e-mail domain,
  sign-up path. Unrelated users of one product are independent on these; one operator's
  accounts are not.

For every anchor held by ``k >= min_accounts`` accounts and every operator facet, the anchor's
most common value of that facet (held by ``c`` of its accounts) is tested against the whole
population: ``P(X >= c)`` with ``X ~ Binomial(k, p)``, ``p`` the share of all accounts that hold
the value. The null model is the data at hand, not a fixed weight, so a facet value that many
customers share (one busy NAT, a sign-up spike after a release) is not surprising and a rare one
is. A facet is *coupled* when that probability is below ``alpha`` divided by the number of tests
made in the run (Bonferroni), so the bar rises with the data size instead of being tuned, and
when the value is at least ``min_lift`` times as common among the anchor's accounts as among the
accounts outside it (effect size: at 20,000 accounts a research cohort's mild likeness passes any
significance bar; one operator's proxies, cards and hours are nearly its own).

A group made of organisations' seats is dropped: when at least ``max_org_seat_share`` of its
accounts share an organisation with another of its accounts. An account's organisation is the
one its exchanges declare (``org_id``) or, when they declare none, the one it pays as (a payment
instrument whose declared holders all belong to one organisation: logs do not carry the org id
on every seat). An organisation's seats share its card, office, sign-up days and tools because
they are one customer, which says nothing about a hidden operator. An organisation whose paying
seats do not mostly share one card (``org_billed_share``) is not billed as one customer, and its
seats are judged like anyone's (an operator that declares one organisation over accounts that
each pay on their own card).

A network prefix and its autonomous system measure one dimension (``DIMENSIONS``): coupled together
they count as one facet, in the group and in each member.

An anchor's *core* is its accounts that hold uncommon coupled values of at least half of the
coupled facets' weight (weak facets count half), of ``min_strong`` strong facets among them; a
facet's several values count for an account only when few accounts outside the anchor hold as
many of them (`_holds_enough`). The core's *combination surprise* is the probability that that many of the anchor's accounts hold
all of their shared values together, under independence. A group is a candidate campaign when
it also harvests: the mean share of its members' exchanges that the classifier scores as
harvesting is at least ``min_harvest`` (an absolute level of the shipped classifier, the same
for every world). Candidate groups that share accounts merge into one campaign (one operator,
one campaign); its evidence names each coupled facet with its observed and expected counts.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.linking.partner import EVIDENCE_KIND as PARTNER_KIND
from distillguard.linking.resends import Resends

PIPELINE_FACETS = ("template", "wrapper", "config", "client", "target", "partner")
# Anchors that are themselves operator evidence seen outside this run: a partner provider linked
# the values these accounts carry to one operator's campaign (`partner_indicator` tokens, issue 19,
# linking/partner.py). Such an anchor counts as one strong coupled dimension of its holders, so one
# strong coupling in our own data (hours, first day, network...) completes the two independent
# dimensions a group needs. Inside it the coupling tests drop the lift floor (it guards against
# large cohorts of ordinary customers; a partner's campaign is none); the harvest bar, significance,
# `max_common` and the ties that split a core into operators are unchanged.
OUTSIDE_EVIDENCE_FACETS = ("partner",)
OPERATOR_FACETS = ("signup_day", "first_day", "last_day", "shift", "volume", "network", "asn", "payment", "email_domain",
                   "signup_path")
# Facets that describe the kind of customer more than who runs the account: a research programme's
# cohort signs up through one path, from one university's e-mail domain, and sends similar volumes. They add to a group's evidence but
# never make one: a group needs a coupled facet outside this list.
WEAK_FACETS = ("volume", "signup_path", "email_domain")
# Facets of where and when accounts started and stopped: what a crowd that met at one event shares (a
# hackathon's participants sign up on its day, on the venue's network, through its sign-up path, and most
# stop when it ends). They are an operator's sign-up wave too, but alone they are no sign of one hand
# running the accounts: a group coupled on nothing else - not on how its accounts are run or paid for
# (working hours, daily volume, payment instrument, e-mail domain), with no partner's campaign as its
# anchor - is a *crowd* (`min_run_facets`, DG-LNK-0001 version 15). It forms no campaign, is listed for
# review, and keeps its accounts from the lead cohorts, which would gather the same crowd again behind its
# network or starter prompt.
EVENT_FACETS = ("signup_day", "first_day", "last_day", "network", "asn", "signup_path")
# Where accounts connect from. Mildly suspicious accounts at one place are a crowd at a venue, a campus or an
# ISP more often than an operator; lead cohorts gather behind one only with `lead_place_anchors` (DG-LNK-0002
# version 15).
PLACE_FACETS = ("network", "asn")
# Facets that measure one dimension twice: an account's network prefixes lie inside its autonomous
# systems, so one proxy pool or one public VPN's exits couple both at once. Coupled together they are
# one coincidence, not the two independent ones a group needs (DG-LNK-0001 version 12). A prompt
# template and a recurring-text cluster are one prompt text seen two ways (exact skeleton, near-duplicate
# shingles): behind one of them, sharing the other is the same coincidence again (DG-LNK-0002 version 11;
# pipeline facets anchor a coordinated group and are never coupled, so only the cohort tie reads this).
DIMENSIONS = {"asn": "network", "template": "prompt text", "wrapper": "prompt text"}
# Classifier categories that are not capability extraction (see signals/classifier).
MUNDANE_CATEGORIES = ("other", "roleplay")


def dimension(facet: str) -> str:
    """The dimension of evidence a facet measures (DIMENSIONS; itself for most)."""
    return DIMENSIONS.get(facet, facet)


def nested_facets(facet: str) -> list[str]:
    """The other facets that measure `facet`'s dimension (a prefix for an autonomous system, and back)."""
    return [f for f in PIPELINE_FACETS + OPERATOR_FACETS if f != facet and dimension(f) == dimension(facet)]


def facet_weight(facet: str) -> float:
    """What a coupled facet adds to a member's weight: strong 1, weak 0.5."""
    return 0.5 if facet in WEAK_FACETS else 1.0


DESCRIPTIONS = {
    "template": "the same prompt template",
    "wrapper": "near-duplicate recurring prompt text (paraphrase included)",
    "config": "the same request configuration",
    "client": "the same client (user agent and TLS fingerprint)",
    "target": "harvest the same set of capabilities",
    "partner": "the indicators a partner provider shared for one of its campaigns",
    "signup_day": "signed up on the same day",
    "first_day": "first used the API on the same day",
    "last_day": "last used the API on the same day",
    "shift": "work the same hours of the day",
    "volume": "send the same daily volume",
    "network": "the same network prefix",
    "asn": "the same autonomous system",
    "payment": "the same payment instrument",
    "email_domain": "the same e-mail domain",
    "signup_path": "the same sign-up path",
    "leads": "accounts the account model finds mildly suspicious (cohorts.py)",
}


# What a shared value is, as a noun phrase for evidence sentences.
NOUNS = {
    "template": "prompt template", "wrapper": "recurring prompt text", "config": "request configuration",
    "client": "client", "target": "set of harvested capabilities", "partner": "partner campaign's indicators",
    "signup_day": "sign-up day", "first_day": "first day of use",
    "last_day": "last day of use",
    "shift": "working hours (UTC 3-hour blocks)", "volume": "daily volume (log2)", "network": "network prefix",
    "asn": "autonomous system", "payment": "payment instrument", "email_domain": "e-mail domain",
    "signup_path": "sign-up path",
    "leads": "mildly suspicious accounts",
}


class CoordinatedGroupFinding:
    """Declaration of this finding, like the signals' (cases in coordination.cases.yaml beside this file)."""

    id = "DG-LNK-0001"
    # 2: the harvest bar looks past mundane filler; one declared organisation is no group.
    # 3: undeclared seats take the organisation they pay as; the seat share counts every member.
    # 4: a partner's campaign (partner_indicator tokens) is an anchor worth one strong dimension.
    # 5: inside a partner's campaign no lift floor (significance and max_common decide).
    # 6: a group over several organisations whose seats are mostly leads is not set aside (shell_orgs).
    # 7: the harvest target (the extraction categories an account sends enough of) is a pipeline facet.
    # 8: a member holds a facet's values beyond chance only when at most max_common of the accounts
    #    outside the anchor hold as many of them (one ISP of a proxy pool's twenty is a home line).
    # 9: a member holds min_strong strong coupled facets (was one, with weak ones making up the weight).
    # 10: an organisation is one customer only when it is billed as one (org_billed_share): seats that
    #     each pay with their own card are not set aside as its seats.
    # 11: a group whose members resend its own requests harvests (resends.py), whatever the classifier says.
    # 12: facets that measure one dimension (a prefix and its autonomous system) count once (DIMENSIONS).
    # 13: resent requests count only when the group sent at least min_resent_exchanges of them in all.
    # 14: ... and only when its members' answers are at least min_resent_answer_tokens long on average.
    # 15: a group coupled only on where and when its accounts started and stopped (EVENT_FACETS) is a
    #     crowd at one event as much as an operator: no campaign without min_run_facets facets of how its
    #     accounts are run; set aside for review, its accounts kept from the lead cohorts.
    version = 15
    name = "coordinated_group"
    role = "form"  # forms a campaign by itself, whatever its members' own risk
    description = ("accounts that share a pipeline value and are coupled on operator facets far beyond "
                   "chance, and that harvest")
    false_positives = (
        "A team that sends one fixed set of prompts again and again from many accounts (a regression suite "
        "run from each engineer's own account, undeclared) resends its own requests and passes the harvest "
        "bar without the classifier; it must still be coupled on two strong operator facets beyond chance, "
        "and one declared organisation's seats stay set aside.",
        "A lab or a company running one harvesting-like job from many seats on shared infrastructure "
        "(one NAT, one card, one sign-up day) without declaring them one organisation: coupled and "
        "harvesting; the evidence names the facets.",
        "A cohort that signed up together through a programme and shares a cloud ASN: the ASN counts as "
        "strong when few other customers use it.",
        "Customers whose kind shares two of an operator's strong values: researchers on a cloud ASN the "
        "operator's accounts also use, working office hours (00111100) it also works, behind its public "
        "template (6 among 196k accounts on the seed-scale worlds 59 and 61). A member's values are judged "
        "against every account outside the anchor, not against customers of its kind.",
        "Organisations' seats are never a group (max_org_seat_share): an operator that buys "
        "one organisation's seats is not found by coordination, only by its accounts' own behaviour. "
        "An operator that declares an organisation on at least half of a group's accounts (or on one "
        "account per card it shares) and bills them on one card passes as one customer the same way. "
        "Conversely a company whose seats each pay with their own card (per-seat expense cards) is not "
        "billed as one (org_billed_share) and its seats are judged like anyone's. With the account model, a "
        "group at least half of which sits in two or more organisations whose seats are mostly leads "
        "is not set aside (one operator behind several organisations).",
        "A crowd that met at one event (a hackathon, a workshop, a class) signs up on one day from the venue's "
        "network, sends the event's starter prompt and stops when it ends: coupled on sign-up day, network and "
        "first or last day of use only, it is a crowd (min_run_facets): listed for review, no campaign, and its "
        "accounts are not gathered again as a lead cohort. An operator whose accounts share nothing but a "
        "sign-up wave from one proxy pool is then found only through a facet of how they are run (hours, "
        "volume, cards, e-mail domains), its other groups, or its accounts' own behaviour.",
    )


@dataclass(frozen=True)
class CoordinationParams:
    """Knobs of coordination-first finding (documented in docs/detection.md)."""

    enabled: bool = True
    min_accounts: int = 5            # an anchor, a core and a campaign need at least this many accounts
    max_anchor_share: float = 0.25   # anchors held by more of the population say nothing
    alpha: float = 0.01              # family-wise error rate of the coupling tests (Bonferroni)
    min_harvest: float = 0.3         # mean harvest share of a group's members, or ...
    min_extraction: float = 0.5      # ... mean share of their traffic in extraction categories, or ...
    min_extraction_floor: float = 0.15  # ... at least this share, of which min_harvest harvests (filler aside)
    min_coupled: int = 2             # coupled operator facets a group needs ...
    min_strong: int = 2              # ... of which this many strong (two independent coincidences), in each member too
    min_run_facets: int = 1          # ... or it is a crowd: this many outside EVENT_FACETS (how they are run; 0: no bar)
    max_org_seat_share: float = 0.5  # a group this share of whose declared members are org seats is orgs
    org_billed_share: float = 0.5    # ... seats of an organisation at least this share of whose paying seats share one card
    max_common: float = 0.05         # a value (or as many of a facet's values) held by more outside an anchor ties no one
    min_lift: float = 20.0           # a coupled value is this many times more common inside the anchor than outside
    min_member_weight: float = 1.5   # coupled-facet weight a member must hold (strong 1, weak 0.5)
    min_tie_weight: float = 1.0      # uncommon values two core accounts share to stay in one group
    max_network_prefixes: int = 8    # an account's prefixes count as a facet only when it uses this few
    merge_min_jaccard: float = 0.6   # groups whose accounts coincide this much are one unit
    merge_rate_span: int = 1         # ... and lead cohorts behind one value at daily volumes this close (0: no)
    join_min_share: float = 0.3      # a unit's signature: values at least this share of it holds ...
    join_min_jaccard: float = 0.5    # ... and units whose signatures coincide this much join
    leads: bool = True               # lead cohorts (cohorts.py): many leads behind one value
    lead_min_risk: float = 0.1       # a lead: own risk (the account model's probability) at least this
    lead_min_exchanges: int = 2      # ... from at least this many exchanges (one request is no pattern)
    lead_min_share: float = 0.5      # a lead cohort's anchor is at least this share leads ...
    lead_min_lift: float = 0.0       # ... at least this many times the share among the accounts outside it (0: off)
    lead_operator_anchors: bool = True  # lead cohorts may also gather behind a strong operator value
    lead_place_anchors: bool = False  # ... including a place (network, ASN: PLACE_FACETS)
    lead_rate_anchors: bool = True   # ... and behind a pipeline value sent at one daily volume
    lead_rate_tied: bool = False     # ... whose leads must also share an uncommon value (False: the rate is the second tie)
    lead_rate_coupled: bool = True   # ... and the rate must be beyond chance among the value's holders
    lead_orgs: bool = True           # a group over several organisations of mostly leads is not set aside
    target_min_share: float = 0.1    # a category is part of an account's harvest target at this share (> 1: no facet)
    resends: bool = True             # a group whose members resend its own requests harvests (resends.py) ...
    min_resent_exchanges: int = 1000  # ... when they sent at least this many of them in all (a dataset)
    min_resent_answer_tokens: float = 16.0  # ... and their answers average this many output tokens (text to train on)


@dataclass
class CoordinatedGroup:
    members: np.ndarray                  # account indices
    anchor: tuple[str, str]              # (facet, value)
    coupled: list[dict] = field(default_factory=list)  # facet, value, count, expected, log10p
    log10p: float = 0.0                  # sum of the coupled facets' log10 probabilities (negative)
    harvest: float = 0.0
    threshold: float = 0.0               # the run's Bonferroni bar on log10 p (negative)
    anchor_holders: int = 0              # accounts that hold the anchor value in all (0: not known)
    # accounts outside the group holding one of its values of every coupled facet, and of those the
    # ones that also send its anchor (None: not counted)
    outside: np.ndarray | None = None
    outside_anchor: np.ndarray | None = None
    resent: float | None = None          # members' mean resend share (resends.py; None: not looked at)
    rate: str | None = None              # a lead cohort behind its anchor at one daily volume: that volume (log2 bucket)
    crowd: bool = False                  # coupled only on EVENT_FACETS (is_crowd): set aside, forms no campaign

    def outside_counts(self, campaign: np.ndarray | None = None) -> tuple[int, int] | None:
        """(accounts outside `campaign` - default the group - that match it on every coupled facet,
        those of them that send its anchor); None when not counted."""
        if self.outside is None or self.outside_anchor is None:
            return None
        if campaign is None:
            return len(self.outside), len(self.outside_anchor)
        return (int((~np.isin(self.outside, campaign)).sum()),
                int((~np.isin(self.outside_anchor, campaign)).sum()))
    orgs: np.ndarray | None = None       # members' declared organisations, kept for a group set aside as org seats

    @property
    def risk(self) -> float:
        """0.5 at the bar, rising towards 1 as the strongest coupling passes it many times over."""
        best = min((x["log10p"] for x in self.coupled if x.get("tested", True)), default=0.0)
        return round(1.0 - 0.5 * min(1.0, self.threshold / best), 4) if best < 0 else 0.0


def account_facets(tokens: pa.Table, fingerprints: pa.Table, account_ids: np.ndarray, config_keys: np.ndarray,
                   params: CoordinationParams | None = None, wrappers: np.ndarray | None = None) -> pa.Table:
    """(account, facet, value) rows for every active account; `account` indexes `account_ids`."""
    from distillguard.linking.graph import account_index

    p = params or CoordinationParams()
    parts: list[pa.Table] = []

    def add(acc: np.ndarray, facet: str, values: pa.Array | np.ndarray | list) -> None:
        vals = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
        keep = (acc >= 0) & ~np.asarray(pc.is_null(vals).to_numpy(zero_copy_only=False), dtype=bool)
        vals = vals.filter(pa.array(keep))
        parts.append(pa.table({"account": pa.array(acc[keep], pa.int64()),
                               "facet": pa.array([facet] * len(vals), pa.string()),
                               "value": vals.cast(pa.string())}))

    acc = account_index(tokens["account_id"], account_ids)
    kinds = tokens["kind"].combine_chunks()
    values = tokens["value"].combine_chunks()
    for facet, kind in (("template", "template"), ("payment", "payment"), ("email_domain", "email_domain"),
                        ("partner", PARTNER_KIND)):
        m = pc.equal(kinds, kind)
        add(acc[np.asarray(m.to_numpy(zero_copy_only=False), dtype=bool)], facet, values.filter(m))
    m = pc.equal(kinds, "client_stack")
    stack = values.filter(m)
    mask = np.asarray(m.to_numpy(zero_copy_only=False), dtype=bool)
    # ASN|UA|TLS: the client is the UA and TLS part (a residential exit changes the ASN, not the software)
    split = pc.split_pattern(stack, "|", max_splits=1)
    asn = pc.list_element(split, 0)
    client = pc.list_element(split, 1)
    add(acc[mask], "client", client)
    add(acc[mask], "asn", pc.if_else(pc.equal(asn, "-1"), pa.scalar(None, pa.string()), asn))
    m = pc.equal(kinds, "ip_prefix")
    mask = np.asarray(m.to_numpy(zero_copy_only=False), dtype=bool)
    a = acc[mask]
    n_pref = np.bincount(a[a >= 0], minlength=len(account_ids))
    few = np.zeros(len(a), dtype=bool)
    few[a >= 0] = n_pref[a[a >= 0]] <= p.max_network_prefixes
    add(np.where(few, a, -1), "network", values.filter(m))
    add(np.arange(len(account_ids)), "config", [k if k else None for k in config_keys.tolist()])
    if wrappers is not None:
        add(np.arange(len(account_ids)), "wrapper", [w if w else None for w in wrappers.tolist()])

    fp_acc = account_index(fingerprints["account_id"], account_ids)  # account index of each fingerprint row

    def col(name: str) -> pa.ChunkedArray | None:
        return fingerprints.column(name) if name in fingerprints.column_names else None

    if (c := col("account_created_at")) is not None:
        add(fp_acc, "signup_day", pc.strftime(c, "%Y-%m-%d").combine_chunks() if c.null_count < len(c)
            else pa.nulls(len(c), pa.string()))
    if (c := col("first_seen")) is not None:
        add(fp_acc, "first_day", pc.strftime(c, "%Y-%m-%d").combine_chunks())
    if (c := col("last_seen")) is not None:  # a retired wave stops on one day (the log's last day is common)
        add(fp_acc, "last_day", pc.strftime(c, "%Y-%m-%d").combine_chunks())
    if (c := col("signup_path")) is not None:
        add(fp_acc, "signup_path", c.combine_chunks())
    if (c := col("hour_profile")) is not None:
        add(fp_acc, "shift", _shift_codes(c))
    if (c := col("category_mix")) is not None and p.target_min_share <= 1:
        add(fp_acc, "target", harvest_targets(c, p.target_min_share))
    if (c := col("exchanges")) is not None and (d := col("active_days")) is not None:
        n = np.asarray(c.to_numpy(zero_copy_only=False), dtype=np.float64)
        days = np.maximum(np.asarray(d.to_numpy(zero_copy_only=False), dtype=np.float64), 1)
        add(fp_acc, "volume", [str(int(v)) for v in np.floor(np.log2(np.maximum(n / days, 1)))])
    if not parts:
        return pa.table({"account": pa.array([], pa.int64()), "facet": pa.array([], pa.string()),
                         "value": pa.array([], pa.string())})
    # one row per (account, facet, value): a client seen from two ASNs is one client
    return pa.concat_tables(parts).group_by(["account", "facet", "value"], use_threads=False).aggregate([])


def harvest_targets(mixes: pa.ChunkedArray | pa.Array, min_share: float) -> list[str | None]:
    """Each account's harvest target: the extraction categories (not `MUNDANE_CATEGORIES`) that make at
    least `min_share` of its classified traffic, sorted and joined by "+"; None when there is none.

    One operator harvests one set of capabilities through all its accounts, whatever wrapper, network
    or timing each account has; mundane filler does not change the set.
    """
    out: list[str | None] = []
    for mix in mixes.to_pylist():
        shares = json.loads(mix) if mix else {}
        cats = sorted(k for k, v in shares.items() if k not in MUNDANE_CATEGORIES and v >= min_share)
        out.append("+".join(cats) if cats else None)
    return out


def _shift_codes(profiles: pa.ChunkedArray) -> list[str | None]:
    """Which of the eight 3-hour blocks of the UTC day carry >= 10% of an account's traffic, as bits."""
    out: list[str | None] = []
    for prof in profiles.to_pylist():
        if not prof:
            out.append(None)
            continue
        blocks = np.asarray(prof, dtype=np.float64).reshape(8, 3).sum(axis=1)
        out.append("".join("1" if b >= 0.1 else "0" for b in blocks))
    return out


# Every (facet, value) once, with its holders; `vid` is its rank in (facet, value) order. The tests
# run on these integers and strings are looked up only for the values that pass (at 196k accounts
# the test table is ~360k rows, 15 MB; the stage's memory was in `_tied_parts`).
VALUES_SQL = """
SELECT facet, value, count(*) AS holders, row_number() OVER (ORDER BY facet, value) - 1 AS vid
FROM facets GROUP BY facet, value
"""

CODED_SQL = "SELECT f.account, v.vid FROM facets f JOIN vals v ON v.facet = f.facet AND v.value = f.value"

ANCHORS_SQL = """
SELECT vid, holders AS k, row_number() OVER (ORDER BY vid) - 1 AS anchor
FROM vals WHERE facet IN ({pipeline}) AND holders >= {min_k} AND holders <= {max_k}
"""

# For every anchor and operator facet value held by >= 2 of its accounts: how many hold it (c),
# how many accounts hold it in all (holders) and the anchor's size (k). Operator values held by
# one account are left out: they can never be held by two of an anchor's.
TESTS_SQL = """
WITH members AS (
    SELECT a.anchor, c.account FROM coded c JOIN anchor_ids a ON a.vid = c.vid
),
shared AS (
    SELECT c.account, c.vid FROM coded c JOIN vals v ON v.vid = c.vid
    WHERE v.facet IN ({operator}) AND v.holders >= 2
),
counts AS (
    SELECT m.anchor, s.vid, count(*) AS c
    FROM members m JOIN shared s ON s.account = m.account
    GROUP BY m.anchor, s.vid HAVING count(*) >= 2
)
SELECT c.anchor, c.vid, c.c, v.holders, a.k
FROM counts c JOIN vals v ON v.vid = c.vid JOIN anchor_ids a ON a.anchor = c.anchor
ORDER BY c.anchor, c.vid
"""


def _log10_binom_sf(c: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
    """log10 P(X >= c), X ~ Binomial(k, p)."""
    from scipy.stats import binom

    return binom.logsf(c - 1, k, np.clip(p, 1e-12, 1 - 1e-12)) / math.log(10)


def lift_outside(c: np.ndarray, k: np.ndarray, holders: np.ndarray | float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(share of the accounts outside each anchor that hold the value, the anchor's share / that share).

    `c` of an anchor's `k` accounts hold a value that `holders` accounts of `n` hold in all; none
    outside counts as one.
    """
    outside = np.maximum(n - k, 1.0)
    q_out = (holders - c) / outside
    return q_out, (c / k) / np.maximum(q_out, 1.0 / outside)


def coordinated_groups(facets: pa.Table, harvest: np.ndarray, params: CoordinationParams | None = None,
                       extraction: np.ndarray | None = None, orgs: np.ndarray | None = None,
                       set_aside: list[CoordinatedGroup] | None = None,
                       own_risk: np.ndarray | None = None, resends: Resends | None = None) -> list[CoordinatedGroup]:
    """Anchors whose accounts are coupled on operator facets beyond chance, and that harvest.

    `harvest` is each account's share of exchanges the classifier scores as harvesting and
    `extraction` (optional) its share in extraction categories (anything but MUNDANE_CATEGORIES):
    a group passes when either mean reaches its bar. `orgs`: each account's declared organisation
    ('' when none); groups made of organisations' seats are not returned but appended to
    `set_aside` (when given), for review, unless they tie several organisations whose seats are
    mostly leads together (`shell_orgs`, `several_shells`; needs `own_risk`, the account model's).
    `resends`: the run's resent requests (a group that resends its own requests harvests; None: not
    looked at). A group coupled only on where and when its accounts started (`is_crowd`) is returned with
    `crowd` set (its `orgs` kept): the caller sets it aside and forms no campaign from it (`linking.run`).
    """
    p = params or CoordinationParams()
    n = len(harvest)
    if n < p.min_accounts or facets.num_rows == 0:
        return []
    if orgs is not None:
        orgs, shell = seat_orgs(orgs, facets, own_risk, p)
    con = duckdb.connect()
    con.register("facets", facets)
    vals = con.sql(VALUES_SQL).to_arrow_table().sort_by("vid")
    con.register("vals", vals)
    con.sql(f"CREATE TEMP TABLE coded AS {CODED_SQL}")
    con.unregister("facets")
    quote = lambda names: ", ".join(f"'{x}'" for x in names)  # noqa: E731
    anchor_rows = con.sql(ANCHORS_SQL.format(
        pipeline=quote(PIPELINE_FACETS), min_k=p.min_accounts,
        max_k=max(p.min_accounts, int(p.max_anchor_share * n)))).to_arrow_table().sort_by("anchor")
    con.register("anchor_ids", anchor_rows)
    t = con.sql(TESTS_SQL.format(operator=quote(OPERATOR_FACETS))).to_arrow_table()
    if t.num_rows == 0:
        con.close()
        return []
    anchor = t["anchor"].to_numpy()
    c = t["c"].to_numpy().astype(np.float64)
    k = t["k"].to_numpy().astype(np.float64)
    holders = t["holders"].to_numpy().astype(np.float64)
    vid = t["vid"].to_numpy()
    tested = t.num_rows
    del t
    q = holders / n
    log10p = _log10_binom_sf(c, k, q)
    threshold = math.log10(p.alpha / max(tested, 1))  # Bonferroni over every value tested
    # Effect size: how much more common the value is inside the anchor than among the accounts
    # outside it (none outside counts as one). Significance alone grows with the anchor's size: a
    # large cohort of ordinary customers is mildly alike on many facets; one operator's
    # infrastructure, cards and hours are nearly its own.
    q_out, lift = lift_outside(c, k, holders, n)
    # The floor guards against large cohorts of ordinary customers; an anchor that is operator
    # evidence from outside (a partner's campaign) is no such cohort, so inside it significance
    # (and `max_common`) decide alone.
    anchor_vid = anchor_rows["vid"].to_numpy()
    from_outside = np.isin(vals["facet"].take(pa.array(anchor_vid, pa.int64())).to_numpy(zero_copy_only=False),
                           OUTSIDE_EVIDENCE_FACETS)[anchor]
    hit = np.flatnonzero((log10p <= threshold) & ((lift >= p.min_lift) | from_outside))
    if len(hit) == 0:
        con.close()
        return []
    # the facet and value of each test that passed (strings only for these)
    facet, value = _names(vals, hit.tolist(), vid[hit])
    # Per anchor and facet, every value that passed (an operator may use several cards or prefixes).
    by_anchor: dict[int, dict[str, list[int]]] = {}
    for i in hit.tolist():
        by_anchor.setdefault(int(anchor[i]), {}).setdefault(facet[i], []).append(i)
    # members and operator values of the anchors that passed
    passed = sorted(by_anchor)
    a_facet, a_value = _names(vals, passed, anchor_vid[passed])
    con.register("passed", pa.table({"anchor": pa.array(passed, pa.int64()),
                                     "vid": pa.array(anchor_vid[passed], pa.int64())}))
    mem = con.sql("SELECT p.anchor, c.account FROM passed p JOIN coded c ON c.vid = p.vid "
                  "ORDER BY p.anchor, c.account").to_arrow_table()
    m_anchor = mem["anchor"].to_numpy()
    m_acc = mem["account"].to_numpy()
    starts = np.searchsorted(m_anchor, passed)
    ends = np.searchsorted(m_anchor, passed, side="right")
    holds = _holder_sets(con, sorted({int(vid[i]) for i in hit.tolist()}))
    groups = []
    for a, s, e in zip(passed, starts, ends, strict=True):
        accounts = m_acc[s:e]
        dims: dict[str, np.ndarray] = {}   # per dimension, the weight each account holds in it
        coupled, facet_has, values, facet_vids = [], {}, [], {}
        for name, tests in by_anchor[a].items():
            # sharing what many other accounts have ties no one: neither one value more than
            # max_common of the accounts outside the anchor hold, nor a member's share of several
            # (one of twenty residential ISPs an operator's proxies exit from is where many
            # ordinary customers live; five of them is the proxy pool)
            uncommon = [i for i in tests if q_out[i] <= p.max_common]
            has = _holds_enough(accounts, [holds[int(vid[i])] for i in uncommon], n, p.max_common)
            for i in uncommon:
                v_has = np.isin(accounts, holds[int(vid[i])]) & has
                values.append((facet_weight(name), v_has))
                facet_vids.setdefault(name, []).append(int(vid[i]))
            if has.sum() < p.min_accounts:
                continue
            facet_has[name] = has
            dim = dims.setdefault(dimension(name), np.zeros(len(accounts), dtype=np.float64))
            np.maximum(dim, has * facet_weight(name), out=dim)
            tests = sorted(tests, key=lambda i: log10p[i])
            coupled.append({"facet": name, "value": ", ".join(value[i] for i in tests[:3])
                            + (f" and {len(tests) - 3} more" if len(tests) > 3 else ""),
                            # accounts of the anchor expected to hold one of the values by chance
                            "count": int(has.sum()),
                            "expected": round(float(k[tests[0]] * (1 - np.prod([1 - q[i] for i in tests]))), 2),
                            "log10p": round(float(log10p[tests[0]]), 1),
                            "lift": round(float(max(lift[i] for i in tests)), 1)})
        # A partner's campaign as the anchor is operator evidence from outside: one strong dimension
        # of every holder's (OUTSIDE_EVIDENCE_FACETS). It ties no one: a partner's campaign may hold
        # several operators that share its templates, which our own values tell apart.
        outside_word = int(a_facet[a] in OUTSIDE_EVIDENCE_FACETS)
        if not _enough(coupled, p, outside_word):
            continue
        held = sum(dims.values(), np.zeros(len(accounts))) + outside_word
        strong = sum((d >= 1.0 for d in dims.values()), np.zeros(len(accounts), dtype=np.int64)) + outside_word
        # The core holds at least half of the coupled facets' weight (weak facets count half), never
        # less than min_member_weight, and at least min_strong strong facets, as the group needs: one
        # operator shows in two independent dimensions in each of its accounts. One strong value and a
        # kind of customer's declared traits (a start-up programme, a start-up's e-mail domain) are
        # what a customer hosted in the cloud an operator's proxies also run in has (version 9).
        total = sum(_dimension_weights(coupled).values()) + outside_word
        in_core = (held >= max(p.min_member_weight, total / 2)) & (strong >= p.min_strong)
        # One operator, one group: two operators behind one anchor (a configuration both send)
        # share the anchor but not their cards, proxies or hours, so the core splits into the
        # parts whose accounts are tied to each other by uncommon values (one strong, or two weak).
        for part in _tied_parts(np.flatnonzero(in_core), values, p.min_tie_weight):
            if len(part) < p.min_accounts:
                continue
            part_coupled = [dict(x, count=int(facet_has[x["facet"]][part].sum())) for x in coupled]
            part_coupled = [x for x in part_coupled if x["count"] >= p.min_accounts]
            if not _enough(part_coupled, p, outside_word):
                continue
            core = accounts[part]
            h = float(np.mean(harvest[core]))
            passes, resent = group_harvests(core, harvest, extraction, p, resends)
            if not passes:
                continue
            part_coupled.sort(key=lambda x: x["log10p"])
            group = CoordinatedGroup(core, (a_facet[a], a_value[a]), part_coupled,
                                     float(sum(x["log10p"] for x in part_coupled)), h, threshold, len(accounts),
                                     resent=resent)
            group.outside, group.outside_anchor = _combination_outside(
                core, accounts, [facet_vids.get(x["facet"], []) for x in part_coupled], holds)
            if orgs is not None and seats_set_aside(group, orgs, shell, p, set_aside):
                continue   # organisations' seats: customers that declared themselves, not a hidden operator
            group.crowd = is_crowd(part_coupled, p, outside_word)
            if group.crowd:
                group.orgs = orgs[core] if orgs is not None else np.full(len(core), "", dtype=object)
            groups.append(group)
    con.close()
    return groups


def org_seat_share(orgs: np.ndarray) -> float:
    """Share of these accounts that share an organisation ('' = none) with another of them.

    Every account counts in the denominator, so a few declared seats do not make a group of
    undeclared accounts an organisation's (`billed_orgs` first gives undeclared seats the
    organisation they pay as); logs without organisations give 0.
    """
    named = orgs[orgs != ""]
    if len(named) < 2:
        return 0.0
    _, inv, counts = np.unique(named, return_inverse=True, return_counts=True)
    return float((counts[inv] >= 2).sum() / len(orgs))


def _org_payments(orgs: np.ndarray, facets: pa.Table) -> pa.Table:
    """(account, value, org): each payment instrument an account uses, with the account's organisation."""
    pay = facets.filter(pc.equal(facets["facet"], "payment"))
    return pa.table({"account": pay["account"], "value": pay["value"],
                     "org": pa.array(orgs[pay["account"].to_numpy()].tolist(), pa.string())})


def billed_orgs(orgs: np.ndarray, facets: pa.Table) -> np.ndarray:
    """Declared organisations ('' = none), with an undeclared account given the organisation it pays as.

    Logs do not always carry the organisation on every seat's requests. A payment instrument is the
    customer's: an account with no declared organisation that pays with an instrument whose declared
    holders all belong to one organisation is that organisation's seat. Accounts whose instruments
    point to no organisation, or to several, stay undeclared.
    """
    pay = _org_payments(orgs, facets)
    if pay.num_rows == 0 or not (orgs == "").any():
        return orgs
    con = duckdb.connect()
    con.register("pay", pay)
    rows = con.sql("""
        WITH billed AS (SELECT value, min(org) AS org FROM pay WHERE org <> '' GROUP BY value
                        HAVING count(DISTINCT org) = 1)
        SELECT p.account, min(b.org) AS org FROM pay p JOIN billed b USING (value) WHERE p.org = ''
        GROUP BY p.account HAVING count(DISTINCT b.org) = 1""").to_arrow_table()
    con.close()
    out = orgs.copy()
    out[rows["account"].to_numpy()] = np.asarray(rows["org"].to_pylist(), dtype=object)
    return out


def shell_orgs(orgs: np.ndarray, own_risk: np.ndarray | None, p: CoordinationParams) -> np.ndarray:
    """Per account: whether its organisation's seats are mostly leads, far beyond the run's lead rate.

    A group of one organisation's seats is set aside because an organisation is one customer that
    declared itself (its engineers share a card, an office and their tools). An organisation whose
    seats the account model finds suspicious as a body - at least `lead_min_share` of them leads (own
    risk >= `lead_min_risk`), beyond the run's lead rate (binomial, Bonferroni over the organisations
    with `min_accounts` seats or more) - may be an operator's shell; `several_shells` says when a group
    is one. All False with `lead_orgs = false` or without an account model (`own_risk` None).
    """
    out = np.zeros(len(orgs), dtype=bool)
    if own_risk is None or not p.lead_orgs or not (orgs != "").any():
        return out
    lead = np.asarray(own_risk) >= p.lead_min_risk
    names, inv, seats = np.unique(orgs, return_inverse=True, return_counts=True)
    leads = np.bincount(inv, weights=lead, minlength=len(names))
    tested = (names != "") & (seats >= p.min_accounts)
    if not tested.any() or not lead.any():
        return out
    log10p = _log10_binom_sf(leads, seats.astype(np.float64), np.full(len(names), lead.mean()))
    shell = tested & (log10p <= math.log10(p.alpha / int(tested.sum()))) & (leads >= p.lead_min_share * seats)
    return shell[inv]


def several_shells(orgs: np.ndarray, shell: np.ndarray) -> bool:
    """Whether a group's members tie several suspect organisations together (the group's `orgs`, `shell`).

    One organisation whose seats the model over-scores is still one customer (a team on its sign-up
    day and card); at least half of a group in two or more organisations whose seats are mostly
    leads is one operator behind several organisations, and the group is not set aside.
    """
    return bool(shell.sum() >= 0.5 * len(orgs) and len(set(orgs[shell].tolist())) >= 2)


def billed_as_one(orgs: np.ndarray, facets: pa.Table, min_share: float) -> np.ndarray:
    """`orgs` with '' for each organisation that is not billed as one customer.

    An organisation is one customer that declared itself, and a customer pays: its seats share its
    card. One whose paying seats each pay with their own instrument (the instrument most of them
    share covers less than `min_share` of them) is a name on accounts, not one bill, and its seats
    are judged like anyone's. An organisation none of whose seats, or only one, carries an
    instrument (logs without payment) keeps its name. `min_share` 0: every organisation keeps it.
    """
    if min_share <= 0 or not (orgs != "").any():
        return orgs
    pay = _org_payments(orgs, facets)
    if pay.num_rows == 0:
        return orgs
    con = duckdb.connect()
    con.register("pay", pay)
    rows = con.execute("""
        WITH seats AS (SELECT org, count(DISTINCT account) AS paying FROM pay WHERE org <> '' GROUP BY org),
             cards AS (SELECT org, value, count(DISTINCT account) AS n FROM pay WHERE org <> '' GROUP BY org, value)
        SELECT s.org FROM seats s JOIN cards c USING (org) GROUP BY s.org, s.paying
        HAVING s.paying >= 2 AND max(c.n) < ? * s.paying""", [min_share]).fetchall()
    con.close()
    if not rows:
        return orgs
    out = orgs.copy()
    out[np.isin(orgs, np.asarray([r[0] for r in rows], dtype=object))] = ""
    return out


def seat_orgs(orgs: np.ndarray, facets: pa.Table, own_risk: np.ndarray | None,
              p: CoordinationParams) -> tuple[np.ndarray, np.ndarray]:
    """(each account's organisation, declared or billed, where the organisation is billed as one
    (`billed_as_one`); whether that organisation is a shell): what `seats_set_aside` reads, for
    `coordinated_groups` and `lead_cohorts` alike."""
    orgs = billed_as_one(billed_orgs(orgs, facets), facets, p.org_billed_share)
    return orgs, shell_orgs(orgs, own_risk, p)


def seats_set_aside(group: CoordinatedGroup, orgs: np.ndarray, shell: np.ndarray, p: CoordinationParams,
                    set_aside: list[CoordinatedGroup] | None) -> bool:
    """Whether `group` is organisations' seats (at least `max_org_seat_share` of it, and not several
    shells: `several_shells`); such a group goes to `set_aside` (when given), for review."""
    m = group.members
    if org_seat_share(orgs[m]) < p.max_org_seat_share or several_shells(orgs[m], shell[m]):
        return False
    if set_aside is not None:
        group.orgs = orgs[m]
        set_aside.append(group)
    return True


def declared_orgs(engine, account_ids: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Each account's declared organisation (the exchanges' ``org_id``; '' when none), aligned with `account_ids`."""
    from distillguard.linking.graph import account_index

    out = np.full(len(account_ids), "", dtype=object)
    if "org_id" not in engine.sql("SELECT * FROM exchanges LIMIT 0").column_names:
        return out
    t = engine.sql("SELECT account_id, min(org_id) AS org FROM exchanges WHERE org_id IS NOT NULL "
                   "GROUP BY account_id")
    rows = account_index(t["account_id"], account_ids)
    out[rows[rows >= 0]] = np.asarray(t["org"].to_pylist(), dtype=object)[rows >= 0]
    return out


def group_harvests(members: np.ndarray, harvest: np.ndarray, extraction: np.ndarray | None,
                   p: CoordinationParams, resends: Resends | None) -> tuple[bool, float | None]:
    """Whether the accounts `members` harvest (`harvests` on their shares of the run's arrays), and
    their mean resend share when it was looked at: only when the classifier's shares fall short (None
    otherwise, or without `resends`)."""
    ext = extraction[members] if extraction is not None else None
    if harvests(harvest[members], ext, p):
        return True, None
    if resends is None or not p.resends:
        return False, None
    sent = resends.sent(members)
    resent = sent / np.maximum(resends.exchanges[members], 1.0)
    mean = float(np.mean(resent)) if len(resent) else 0.0
    # the classifier's shares already fell short; resends make no harvest either when the group collected too few
    # answers in all to be a dataset, or answers of a word or two (nothing to train on)
    answer = resends.answer_tokens(members)
    if float(sent.sum()) < p.min_resent_exchanges or (answer is not None and answer < p.min_resent_answer_tokens):
        return False, mean
    return harvests(harvest[members], ext, p, resent), mean


def harvests(harvest: np.ndarray, extraction: np.ndarray | None, p: CoordinationParams,
             resent: np.ndarray | None = None) -> bool:
    """Whether a group's members harvest: the bars on their traffic, and on it without the mundane filler.

    `harvest` and `extraction` are the members' shares of exchanges scored as harvesting and in
    extraction categories. A group passes when the mean harvest share reaches `min_harvest` or the
    mean extraction share reaches `min_extraction` (the bars on all traffic), or when the mean
    extraction share is at least `min_extraction_floor` and the members' mean harvest share *of
    their extraction traffic* reaches `min_harvest`. Mundane filler is camouflage (FRAUDAR): an
    operator who mixes 60% ordinary requests into every account lowers the first two means below
    their bars but not the third, which looks only at what the accounts extract.

    `resent`: the members' resend shares (`resends.Resends.shares`): a group whose members' mean
    share of exchanges that resend the group's own requests reaches `min_harvest` harvests too,
    whatever the classifier calls those requests (None: not looked at).
    """
    if resent is not None and len(resent) and float(np.mean(resent)) >= p.min_harvest:
        return True
    h = float(np.mean(harvest)) if len(harvest) else 0.0
    if extraction is None:
        return h >= p.min_harvest
    x = float(np.mean(extraction)) if len(extraction) else 0.0
    if h >= p.min_harvest or x >= p.min_extraction:
        return True
    if x < p.min_extraction_floor:
        return False
    of_extraction = np.where(extraction > 0, np.minimum(harvest / np.maximum(extraction, 1e-12), 1.0), 0.0)
    return float(np.mean(of_extraction)) >= p.min_harvest


def _holds_enough(accounts: np.ndarray, holders: list[np.ndarray], n: int, max_common: float) -> np.ndarray:
    """Which of an anchor's `accounts` (sorted indices) hold a facet's coupled values beyond chance.

    `holders`: the accounts that hold each of the facet's coupled values (each value held by at
    most `max_common` of the `n - len(accounts)` accounts outside the anchor). An account holds
    them beyond chance when it holds at least `m` of them, `m` the fewest that at most
    `max_common` of the accounts outside the anchor hold: with one value, any account that holds
    it; with many, one of them may be what many customers have (one ISP of an operator's proxy
    pool is many people's home line) while several are the pool.
    """
    if not holders:
        return np.zeros(len(accounts), dtype=bool)
    if len(holders) == 1:
        return np.isin(accounts, holders[0])
    count = np.bincount(np.concatenate(holders), minlength=n)
    inside = count[accounts]
    count[accounts] = 0
    at_least = np.cumsum(np.bincount(count)[::-1])[::-1]     # accounts outside holding >= m values
    share = at_least[1:] / max(n - len(accounts), 1)         # share[m - 1]: holding >= m
    fewest = int(np.argmax(share <= max_common)) + 1 if (share <= max_common).any() else len(share) + 1
    return inside >= fewest


def _enough(coupled: list[dict], p: CoordinationParams, outside_word: int = 0) -> bool:
    """Enough coupled facets, enough of them strong (one operator shows in two independent dimensions).

    `outside_word`: strong dimensions the anchor itself brings (1 for a partner's campaign, see
    OUTSIDE_EVIDENCE_FACETS); at least one coupled facet of our own data is always needed.
    """
    weights = _dimension_weights(coupled)
    strong = sum(w >= 1.0 for w in weights.values())
    return (len(weights) >= max(1, p.min_coupled - outside_word)
            and strong >= max(1, p.min_strong - outside_word))


def is_crowd(coupled: list[dict], p: CoordinationParams, outside_word: int = 0) -> bool:
    """Coupled on fewer than `min_run_facets` facets outside EVENT_FACETS (where and when its accounts started
    and stopped), with no partner's campaign to make up for them: a crowd at one event as much as an operator."""
    return sum(x["facet"] not in EVENT_FACETS for x in coupled) < p.min_run_facets - outside_word


def _dimension_weights(coupled: list[dict]) -> dict[str, float]:
    """Each coupled dimension's weight (its heaviest facet's, DIMENSIONS): nested facets count once."""
    weights: dict[str, float] = {}
    for x in coupled:
        d = dimension(x["facet"])
        weights[d] = max(weights.get(d, 0.0), facet_weight(x["facet"]))
    return weights


def _tied_parts(idx: np.ndarray, values: list[tuple[float, np.ndarray]], min_weight: float) -> list[np.ndarray]:
    """Split `idx` (core positions) into components of accounts that share values worth `min_weight`.

    `values` holds (weight, holder mask over the anchor's accounts) for every uncommon coupled
    value; two accounts are tied when the values they both hold weigh at least `min_weight`.
    That is: when they hold a common *minimal tie* (a set of values weighing at least
    `min_weight` with no part that does). Each account lists its minimal ties (a few: it holds a
    few of the values) and the components are found on the account-tie graph, which grows with
    the accounts, not with their pairs (the pairwise product took 52 s and 12 GB on an anchor of
    18,000 accounts).
    """
    import itertools

    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    if len(idx) == 0 or not values:
        return []
    weights = np.array([w for w, _ in values], dtype=np.float64)
    held = np.stack([mask[idx] for _, mask in values], axis=1)          # core accounts x values
    # A value that weighs enough alone is a tie by itself; any other minimal tie is made of
    # lighter values only, and has at most this many of them.
    heavy = np.flatnonzero(weights >= min_weight - 1e-9)
    light = np.flatnonzero(weights < min_weight - 1e-9)
    r, j = np.nonzero(held[:, heavy])
    rows, cols = [r], [j]
    ties = len(heavy)
    if len(light) >= 2:
        lw = weights[light]
        largest = math.ceil(min_weight / lw.min() - 1e-9)
        sub = held[:, light]
        combos: dict[tuple[int, ...], int] = {}
        extra_rows, extra_cols = [], []
        for acc in np.flatnonzero(sub.sum(axis=1) >= 2).tolist():
            mine = np.flatnonzero(sub[acc]).tolist()
            found: list[set[int]] = []
            for size in range(2, min(largest, len(mine)) + 1):
                for combo in itertools.combinations(mine, size):
                    if lw[list(combo)].sum() >= min_weight - 1e-9 and not any(f <= set(combo) for f in found):
                        found.append(set(combo))
                        extra_rows.append(acc)
                        extra_cols.append(ties + combos.setdefault(combo, len(combos)))
        rows.append(np.asarray(extra_rows, dtype=np.int64))
        cols.append(np.asarray(extra_cols, dtype=np.int64))
        ties += len(combos)
    rows_a, cols_a = np.concatenate(rows), np.concatenate(cols)
    n = len(idx)
    # accounts are nodes 0..n-1, ties n..: components are numbered from the lowest account
    graph = sp.csr_matrix((np.ones(len(rows_a)), (rows_a, cols_a + n)), shape=(n + ties,) * 2)
    _, labels = connected_components(graph, directed=False)
    labels = labels[:n]
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [idx[part] for part in np.split(order, bounds)]


def _names(vals: pa.Table, keys: list[int], vids: np.ndarray) -> tuple[dict[int, str], dict[int, str]]:
    """(key -> facet, key -> value) of the value codes `vids` (one per key), from the `vals` table."""
    at = pa.array(vids, pa.int64())
    return (dict(zip(keys, vals["facet"].take(at).to_pylist(), strict=True)),
            dict(zip(keys, vals["value"].take(at).to_pylist(), strict=True)))


def _combination_outside(core: np.ndarray, anchor_accounts: np.ndarray, facet_vids: list[list[int]],
                         holds: dict[int, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The accounts outside `core` that hold one of the group's values of every coupled facet, and those
    of them that also hold its anchor: how rare the group's whole combination is among the others."""
    combo: np.ndarray | None = None
    for vids in facet_vids:
        have = np.unique(np.concatenate([holds[v] for v in vids])) if vids else np.empty(0, np.int64)
        combo = have if combo is None else np.intersect1d(combo, have, assume_unique=True)
    if combo is None:
        return None, None
    outside = np.setdiff1d(combo, core, assume_unique=True)
    return outside, outside[np.isin(outside, anchor_accounts)]


def _holder_sets(con: duckdb.DuckDBPyConnection, vids: list[int]) -> dict[int, np.ndarray]:
    """The accounts (sorted) that hold each of `vids`, from the connection's `coded` table."""
    if not vids:
        return {}
    con.register("wanted", pa.table({"vid": pa.array(vids, pa.int64())}))
    t = con.sql("SELECT c.vid, c.account FROM wanted w JOIN coded c ON c.vid = w.vid "
                "ORDER BY c.vid, c.account").to_arrow_table()
    v = t["vid"].to_numpy()
    acc = t["account"].to_numpy().astype(np.int64)
    bounds = np.flatnonzero(np.diff(v)) + 1
    return {int(part[0]): a for part, a in zip(np.split(v, bounds), np.split(acc, bounds), strict=True)}


@dataclass
class Unit:
    """One operator's campaign as found here: the accounts it keeps and the groups that formed it."""

    members: np.ndarray
    parts: list[CoordinatedGroup]


def merge_groups(groups: list[CoordinatedGroup], n: int, min_jaccard: float = 0.6,
                 min_accounts: int = CoordinationParams.min_accounts,
                 rate_span: int = CoordinationParams.merge_rate_span) -> list[Unit]:
    """Groups of one operator merge; an account belongs to the most specific unit that holds it.

    Groups whose accounts largely coincide (Jaccard >= `min_jaccard`: one operator's several
    templates, or its template and its configuration) are one unit. So are lead cohorts behind one
    value at daily volumes at most `rate_span` log2 buckets apart (0: never): a bucket's edge is where
    the measure cuts, not where an operator's accounts stop - one operator driving one template at
    100-300 exchanges a day falls on both sides of 256 (seen test world 8801: one operator's cohorts
    behind two public templates at volumes 7, 8 and 9 came out as three campaigns). A broad anchor (one
    configuration that two operators both send) overlaps each of them only in part, so it does
    not merge them; each account then goes to the smallest unit that holds it, and a unit left
    with fewer than `min_accounts` accounts is dropped.
    """
    if not groups:
        return []
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    rows = np.concatenate([np.full(len(g.members), gi) for gi, g in enumerate(groups)])
    cols = np.concatenate([g.members for g in groups])
    inc = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(groups), n))
    both = (inc @ inc.T).tocoo()
    sizes = np.array([len(g.members) for g in groups], dtype=np.float64)
    jaccard = both.data / (sizes[both.row] + sizes[both.col] - both.data)
    keep = jaccard >= min_jaccard
    ri, rj = _rate_neighbours(groups, rate_span)
    adj = sp.csr_matrix((np.ones(int(keep.sum()) + len(ri)), (np.concatenate([both.row[keep], ri]),
                                                             np.concatenate([both.col[keep], rj]))),
                        shape=(len(groups),) * 2)
    _, labels = connected_components(adj, directed=False)
    units: dict[int, list[CoordinatedGroup]] = {}
    for gi, lab in enumerate(labels.tolist()):
        units.setdefault(lab, []).append(groups[gi])
    candidates = [(np.unique(np.concatenate([g.members for g in parts])), parts) for parts in units.values()]
    # most specific first; ties by the strongest evidence, then by the smallest member id (stable)
    candidates.sort(key=lambda u: (len(u[0]), min(g.log10p for g in u[1]), int(u[0][0])))
    taken = np.zeros(n, dtype=bool)
    out = []
    for members, parts in candidates:
        free = members[~taken[members]]
        if len(free) >= min_accounts:
            taken[free] = True
            out.append(Unit(free, parts))
    out.sort(key=lambda u: int(u.members[0]))
    return out


def _rate_neighbours(groups: list[CoordinatedGroup], span: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of the lead cohorts behind one anchor value at daily volumes at most `span` buckets apart."""
    pairs: list[tuple[int, int]] = []
    if span > 0:
        by_anchor: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for gi, g in enumerate(groups):
            if g.rate is not None:
                by_anchor.setdefault(g.anchor, []).append((int(g.rate), gi))
        for cells in by_anchor.values():
            pairs += [(a, b) for ra, a in cells for rb, b in cells if a < b and abs(ra - rb) <= span]
    return (np.array([a for a, _ in pairs], dtype=np.int64), np.array([b for _, b in pairs], dtype=np.int64))


def join_units(units: list[Unit], facets: pa.Table, n: int, min_share: float = 0.3, max_common: float = 0.05,
               min_jaccard: float = 0.5) -> list[Unit]:
    """Units that look like one operator join: the same uncommon values across every facet.

    A unit's signature is the set of (facet, value) pairs that at least `min_share` of its
    accounts hold and at most `max_common` of the population does. Two waves or two wrappers of
    one operator share most of their signature (configuration, client, shift, network, cards); two
    operators behind one PaaS egress share an address block and little else. Units whose
    signatures have Jaccard similarity >= `min_jaccard` are joined (connected components).
    """
    if len(units) < 2:
        return units
    owner = np.full(n, -1, dtype=np.int64)
    for ui, u in enumerate(units):
        owner[u.members] = ui
    acc = facets["account"].to_numpy()
    uniq, inv = value_ids(facets)
    share = np.bincount(inv, minlength=len(uniq)) / n
    mine = owner[acc] >= 0
    sigs: list[set[int]] = []
    for ui, u in enumerate(units):
        sel = mine & (owner[acc] == ui)
        vals, counts = np.unique(inv[sel], return_counts=True)
        keep = (counts >= min_share * len(u.members)) & (share[vals] <= max_common)
        sigs.append(set(vals[keep].tolist()))
    label = components(len(units), lambda i, j: bool(sigs[i] and sigs[j]) and jaccard(sigs[i], sigs[j]) >= min_jaccard)
    joined: dict[int, list[Unit]] = {}
    for i in range(len(units)):
        joined.setdefault(int(label[i]), []).append(units[i])
    out = [Unit(np.sort(np.concatenate([u.members for u in us])), [g for u in us for g in u.parts])
           for us in joined.values()]
    out.sort(key=lambda u: int(u.members[0]))
    return out


def value_ids(facets: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (facet, value) keys of `facets` ("facet\x1fvalue", sorted) and each row's index into them.

    The same as `np.unique(keys, return_inverse=True)` (UTF-8 byte order is code point order), but
    it encodes the rows and sorts only the distinct keys, not millions of Python strings.
    """
    if facets.num_rows == 0:
        return np.empty(0, object), np.empty(0, np.int64)
    coded = pc.binary_join_element_wise(facets["facet"], facets["value"], "\x1f").combine_chunks().dictionary_encode()
    order = pc.sort_indices(coded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return (coded.dictionary.take(pa.array(order)).to_numpy(zero_copy_only=False),
            rank[coded.indices.to_numpy(zero_copy_only=False)])


def components(k: int, linked) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Component label per item 0..k-1 of the graph whose edges are the pairs `linked(i, j)` holds for."""
    parent = list(range(k))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i in range(k):
        for j in range(i + 1, k):
            if find(i) != find(j) and linked(i, j):
                parent[max(find(i), find(j))] = min(find(i), find(j))
    return np.array([find(i) for i in range(k)], dtype=np.int64)


def jaccard(a: set[int], b: set[int]) -> float:
    """|a & b| / |a | b|; 0 when either is empty."""
    return len(a & b) / len(a | b) if a and b else 0.0


# Indicator kinds of the values a group forms on (campaigns.json `indicators`): the names the
# account graph's tokens use where there is one, else the facet's own name.
ANCHOR_INDICATOR_KINDS = {"template": "prompt_template", "client": "client_stack", "config": "request_configuration",
                          "payment": "payment_fingerprint", "wrapper": "recurring_text_cluster",
                          "target": "harvest_target"}


def anchor_indicators(parts: list[CoordinatedGroup], skeletons: dict[str, str] | None = None) -> list[dict]:
    """The values a campaign's coordinated groups or lead cohorts formed on, as indicators.

    For a campaign whose accounts share no token of the account graph (a lead cohort behind one
    sign-up day, say), these are what an analyst can check: ``accounts`` members hold the value,
    ``accounts_total`` accounts in all.
    """
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for g in parts:
        facet, value = g.anchor
        kind = ANCHOR_INDICATOR_KINDS.get(facet, facet)
        shown = (skeletons or {}).get(value, value) if facet == "template" else value
        if (kind, shown) in seen:
            continue
        seen.add((kind, shown))
        out.append({"kind": kind, "value": shown, "accounts": len(g.members),
                    "accounts_total": g.anchor_holders or len(g.members)})
    return out


def explain(parts: list[CoordinatedGroup], account_ids: np.ndarray, skeletons: dict[str, str] | None = None,
            limit: int = 3, campaign: np.ndarray | None = None) -> str:
    """One sentence per strongest group: what the accounts share and how rare that is.

    `campaign`: the members of the campaign the groups formed; the accounts that match a group's
    whole combination are then counted outside the campaign, not only outside the group.
    """
    skeletons = skeletons or {}
    out = []
    for g in sorted(parts, key=lambda g: g.log10p)[:limit]:
        facet, value = g.anchor
        shown = skeletons.get(value, value) if facet == "template" else value
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        bits = [f"{x['count']} {NOUNS[x['facet']]} ({x['value']}; "
                f"{x['expected']:g} expected by chance, {_p_text(x['log10p'])}"
                + (f", {x['lift']:.0f}x as common as among other accounts)" if "lift" in x else ")")
                for x in g.coupled[:3]]
        held = f", {_sent(facet)} by {g.anchor_holders} accounts in all" if g.anchor_holders else ""
        out.append(f"{len(g.members)} accounts share one {NOUNS[facet]} "
                   f"({shown}{held}); coupled beyond chance: " + ", ".join(bits) + _combination_text(g, campaign)
                   + _resent_text(g))
    return "; ".join(out)


def _resent_text(g: CoordinatedGroup) -> str:
    """'; 43% of their exchanges resend requests of their own (...)' when resending is more of their
    traffic than what the classifier scores as harvesting: what made the group pass the harvest bar."""
    if g.resent is None or g.resent <= g.harvest:
        return ""
    return (f"; {g.resent:.0%} of their exchanges resend requests of their own (each sent by at least 5 of "
            f"them, 20x as commonly as by other accounts; harvest-shaped by the classifier: {g.harvest:.0%})")


def _combination_text(g: CoordinatedGroup, campaign: np.ndarray | None = None) -> str:
    """'; outside the campaign no account matches it on all 3 coupled facets' (or how many do, and of
    those how many also send its anchor): the rarity of the whole combination, not of each value alone."""
    counts = g.outside_counts(campaign)
    if counts is None or len(g.coupled) < 2:
        return ""
    n, with_anchor = counts
    where = "outside the campaign" if campaign is not None else "outside the group"
    facets = f"all {len(g.coupled)} coupled facets"
    if n == 0:
        return f"; {where} no account matches it on {facets}"
    return (f"; {where} {n} account{'s' if n > 1 else ''} match{'es' if n == 1 else ''} it on {facets} "
            f"({with_anchor} of them also {_sent(g.anchor[0], with_anchor)} its {NOUNS[g.anchor[0]]})")


# How accounts hold an anchor (participle, one account, several): they send a template or a
# configuration; they carry a partner's indicators.
_VERBS = {"partner": ("carried", "carries", "carry")}
_SEND = ("sent", "sends", "send")


def _sent(facet: str, n: int | None = None) -> str:
    """The verb for holding an anchor of `facet`: the participle (`n` None), else its present tense for `n` accounts."""
    forms = _VERBS.get(facet, _SEND)
    return forms[0] if n is None else forms[1 if n == 1 else 2]


def _p_text(log10p: float) -> str:
    """'p=1e-42'; below what a double holds (the binomial tail underflows to 0) 'p<1e-300'."""
    return f"p=1e{log10p:.0f}" if math.isfinite(log10p) else "p<1e-300"


def explain_short(parts: list[CoordinatedGroup]) -> str:
    """What ties one member to the group, for accounts.csv: the anchor and the rarest coupled values."""
    g = min(parts, key=lambda g: g.log10p)
    bits = [f"{NOUNS[x['facet']]} {x['value'].split(', ')[0]}"
            + (f" ({x['lift']:.0f}x as common as among other accounts)" if "lift" in x else "")
            for x in g.coupled[:2]]
    held = (f" ({len(g.members)} of the {g.anchor_holders} accounts that {_sent(g.anchor[0], 2)} it)"
            if g.anchor_holders else "")
    return (f"acts as one with them: one {NOUNS[g.anchor[0]]}{held}, "
            + ", ".join(bits))


def coordination_campaigns(campaigns: list, units: list[Unit], account_ids: np.ndarray,
                           full_tie_strength: float = 2.0, skeletons: dict[str, str] | None = None) -> list:
    """Fold coordinated groups into the campaigns found so far: one operator, one campaign.

    A group that shares accounts with existing campaigns absorbs them (their members, risk and
    evidence are kept; campaign ids follow the new member list); a group that shares none is a new
    campaign. Every member of a coordinated group counts as fully tied to it.
    """
    from distillguard.linking.campaigns import Campaign, campaign_id, joined_ties, tie_shares

    n = len(account_ids)
    owner = np.full(n, -1, dtype=np.int64)
    for ci, c in enumerate(campaigns):
        owner[c.members] = ci
    absorbed: set[int] = set()
    out_new = []
    for unit in units:
        members, parts = unit.members, unit.parts
        # An existing campaign joins when at least half of it is in the group; a few shared accounts
        # stay with the campaign they were linked to.
        ids, counts = np.unique(owner[members][owner[members] >= 0], return_counts=True)
        touched = sorted(int(ci) for ci, k in zip(ids.tolist(), counts.tolist(), strict=True)
                         if k >= 0.5 * len(campaigns[ci].members) and ci not in absorbed)
        members = members[(owner[members] < 0) | np.isin(owner[members], touched)]
        if len(members) < CoordinationParams.min_accounts:
            continue
        strength = {int(m): full_tie_strength for m in members.tolist()}
        risk = max(g.risk for g in parts)
        recruited: list[np.ndarray] = []
        member_risk = risk
        for ci in touched:
            c = campaigns[ci]
            absorbed.add(ci)
            for m, st in zip(c.members.tolist(), c.strength.tolist(), strict=True):
                strength[m] = max(strength.get(m, 0.0), float(st))
            risk = max(risk, c.risk)
            recruited.append(c.recruited)
            member_risk = max(member_risk, c.member_risk)
        order = np.array(sorted(strength), dtype=np.int64)
        # each member's ties: its coordinated groups' coupling, and what tied it in the campaign it came from
        tied = {"coordination": np.intersect1d(np.concatenate([g.members for g in parts]), members)}
        tied.update(joined_ties([campaigns[ci] for ci in touched]))
        camp = Campaign(campaign_id(account_ids[order].tolist()), order, round(float(risk), 4), 1.0,
                        member_risk, tie_shares(order, tied), np.array([strength[m] for m in order.tolist()]),
                        tied=tied)
        camp.recruited = np.concatenate(recruited) if recruited else camp.recruited
        camp.stats["coordination"] = explain(parts, account_ids, skeletons, campaign=order)
        camp.stats["coordination_parts"] = parts
        camp.stats["coordination_groups"] = len(parts)
        out_new.append(camp)
    kept = [c for ci, c in enumerate(campaigns) if ci not in absorbed]
    out = kept + out_new
    out.sort(key=lambda c: (-len(c.members), c.campaign_id))
    return out


def fingerprint_column(fingerprints: pa.Table, account_ids: np.ndarray, name: str,
                       missing: float = 0.0) -> np.ndarray:
    """One numeric fingerprint column aligned with `account_ids` (`missing` where missing or null)."""
    from distillguard.linking.graph import account_index

    out = np.full(len(account_ids), missing, dtype=np.float64)
    if name not in fingerprints.column_names:
        return out
    rows = account_index(fingerprints["account_id"], account_ids)
    v = np.nan_to_num(np.asarray(fingerprints.column(name).to_numpy(zero_copy_only=False), dtype=np.float64),
                      nan=missing)
    out[rows[rows >= 0]] = v[rows >= 0]
    return out


def exchange_counts(fingerprints: pa.Table, account_ids: np.ndarray) -> np.ndarray | None:
    """Each account's exchange count aligned with `account_ids`; None when `fingerprints` has no such column."""
    return fingerprint_column(fingerprints, account_ids, "exchanges") if "exchanges" in fingerprints.column_names \
        else None


def extraction_shares(fingerprints: pa.Table, account_ids: np.ndarray) -> np.ndarray:
    """Per account (aligned with `account_ids`), the share of its classified traffic in extraction categories."""
    from distillguard.linking.graph import account_index

    out = np.zeros(len(account_ids))
    if "category_mix" not in fingerprints.column_names:
        return out
    rows = account_index(fingerprints["account_id"], account_ids)
    for r, mix in zip(rows.tolist(), fingerprints.column("category_mix").to_pylist(), strict=True):
        if r >= 0 and mix:
            shares = json.loads(mix)
            out[r] = sum(v for k, v in shares.items() if k not in MUNDANE_CATEGORIES)
    return out
