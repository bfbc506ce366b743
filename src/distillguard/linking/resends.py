"""Requests a group sends again and again: harvest evidence that needs no classifier.

Distillation collects a model's outputs on a prompt set. An operator that samples the answers to
one closed set of questions sends the same requests over and over, from many accounts, and hardly
anyone else sends them; a classifier that reads one exchange sees an ordinary question (a raw
sensitive question is `other`). A *request* here is an exchange's mined template with its slot
content (`exchange_templates`: template id and slot hash), so a question resent with other
numbers or a harness around other content is another request.

A group's own requests are those at least `min_accounts` of its members send, at least `min_lift`
times as common among its members as among the accounts outside it, and sent by at most
`max_common` of those accounts (the coupling tests' effect size and commonness bars): a public
prompt many customers send is not the group's, and a part of an operator's accounts owns its
operator's prompts as much as the whole does. A
member's *resend share* is the share of its exchanges that are the group's own requests. The
coordinated groups, lead cohorts and operator parts (`harvests`) pass the harvest bar when their
members' mean resend share reaches `min_harvest`, like their mean harvest share, and together they
sent at least `min_resent_exchanges` of those exchanges: distillation collects a dataset, and a
class whose fifty students each ask the same three homework questions once or twice resends all
its traffic (share 1.0) and collects under two hundred answers. Nor do they count when the members' answers
are a few tokens long (mean output under `min_resent_answer_tokens`): a smoke test that asks one question
every few minutes from each of a team's accounts with `max_tokens` 16 resends all its traffic and collects
no text to train on.

Only requests sent by at least `min_accounts` accounts in all are kept (no group could own the
rest), one row per (account, request) with its exchange count: a small table at any scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from distillguard._arrays import unique_inverse
from distillguard.linking.graph import account_index

RESENT_SQL = """
WITH r AS (SELECT account_id, template_id, slot_hash, count(*) AS n FROM exchange_templates GROUP BY ALL),
     h AS (SELECT template_id, slot_hash FROM r GROUP BY ALL HAVING count(*) >= {min_accounts})
SELECT r.account_id, hash(r.template_id, r.slot_hash) AS request, r.n FROM r JOIN h USING (template_id, slot_hash)
"""


def resent_requests(engine, active: np.ndarray, min_accounts: int) -> pa.Table:  # type: ignore[no-untyped-def]
    """(account, request, n): each judged account's exchanges per request that `min_accounts` accounts send.

    `engine` has `exchange_templates` registered; `active`: the judged accounts' ids, sorted.
    """
    t = engine.sql(RESENT_SQL.format(min_accounts=int(min_accounts)))
    acc = account_index(t["account_id"], active)
    keep = acc >= 0
    return pa.table({"account": pa.array(acc[keep], pa.int64()),
                     "request": pa.array(t["request"].to_numpy()[keep], pa.uint64()),
                     "n": pa.array(t["n"].to_numpy()[keep], pa.int64())})


@dataclass(frozen=True)
class Resends:
    """The resent-requests table indexed for group look-ups (rows sorted by account)."""

    offsets: np.ndarray   # rows of account i: offsets[i]:offsets[i + 1]
    request: np.ndarray   # request code per row (0..len(holders) - 1)
    n: np.ndarray         # exchanges per row
    holders: np.ndarray   # accounts that send each request, in all
    exchanges: np.ndarray  # each account's exchanges in all
    min_accounts: int
    min_lift: float
    max_common: float
    # each account's mean output tokens per exchange (NaN where the data carries none); None: not known
    answers: np.ndarray | None = None

    @classmethod
    def of(cls, table: pa.Table, exchanges: np.ndarray, min_accounts: int, min_lift: float,
           max_common: float, answers: np.ndarray | None = None) -> Resends:
        """From `resent_requests`' table; `exchanges`: every judged account's exchange count; `answers`: its
        mean output tokens per exchange (NaN where unknown), when known."""
        acc = table["account"].to_numpy()
        order = np.argsort(acc, kind="stable")
        # one row per (account, request): a request's count of rows is its count of senders
        _, code, holders = unique_inverse(table["request"].to_numpy()[order])
        offsets = np.zeros(len(exchanges) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum(np.bincount(acc, minlength=len(exchanges)))
        return cls(offsets, code, table["n"].to_numpy()[order].astype(np.float64), holders,
                   np.asarray(exchanges, dtype=np.float64), int(min_accounts), float(min_lift), float(max_common),
                   None if answers is None else np.asarray(answers, dtype=np.float64))

    def shares(self, members: np.ndarray) -> np.ndarray:
        """Each member's share of its exchanges that are the group's own requests (see the module)."""
        members = np.asarray(members, dtype=np.int64)
        return self.sent(members) / np.maximum(self.exchanges[members], 1.0)

    def answer_tokens(self, members: np.ndarray) -> float | None:
        """The members' mean output tokens per exchange (the mean over those whose data carries it; None when
        none does)."""
        if self.answers is None or len(members) == 0:
            return None
        known = self.answers[np.asarray(members, dtype=np.int64)]
        known = known[~np.isnan(known)]
        return float(known.mean()) if len(known) else None

    def sent(self, members: np.ndarray) -> np.ndarray:
        """Each member's exchanges that are the group's own requests (see the module)."""
        members = np.asarray(members, dtype=np.int64)
        if len(members) == 0 or len(self.request) == 0:
            return np.zeros(len(members))
        starts, lengths = self.offsets[members], self.offsets[members + 1] - self.offsets[members]
        if lengths.sum() == 0:
            return np.zeros(len(members))
        who = np.repeat(np.arange(len(members)), lengths)
        rows = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))
        codes = self.request[rows]
        held = np.bincount(codes, minlength=len(self.holders))
        outside = self.holders - held
        rest = max(len(self.exchanges) - len(members), 1)
        own = ((held >= self.min_accounts) & (outside <= self.max_common * rest)
               & (held / len(members) >= self.min_lift * outside / rest))
        return np.bincount(who, weights=np.where(own[codes], self.n[rows], 0.0), minlength=len(members))
