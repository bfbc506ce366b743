"""Assemble exchange records (contract section 1) and truth rows from rendered plan chunks.

Which optional metadata fields are present, their order, and the timestamp style come from
the account's log-pipeline profile, drawn for every account from one distribution (so they
carry no label).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import orjson

from distillguard.simulate import plans as P
from distillguard.simulate.ids import hash_int
from distillguard.simulate.render import MAX_OUT, Renderer
from distillguard.simulate.tools import TOOLSETS

_ORDERS = (
    ("request_id", "ts", "account_id", "api_key_id", "org_id", "client", "model", "request", "response",
     "usage", "latency_ms", "status"),
    ("ts", "request_id", "model", "account_id", "org_id", "api_key_id", "status", "latency_ms", "usage",
     "client", "request", "response"),
    ("request_id", "account_id", "api_key_id", "ts", "model", "status", "client", "request", "response",
     "usage", "latency_ms", "org_id"),
)
_CLIENT_ORDERS = (("ip", "asn", "country", "user_agent", "tls_fingerprint"),
                  ("user_agent", "ip", "country", "asn", "tls_fingerprint"))
ALL = {"api_key_id", "org_id", "asn", "country", "tls", "latency", "status", "usage", "reasoning_tokens"}
# (top-level order, client order, optional fields present, ts style)
PROFILES = (
    (0, 0, ALL, 0),
    (1, 1, {"api_key_id", "asn", "country", "latency", "status", "usage"}, 1),
    (0, 1, {"org_id", "asn", "country", "tls", "status", "usage", "reasoning_tokens"}, 0),
    (2, 0, {"api_key_id", "org_id", "country", "latency", "status", "usage", "reasoning_tokens"}, 0),
    (1, 0, {"api_key_id", "org_id", "asn", "tls", "latency", "usage"}, 1),
    (2, 1, ALL, 1),
)
OUT_BASE = {P.CHAT: 350, P.DEV: 250, P.EVAL: 60, P.JUDGE: 120, P.BATCH: 40, P.AGENT: 180, P.RESEARCH: 900,
            P.JAIL: 200, P.C_REASON: 1400, P.C_AGENT: 220, P.MUNDANE: 300, P.C_STEALTH: 700, P.C_PLAY: 600}
_ND = NormalDist()


class Assembler:
    def __init__(self, renderer: Renderer, acc, ids: dict, proxies: list[tuple], azure: np.ndarray | None,
                 models: tuple[str, str, str], campaign_names: tuple[str, ...]) -> None:
        self.r, self.ids, self.proxies, self.azure = renderer, ids, proxies, azure
        self.models, self.camp_names = models, campaign_names
        # plain Python lists: indexing numpy arrays per row is slow
        self.acc = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in acc.cols.items()}

    def _tokens(self, kind: int, key: int, max_tokens: int, reasoning: bool, call: bool) -> tuple[int, int]:
        u = min(max(_frac(key, 11), 1e-6), 1 - 1e-6)
        if self.azure is not None and kind in (P.CHAT, P.DEV, P.MUNDANE, P.JAIL):
            out = int(self.azure[hash_int(key, 12) % self.azure.size])
        else:
            out = int(OUT_BASE[kind] * math.exp(0.7 * _ND.inv_cdf(u)))
        if call:
            out = 40 + out % 260
        out = max(1, min(out, max_tokens))
        r = int(out * (1.5 + 3 * _frac(key, 13))) if reasoning else 0
        return out, r

    def row(self, i: int, p: dict, rid: str, ts: str, with_nulls: bool):
        """Return (record dict in profile key order, or column-ready dict with nulls; truth tuple).

        `p` is a plan chunk whose columns are Python lists.
        """
        acct = p["acct"][i]
        acc = self.acc
        kind, sess, turn = p["kind"][i], p["sess"][i], p["turn"][i]
        a, b, c = p["a"][i], p["b"][i], p["c"][i]
        form = acc["form"][acct]
        camp = acc["campaign_i"][acct]
        system, msgs, tools, params, reply, truth = self.r.content(
            kind, sess, turn, p["nturns"][i], a, b, c, acc["fix"][acct], camp)
        model_i = p["model"][i]
        if params.get("max_tokens", 0) >= 16000 or kind in (P.C_REASON, P.C_PLAY):
            params["max_tokens"] = min(params["max_tokens"], MAX_OUT[model_i])
        cache = self.r.session_cache(sess) if p["nturns"][i] > 1 else None
        req = self.r.body(form, acc["strc"][acct], acc["mct"][acct], system, msgs, tools, params, cache)
        status = p["status"][i]
        text, calls, reasoning = reply
        key = hash_int(sess, turn, b)
        n_in = _chars(system, msgs) // 4 + (len(TOOLSETS[tools]) * 90 if tools else 0)
        out, r_tok = self._tokens(kind, key, params["max_tokens"], reasoning, bool(calls))
        prof = PROFILES[acc["profile"][acct]]
        has = prof[2]
        if status == 200:
            fin = ("tool_use" if calls else "max_tokens" if out >= params["max_tokens"] else "end_turn") if form \
                else ("tool_calls" if calls else "length" if out >= params["max_tokens"] else "stop")
            resp = {"content": text or ""}
            if reasoning:
                resp["reasoning"] = self.r.t.reasoning_text(key)
            if calls:
                resp["tool_calls"] = [{"id": cid, "type": "function",
                                       "function": {"name": n, "arguments": orjson.dumps(args).decode()}}
                                      for cid, n, args in calls]
            resp["finish_reason"] = fin
            latency = round(250 + 600 * _frac(key, 21) + (out + r_tok) * (9 + 14 * _frac(key, 22)), 1)
        else:
            resp, out, r_tok = None, 0, 0
            latency = round(5 + 40 * _frac(key, 23), 1)
        usage = {"input_tokens": n_in, "output_tokens": out + r_tok}
        if "reasoning_tokens" in has:
            usage["reasoning_tokens"] = r_tok
        ipsel = p["ipsel"][i]
        if ipsel >= 0:
            ip, asn, cc = self.proxies[ipsel]
        else:
            ip, asn, cc = acc["ip"][acct], acc["asn"][acct], acc["cc"][acct]
        keys = self.ids["keys"][acct]
        vals = {
            "request_id": rid, "ts": ts, "account_id": self.ids["account"][acct],
            "api_key_id": keys[hash_int(sess, 5) % len(keys)] if "api_key_id" in has else None,
            "org_id": self.ids["org"][acct] if "org_id" in has else None,
            "model": self.models[model_i], "request": req, "response": resp,
            "usage": usage if "usage" in has else None,
            "latency_ms": latency if "latency" in has else None,
            "status": status if "status" in has else None,
        }
        client = {"ip": ip, "asn": asn if "asn" in has else None, "country": cc if "country" in has else None,
                  "user_agent": acc["ua"][acct], "tls_fingerprint": acc["tls"][acct] if "tls" in has else None}
        camp_name = self.camp_names[camp] if camp >= 0 else None
        truth_row = (rid, vals["account_id"], camp_name, acc["persona"][acct], truth[0], truth[1],
                     bool(p["flags"][i] & P.MUNDANE_FLAG))
        if with_nulls:
            vals["client"] = client
            return vals, truth_row
        rec = {}
        for k in _ORDERS[prof[0]]:
            if k == "client":
                rec["client"] = {ck: client[ck] for ck in _CLIENT_ORDERS[prof[1]] if client[ck] is not None}
            elif vals[k] is not None:
                rec[k] = vals[k]
        return rec, truth_row


def _chars(system: str | None, msgs: list[dict]) -> int:
    n = len(system) if system else 0
    for m in msgs:
        k = m.get("_n")
        if k is None:   # memoised on the message: conversations share their earlier messages
            k = len(m.get("text") or "") + sum(len(t) for _c, t in m.get("results", ())) \
                + 60 * len(m.get("calls", ())) + 1500 * len(m.get("images", ()))
            m["_n"] = k
        n += k
    return n


def _frac(*k: int) -> float:
    return (hash_int(*k) % 1_000_000) / 1_000_000
