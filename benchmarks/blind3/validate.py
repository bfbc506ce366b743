#!/usr/bin/env python3
"""Check a blind3 world against the data contract (shared/contract/README.md, sections 1-3 and 5) and print a summary.

    python benchmarks/blind3/validate.py WORLD_DIR [--max-errors 20]

Exit 0 when every record follows the contract, 1 otherwise (each problem is listed, up to --max-errors).
It never looks at how a detector would score the world: it only checks shapes and types, and counts things.
"""
import argparse
import glob
import gzip
import ipaddress
import json
import os
import re
import sys
from collections import Counter
from datetime import datetime

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
ENDPOINTS = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/messages": "messages"}
SIGNUPS_KNOWN = {"self_serve", "education", "research_program", "startup_program", "enterprise", "reseller"}
CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
ANTH_BLOCKS = {"text", "image", "document", "tool_use", "tool_result", "thinking", "redacted_thinking"}
RESP_PARTS = {"input_text", "input_image", "input_file", "output_text", "refusal"}


def ts_ok(s):
    if not isinstance(s, str) or not RFC3339.match(s):
        return False
    try:
        datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
        return True
    except ValueError:
        return False


def is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def infer_form(req):
    if "input" in req:
        return "responses"
    if "messages" in req:
        if "max_tokens" in req and ("system" in req or "thinking" in req or _has_anthropic_blocks(req["messages"])):
            return "messages"
        return "chat_or_messages"
    return None


def _has_anthropic_blocks(msgs):
    for m in msgs if isinstance(msgs, list) else []:
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, list) and any(isinstance(b, dict) and b.get("type") in ("tool_use", "tool_result", "image") for b in c):
            return True
    return False


def check_chat(req, err):
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return err("chat: messages must be a non-empty list")
    for m in msgs:
        if not isinstance(m, dict) or m.get("role") not in CHAT_ROLES:
            return err("chat: bad message %r" % (str(m)[:80],))
        c = m.get("content")
        if not (c is None or isinstance(c, str) or isinstance(c, list)):
            return err("chat: content type %s" % type(c).__name__)
        if m["role"] == "tool" and not isinstance(m.get("tool_call_id"), str):
            return err("chat: tool message without tool_call_id")
        for tc in m.get("tool_calls") or []:
            if not isinstance(tc.get("function", {}).get("arguments"), str):
                return err("chat: tool_call arguments must be a JSON string")
    for k in ("max_tokens", "max_completion_tokens", "n", "top_logprobs"):
        if k in req and not is_int(req[k]):
            return err("chat: %s must be an integer" % k)
    for k in ("temperature", "top_p"):
        if k in req and not is_num(req[k]):
            return err("chat: %s must be a number" % k)


def check_messages(req, err):
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return err("messages: messages must be a non-empty list")
    if not is_int(req.get("max_tokens")):
        return err("messages: max_tokens is required and must be an integer")
    sysv = req.get("system")
    if sysv is not None and not (isinstance(sysv, str) or (isinstance(sysv, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in sysv))):
        return err("messages: system must be a string or text blocks")
    for m in msgs:
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            return err("messages: role must be user/assistant, got %r" % (m.get("role") if isinstance(m, dict) else m,))
        c = m.get("content")
        if isinstance(c, list):
            for b in c:
                if not isinstance(b, dict) or b.get("type") not in ANTH_BLOCKS:
                    return err("messages: unknown content block %r" % (str(b)[:60],))
        elif not isinstance(c, str):
            return err("messages: content must be a string or blocks")
    th = req.get("thinking")
    if th is not None:
        if not (isinstance(th, dict) and (th.get("type") == "adaptive" or (th.get("type") == "enabled" and is_int(th.get("budget_tokens"))))):
            return err("messages: bad thinking %r" % (th,))


