"""One operator, one campaign: the campaigns found so far, regrouped by the pipelines their accounts run.

The earlier findings form campaigns from different evidence - shared addresses and cards (the
account graph), shared templates among accounts flagged alone, coordinated groups and lead cohorts
- and none of them asks whether what it formed is one operator. Two operators that rent one proxy
pool share its addresses and come out as one campaign; one operator whose organisations, waves or
templates were found separately comes out as several. This step (`resolve_operators`, finding
DG-LNK-0003) looks at every campaign's accounts through their facets (`coordination.account_facets`:
template, wrapper, configuration, client, harvest target, sign-up, first and last day, shift,
volume, network, ASN, payment, e-mail domain, sign-up path), keeping only the values that are
*uncommon* outside the accounts looked at (held by at most `max_common` of the other accounts: the
null model is the data at hand).

* **Split**: within a campaign of at least `2 * min_accounts` accounts, two accounts are similar by
  the uncommon values they share, each weighted by its rarity (`ln(n / holders)`, a weak facet half).
  Leiden cuts the campaign into communities of that similarity; communities of one pipeline join
  again (they share a value that at least `dominant_share` of each holds, or their signatures
  coincide, as below). The campaign splits only when at least two of the resulting parts each have a
  value of their own that `dominant_share` of the part holds (a harvest target or a daily volume is none:
  SAMPLED_FACETS), and such parts hold at least `min_cover` of the accounts: two operators behind
  one proxy pool differ in cards, sign-up days, configurations and templates; one evasive
  operator's accounts, which share almost nothing, make no parts with values of their own, and
  stay one campaign. When such parts cover less than `min_cover`, the parts among them that were
  *set up apart* still split off (version 8, `set_up_apart`): their own values include how their
  accounts were made (sign-up day, e-mail domain, card) or the proxy pool they run on (an ASN), and
  the rest of the campaign is one part (seen test world 14201: three operators on residential exits
  came out as one campaign of 239 through public harvesting templates, one of them on autonomous
  systems of its own, the other two holding no value of their own). What a part's accounts do
  (templates, configurations, working hours) never splits it off that way: one operator's teams differ
  in it. Nor do communities set up apart join again (version 9): when each holds an e-mail domain, card
  or ASN (beyond chance) that the other does not, and they share none, a public template or a sign-up
  day both hold does not make them one pipeline (seen test world 14401: three operators, each its own
  community, joined on one public computer-use template and a sign-up day two of them used). Nor do
  accounts that *run apart* from a batch made together (version 11, `rest_apart`; what two operators
  harvesting one capability through one rented pool share - a harvest target, a daily volume, a
  network - is no pipeline): a community made together (a sign-up day, e-mail domain or card, beyond
  chance) and one that was not never join again on sampled values alone; the accounts left over once
  parts split off that hold no value of any part's signature but sampled ones and networks are a part
  of their own (at least `min_accounts`) rather than joining the most similar part; and when all of a
  campaign's set-up values are one group's, made together, the accounts that hold none of them split
  off when the two signatures share nothing but such values (seen test world 14902: another operator's
  11 aged accounts, tied by a coordinated group on a harvest target to an operator's batch of 27 made
  on one sign-up day with one domain). Nor does a batch made together join, on any value, a community
  that was not made with it (version 12, `batch_apart`): only coinciding signatures join them (seen
  test world 8804: three operators' accounts glued by one harvesting template, one of them a batch of
  65 made on one sign-up day with one domain). Each part is then split again the same way until none
  splits (version 13, `split_again`, `operator_parts`): Leiden's first cut can leave two operators in
  one part (the rest of 8804 held two more, each on autonomous systems of its own).
* **Join**: campaigns whose *signatures* (the uncommon values at least `join_min_share` of the
  campaign's accounts hold) coincide at least `join_min_jaccard` (Jaccard) are one operator's: its
  three organisations' seats on one sign-up day, its second wave. So are campaigns whose accounts
  were *made together* (`made_together_values`): creation values (sign-up day, e-mail domain, card)
  of at least `join_made_facets` facets that `dominant_share` of each holds and that are uncommon
  among the accounts in no campaign. A fragment's signature misses its operator's creation values
  when the operator's other campaigns hold them too (they are then common outside the fragment), so
  its signature cannot coincide; one operator makes its accounts together, and two operators that
  sign up on the same days do not share a domain or a card as well; most of each, so that a campaign
  that holds two operators' accounts does not bridge them. Campaigns that were each made together but
  share none of their creation values (each its own sign-up day, domain or card, uncommon among the
  accounts in no campaign) never join (version 16, `separate_batches`): they are two batches made
  apart, however their signatures coincide (fresh test world 16300: two operators' organisation seats,
  each on its own domain and sign-up day, sending one public question set, joined on its templates).
  One operator's second wave of seats on its own domain shares the domain, and its organisations
  signed up on one day share the day.
* **Attach**: an account flagged on its own, in no campaign, joins the campaign whose signature
  (networks aside: operators rent one pool) it holds the largest share of, when that share is at
  least `attach_min_share`: it runs that campaign's pipeline.
* **Made together** (`made_together`, finding DG-LNK-0004, after the three above): an account in no
  campaign that holds two of a campaign's own creation values (sign-up day, e-mail domain, card)
  joins it fully tied. Unlike the rest of this module, it flags: the joined account takes the
  campaign's risk.
* **Dormant** (`dormant_accounts`, finding DG-LNK-0005, last): the same rule over every registered
  account, the candidates being those that sent nothing; they are listed with the campaign
  (`Campaign.dormant`, `campaigns.json` `dormant_accounts`), not judged.

Split, join and attach flag no one: a split part keeps its campaign's risk and each member's tie; a
joined campaign takes the highest risk of its parts and each member's tie is scaled so that its final
risk stays what it was (`_joined`); an attached account has tie 0 and keeps its own risk. They clear only a
split part that does not harvest beside one that does (`harvesting_parts`, version 3): a part is its
own operator, and one that harvests nothing is no distillation campaign; what linked it was the
other part's evidence (found on a fresh seed-scale world, seed 53: 268 end-user accounts of one
PaaS app, 98% mundane traffic, behind the cloud an agentic operator's proxies used). Its accounts
keep their own verdicts. So is a split part of organisations' seats (version 10, as coordination sets
such a group aside: half or more of it seats of organisations billed as one, and not several shells):
a company's team on its card, domain and sign-up day is one customer, and what linked it to the
campaign was the other part's evidence (seen test world 14701: an engineering team of 19 seats behind
the ASN an operator's proxies also used, flagged as a campaign of its own). A part half or more
(`dominant_share`) of whose accounts are flagged on their own traffic stays (version 7): its own
evidence makes it suspect, not the other part's. Nor is a split part a campaign unless `min_accounts` of
its accounts sent [campaigns] `found_min_exchanges` exchanges or more, beside a part that has (version 17,
`profiled_parts`): the bar a campaign of accounts flagged alone forms by, held for each part that is its own
operator (fresh seed-scale world 119: 5 researchers, 8 exchanges in all, three of them flagged only through
the part); when no part has, the campaign's own evidence stands.
Otherwise only which accounts an analyst sees together changes, and each regrouped campaign says why
(`campaigns.json` `operator`; `made_together` for the accounts that joined it; `dormant` for those listed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from distillguard.linking.campaigns import Campaign, campaign_id, joined_ties, tie_shares, ties
from distillguard.linking.coordination import NOUNS, WEAK_FACETS, CoordinatedGroup, components, jaccard, value_ids

# Facets many operators share when they rent one proxy pool or egress: they never make two parts of a
# campaign one operator (they still count in its signature, with everything else).
NETWORK_FACETS = ("network", "asn")
# Facets whose value is a sample of what the operator does, not a choice it makes per account: one
# operator's accounts harvest different subsets of its capability set (seen evasive world 9803: one
# operator's 149 accounts split four ways by target alone), and its accounts' daily volumes spread over
# neighbouring log2 buckets (seen test world 8801: one operator's 41 accounts behind two public
# templates split 36 / 5 at volumes 7 and 9, nothing else their own). They hold parts together, but two
# parts that differ in them are not two operators.
SAMPLED_FACETS = ("target", "volume")


class OperatorFinding:
    """Declaration of this finding (cases in operators.cases.yaml beside this file)."""

    id = "DG-LNK-0003"
    # 20: resent requests make a part harvest only when its answers average min_resent_answer_tokens (DG-LNK-0001 v14)
    # 17: a split part needs min_accounts accounts that sent found_min_exchanges or more (profiled_parts)
    # 16: campaigns each made together that share no creation value never join (separate_batches)
    # 15: campaigns made together hold their creation values by a strict majority (more than dominant_share)
    # 19: a whole campaign of organisations' seats is no campaign, unless half of it is flagged alone (whole_seats)
    # 18: resent requests make a part harvest only when it sent at least min_resent_exchanges of them (DG-LNK-0001 v13)
    # 14: an account held below the flag only by the harvest floor attaches too (attach_held_back; off by default)
    # 13: each part is split again the same way until none splits (split_again, operator_parts)
    # 12: a batch made together joins no community not made with it on any shared value (batch_apart)
    # 11: accounts that run apart from a batch made together (share only sampled values and networks) split off
    # 10: a split part of organisations' seats is no campaign (resolve_operators `customers`)
    # 9: communities set up apart (own domains, cards, ASNs) never join again (_kept_apart)
    # 8: parts set up apart split off even below min_cover, the rest one part (_made_apart)
    # 7: a split part half of whose accounts are flagged on their own stays a campaign (_suspect_alone)
    # 6: campaigns whose accounts were made together join (made_together_values)
    # 5: a daily volume is no value of a part's own either (SAMPLED_FACETS)
    # 4: a part that resends its own requests harvests (resends.py; DG-LNK-0001 v11)
    # 3: a split part that does not harvest, beside one that does, is no campaign (harvesting_parts)
    version = 20  # 2: a harvest target is no value of a part's own (SAMPLED_FACETS)
    name = "one_operator"
    role = "group"  # regroups campaigns already found; clears only a split part that does not harvest or is
    # organisations' seats, and a whole campaign of organisations' seats (version 19); flags only an account
    # held below the flag by the harvest floor that attaches (version 14)
    description = ("a campaign whose accounts fall into parts that each hold uncommon values of their own (cards, "
                   "sign-up days, configurations, templates) is one campaign per part; campaigns whose uncommon "
                   "values coincide are one campaign; an account flagged alone, or whose own risk reaches the flag "
                   "but that barely harvests, that holds half of a campaign's uncommon values joins it")
    false_positives = (
        "One operator that gives each of its teams its own cards, sign-up day and configuration, and "
        "shares only a proxy pool between them, comes out as one campaign per team: each says which "
        "campaign it was split from and names the others (shares_network_with). So does one that gives "
        "each team its own e-mail domain or proxy pool (versions 8 and 9: teams set up apart), even when "
        "they share its templates.",
        "Two operators that share most of their uncommon values (one reseller's cards, sign-up day and "
        "configuration) come out as one campaign; every member's verdict is unchanged either way.",
        "One operator whose accounts made apart from its batch (bought, aged ones) run none of the batch's "
        "templates, configurations or clients comes out as two campaigns, the batch and the rest (version 11; "
        "seen test world 8801: 6 of one operator's 41 accounts); the verdicts stay.",
        "One operator that made one batch of accounts together and runs others it did not make (bought, aged "
        "ones) through the same harvesting template comes out as two campaigns, the batch and the rest, unless "
        "their signatures coincide (version 12); the verdicts stay, except that a part that does not harvest "
        "beside one that does is no campaign (its accounts keep their own verdicts).",
        "A customer whose own risk reaches the flag but that barely harvests (held below the flag alone) and "
        "holds half of a campaign's uncommon values (networks aside: its configuration and a harness template, "
        "say) joins the campaign and is flagged on its own risk (version 14).",
        "Missed on purpose: a part of an operator's campaign with fewer than min_accounts accounts that sent "
        "found_min_exchanges exchanges, set apart from a part that has them by values of its own, is no campaign "
        "(version 17); "
        "its accounts keep their own verdicts, so those flagged only through the campaign are not flagged.",
        "Missed on purpose: an operator that declares its accounts one organisation's seats (billed as one) "
        "and runs them beside another group is dropped as a customer's team when the operators stage splits "
        "them off, unless half of them are flagged on their own (version 10); they keep their own verdicts.",
    )


# The values an account gets when it is made: the day it signs up, the e-mail domain it signs up
# with, the card it pays with. Whoever creates the accounts sets them; the values of its traffic
# (addresses, ASNs, templates, configurations) are shared with everyone who rents the same proxy pool
# or runs the same harness (`made_together`).
CREATION_FACETS = ("signup_day", "email_domain", "payment")
# What an operator sets up for a batch of accounts: how they were made, and the proxy pool they run
# on (its autonomous systems; a /24 or /48 is one sticky exit, which a few of one operator's accounts
# share). A part of a campaign with a value of its own among these was set up apart from the rest
# (`_made_apart`); what a part's accounts *do* (templates, configurations, working hours) varies between
# one operator's teams, by design in an evasive operator (seen evasive world 9803: one operator's 67
# accounts in parts by configuration and template; seen test world 8806: one operator's 27 by shift).
SET_UP_FACETS = CREATION_FACETS + ("asn",)
# The set-up values one operator keeps from one batch of accounts to the next: its domain, its cards,
# its proxy pool; not the sign-up day (each wave signs up on its own). Communities of a campaign that
# hold different ones, and share none, were set up apart and never join again (`_kept_apart`).
KEPT_FACETS = ("email_domain", "payment", "asn")


class MadeTogetherFinding:
    """Declaration of `made_together` (cases in made_together.cases.yaml beside this file)."""

    id = "DG-LNK-0004"
    version = 1
    name = "made_together"
    role = "join"  # adds accounts to a campaign; they take its risk
    description = ("an account in no campaign that holds two of a campaign's own creation values (the sign-up "
                   "day, e-mail domain or card whose holders are mostly the campaign's accounts and the accounts "
                   "that hold two of its values) was made by the same hand and joins the campaign, whatever its "
                   "own traffic")
    false_positives = (
        "A customer that signs up on the day an operator made most of its accounts, with the e-mail domain "
        "or card most of them use (a colleague at the company whose domain an operator borrowed): the "
        "operator's accounts are at least half of each value's holders, so the customer is one of few.",
        "A campaign found in part grows to all its operator's accounts made that way (seen sharing world "
        "7762: 11 found accounts took 100 more seats of one sign-up day and company domain); a false "
        "campaign of a few customers would grow the same way, to the others who signed up that day with "
        "that domain.",
        "An operator's benign-looking accounts are joined on purpose: they are its accounts, even when "
        "their own traffic is mundane filler.",
    )


class DormantFinding:
    """Declaration of `dormant_accounts` (cases in dormant.cases.yaml beside this file)."""

    id = "DG-LNK-0005"
    version = 1
    name = "dormant"
    role = "list"  # names registered accounts that sent nothing beside a campaign; flags no one
    description = ("a registered account that has sent no request and holds two of a campaign's own creation "
                   "values (made_together's rule, over every registered account) was made by the campaign's "
                   "operator and is listed with it as dormant: an account the operator has not used yet")
    false_positives = (
        "A customer who signed up on the day an operator made most of its accounts, with the e-mail domain or "
        "card most of them use, and has not used the account yet: the operator's accounts, used or not, are "
        "at least half of each value's holders, so such customers are few; a dormant account is listed, "
        "never flagged, and has no row in accounts.csv.",
        "Missed on purpose: an operator that gives each account its own card, domain and sign-up day leaves "
        "nothing to list; neither do values of traffic (an unused account has none).",
    )


@dataclass(frozen=True)
class OperatorParams:
    """Knobs of `resolve_operators` (documented in settings.toml `[operators]`)."""

    enabled: bool = True
    min_accounts: int = 3          # a part needs this many accounts; a campaign 2x this many to split
    max_common: float = 0.05       # values held by more of the other accounts say nothing about an operator
    dominant_share: float = 0.5    # a part's own value: held by at least this share of it
    min_cover: float = 0.8         # parts with values of their own hold at least this share, or no split
    join_min_share: float = 0.3    # a campaign's signature: uncommon values this share of it holds ...
    join_min_jaccard: float = 0.5  # ... and campaigns whose signatures coincide this much join
    attach_min_share: float = 0.5  # an account flagged alone joins a campaign holding this share of its signature
    # version 14: ... and so does one held below the flag only because it barely harvests (its own risk
    # reaches the flag): inside its operator's pipeline filler is camouflage. Off: on fresh base 15100 it
    # flagged a PaaS app's account for +0.2 points of evasive recall (docs/benchmarks.md)
    attach_held_back: bool = False
    # ... or whose accounts were made together: creation values (CREATION_FACETS) of at least this many
    # facets that more than `dominant_share` of each campaign holds, uncommon among accounts in no campaign (0: off)
    join_made_facets: int = 2
    harvesting_parts: bool = True  # a split part must harvest (beside one that does) to stay a campaign
    # version 17: ... and show a pipeline of its own: at least `min_accounts` of its accounts sent [campaigns]
    # found_min_exchanges exchanges or more (beside a part that does), the bar a campaign of accounts flagged
    # alone forms by (False: off)
    profiled_parts: bool = True
    # version 19: a whole campaign (not split) of organisations' seats is no campaign either, unless
    # dominant_share of it is flagged on its own (as a split part; needs `customers`)
    whole_seats: bool = True
    # parts set up apart: communities that hold different domains, cards or ASNs (KEPT_FACETS) never
    # join again (`_kept_apart`), and when parts with values of their own cover less than min_cover,
    # those set up apart (SET_UP_FACETS) still split off, the rest one part (`_made_apart`)
    set_up_apart: bool = True
    alpha: float = 0.01   # ... set-up values the campaign holds beyond chance (Bonferroni)
    # ... and accounts that run apart from a batch made together split off: sampled values never rejoin the
    # two, the rest in no part's pipeline is a part, one group's non-holders split (version 11)
    rest_apart: bool = True
    # version 12: a batch made together never joins, on shared values, a community that was not made with
    # it (version 11 held this for sampled values only); only coinciding signatures join them
    batch_apart: bool = True
    # version 13: each part a campaign splits into is looked at again the same way, until none splits
    split_again: bool = True
    # version 16: campaigns each made together (more than dominant_share of each holds a sign-up day, e-mail
    # domain or card uncommon among accounts in no campaign) that share none of those values are two
    # operators' batches, and never join, however their signatures coincide
    separate_batches: bool = True
    # DG-LNK-0004 (`made_together`): an account in no campaign joins one when it holds at least
    # `made_min_values` of the campaign's own creation values (CREATION_FACETS) ...
    made_together: bool = True
    made_min_values: int = 2
    # ... values at least `join_min_share` of the campaign holds, whose holders are at least this share
    # the campaign's accounts and the accounts that would join it
    made_own_share: float = 0.5
    # DG-LNK-0005 (`dormant_accounts`): registered accounts that sent nothing, made by a campaign's operator
    # (made_together's rule over every registered account), are listed with it
    dormant: bool = True
    # DG-LNK-0006 (`linking.alike.harvest_alike`): accounts flagged on their own and in no campaign that
    # harvest the same capabilities with the same request configuration are listed as one group, when they
    # are at least `alike_min_accounts` and at least `alike_own_share` of the accounts in no campaign that
    # harvest that way
    alike: bool = True
    alike_min_accounts: int = 5
    alike_own_share: float = 0.5


@dataclass
class _Values:
    """The shared facet values: per row an account and a value id; per value its holders, weight and name."""

    account: np.ndarray
    value: np.ndarray
    holders: np.ndarray  # per value: accounts that hold it
    weight: np.ndarray   # per value: rarity ln(n / holders), half for a weak facet
    names: list[tuple[str, str]]
    n: int
    network: frozenset[int]  # values of NETWORK_FACETS
    sampled: frozenset[int]  # values of SAMPLED_FACETS


def shared_values(facets: pa.Table, n: int) -> _Values:
    """Rows of `facets` (account, facet, value) whose value two or more of the `n` accounts hold."""
    acc = facets["account"].to_numpy() if facets.num_rows else np.empty(0, np.int64)
    uniq, inv = value_ids(facets)
    holders = np.bincount(inv, minlength=len(uniq))
    keep_value = holders >= 2
    new_id = np.cumsum(keep_value) - 1
    rows = keep_value[inv]
    names = [tuple(str(k).split("\x1f", 1)) for k in uniq[keep_value]]
    weak = np.array([f in WEAK_FACETS for f, _ in names], dtype=bool)
    kept = holders[keep_value].astype(np.float64)
    return _Values(acc[rows].astype(np.int64), new_id[inv[rows]].astype(np.int64), kept,
                   np.log(n / kept) * np.where(weak, 0.5, 1.0), names, n,  # type: ignore[arg-type]
                   frozenset(v for v, (f, _) in enumerate(names) if f in NETWORK_FACETS),
                   frozenset(v for v, (f, _) in enumerate(names) if f in SAMPLED_FACETS))


def _incidence(vals: _Values, members: np.ndarray, max_common: float | None = None) -> sp.csr_matrix:
    """Members x values, 1 where the member holds the value (and, given `max_common`, the value is
    uncommon outside them: held by at most that share of the other accounts; a campaign of a tenth of
    all accounts holds its own template, which is then common in the whole run but not outside it)."""
    pos = np.full(vals.n, -1, dtype=np.int64)
    pos[members] = np.arange(len(members))
    sel = pos[vals.account] >= 0
    inc = sp.csr_matrix((np.ones(int(sel.sum())), (pos[vals.account[sel]], vals.value[sel])),
                        shape=(len(members), len(vals.holders)))
    if max_common is None:
        return inc
    inside = np.asarray(inc.sum(axis=0)).ravel()
    uncommon = (vals.holders - inside) <= max_common * max(vals.n - len(members), 1)
    return (inc @ sp.diags(uncommon.astype(np.float64))).tocsr()


def _held(inc: sp.csr_matrix, parts: list[np.ndarray], share: float, more: bool = False) -> list[set[int]]:
    """Per part (positions into `inc`'s rows): the values at least `share` of it holds (`more`: more than)."""
    out = []
    for part in parts:
        counts = np.asarray(inc[part].sum(axis=0)).ravel()
        held = counts > share * len(part) if more else counts >= max(share * len(part), 1e-9)
        out.append(set(np.flatnonzero(held).tolist()) if len(part) else set())
    return out


def _similarity(inc: sp.csr_matrix, weight: np.ndarray, keep: int = 40, cells: int = 1 << 22) -> sp.csr_matrix:
    """Accounts x accounts: the summed weight of the values two accounts share, each account's `keep`
    heaviest (ties: the lower account first; an edge stays if either end keeps it), built a block of
    rows at a time (about `cells` pairs): every account of a campaign of thousands shares its
    template with every other, and the whole product is dense. Each block is taken dense, where a
    row's `keep`-th heaviest is one partition rather than a sort of every pair."""
    k = inc.shape[0]
    weighted_t = (inc @ sp.diags(weight)).T.tocsr()
    chunk = max(1, cells // max(k, 1))
    rows_out, cols_out, data_out = [], [], []
    for start in range(0, k, chunk):
        block = (inc[start:start + chunk] @ weighted_t).toarray()
        r = np.arange(block.shape[0])
        block[r, r + start] = 0.0   # no self-similarity
        if k > keep:
            # the row's keep-th heaviest; of the pairs at that weight, the lowest columns fill the rest
            kth = np.partition(block, k - keep, axis=1)[:, k - keep][:, None]
            above = block > kth
            at = block == kth
            room = keep - above.sum(axis=1, keepdims=True)
            chosen = above | (at & (np.cumsum(at, axis=1) <= room))
            chosen &= block > 0
        else:
            chosen = block > 0
        i, j = np.nonzero(chosen)
        rows_out.append(i + start)
        cols_out.append(j)
        data_out.append(block[i, j])
    if not rows_out:
        return sp.csr_matrix((0, 0))
    sim = sp.csr_matrix((np.concatenate(data_out), (np.concatenate(rows_out), np.concatenate(cols_out))),
                        shape=(k, k))
    return sim.maximum(sim.T).tocsr()


def pipeline_parts(members: np.ndarray, vals: _Values, p: OperatorParams,
                   ) -> tuple[list[np.ndarray], list[set[int]]]:
    """`members` split into one part per operator, each with the values only it holds; ([members], []) when not.
    A part with no values (an empty set) is the rest of a campaign whose parts set up apart split off
    (`_made_apart`)."""
    from distillguard.linking.communities import detect_communities

    k = len(members)
    if k < 2 * p.min_accounts:
        return [members], []
    inc = _incidence(vals, members, p.max_common)
    sim = _similarity(inc, vals.weight)
    labels = detect_communities(sim, min_weight=0.0, max_degree=None)
    big = [np.flatnonzero(labels == lab) for lab in np.unique(labels) if (labels == lab).sum() >= p.min_accounts]
    if not big:
        return [members], []
    # communities of one pipeline join again: a value most of each holds (not a network: operators rent
    # one proxy pool), or coinciding signatures; never two set up apart (_kept_apart)
    dominant, signature = _held(inc, big, p.dominant_share), _held(inc, big, p.join_min_share)
    apart = _kept_apart(dominant, inc, vals, p)
    made = [_made_together(v, vals) for v in _set_up(dominant, inc, vals, p)] if p.rest_apart or p.batch_apart \
        else [False] * len(big)

    def one_pipeline(i: int, j: int) -> bool:
        shared = (dominant[i] & dominant[j]) - vals.network
        if made[i] != made[j] and (p.batch_apart or shared <= vals.sampled):
            # version 11: a harvest target or a volume joins no batch made together to others; version 12:
            # nor does any shared value (two operators behind one harvesting template)
            shared = set()
        return bool(shared) or jaccard(signature[i], signature[j]) >= p.join_min_jaccard
    comp = components(len(big), lambda i, j: not apart(i, j) and one_pipeline(i, j))
    joined = [np.concatenate([big[i] for i in np.flatnonzero(comp == c)]) for c in np.unique(comp)]
    held = _held(inc, joined, p.dominant_share)
    # a part's own values: held by half of it and by no other part's half; a harvest target is none (each
    # account's target is the part of its operator's capability set it happens to send enough of)
    own = [mine - vals.sampled - set().union(*(x for j, x in enumerate(held) if j != i)) for i, mine in enumerate(held)]
    parts = [(part, mine) for part, mine in zip(joined, own, strict=True) if mine]
    placed = sum(len(part) for part, _ in parts)
    if len(parts) < 2 or placed < p.min_cover * k:
        return _made_apart(members, joined, held, inc, vals, p)
    parts.sort(key=lambda x: (-len(x[0]), int(x[0].min())))
    part_of = np.full(k, -1, dtype=np.int64)
    for pi, (part, _) in enumerate(parts):
        part_of[part] = pi
    rest = np.flatnonzero(part_of < 0)
    loose = np.zeros(0, dtype=np.int64)
    if len(rest) and p.rest_apart:   # version 11: those that run no part's pipeline are a part of their own
        loose = rest[~_runs_any(inc[rest], _held(inc, [part for part, _ in parts], p.join_min_share), vals)]
        loose = loose if len(loose) >= p.min_accounts else loose[:0]
        rest = np.setdiff1d(rest, loose)
    if len(rest):   # the rest join the part they are most similar to (a tie: the larger part)
        placed_at = np.flatnonzero(part_of >= 0)
        to_part = sp.csr_matrix((np.ones(len(placed_at)), (placed_at, part_of[placed_at])), shape=(k, len(parts)))
        part_of[rest] = np.asarray((sim[rest] @ to_part).todense()).argmax(axis=1)
    split = [np.sort(members[part_of == pi]) for pi in range(len(parts))] + ([np.sort(members[loose])] if len(loose) else [])
    return split, [mine for _, mine in parts] + ([set()] if len(loose) else [])


def operator_parts(members: np.ndarray, vals: _Values, p: OperatorParams,
                   ) -> tuple[list[np.ndarray], list[set[int]]]:
    """`pipeline_parts`, and with `split_again` (version 13) each part split again the same way until none
    splits: Leiden cuts a campaign of several operators where the similarity is weakest, and a part may
    still hold two operators that only the first cut's larger communities hid (seen test world 8804: a
    campaign of five operators, three of them behind one harvesting template; the first split took one
    batch made together off, and two operators on their own autonomous systems stayed in the rest). A
    part's own values are then those half of it holds and half of no other final part holds (sampled
    values aside), so that what the evidence says of it stays true; a part with none is the rest."""
    parts, own = pipeline_parts(members, vals, p)
    if len(parts) < 2 or not p.split_again:
        return parts, own
    final = [q for part in parts for q in _split_again(part, vals, p)]
    if len(final) == len(parts):
        return parts, own
    final.sort(key=lambda x: (-len(x), int(x.min())))
    order = np.argsort(members, kind="stable")
    pos = [order[np.searchsorted(members[order], part)] for part in final]
    held = _held(_incidence(vals, members, p.max_common), pos, p.dominant_share)
    return final, [mine - vals.sampled - set().union(*(x for j, x in enumerate(held) if j != i))
                   for i, mine in enumerate(held)]


def _split_again(members: np.ndarray, vals: _Values, p: OperatorParams) -> list[np.ndarray]:
    """`members` as `pipeline_parts` splits it, each part split again until none splits (parts only: the
    own values are `operator_parts`' to work out once, over the final parts). Every split gives two or
    more non-empty, strictly smaller parts, so it ends."""
    parts, _ = pipeline_parts(members, vals, p)
    return parts if len(parts) < 2 else [q for part in parts for q in _split_again(part, vals, p)]


def _beyond_chance(values: set[int], inc: sp.csr_matrix, vals: _Values, p: OperatorParams) -> set[int]:
    """Those of `values` the campaign (`inc`: its members x values) holds beyond chance: binomial against
    each value's share among the other accounts, Bonferroni over `values`, at `alpha`."""
    from distillguard.linking.coordination import _log10_binom_sf

    if not values:
        return set()
    k, idx = inc.shape[0], np.array(sorted(values), dtype=np.int64)
    inside = np.asarray(inc[:, idx].sum(axis=0)).ravel()
    outside = (vals.holders[idx] - inside) / max(vals.n - k, 1)
    log10p = _log10_binom_sf(inside, np.full(len(idx), float(k)), outside)
    return set(idx[log10p <= np.log10(p.alpha / len(idx))].tolist())


def _kept_apart(dominant: list[set[int]], inc: sp.csr_matrix, vals: _Values, p: OperatorParams,
                ) -> Callable[[int, int], bool]:
    """Whether two communities (their `dominant` values: held by `dominant_share` of each) were set up
    apart (`set_up_apart`): each holds an e-mail domain, card or ASN (`KEPT_FACETS`, beyond chance in
    the campaign) that the other does not, and they share none. Such communities never join again on
    another value (a public template, a sign-up day both operators used)."""
    own = _set_up(dominant, inc, vals, p, KEPT_FACETS) if p.set_up_apart else [set() for _ in dominant]
    return lambda i, j: bool(own[i] - own[j]) and bool(own[j] - own[i]) and not own[i] & own[j]


def _set_up(dominant: list[set[int]], inc: sp.csr_matrix, vals: _Values, p: OperatorParams,
            facets: tuple[str, ...] = SET_UP_FACETS) -> list[set[int]]:
    """Per community (its `dominant` values), its values of `facets` (the set-up values) that the
    campaign holds beyond chance."""
    of = np.array([f in facets for f, _ in vals.names], dtype=bool)
    own = [{v for v in d if of[v]} for d in dominant]
    beyond = _beyond_chance(set().union(*own), inc, vals, p)
    return [d & beyond for d in own]


def _made_apart(members: np.ndarray, communities: list[np.ndarray], held: list[set[int]], inc: sp.csr_matrix,
                vals: _Values, p: OperatorParams) -> tuple[list[np.ndarray], list[set[int]]]:
    """When the parts with values of their own cover too little of the campaign to split it: the groups
    of its `communities` (positions into `members`) that were set up apart split off, and the rest is
    one part with no values of its own (`set_up_apart`). ([members], []) when there is none, or a
    part or the rest is smaller than `min_accounts`.

    Set-up values are how accounts were made and the proxy pool they run on (`SET_UP_FACETS`), held by
    at least `dominant_share` of a community (`held`: per community, the values that share holds). One counts only when the campaign holds it beyond chance
    (binomial against its share among the other accounts, Bonferroni over the values looked at, at
    `alpha`): communities are cut where accounts share values, so a community of five in which three
    share an ordinary ASN holds it "of its own" by construction. Communities that share one are one
    group (Leiden cuts one operator's pool into several communities; the pipeline rejoin above leaves
    networks out), and with a single group nothing was set up apart. A group's own set-up values are
    those most of it holds and no other group's most; it splits off as the accounts that hold them (an
    account holding two groups' goes to the group whose it holds more of; a tie, the larger group).
    The accounts of a group that hold none of them stay with the rest: nothing shows them set up apart."""
    if not p.set_up_apart:
        return [members], []
    dominant = _set_up(held, inc, vals, p)
    beyond = set().union(*dominant)
    if not beyond:
        return [members], []
    comp = components(len(communities), lambda i, j: bool(dominant[i] & dominant[j]))
    groups = [np.concatenate([communities[i] for i in np.flatnonzero(comp == c)]) for c in np.unique(comp)]
    # one group: one operator's pool and the accounts Leiden left loose, nothing set up apart; unless
    # those that hold none of its set-up values run none of its pipeline either (`_runs_apart`)
    single = len(groups) < 2
    if single and not p.rest_apart:
        return [members], []
    in_groups = [h & beyond for h in _held(inc, groups, p.dominant_share)]
    own = [mine - set().union(*(x for j, x in enumerate(in_groups) if j != i)) for i, mine in enumerate(in_groups)]
    made = sorted(((g, mine) for g, mine in zip(groups, own, strict=True) if mine),
                  key=lambda x: (-len(x[0]), int(x[0].min())))
    if not made:
        return [members], []
    # members x groups: how many of each group's own set-up values a member holds
    holds = np.column_stack([np.asarray(inc[:, sorted(s)].sum(axis=1)).ravel() for _, s in made])
    part_of = np.where(holds.max(axis=1) > 0, holds.argmax(axis=1), -1)
    if np.bincount(part_of + 1, minlength=len(made) + 1).min() < p.min_accounts:
        return [members], []
    if single and not (_made_together(made[0][1], vals)
                       and _runs_apart(inc, np.flatnonzero(part_of == 0), np.flatnonzero(part_of < 0), vals, p)):
        return [members], []
    return ([np.sort(members[part_of == i]) for i in range(len(made))] + [np.sort(members[part_of < 0])],
            [s for _, s in made] + [set()])


def _made_together(values: set[int], vals: _Values) -> bool:
    """Whether `values` include how accounts were made (`CREATION_FACETS`: a sign-up day, e-mail domain or
    card), not only the proxy pool they run on (a few of an evasive operator's accounts on home lines
    share their ISP's autonomous system)."""
    return any(vals.names[v][0] in CREATION_FACETS for v in values)


def _runs_apart(inc: sp.csr_matrix, made: np.ndarray, rest: np.ndarray, vals: _Values, p: OperatorParams) -> bool:
    """Whether the accounts `rest` (positions into `inc`'s rows) run none of the pipeline of the accounts
    `made`, which hold a set-up group's own values and they none: of the uncommon values at least
    `join_min_share` of each holds (their signatures), they share none but sampled ones and networks (a
    harvest target, a daily volume, a proxy pool; what two operators harvesting one capability through
    one rented pool share). The rest of one operator's pool sends its templates or configuration."""
    sig_made, sig_rest = _held(inc, [made, rest], p.join_min_share)
    return not (sig_made & sig_rest) - vals.sampled - vals.network


def _runs_any(rows: sp.csr_matrix, signatures: list[set[int]], vals: _Values) -> np.ndarray:
    """Per row of `rows` (accounts x values): whether it holds a value of one of the parts' `signatures`
    that is neither sampled nor a network, i.e. runs that part's pipeline."""
    pipeline = np.zeros(rows.shape[1], dtype=np.float64)
    pipeline[sorted(set().union(*signatures) - vals.sampled - vals.network)] = 1.0
    return np.asarray(rows @ pipeline).ravel() > 0


def _signature(vals: _Values, members: np.ndarray, p: OperatorParams) -> set[int]:
    """The values at least `join_min_share` of `members` hold that are uncommon outside them."""
    return _held(_incidence(vals, members, p.max_common), [np.arange(len(members))], p.join_min_share)[0]


def made_together_values(a: set[int], b: set[int], p: OperatorParams, vals: _Values) -> set[int]:
    """The creation values (CREATION_FACETS) two campaigns were made with: the values both hold of each
    one's own (`a`, `b`: `_creation_values`, those more than `dominant_share` of its accounts hold that are
    uncommon among the accounts in no campaign); empty unless they span `join_made_facets` facets or more.

    Among accounts in no campaign, not outside each campaign: one operator's sign-up day is common
    outside one of its campaigns when its other campaigns hold it too (seen test world 8806: 27 of an
    operator's 129 accounts, a campaign of their own, whose sign-up day and e-mail domain the other
    102 also hold; seen 13801: an operator found as eight campaigns of 3 to 44 accounts).
    Two facets, not two values: operators that sign up in the same days share days, not a domain or a
    card as well (classic world 21). Most of each, not `join_min_share`: a campaign that holds two
    operators' accounts holds each one's values at 30% and would bridge them (seen test world 14002).
    Strictly most (version 15): a split part of 4 + 4 accounts of two operators held both operators'
    domain and sign-up day at exactly half and bridged their campaigns into one (fresh test world 16301).
    """
    if p.join_made_facets <= 0:
        return set()
    shared = a & b
    return shared if len({vals.names[v][0] for v in shared}) >= p.join_made_facets else set()


def _creation_values(held: set[int], ordinary: np.ndarray, n_ordinary: int, p: OperatorParams,
                     vals: _Values) -> set[int]:
    """The creation values (CREATION_FACETS) a campaign was made with: of `held` (those more than
    `dominant_share` of its accounts hold), the ones uncommon among accounts in no campaign (`ordinary`:
    per value its holders in no campaign, of `n_ordinary`; at most `max_common` of them). A public
    webmail domain is none."""
    bar = p.max_common * max(n_ordinary, 1)
    return {v for v in held if vals.names[v][0] in CREATION_FACETS and ordinary[v] <= bar}


def _values_text(vals: _Values, ids: set[int], limit: int = 4) -> str:
    named = sorted((vals.names[v] for v in ids), key=lambda fv: (fv[0], fv[1]))[:limit]
    return ", ".join(f"{NOUNS.get(f, f)} {v}" for f, v in named)


def _part(c: Campaign, members: np.ndarray, account_ids: np.ndarray, text: str) -> Campaign:
    """The part `members` of campaign `c`: its risk and each member's tie, new id, a note of the split."""
    order = np.argsort(c.members, kind="stable")
    at = order[np.searchsorted(c.members[order], members)]
    tied = joined_ties([c], members)
    part = Campaign(campaign_id(account_ids[members].tolist()), members, c.risk, c.coordination, c.member_risk,
                    tie_shares(members, tied), c.strength[at].copy(), [], dict(c.stats),
                    np.intersect1d(c.recruited, members), tied=tied, attached=np.intersect1d(c.attached, members))
    part.stats["operator"] = text
    return part


def _joined(cs: list[Campaign], account_ids: np.ndarray, full_tie_strength: float, text: str) -> Campaign:
    """One campaign of `cs`: the highest risk, and each member's tie scaled so its final risk stays the same.

    A member's final risk is `max(own, risk x min(1, strength / full_tie_strength))`; with the joined
    campaign's higher risk R, strength `min(strength, full) x risk / R` gives the same product.
    """
    risk = max(c.risk for c in cs)
    members = np.concatenate([c.members for c in cs])
    strength = np.concatenate([np.minimum(c.strength, full_tie_strength) * (c.risk / risk if risk > 0 else 1.0)
                               for c in cs])
    order = np.argsort(members, kind="stable")
    members, strength = members[order], strength[order]
    tied = joined_ties(cs)
    stats: dict[str, object] = {}
    parts = [g for c in cs for g in c.stats.get("coordination_parts", [])]
    if parts:
        stats["coordination_parts"] = parts
        stats["coordination_groups"] = sum(int(c.stats.get("coordination_groups", 0)) for c in cs)
        stats["coordination"] = "; ".join(str(c.stats["coordination"]) for c in cs if c.stats.get("coordination"))
    stats["operator"] = text
    return Campaign(campaign_id(account_ids[members].tolist()), members, risk, max(c.coordination for c in cs),
                    max(c.member_risk for c in cs), tie_shares(members, tied), strength, [], stats,
                    np.sort(np.concatenate([c.recruited for c in cs])), tied=tied,
                    attached=np.sort(np.concatenate([c.attached for c in cs])))


def resolve_operators(campaigns: list[Campaign], facets: pa.Table, account_ids: np.ndarray,
                      params: OperatorParams | None = None, full_tie_strength: float = 2.0,
                      flagged: np.ndarray | None = None,
                      harvesting: Callable[[np.ndarray], bool] | None = None,
                      own_flagged: np.ndarray | None = None,
                      customers: Callable[[np.ndarray], bool] | None = None,
                      below_flag: np.ndarray | None = None,
                      profiled: np.ndarray | None = None,
                      seats_aside: list[Campaign] | None = None) -> list[Campaign]:
    """`campaigns` regrouped so that one campaign is one operator (module docstring): split, join, and
    the accounts of `flagged` that no campaign holds (flagged on their own) attached where they run a
    campaign's pipeline. `harvesting(members)` says whether a split part's accounts harvest (the
    coordinated groups' bars); a part that does not is no campaign (None: every part is kept), unless
    `dominant_share` of its accounts are flagged on their own traffic (`own_flagged`, a mask over all
    accounts): its own evidence, not the other parts', makes it suspect. Nor is a part that
    `customers(members)` says is organisations' seats, unless so flagged: a company's team on its card,
    domain and sign-up day is one customer, set apart by coordination's rule (None: not looked at).
    `below_flag` (account indices): accounts whose own risk reaches the flag but that are held below it
    outside every campaign because they barely harvest; with `attach_held_back` they attach like the
    flagged ones, and inside the campaign their own risk flags them (version 14). `profiled` (a mask over all
    accounts): those that sent [campaigns] found_min_exchanges exchanges or more; with `profiled_parts` a split
    part needs `min_accounts` of them to stay a campaign beside one that has them (None: not looked at).
    With `whole_seats`, a campaign that does not split is judged like a part: organisations' seats, unless
    so flagged, are no campaign, and go to `seats_aside` (when given) for review (version 19)."""
    p = params or OperatorParams()
    if not campaigns or not p.enabled:
        return campaigns
    n = len(account_ids)
    vals = shared_values(facets, n)
    split: list[Campaign] = []
    pieces: dict[str, list[str]] = {}   # input campaign id -> the ids of its parts (itself when whole)
    siblings: dict[str, set[str]] = {}  # part id -> the other parts of a campaign that shared addresses
    for c in campaigns:
        parts, own = operator_parts(c.members, vals, p)
        if len(parts) < 2:
            if p.whole_seats and customers is not None and customers(c.members) \
                    and not _suspect_alone(c.members, own_flagged, p):
                if seats_aside is not None:   # a company's seats on its office, card and domain: one customer
                    seats_aside.append(c)
                continue
            split.append(c)
            pieces[c.campaign_id] = [c.campaign_id]
            continue
        first = len(split)
        # a part that is its own operator and does not harvest, beside one that does, is no campaign:
        # what linked it was the other parts' (when none harvests, the campaign's own evidence stands)
        keep = [_kept(part, harvesting, customers) or _suspect_alone(part, own_flagged, p) for part in parts]
        if not any(keep):
            keep = [True] * len(parts)
        if p.profiled_parts and profiled is not None:   # version 17: a part shows a pipeline of its own
            shown = [k and int(np.count_nonzero(profiled[part])) >= p.min_accounts
                     for part, k in zip(parts, keep, strict=True)]
            if any(shown):   # beside one that does (when none does, the campaign's own evidence stands)
                keep = shown
        idle = [len(part) for part, k in zip(parts, keep, strict=True) if not k]
        for part, mine, k in zip(parts, own, keep, strict=True):
            if not k:
                continue
            split.append(_part(c, part, account_ids, (
                f"one of {len(parts)} operators in {len(c.members)} accounts that other evidence linked "
                f"({', '.join(sorted(c.evidence))}): " + (
                    f"these {len(part)} accounts share {_values_text(vals, mine)}, which the other parts do not"
                    if mine else f"these {len(part)} accounts are the rest, once the parts made or run apart "
                    f"from them (their own sign-up day, e-mail domain, card or autonomous systems) split off") + (
                    f"; {len(idle)} other part(s) of {', '.join(map(str, idle))} accounts do not harvest, "
                    f"are organisations' seats or show no pipeline of their own, and are no campaign"
                    if idle else ""))))
        ids = [x.campaign_id for x in split[first:]]
        pieces[c.campaign_id] = ids
        if {"ip", "ip_prefix"} & set(c.evidence):
            for x in ids:
                siblings[x] = set(ids) - {x}
    sigs = [_signature(vals, c.members, p) for c in split]
    # more than dominant_share (a strict majority at 0.5): of two values of one facet only one is held
    # so, and a campaign that mixes two operators' accounts half and half bridges neither (version 15)
    held = [_held(_incidence(vals, c.members), [np.arange(len(c.members))], p.dominant_share, more=True)[0]
            for c in split] if p.join_made_facets > 0 else []
    made: dict[tuple[int, int], set[int]] = {}   # (i, j) -> the creation values campaigns i and j were made with
    if held:
        grouped = np.unique(np.concatenate([c.members for c in split]))
        ordinary = vals.holders - np.asarray(_incidence(vals, grouped).sum(axis=0)).ravel()   # holders in no campaign

    # per campaign, the creation values it was made with (once, not per pair)
    made_with = [_creation_values(h, ordinary, vals.n - len(grouped), p, vals) for h in held] if held else []

    def one_operator(i: int, j: int) -> bool:
        apart = made_with and made_with[i] and made_with[j] and not made_with[i] & made_with[j]
        if p.separate_batches and apart:
            return False   # version 16: made apart (each its own sign-up day, domain or card; none shared)
        if jaccard(sigs[i], sigs[j]) >= p.join_min_jaccard:
            return True
        if made_with:
            made[i, j] = made_together_values(made_with[i], made_with[j], p, vals)
        return bool(made.get((i, j)))

    comp = components(len(split), one_operator)
    out, out_sigs = [], []
    for lab in np.unique(comp):
        group = [split[i] for i in np.flatnonzero(comp == lab)]
        if len(group) == 1:
            out.append(group[0])
            out_sigs.append(sigs[int(np.flatnonzero(comp == lab)[0])])
            continue
        at = np.flatnonzero(comp == lab).tolist()
        shared = set.intersection(*(sigs[i] for i in at))
        creation = set().union(*(made.get((i, j), set()) for i in at for j in at))
        whys = []
        if shared or not creation:
            whys.append(f"their uncommon values coincide (each held by at most {p.max_common:.0%} of the other accounts): "
                        f"{_values_text(vals, shared) or 'most of their signature'}")
        if creation:
            whys.append(f"their accounts were made together (more than {p.dominant_share:.0%} of each holds "
                        f"{_values_text(vals, creation)}, uncommon among accounts in no campaign)")
        why = "; ".join(whys)
        out.append(_joined(group, account_ids, full_tie_strength,
                           f"one operator: {len(group)} campaigns of {', '.join(str(len(c.members)) for c in group)} "
                           f"accounts: {why}"))
        out_sigs.append(_signature(vals, out[-1].members, p))
    alone = np.empty(0, np.int64) if flagged is None else np.asarray(flagged, dtype=np.int64)
    held_back = np.empty(0, np.int64)
    if p.attach_held_back and below_flag is not None:
        held_back = np.setdiff1d(np.asarray(below_flag, dtype=np.int64), alone)
        alone = np.union1d(alone, held_back)
    if len(alone):
        out = _attach(out, out_sigs, np.setdiff1d(alone, np.concatenate([c.members for c in out])), vals,
                      account_ids, p, held_back)
    _network_neighbours(split, out, pieces, siblings)
    out.sort(key=lambda c: (-len(c.members), c.campaign_id))
    return out


def seats_group(c: Campaign, orgs: np.ndarray, harvest: np.ndarray | None) -> CoordinatedGroup:
    """A whole campaign of organisations' seats (`resolve_operators` `seats_aside`) as a group set aside
    for review (organisations.parquet): anchored on the account graph, with the evidence kinds that
    tie at least half of it; `orgs`: each account's organisation as the seats rule counted it."""
    kinds = sorted(k for k, v in c.evidence.items() if v >= 0.5)
    h = float(np.mean(harvest[c.members])) if harvest is not None and len(c.members) else 0.0
    return CoordinatedGroup(c.members, ("account_graph", ", ".join(kinds)), [{"facet": k} for k in kinds], 0.0, h,
                            anchor_holders=len(c.members), orgs=orgs[c.members])


def _kept(part: np.ndarray, harvesting: Callable[[np.ndarray], bool] | None,
          customers: Callable[[np.ndarray], bool] | None) -> bool:
    """A split part stays a campaign on the other parts' evidence: it harvests (`harvesting`, None: not
    judged) and is not organisations' seats (`customers`, None: not judged)."""
    return (harvesting is None or harvesting(part)) and (customers is None or not customers(part))


def _suspect_alone(part: np.ndarray, own_flagged: np.ndarray | None, p: OperatorParams) -> bool:
    """At least `dominant_share` of `part`'s accounts are flagged on their own traffic (`own_flagged`)."""
    return own_flagged is not None and len(part) > 0 and float(np.mean(own_flagged[part])) >= p.dominant_share


def _network_neighbours(split: list[Campaign], out: list[Campaign], pieces: dict[str, list[str]],
                        siblings: dict[str, set[str]]) -> None:
    """Each final campaign's `shares_network_with`: the final campaigns holding the parts it was split
    from a campaign on shared addresses with, and those its pieces already named (ids of campaigns
    that no longer exist are mapped to the campaigns that hold their accounts, or dropped)."""
    owner = {int(m): c.campaign_id for c in out for m in c.members.tolist()}
    final = {x.campaign_id: owner[int(x.members[0])] for x in split}   # every piece lies whole in one
    named: dict[str, set[str]] = {}
    for x in split:
        refs = set(siblings.get(x.campaign_id, set()))
        for old in x.stats.get("shares_network_with", []) or []:
            refs.update(pieces.get(str(old), []))
        named.setdefault(final[x.campaign_id], set()).update(final[r] for r in refs if r in final)
    for c in out:
        others = sorted(named.get(c.campaign_id, set()) - {c.campaign_id})
        if others:
            c.stats["shares_network_with"] = others
        else:
            c.stats.pop("shares_network_with", None)


def _attach(campaigns: list[Campaign], sigs: list[set[int]], alone: np.ndarray, vals: _Values,
            account_ids: np.ndarray, p: OperatorParams, held_back: np.ndarray | None = None) -> list[Campaign]:
    """Accounts flagged alone join the campaign whose signature (`sigs`, one per campaign; network
    aside) they hold most of, at least `attach_min_share` of it; tie strength 0, so each keeps its own
    risk (and a flagged one its verdict; one of `held_back`, held below the flag outside every campaign
    only by the harvest floor, is judged on its own risk inside the campaign: flagged)."""
    if not len(alone) or not campaigns:
        return campaigns
    rows, cols = [], []
    for ci, sig_values in enumerate(sigs):
        sig = np.array(sorted(sig_values - vals.network), dtype=np.int64)
        rows.append(sig)
        cols.append(np.full(len(sig), ci))
    sig_of = sp.csr_matrix((np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(vals.holders), len(campaigns)))
    size = np.asarray(sig_of.sum(axis=0)).ravel()
    held = _incidence(vals, alone) @ sig_of                       # alone x campaigns: signature values held
    share = np.asarray(held.todense()) / np.maximum(size, 1)
    best = share.argmax(axis=1)
    ok = share[np.arange(len(alone)), best] >= p.attach_min_share
    out = list(campaigns)
    for ci in np.unique(best[ok]).tolist():
        c, new = out[ci], alone[ok & (best == ci)]
        members = np.concatenate([c.members, new])
        order = np.argsort(members, kind="stable")
        n_held = int(np.isin(new, held_back).sum()) if held_back is not None else 0
        held_text = (f" ({n_held} of them held below the flag outside a campaign only because they barely "
                     f"harvest; their own risk reaches it)" if n_held else "")
        note = (f"{len(new)} accounts flagged on their own joined{held_text}: each holds at least "
                f"{p.attach_min_share:.0%} of the campaign's signature (networks aside), the uncommon values "
                f"{p.join_min_share:.0%} of its accounts hold")
        stats = dict(c.stats)
        stats["operator"] = f"{c.stats['operator']}; {note}" if c.stats.get("operator") else note
        tied = ties(c)
        out[ci] = Campaign(campaign_id(account_ids[members].tolist()), members[order], c.risk, c.coordination,
                           c.member_risk, tie_shares(members[order], tied),
                           np.concatenate([c.strength, np.zeros(len(new))])[order], [], stats, c.recruited,
                           tied=tied, attached=np.sort(np.concatenate([c.attached, new])))
    return out


def made_together(campaigns: list[Campaign], facets: pa.Table, account_ids: np.ndarray,
                  params: OperatorParams | None = None, full_tie_strength: float = 2.0) -> list[Campaign]:
    """`campaigns` with the accounts made by the same hand as theirs (finding DG-LNK-0004).

    A campaign's creation values are the values of CREATION_FACETS (sign-up day, e-mail domain,
    card) that at least `join_min_share` of its accounts (and `min_accounts`) hold. Its candidates
    are the accounts in no campaign that hold `made_min_values` of them, on as many facets. A value
    is the campaign's *own* when the campaign's accounts and its candidates are at least
    `made_own_share` of all its holders: one operator made most of the accounts that signed up that
    day with that domain, found or not (a campaign found in part holds a third of its operator's
    day; with the operator's other seats it holds nearly all). A candidate that holds
    `made_min_values` own values, on as many facets, joins the campaign fully tied (it takes the
    campaign's risk), whatever its own traffic: an operator's seats that send only filler are still
    its seats. Campaigns are taken in order (largest first); an account joins the first that claims
    it. Values of traffic (addresses, templates) never count: other customers of a proxy pool or a
    harness hold them too.
    """
    p = params or OperatorParams()
    if not campaigns or not p.enabled or not p.made_together or facets.num_rows == 0:
        return campaigns
    n = len(account_ids)
    # values one account holds are nobody's own (a campaign's hold min_accounts)
    vals_all = shared_values(facets.filter(pc.is_in(facets["facet"], pa.array(CREATION_FACETS))), n)
    owner = np.full(n, -1, dtype=np.int64)
    for ci, c in enumerate(campaigns):
        owner[c.members] = ci
    out = []
    for c, made, text in _made_by(campaigns, vals_all, owner, owner < 0, p):
        if len(made) == 0:
            out.append(c)
            continue
        members = np.concatenate([c.members, made])
        strength = np.concatenate([c.strength, np.full(len(made), full_tie_strength)])
        order = np.argsort(members, kind="stable")
        stats = dict(c.stats)
        stats["made_together"] = {"accounts": len(made), "values": text}
        tied = ties(c)
        out.append(replace(c, campaign_id=campaign_id(account_ids[members[order]].tolist()), members=members[order],
                           strength=strength[order], stats=stats, made=made, tied=tied,
                           evidence=tie_shares(members[order], tied)))
    out.sort(key=lambda c: (-len(c.members), c.campaign_id))
    return out


def _made_by(campaigns: list[Campaign], vals_all: _Values, owner: np.ndarray, free: np.ndarray,
             p: OperatorParams, verb: str = "join it") -> Iterator[tuple[Campaign, np.ndarray, str]]:
    """Per campaign (in order): the accounts of `free` (a mask; those taken by an earlier campaign are
    cleared in it) made by its hand (`made_together`'s rule on `vals_all`, the creation values of every
    account `owner` numbers: the campaign index of each, -1 for none), and the values that say so (how
many of their holders were in the campaign and how many `verb`)."""
    acc, inv, holders, names = vals_all.account, vals_all.value, vals_all.holders, vals_all.names

    def holding(values: np.ndarray) -> dict[int, set[int]]:
        """Free accounts that hold `made_min_values` of `values` on as many facets, and which they hold."""
        rows = np.flatnonzero(np.isin(inv, values) & free[acc])
        held: dict[int, set[int]] = {}
        for a, v in zip(acc[rows].tolist(), inv[rows].tolist(), strict=True):
            held.setdefault(a, set()).add(v)
        return {a: vs for a, vs in held.items() if len({names[v][0] for v in vs}) >= p.made_min_values}

    for ci, c in enumerate(campaigns):
        vals, inside = np.unique(inv[owner[acc] == ci], return_counts=True)
        wide = inside >= max(p.min_accounts, p.join_min_share * len(c.members))
        vals, inside = vals[wide], inside[wide]
        candidates = holding(vals)
        with_them = np.bincount([v for vs in candidates.values() for v in vs], minlength=len(names))[vals]
        own = vals[inside + with_them >= p.made_own_share * holders[vals]]
        made_by = holding(own)
        made = np.array(sorted(made_by), dtype=np.int64)
        if len(made) == 0:
            yield c, made, ""
            continue
        free[made] = False
        count = dict(zip(vals.tolist(), inside.tolist(), strict=True))
        joining = np.bincount([v for vs in made_by.values() for v in vs], minlength=len(names))
        shown = sorted(own.tolist(), key=lambda v: (-count[v], names[v]))[:4]
        yield c, made, "; ".join(f"{NOUNS.get(names[v][0], names[v][0])} {names[v][1]} (of its {int(holders[v])} "
                                 f"holders, {count[v]} were in the campaign and {int(joining[v])} {verb})" for v in shown)


def dormant_accounts(campaigns: list[Campaign], facets: pa.Table, account_ids: np.ndarray, unused: pa.Table,
                     params: OperatorParams | None = None) -> list[Campaign]:
    """`campaigns` with the registered accounts that sent nothing made by their operators (DG-LNK-0005).

    `unused` (account_id, signup_day, email_domain, payment): the registered accounts that sent no
    exchange (`linking.run.unused_accounts`). They are the candidates of `made_together`'s rule, taken
    with every account's creation values (`facets`' CREATION_FACETS of the `account_ids` that sent
    some): a value is a campaign's own when its accounts and the unused accounts holding two of its
    creation values are at least `made_own_share` of all its holders, used or not; an unused account
    holding `made_min_values` own values, on as many facets, is the campaign's dormant account
    (`Campaign.dormant`, its id; `stats["dormant"]` says on which values). Nothing else changes:
    dormant accounts are listed, not judged (no traffic, no row in accounts.csv).
    """
    p = params or OperatorParams()
    if not campaigns or not p.enabled or not p.dormant or unused.num_rows == 0:
        return campaigns
    n = len(account_ids)
    ids = np.asarray(unused["account_id"].to_pylist(), dtype=object)
    rows = [facets.filter(pc.is_in(facets["facet"], pa.array(CREATION_FACETS))).select(["account", "facet", "value"])]
    for facet in CREATION_FACETS:
        col = unused[facet].combine_chunks()
        keep = pc.invert(pc.is_null(col))
        at = np.flatnonzero(np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool))
        rows.append(pa.table({"account": pa.array(n + at, pa.int64()), "facet": pa.array([facet] * len(at), pa.string()),
                              "value": col.filter(keep).cast(pa.string())}))
    vals_all = shared_values(pa.concat_tables([r.cast(rows[-1].schema) for r in rows]), n + len(ids))
    owner = np.full(n + len(ids), -1, dtype=np.int64)
    for ci, c in enumerate(campaigns):
        owner[c.members] = ci
    free = np.zeros(n + len(ids), dtype=bool)
    free[n:] = True
    out = []
    for c, made, text in _made_by(campaigns, vals_all, owner, free, p, "are listed with it"):
        if len(made) == 0:
            out.append(c)
            continue
        stats = dict(c.stats)
        stats["dormant"] = {"accounts": len(made), "values": text}
        out.append(replace(c, dormant=sorted(ids[made - n].tolist()), stats=stats))
    return out
