"""What one provider observed per account, as (account, kind, value) with counts: the raw side of sharing.

Both directions read the same table: `export` keeps the values concentrated in a campaign and
keys them; `match` keys every value of its own store and looks them up in a partner's sets.
Kinds (the names a bundle and `--include-raw` use):

========================  ===============================================================
``ip``                    source address (``client_ip``)
``ip_prefix``             its /24 (IPv4) or /48 (IPv6) network, as CIDR
``asn``                   autonomous system number (public routing data: never keyed)
``user_agent``            HTTP User-Agent
``tls_fingerprint``       JA3/JA4 or similar
``configuration``         request configuration: max_tokens, temperature, top_p, n, thinking
                          budget, reasoning effort, response format, stream
``payment``               payment fingerprint (accounts table)
``email_domain``          sign-up e-mail domain (accounts table; the contract has no full address)
``account``               the account id itself
========================  ===============================================================
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from distillguard.engine import open_engine

KINDS = ("ip", "ip_prefix", "asn", "user_agent", "tls_fingerprint", "configuration", "payment", "email_domain",
         "account")
# Kinds that say something about a customer and never leave raw unless --include-raw names them.
PRIVATE_KINDS = ("ip", "ip_prefix", "user_agent", "tls_fingerprint", "configuration", "payment", "email_domain",
                 "account", "prompt")
# Kinds a STIX pattern can express over a standard cyber observable.
PATTERN_KINDS = ("ip", "ip_prefix", "asn", "user_agent", "email_domain", "account")

_CONFIG = ("concat(coalesce(CAST(max_tokens AS VARCHAR), '-'), '|', coalesce(CAST(temperature AS VARCHAR), '-'), '|', "
           "coalesce(CAST(top_p AS VARCHAR), '-'), '|', coalesce(CAST(n AS VARCHAR), '-'), '|', "
           "coalesce(CAST(thinking_budget_tokens AS VARCHAR), '-'), '|', coalesce(reasoning_effort, '-'), '|', "
           "coalesce(response_format, '-'), '|', coalesce(CAST(stream AS VARCHAR), '-'))")

TOKENS_SQL = f"""
WITH ex AS (SELECT * FROM exchanges {{where}}),
per_acct AS (SELECT account_id, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts FROM ex GROUP BY account_id)
SELECT account_id, 'ip' AS kind, client_ip AS value, count(*) AS exchanges, min(ts) AS first_ts, max(ts) AS last_ts
FROM ex WHERE client_ip IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT account_id, 'asn', CAST(client_asn AS VARCHAR), count(*), min(ts), max(ts)
FROM ex WHERE client_asn IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT account_id, 'user_agent', client_user_agent, count(*), min(ts), max(ts)
FROM ex WHERE client_user_agent IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT account_id, 'tls_fingerprint', client_tls_fingerprint, count(*), min(ts), max(ts)
FROM ex WHERE client_tls_fingerprint IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT account_id, 'configuration', {_CONFIG}, count(*), min(ts), max(ts) FROM ex GROUP BY 1, 2, 3
UNION ALL
SELECT p.account_id, 'payment', a.payment_fingerprint, p.n, p.first_ts, p.last_ts
FROM per_acct p JOIN accounts a ON a.account_id = p.account_id WHERE a.payment_fingerprint IS NOT NULL
UNION ALL
SELECT p.account_id, 'email_domain', lower(a.email_domain), p.n, p.first_ts, p.last_ts
FROM per_acct p JOIN accounts a ON a.account_id = p.account_id WHERE a.email_domain IS NOT NULL
UNION ALL
SELECT account_id, 'account', account_id, n, first_ts, last_ts FROM per_acct
"""


def ip_prefix(ip: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of an address, as CIDR; None for a malformed address."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def observed_tokens(store: Path, until_us: int | None = None) -> pa.Table:
    """(account_id, kind, value, exchanges, first_ts, last_ts) for every account in the store.

    ``ip_prefix`` rows are derived from the ``ip`` rows (summed per account and network).
    """
    engine = open_engine(store)
    try:
        where = f"WHERE epoch_us(ts) < {int(until_us)}" if until_us is not None else ""
        t = engine.sql(TOKENS_SQL.format(where=where))
        ips = t.filter(pc.equal(t["kind"], "ip"))
        if ips.num_rows:
            distinct = pc.unique(ips["value"]).to_pylist()
            prefix_of = {ip: ip_prefix(ip) for ip in distinct}
            engine.register("ip_rows", ips.append_column("prefix", pa.array([prefix_of[v] for v in
                                                                             ips["value"].to_pylist()], pa.string())))
            pref = engine.sql("SELECT account_id, 'ip_prefix' AS kind, prefix AS value, sum(exchanges) AS exchanges, "
                              "min(first_ts) AS first_ts, max(last_ts) AS last_ts FROM ip_rows "
                              "WHERE prefix IS NOT NULL GROUP BY 1, 2, 3")
            t = pa.concat_tables([t, pref.cast(t.schema)])
        return t
    finally:
        engine.close()


# Per account, what its traffic looks like as a set of discrete features (no text, no model
# names: those differ between providers): tools offered, content-part kinds, request
# configuration, response format, turns per call (capped), log-probabilities, system prompt.
BEHAVIOUR_SQL = f"""
WITH ex AS (SELECT * FROM exchanges {{where}})
SELECT DISTINCT account_id, concat('tool:', t) AS token FROM (SELECT account_id, unnest(tool_names) AS t FROM ex)
UNION
SELECT DISTINCT account_id, concat('part:', k) FROM (SELECT account_id, unnest(content_kinds) AS k FROM ex)
UNION
SELECT DISTINCT account_id, concat('cfg:', {_CONFIG}) FROM ex
UNION
SELECT DISTINCT account_id, concat('fmt:', coalesce(response_format, '-')) FROM ex
UNION
SELECT DISTINCT account_id, concat('turns:', CAST(least(coalesce(n_user_turns, 0), 5) AS VARCHAR)) FROM ex
UNION
SELECT DISTINCT account_id, concat('logprobs:', CAST(coalesce(logprobs, false) AS VARCHAR)) FROM ex
UNION
SELECT DISTINCT account_id, concat('system:', CAST(system_prompt IS NOT NULL AS VARCHAR)) FROM ex
"""


def behaviour_tokens(store: Path, until_us: int | None = None) -> dict[str, set[str]]:
    """Account -> its set of behaviour features (`BEHAVIOUR_SQL`)."""
    engine = open_engine(store)
    try:
        where = f"WHERE epoch_us(ts) < {int(until_us)}" if until_us is not None else ""
        t = engine.sql(BEHAVIOUR_SQL.format(where=where)).to_pydict()
    finally:
        engine.close()
    out: dict[str, set[str]] = {}
    for a, tok in zip(t["account_id"], t["token"], strict=True):
        if tok is not None:
            out.setdefault(a, set()).add(tok)
    return out