def check_responses(req, err):
    inp = req.get("input")
    if isinstance(inp, str):
        return
    if not isinstance(inp, list) or not inp:
        return err("responses: input must be a string or a non-empty list")
    for it in inp:
        if not isinstance(it, dict):
            return err("responses: input item must be an object")
        t = it.get("type")
        if t in ("function_call", "function_call_output", "reasoning"):
            if t != "reasoning" and not isinstance(it.get("call_id"), str):
                return err("responses: %s without call_id" % t)
            continue
        if it.get("role") not in ("user", "assistant", "system", "developer"):
            return err("responses: bad item %r" % (str(it)[:80],))
        c = it.get("content")
        if isinstance(c, list):
            for p in c:
                if not isinstance(p, dict) or p.get("type") not in RESP_PARTS:
                    return err("responses: bad content part %r" % (str(p)[:60],))
        elif not isinstance(c, str):
            return err("responses: content must be a string or parts")
    r = req.get("reasoning")
    if r is not None and not isinstance(r, dict):
        return err("responses: reasoning must be an object")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("world")
    ap.add_argument("--max-errors", type=int, default=20)
    a = ap.parse_args(argv)
    W = a.world
    problems = []

    def problem(msg):
        if len(problems) < a.max_errors:
            problems.append(msg)
        else:
            problems.append(None)

    # ---- accounts ----
    accounts = {}
    acc_path = os.path.join(W, "accounts.jsonl")
    if not os.path.exists(acc_path):
        problem("accounts.jsonl missing")
    else:
        for i, line in enumerate(open(acc_path, encoding="utf-8")):
            r = json.loads(line)
            where = "accounts.jsonl:%d" % (i + 1)
            if not isinstance(r.get("account_id"), str):
                problem(where + " account_id missing")
                continue
            if r["account_id"] in accounts:
                problem(where + " duplicate account_id")
            accounts[r["account_id"]] = r
            if "created_at" in r and not ts_ok(r["created_at"]):
                problem(where + " created_at not RFC 3339")
            for k in ("email_domain", "payment_fingerprint", "signup_path"):
                if k in r and not isinstance(r[k], str):
                    problem(where + " %s must be a string" % k)
            if "country" in r and not (isinstance(r["country"], str) and re.match(r"^[A-Z]{2}$", r["country"])):
                problem(where + " country must be ISO alpha-2")
            if "verified" in r and not isinstance(r["verified"], bool):
                problem(where + " verified must be boolean")
    # ---- events ----
    events = []
    ev_path = os.path.join(W, "events.jsonl")
    if os.path.exists(ev_path):
        for i, line in enumerate(open(ev_path, encoding="utf-8")):
            e = json.loads(line)
            events.append(e)
            if not isinstance(e.get("type"), str) or not ts_ok(e.get("ts")):
                problem("events.jsonl:%d needs type and an RFC 3339 ts" % (i + 1))
            if e.get("type") == "model_release" and not isinstance(e.get("model"), str):
                problem("events.jsonl:%d model_release without model" % (i + 1))
    # ---- labels ----
    labels = {}
    lab_path = os.path.join(W, "labels.jsonl")
    if os.path.exists(lab_path):
        for i, line in enumerate(open(lab_path, encoding="utf-8")):
            r = json.loads(line)
            if set(r) != {"account_id", "campaign", "persona"} or not isinstance(r["persona"], str) or not (r["campaign"] is None or isinstance(r["campaign"], str)):
                problem("labels.jsonl:%d bad shape" % (i + 1))
            labels[r["account_id"]] = r
        if set(labels) != set(accounts):
            problem("labels.jsonl and accounts.jsonl do not list the same accounts (%d vs %d)" % (len(labels), len(accounts)))
    else:
        problem("labels.jsonl missing")
    # ---- exchanges ----
    files = sorted(glob.glob(os.path.join(W, "exchanges", "*.jsonl.gz")) + glob.glob(os.path.join(W, "exchanges", "*.jsonl")))
    if not files:
        problem("no exchange files under exchanges/")
    n = 0
    ids = {}
    dups = 0
    dup_mismatch = 0
    st, ep, forms, models, tsfmt, ipfam, persona_n, camp_n = Counter(), Counter(), Counter(), Counter(), Counter(), Counter(), Counter(), Counter()
    missing_opt = Counter()
    acc_seen = set()
    with_resp = with_reason = with_tools = 0
    for f in files:
        op = gzip.open if f.endswith(".gz") else open
        with op(f, "rt", encoding="utf-8") as fh:
            for ln, line in enumerate(fh):
                n += 1
                where = "%s:%d" % (os.path.basename(f), ln + 1)

                def err(msg, where=where):
                    problem(where + " " + msg)
                try:
                    r = json.loads(line)
                except ValueError:
                    err("not JSON")
                    continue
                rid = r.get("request_id")
                if not isinstance(rid, str) or not rid:
                    err("request_id missing")
                    continue
                if rid in ids:
                    dups += 1
                    if ids[rid] != hash(line):
                        dup_mismatch += 1
                    continue
                ids[rid] = hash(line)
                if not ts_ok(r.get("ts")):
                    err("ts not RFC 3339: %r" % (r.get("ts"),))
                else:
                    t = r["ts"]
                    tsfmt["Z" if t.endswith("Z") else t[-6:]] += 1
                    tsfmt["frac%d" % (len(t.split(".")[1].rstrip("Z").split("+")[0].split("-")[0]) if "." in t else 0)] += 1
                if not isinstance(r.get("account_id"), str):
                    err("account_id missing")
                    continue
                acc_seen.add(r["account_id"])
                if not isinstance(r.get("model"), str):
                    err("model missing")
                req = r.get("request")
                if not isinstance(req, dict):
                    err("request missing")
                    continue
                for k in ("api_key_id", "org_id"):
                    if k in r and not isinstance(r[k], str):
                        err("%s must be a string" % k)
                c = r.get("client")
                if c is not None:
                    if not isinstance(c, dict):
                        err("client must be an object")
                    else:
                        if "ip" in c:
                            try:
                                ipfam["v%d" % ipaddress.ip_address(c["ip"]).version] += 1
                            except ValueError:
                                err("client.ip invalid: %r" % c["ip"])
                        if "asn" in c and not is_int(c["asn"]):
                            err("client.asn must be an integer")
                        if "country" in c and not (isinstance(c["country"], str) and re.match(r"^[A-Z]{2}$", c["country"])):
                            err("client.country must be ISO alpha-2")
                        for k in ("user_agent", "tls_fingerprint"):
                            if k in c and not isinstance(c[k], str):
                                err("client.%s must be a string" % k)
                        for k in ("asn", "tls_fingerprint", "user_agent", "ip"):
                            if k not in c:
                                missing_opt["client." + k] += 1
                else:
                    missing_opt["client"] += 1
                e = r.get("endpoint")
                if e is not None and e not in ENDPOINTS:
                    err("endpoint %r not one of the three" % (e,))
                form = ENDPOINTS.get(e) if e else infer_form(req)
                if e is None:
                    missing_opt["endpoint"] += 1
                if form is None:
                    err("body is neither form")
                    continue
                forms[form] += 1
                if form == "chat":
                    check_chat(req, err)
                elif form == "messages":
                    check_messages(req, err)
                elif form == "responses":
                    check_responses(req, err)
                else:
                    if "max_tokens" in req and "system" in req:
                        check_messages(req, err)
                    else:
                        check_chat(req, err)
                resp = r.get("response")
                if resp is not None:
                    with_resp += 1
                    if not isinstance(resp, dict):
                        err("response must be an object")
                    else:
                        for k in ("content", "reasoning", "finish_reason"):
                            if k in resp and not isinstance(resp[k], str):
                                err("response.%s must be a string" % k)
                        if "tool_calls" in resp and not isinstance(resp["tool_calls"], list):
                            err("response.tool_calls must be a list")
                        with_reason += "reasoning" in resp
                        with_tools += bool(resp.get("tool_calls"))
                u = r.get("usage")
                if u is not None:
                    for k in ("input_tokens", "output_tokens", "reasoning_tokens"):
                        if k in u and not is_int(u[k]):
                            err("usage.%s must be an integer" % k)
                if "latency_ms" in r and not is_num(r["latency_ms"]):
                    err("latency_ms must be a number")
                if "status" in r and not is_int(r["status"]):
                    err("status must be an integer")
                st[r.get("status")] += 1
                ep[e or "(absent)"] += 1
                models[r.get("model")] += 1
                if labels:
                    lab = labels.get(r["account_id"])
                    if lab is None:
                        err("account %s has no label" % r["account_id"])
                    else:
                        persona_n[lab["persona"]] += 1
                        if lab["campaign"]:
                            camp_n[lab["campaign"]] += 1
    unknown_acc = acc_seen - set(accounts)
    if unknown_acc:
        problem("%d accounts in exchanges are missing from accounts.jsonl" % len(unknown_acc))
    if dup_mismatch:
        problem("%d repeated request_ids carry different content" % dup_mismatch)
    # ---- truth ----
    tpath = os.path.join(W, "truth.json")
    truth = json.load(open(tpath)) if os.path.exists(tpath) else None
    if truth is None:
        problem("truth.json missing")
    else:
        for c in truth.get("campaigns", []):
            bad = [x for x in c.get("account_ids", []) if labels.get(x, {}).get("campaign") != c["name"]]
            if bad:
                problem("truth campaign %s lists %d accounts whose label differs" % (c["name"], len(bad)))
    # ---- summary ----
    uniq = len(ids)
    camp_acc = sum(1 for x in labels.values() if x["campaign"])
    print("world: %s" % W)
    print("files: %d exchange files, %d lines, %d unique request_ids, %d duplicate deliveries" % (len(files), n, uniq, dups))
    print("accounts: %d (with traffic %d), campaign accounts %d (%.1f%%), events %d" % (
        len(accounts), len(acc_seen), camp_acc, 100.0 * camp_acc / max(1, len(accounts)), len(events)))
    print("forms: %s" % dict(forms.most_common()))
    print("endpoints: %s" % dict(ep.most_common()))
    print("status: %s" % dict(st.most_common()))
    print("models: %s" % dict(models.most_common()))
    print("ts formats: %s" % dict(tsfmt.most_common()))
    print("ip families: %s; optional fields absent: %s" % (dict(ipfam), dict(missing_opt)))
    print("responses: %d (with reasoning text %d, with tool_calls %d)" % (with_resp, with_reason, with_tools))
    print("exchanges by persona: %s" % dict(persona_n.most_common()))
    print("exchanges by campaign: %s (%.1f%% of all)" % (dict(camp_n.most_common()), 100.0 * sum(camp_n.values()) / max(1, uniq)))
    real = [p for p in problems if p]
    if real:
        print("PROBLEMS (%d%s):" % (len(problems), "+" if None in problems else ""))
        for p in real:
            print("  - " + p)
        return 1
    print("world follows the contract")
    return 0


if __name__ == "__main__":
    sys.exit(main())
