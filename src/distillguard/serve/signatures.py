"""Campaign signatures: what a live request can be matched on, built from the last detect run.

Three kinds of token are computed for every request, cheaply and in pure Python (one request
costs tens of microseconds):

- ``template``: hashes of the *wrapper segments* of the prompt. The key text is the system
  prompt and the last user turn, lower-cased and masked the way template mining masks it
  (numbers -> ``<n>``, quoted strings, URLs, e-mail addresses, fenced code), then cut into
  segments at line breaks and sentence punctuation. Only segments of at least
  `ANCHOR_CHARS` characters count: a short segment ("Thanks.") says nothing.
- ``config``: the request configuration vector (max_tokens, temperature, top_p, n, logprobs,
  top_logprobs, response_format, stream, thinking budget, reasoning_effort).
- ``client_stack``: the User-Agent (and TLS fingerprint when the gateway passes one).
- ``ip``: the client address, where the caller can see it (the in-process LiteLLM guardrail).

`build_index` keeps a token for a campaign only when the data at hand says it is the
campaign's: at least ``min_accounts`` member accounts use it and at least ``min_purity`` of
all accounts that use it are members (a null model over the store, not a typed weight). A
token without a store comes from the campaign's published indicators (``campaigns.json``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

ANCHOR_CHARS = 20
HEAD_CHARS = 1024
TAIL_CHARS = 256
HEAD_SEGMENTS = 32
TAIL_SEGMENTS = 16
KINDS = ("template", "config", "client_stack", "ip")

_MASKS = (
    ("```", re.compile(r"```[\s\S]*?```"), " <code> "),
    ("://", re.compile(r"https?://[^\s)>\]]+"), "<url>"),
    ("@", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+"), "<email>"),
    ('"', re.compile(r'"[^"\n]*"'), "<q>"),
    ("“", re.compile(r"“[^”\n]*”"), "<q>"),
    (None, re.compile(r"\d+(?:[.,:/]\d+)*"), "<n>"),
)
_SPLIT = re.compile(r"(?<=[.?!;:]) +|\s*\n\s*")
_PLACEHOLDER = "{…}"


def _truncate(text: str) -> str:
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        return text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    return text


def mask(text: str) -> str:
    """Lower-case and mask slot content (numbers, quotes, URLs, e-mails, code) in a prompt."""
    text = _truncate(text).lower().replace("\r", "").replace("\t", " ")
    for guard, rx, repl in _MASKS:
        if guard is None or guard in text:
            text = rx.sub(repl, text)
    return text


def segments(text: str | None) -> list[str]:
    """Anchor-sized masked segments of one prompt part, first and last ones only when long."""
    if not text:
        return []
    segs = [s for s in _SPLIT.split(mask(text)) if len(s) >= ANCHOR_CHARS and _PLACEHOLDER not in s]
    if len(segs) > HEAD_SEGMENTS + TAIL_SEGMENTS:
        segs = segs[:HEAD_SEGMENTS] + segs[-TAIL_SEGMENTS:]
    return segs


def _h(prefix: str, text: str) -> int:
    return xxhash.xxh3_64_intdigest((prefix + text).encode("utf-8", "surrogatepass"))


def template_tokens(system_prompt: str | None, last_user_text: str | None) -> set[int]:
    """Hashes of the wrapper segments of a prompt (system and user parts kept apart)."""
    out = {_h("s\x1f", s) for s in segments(system_prompt)}
    out.update(_h("u\x1f", s) for s in segments(last_user_text))
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def config_token(row: dict[str, Any]) -> str:
    """The request configuration vector as one string, e.g. ``mt=4096|t=1|tp=-|...``."""
    return "|".join((
        "mt=" + _fmt(row.get("max_tokens")), "t=" + _fmt(row.get("temperature")), "tp=" + _fmt(row.get("top_p")),
        "n=" + _fmt(row.get("n")), "lp=" + _fmt(row.get("logprobs")), "tlp=" + _fmt(row.get("top_logprobs")),
        "rf=" + _fmt(row.get("response_format")), "s=" + _fmt(row.get("stream")),
        "tb=" + _fmt(row.get("thinking_budget_tokens")), "re=" + _fmt(row.get("reasoning_effort")),
    ))


def client_token(row: dict[str, Any]) -> str | None:
    ua = row.get("client_user_agent")
    if not ua:
        return None
    tls = row.get("client_tls_fingerprint")
    return f"{ua}|{tls}" if tls else ua


@dataclass(frozen=True, slots=True)
class Tokens:
    """The matchable tokens of one request."""

    template: frozenset[int]
    config: str
    client_stack: str | None
    ip: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Tokens:
        return cls(frozenset(template_tokens(row.get("system_prompt"), row.get("last_user_text"))),
                   config_token(row), client_token(row), row.get("client_ip"))


@dataclass(slots=True)
class SignatureIndex:
    """Token -> (campaign_id, purity) per kind, plus where it came from."""

    template: dict[int, tuple[str, float]] = field(default_factory=dict)
    config: dict[str, tuple[str, float]] = field(default_factory=dict)
    client_stack: dict[str, tuple[str, float]] = field(default_factory=dict)
    ip: dict[str, tuple[str, float]] = field(default_factory=dict)
    source: str = "none"

    def sizes(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in KINDS}

    def match(self, tok: Tokens) -> dict[str, dict[str, float]]:
        """Kind -> {campaign_id: best purity} for the tokens of one request."""
        hits: dict[str, dict[str, float]] = {}
        for h in tok.template:
            m = self.template.get(h)
            if m is not None:
                d = hits.setdefault("template", {})
                d[m[0]] = max(d.get(m[0], 0.0), m[1])
        for kind, value in (("config", tok.config), ("client_stack", tok.client_stack), ("ip", tok.ip)):
            if value is not None:
                m = getattr(self, kind).get(value)
                if m is not None:
                    hits[kind] = {m[0]: m[1]}
        return hits


class _Counter:
    """Per token: member accounts by campaign, and all accounts."""

    def __init__(self) -> None:
        self.by_campaign: dict[Any, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.total: dict[Any, set[str]] = defaultdict(set)

    def add(self, token: Any, account: str, campaign: str | None) -> None:
        self.total[token].add(account)
        if campaign:
            self.by_campaign[token][campaign].add(account)

    def kept(self, min_accounts: int, min_purity: float) -> dict[Any, tuple[str, float]]:
        """Tokens sent mostly by campaign accounts, each assigned to the campaign with most senders.

        Purity is the share of the token's accounts that belong to *some* campaign: harnesses are
        often reused across campaigns, and a wrapper no customer sends is evidence either way.
        """
        out = {}
        for token, camps in self.by_campaign.items():
            cid, members = max(camps.items(), key=lambda kv: (len(kv[1]), kv[0]))
            in_any = len(set().union(*camps.values()))
            purity = in_any / len(self.total[token])
            if len(members) >= min_accounts and purity >= min_purity:
                out[token] = (cid, round(purity, 4))
        return out


def build_index(rows: Iterable[dict[str, Any]], campaign_of: dict[str, str], *, min_accounts: int,
                min_purity: float) -> SignatureIndex:
    """Keep the tokens that the campaign's accounts share and few other accounts send.

    Parameters
    ----------
    rows
        Canonical exchange rows (dicts with the ``exchanges`` column names), members and others.
    campaign_of
        account_id -> campaign_id, from the detect results.
    """
    counters = {k: _Counter() for k in KINDS}
    for row in rows:
        acct = row["account_id"]
        cid = campaign_of.get(acct)
        tok = Tokens.of(row)
        for h in tok.template:
            counters["template"].add(h, acct, cid)
        counters["config"].add(tok.config, acct, cid)
        if tok.client_stack:
            counters["client_stack"].add(tok.client_stack, acct, cid)
        if tok.ip:
            counters["ip"].add(tok.ip, acct, cid)
    idx = SignatureIndex(source="store")
    for k in KINDS:
        setattr(idx, k, counters[k].kept(min_accounts, min_purity))
    return idx


def index_from_indicators(campaigns: list[dict[str, Any]]) -> SignatureIndex:
    """Signatures from ``campaigns.json`` alone: its prompt_template, ip and client_stack indicators."""
    idx = SignatureIndex(source="campaigns.json")
    for c in campaigns:
        cid = c.get("campaign_id")
        if not isinstance(cid, str):
            continue
        for ind in c.get("indicators") or []:
            kind, value = ind.get("kind"), ind.get("value")
            if not isinstance(value, str):
                continue
            if kind == "prompt_template":
                system, _, user = value.partition("\n§\n")
                for h in template_tokens(system, user):
                    idx.template.setdefault(h, (cid, 1.0))
            elif kind == "ip":
                idx.ip.setdefault(value, (cid, 1.0))
            elif kind == "client_stack":
                idx.client_stack.setdefault(value, (cid, 1.0))
    return idx


SAMPLE_SQL = """
SELECT account_id, system_prompt, last_user_text, max_tokens, temperature, top_p, n, logprobs,
       top_logprobs, response_format, stream, thinking_budget_tokens, reasoning_effort,
       client_user_agent, client_tls_fingerprint, client_ip
FROM (
  SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY hash(exchange_id)) AS rn
  FROM read_parquet(?, union_by_name = true) WHERE epoch_us(ts) < ?
) WHERE rn <= ?
"""


def store_rows(store: Path, per_account: int, until_us: int | None = None) -> Iterator[dict[str, Any]]:
    """A deterministic sample of at most `per_account` exchanges per account from a store
    (only those before `until_us`, UTC µs, when given: the view of a detect run with --until)."""
    import duckdb

    from distillguard.ingest.store import data_files

    files = [str(f) for f in data_files(store, "exchanges")]
    if not files:
        return
    con = duckdb.connect()
    try:
        limit = until_us if until_us is not None else 2**62
        table = con.sql(SAMPLE_SQL, params=[files, limit, per_account]).to_arrow_table()
    finally:
        con.close()
    for batch in table.to_batches(max_chunksize=65_536):
        yield from batch.to_pylist()
