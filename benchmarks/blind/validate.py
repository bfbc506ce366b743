#!/usr/bin/env python3
"""Check a generated world against the data contract (shared/contract/README.md).

    python benchmarks/blind/validate.py DIR

Checks every exchange record (required fields and types, RFC 3339 `ts`, a recognisable
request body in one of the three forms, `endpoint` consistent with the body), the
accounts / labels / events / truth files, and prints a summary.  Exit 0 when no record
breaks the contract table, 1 otherwise.  Uses only the standard library and pyarrow.
"""

import collections
import datetime as dt
import ipaddress
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq

TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
ENDPOINT_FORM = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/messages": "messages"}
CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
RESP_ITEM_TYPES = {"message", "function_call", "function_call_output", "reasoning", None}
MSG_BLOCK_TYPES = {"text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"}
SIGNUP = {"self_serve", "education", "research_program", "startup_program", "enterprise", "reseller"}


def parse_ts(s):
    if not isinstance(s, str) or not TS_RE.match(s):
        return None
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def strip(x):
    """Parquet structs are unions of all keys; a null means the key was absent."""
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


def body_problems_chat(b):
    p = []
    msgs = b.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return ["chat body without messages"]
    for m in msgs:
        if m.get("role") not in CHAT_ROLES:
            p.append("chat message role %r" % m.get("role"))
        c = m.get("content")
        if c is not None and not isinstance(c, (str, list)):
            p.append("chat content type")
        if isinstance(c, list) and not all(isinstance(x, dict) and x.get("type") in ("text", "image_url", "input_audio", "file") for x in c):
            p.append("chat content part type")
        if m.get("role") == "assistant" and c is None and not m.get("tool_calls"):
            p.append("assistant message without content or tool_calls")
    return p


def body_problems_resp(b):
    inp = b.get("input")
    if isinstance(inp, str):
        return []
    if not isinstance(inp, list) or not inp:
        return ["responses body without input"]
    p = []
    for it in inp:
        t = it.get("type")
        if t not in RESP_ITEM_TYPES:
            p.append("responses item type %r" % t)
        if t in ("message", None) and it.get("role") not in ("user", "assistant", "system", "developer"):
            p.append("responses message role")
        if t == "function_call_output" and "call_id" not in it:
            p.append("function_call_output without call_id")
    return p


def body_problems_msg(b):
    msgs = b.get("messages")
    p = []
    if not isinstance(msgs, list) or not msgs:
        return ["messages body without messages"]
    if not isinstance(b.get("max_tokens"), int):
        p.append("messages body without integer max_tokens")
    sysp = b.get("system")
    if sysp is not None and not isinstance(sysp, (str, list)):
        p.append("system type")
    for m in msgs:
        if m.get("role") not in ("user", "assistant"):
            p.append("messages role %r" % m.get("role"))
        c = m.get("content")
        if isinstance(c, list):
            for blk in c:
                if blk.get("type") not in MSG_BLOCK_TYPES:
                    p.append("block type %r" % blk.get("type"))
        elif not isinstance(c, str):
            p.append("messages content type")
    th = b.get("thinking")
    if th is not None and th.get("type") not in ("enabled", "adaptive", "disabled"):
        p.append("thinking type")
    return p


def infer_form(b):
    if "input" in b or "instructions" in b or "max_output_tokens" in b:
        return "responses"
    if "messages" not in b:
        return None
    if "system" in b or "thinking" in b or "stop_sequences" in b or "output_config" in b:
        return "messages"
    for m in b["messages"]:
        if m.get("role") in ("system", "developer", "tool"):
            return "chat"
        c = m.get("content")
        if isinstance(c, list) and any(x.get("type") in ("tool_use", "tool_result", "image", "thinking") for x in c):
            return "messages"
        if isinstance(c, list) and any(x.get("type") == "image_url" for x in c):
            return "chat"
        if m.get("tool_calls"):
            return "chat"
    if "max_completion_tokens" in b or "reasoning_effort" in b or "response_format" in b:
        return "chat"
    return "chat|messages"  # ambiguous but identical in meaning (plain string turns)


def check_record(r):
    p = []
    for f in ("request_id", "account_id", "model"):
        if not isinstance(r.get(f), str) or not r.get(f):
            p.append("missing %s" % f)
    if parse_ts(r.get("ts")) is None:
        p.append("bad ts %r" % r.get("ts"))
    b = r.get("request")
    if not isinstance(b, dict):
        return p + ["missing request"]
    ep = r.get("endpoint")
    if ep is not None and ep not in ENDPOINT_FORM:
        p.append("unknown endpoint %r" % ep)
    form = ENDPOINT_FORM.get(ep) if ep else infer_form(b)
    inferred = infer_form(b)
    if ep and inferred and ENDPOINT_FORM[ep] not in inferred.split("|"):
        p.append("endpoint %s but body looks like %s" % (ep, inferred))
    if form is None:
        p.append("body is none of the three forms")
    elif form == "chat" or form == "chat|messages":
        p += body_problems_chat(b)
    elif form == "responses":
        p += body_problems_resp(b)
    else:
        p += body_problems_msg(b)
    cl = r.get("client")
    if cl:
        if "ip" in cl:
            try:
                ipaddress.ip_address(cl["ip"])
            except ValueError:
                p.append("bad ip")
        if "asn" in cl and not isinstance(cl["asn"], int):
            p.append("asn not int")
        if "country" in cl and not re.match(r"^[A-Z]{2}$", cl["country"]):
            p.append("bad country")
    for k, v in (r.get("usage") or {}).items():
        if not isinstance(v, int):
            p.append("usage.%s not int" % k)
    if "status" in r and not isinstance(r["status"], int):
        p.append("status not int")
    if "latency_ms" in r and not isinstance(r["latency_ms"], (int, float)):
        p.append("latency not number")
    resp = r.get("response")
    if resp:
        for k in ("content", "reasoning", "finish_reason"):
            if k in resp and not isinstance(resp[k], str):
                p.append("response.%s not string" % k)
        if "tool_calls" in resp and not isinstance(resp["tool_calls"], list):
            p.append("response.tool_calls not list")
    return p


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = Path(argv[1])
    problems = collections.Counter()
    examples = {}
    n = 0
    forms = collections.Counter()
    statuses = collections.Counter()
    ids = collections.Counter()
    accts_seen = set()
    files = sorted((root / "exchanges").glob("part-*.parquet"))
    tmin = tmax = None
    endpoint_missing = 0
    with_reasoning = with_tools = client_missing = 0
    for f in files:
        t = pq.read_table(f)  # raises if unreadable
        for r in t.to_pylist():
            r = strip(r)
            n += 1
            ps = check_record(r)
            for x in ps:
                key = x.split(" %")[0][:60]
                problems[key] += 1
                examples.setdefault(key, (f.name, r.get("request_id")))
            ids[r.get("request_id")] += 1
            accts_seen.add(r.get("account_id"))
            ep = r.get("endpoint")
            forms[ENDPOINT_FORM.get(ep) if ep else "(no endpoint) " + str(infer_form(r.get("request") or {}))] += 1
            endpoint_missing += ep is None
            statuses[r.get("status")] += 1
            resp = r.get("response") or {}
            with_reasoning += "reasoning" in resp
            with_tools += "tool_calls" in resp
            client_missing += "client" not in r
            ts = parse_ts(r.get("ts"))
            if ts:
                tmin = ts if tmin is None or ts < tmin else tmin
                tmax = ts if tmax is None or ts > tmax else tmax
    # side files
    side = []
    accounts = [json.loads(l) for l in open(root / "accounts.jsonl")]
    acc_ids = {a["account_id"] for a in accounts}
    for a in accounts:
        for k in ("account_id", "created_at", "email_domain", "payment_fingerprint", "country", "signup_path", "verified"):
            if k not in a:
                side.append("account field %s missing" % k)
        if parse_ts(a["created_at"]) is None:
            side.append("account created_at not RFC 3339")
        if not isinstance(a["verified"], bool):
            side.append("verified not bool")
    labels = [json.loads(l) for l in open(root / "labels.jsonl")]
    if {l["account_id"] for l in labels} != acc_ids:
        side.append("labels do not cover exactly the accounts")
    if not accts_seen <= acc_ids:
        side.append("%d exchange accounts missing from accounts.jsonl" % len(accts_seen - acc_ids))
    events = [json.loads(l) for l in open(root / "events.jsonl")]
    rel = [e for e in events if e.get("type") == "model_release" and parse_ts(e.get("ts")) and tmin and tmin <= parse_ts(e["ts"]) <= tmax]
    if not rel:
        side.append("no model_release event inside the traffic window")
    truth = json.load(open(root / "truth.json"))
    dup = sum(c - 1 for c in ids.values() if c > 1)
    camp_accts = sum(1 for l in labels if l["campaign"])
    print("files: %d parquet, all readable" % len(files))
    print("exchanges: %d (duplicate deliveries: %d), accounts: %d (%d with traffic, %d in campaigns)" % (n, dup, len(accounts), len(accts_seen), camp_accts))
    print("window: %s .. %s; releases inside: %s" % (tmin, tmax, ", ".join(e["model"] for e in rel)))
    print("forms: " + ", ".join("%s=%d" % kv for kv in sorted(forms.items())))
    print("endpoint missing: %d; client missing: %d; with reasoning: %d; with tool_calls: %d" % (endpoint_missing, client_missing, with_reasoning, with_tools))
    print("status: " + ", ".join("%s=%d" % kv for kv in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
    print("campaigns: %d, campaign exchange share %.3f" % (len(truth["campaigns"]), truth["campaign_exchange_share"]))
    bad = sum(problems.values())
    for k, v in problems.most_common():
        print("PROBLEM %s: %d (e.g. %s %s)" % (k, v, *examples[k]))
    for s in side:
        print("PROBLEM " + s)
    print("contract: %s" % ("OK, every record follows the exchange table" if not bad and not side else "%d record problems, %d file problems" % (bad, len(side))))
    return 0 if not bad and not side else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
