#!/usr/bin/env python3
"""Check a blind4 world against the data contract (shared/contract/README.md) and print a summary.

Usage: python validate.py DIR      exits 0 when the world conforms, 1 on any violation, 2 on usage error.
"""
import gzip
import ipaddress
import json
import os
import re
import sys
import zlib
from collections import Counter
from datetime import datetime

ENDPOINT_FORM = {"/v1/chat/completions": "chat", "/v1/responses": "responses", "/v1/messages": "messages"}
SIGNUP = {"self_serve", "education", "research_program", "startup_program", "enterprise", "reseller"}
CC = re.compile(r"^[A-Z]{2}$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
MAX_REPORT = 25


def parse_ts(s):
    if not isinstance(s, str) or not RFC3339.match(s):
        return None
    try:
        return datetime.fromisoformat(s.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None


CHAT_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}


def fits(req, form):
    """Does a request body have the top-level shape of the given form?"""
    if not isinstance(req, dict):
        return False
    if form == "responses":
        return isinstance(req.get("input"), (str, list))
    msgs = req.get("messages")
    if not isinstance(msgs, list) or not msgs or not all(isinstance(m, dict) for m in msgs):
        return False
    roles = {m.get("role") for m in msgs}
    if form == "chat":
        return roles <= CHAT_ROLES
    return roles <= {"user", "assistant"} and ("system" not in req or isinstance(req["system"], (str, list)))


def body_form(req):
    """Which of the three request forms a body is (no endpoint given), or None."""
    if fits(req, "responses"):
        return "responses"
    if fits(req, "messages") and ("system" in req or "thinking" in req or
                                  any(isinstance(m.get("content"), list) for m in req["messages"])):
        return "messages"
    if fits(req, "chat"):
        return "chat"
    return None


def check_form(req, form):
    """Deeper shape checks for a body of a given form. Returns list of problems."""
    p = []
    if form == "chat":
        for m in req.get("messages", []):
            if not isinstance(m, dict) or "role" not in m:
                p.append("chat message without role")
                break
            if m["role"] == "tool" and "tool_call_id" not in m:
                p.append("tool message without tool_call_id")
            c = m.get("content")
            if c is not None and not isinstance(c, (str, list)):
                p.append("chat content neither string nor list")
    elif form == "responses":
        if isinstance(req["input"], list):
            for it in req["input"]:
                if not isinstance(it, dict):
                    p.append("responses input item not an object")
                    break
                t = it.get("type")
                if t in ("function_call", "function_call_output") and "call_id" not in it:
                    p.append(f"{t} without call_id")
                if t is None and "role" not in it:
                    p.append("responses input item without type or role")
        if "reasoning" in req and not isinstance(req["reasoning"], dict):
            p.append("responses reasoning not an object")
    elif form == "messages":
        for m in req.get("messages", []):
            c = m.get("content")
            if isinstance(c, list):
                for b in c:
                    if not isinstance(b, dict) or "type" not in b:
                        p.append("content block without type")
                        break
                    if b["type"] == "tool_result" and "tool_use_id" not in b:
                        p.append("tool_result without tool_use_id")
            elif not isinstance(c, str):
                p.append("messages content neither string nor list")
        th = req.get("thinking")
        if th is not None and not (isinstance(th, dict) and (th.get("type") == "adaptive" or (th.get("type") == "enabled" and isinstance(th.get("budget_tokens"), int)))):
            p.append("bad thinking object")
    return p


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_record(rec):
    p = []
    if not isinstance(rec, dict):
        return ["record is not an object"]
    for k, t in (("request_id", str), ("ts", str), ("account_id", str), ("model", str)):
        if k not in rec:
            p.append(f"missing required field {k}")
        elif not isinstance(rec[k], t) or not rec[k]:
            p.append(f"{k} has wrong type or is empty")
    if isinstance(rec.get("ts"), str) and parse_ts(rec["ts"]) is None:
        p.append("ts is not RFC 3339")
    if "request" not in rec:
        p.append("missing required field request")
    else:
        ep = rec.get("endpoint")
        if ep is not None:
            if ep not in ENDPOINT_FORM:
                p.append(f"unknown endpoint {ep}")
            elif not fits(rec["request"], ENDPOINT_FORM[ep]):
                p.append(f"endpoint {ep} but the body does not have that form")
            else:
                p.extend(check_form(rec["request"], ENDPOINT_FORM[ep]))
        else:
            form = body_form(rec["request"])
            if form is None:
                p.append("request body is neither chat, responses nor messages form")
            else:
                p.extend(check_form(rec["request"], form))
    for k in ("api_key_id", "org_id"):
        if k in rec and not isinstance(rec[k], str):
            p.append(f"{k} not a string")
    c = rec.get("client")
    if c is not None:
        if not isinstance(c, dict):
            p.append("client not an object")
        else:
            if "ip" in c:
                try:
                    ipaddress.ip_address(c["ip"])
                except (ValueError, TypeError):
                    p.append(f"client.ip invalid: {c['ip']!r}")
            if "asn" in c and not is_int(c["asn"]):
                p.append("client.asn not an integer")
            if "country" in c and not (isinstance(c["country"], str) and CC.match(c["country"])):
                p.append("client.country not ISO alpha-2")
            for k in ("user_agent", "tls_fingerprint"):
                if k in c and not isinstance(c[k], str):
                    p.append(f"client.{k} not a string")
    r = rec.get("response")
    if r is not None:
        if not isinstance(r, dict):
            p.append("response not an object")
        else:
            for k in ("content", "reasoning", "finish_reason"):
                if k in r and r[k] is not None and not isinstance(r[k], str):
                    p.append(f"response.{k} not a string")
            if "tool_calls" in r and not isinstance(r["tool_calls"], list):
                p.append("response.tool_calls not a list")
    u = rec.get("usage")
    if u is not None:
        if not isinstance(u, dict):
            p.append("usage not an object")
        else:
            for k in ("input_tokens", "output_tokens", "reasoning_tokens"):
                if k in u and not (is_int(u[k]) and u[k] >= 0):
                    p.append(f"usage.{k} not a non-negative integer")
    if "latency_ms" in rec and not (isinstance(rec["latency_ms"], (int, float)) and not isinstance(rec["latency_ms"], bool)):
        p.append("latency_ms not a number")
    if "status" in rec and not is_int(rec["status"]):
        p.append("status not an integer")
    return p


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield n, line


def json_lines(path, name, bad):
    """(line number, object) per JSON line of `path`; a line that is not JSON is reported as `name:line` and skipped."""
    for ln, line in read_jsonl(path):
        try:
            yield ln, json.loads(line)
        except ValueError:
            bad(f"{name}:{ln}: not JSON")


def main(argv):
    if len(argv) != 1:
        print("usage: validate.py DIR", file=sys.stderr)
        return 2
    d = argv[0]
    problems = []

    def bad(msg):
        problems.append(msg)

    ex_dir = os.path.join(d, "exchanges")
    if not os.path.isdir(ex_dir):
        print(f"validate.py: {ex_dir} is not a folder", file=sys.stderr)
        return 2
    files = sorted(f for f in os.listdir(ex_dir) if f.endswith((".jsonl", ".jsonl.gz")))
    if not files:
        bad("no exchange files")
    ids = {}
    dup_same = dup_diff = 0
    n = 0
    acct_ex = Counter()
    models = Counter()
    forms = Counter()
    statuses = Counter()
    tmin = tmax = None
    for fn in files:
        for ln, line in read_jsonl(os.path.join(ex_dir, fn)):   # the raw line too: duplicates are checked on it
            try:
                rec = json.loads(line)
            except ValueError:
                bad(f"{fn}:{ln}: not JSON")
                continue
            errs = check_record(rec)
            for e in errs:
                bad(f"{fn}:{ln}: {e}")
            if errs:
                continue
            h = zlib.crc32(line.encode("utf-8"))
            rid = rec["request_id"]
            if rid in ids:
                if ids[rid] == h:
                    dup_same += 1
                else:
                    dup_diff += 1
                    bad(f"{fn}:{ln}: request_id {rid} repeated with different content")
                continue
            ids[rid] = h
            n += 1
            acct_ex[rec["account_id"]] += 1
            models[rec["model"]] += 1
            forms[rec.get("endpoint") or "(no endpoint)"] += 1
            statuses[rec.get("status")] += 1
            t = parse_ts(rec["ts"])
            tmin = t if tmin is None or t < tmin else tmin
            tmax = t if tmax is None or t > tmax else tmax
    # accounts
    accounts = {}
    p_acc = os.path.join(d, "accounts.jsonl")
    if os.path.isfile(p_acc):
        for ln, a in json_lines(p_acc, "accounts.jsonl", bad):
            aid = a.get("account_id")
            if not isinstance(aid, str) or not aid:
                bad(f"accounts.jsonl:{ln}: account_id missing")
                continue
            if aid in accounts:
                bad(f"accounts.jsonl:{ln}: duplicate account {aid}")
            accounts[aid] = a
            if "created_at" in a and parse_ts(a["created_at"]) is None:
                bad(f"accounts.jsonl:{ln}: created_at not RFC 3339")
            for k in ("email_domain", "payment_fingerprint", "signup_path"):
                if k in a and not isinstance(a[k], str):
                    bad(f"accounts.jsonl:{ln}: {k} not a string")
            if "country" in a and not (isinstance(a["country"], str) and CC.match(a["country"])):
                bad(f"accounts.jsonl:{ln}: country not ISO alpha-2")
            if "verified" in a and not isinstance(a["verified"], bool):
                bad(f"accounts.jsonl:{ln}: verified not boolean")
    else:
        bad("accounts.jsonl missing")
    # labels
    labels = {}
    p_lab = os.path.join(d, "labels.jsonl")
    if os.path.isfile(p_lab):
        for ln, lab in json_lines(p_lab, "labels.jsonl", bad):
            if set(lab) != {"account_id", "campaign", "persona"}:
                bad(f"labels.jsonl:{ln}: keys {sorted(lab)} != account_id, campaign, persona")
                continue
            if not isinstance(lab["account_id"], str) or not (lab["campaign"] is None or isinstance(lab["campaign"], str)) or not isinstance(lab["persona"], str):
                bad(f"labels.jsonl:{ln}: wrong types")
                continue
            if lab["account_id"] in labels:
                bad(f"labels.jsonl:{ln}: duplicate label for {lab['account_id']}")
            labels[lab["account_id"]] = lab
    else:
        bad("labels.jsonl missing")
    missing = [a for a in acct_ex if a not in labels]
    if missing:
        bad(f"{len(missing)} accounts with traffic have no label (e.g. {missing[0]})")
    no_acc = [a for a in acct_ex if accounts and a not in accounts]
    if no_acc:
        bad(f"{len(no_acc)} accounts with traffic missing from accounts.jsonl (e.g. {no_acc[0]})")
    # events
    releases = []
    p_ev = os.path.join(d, "events.jsonl")
    if os.path.isfile(p_ev):
        for ln, e in json_lines(p_ev, "events.jsonl", bad):
            if not isinstance(e.get("type"), str):
                bad(f"events.jsonl:{ln}: type missing")
            if e.get("type") == "model_release":
                t = parse_ts(e.get("ts"))
                if t is None or not isinstance(e.get("model"), str):
                    bad(f"events.jsonl:{ln}: bad model_release")
                else:
                    releases.append((t, e["model"]))
    else:
        bad("events.jsonl missing")
    if tmin and not any(tmin <= t <= tmax for t, _ in releases):
        bad("no model_release inside the traffic window")
    # truth
    p_tr = os.path.join(d, "truth.json")
    camp_sizes = Counter(lab["campaign"] for lab in labels.values() if lab["campaign"])
    if os.path.isfile(p_tr):
        try:
            with open(p_tr, encoding="utf-8") as f:
                truth = json.load(f)
            for c in truth.get("campaigns", []):
                if set(c.get("accounts", [])) != {a for a, lab in labels.items() if lab["campaign"] == c["name"]}:
                    bad(f"truth.json campaign {c.get('name')} accounts disagree with labels.jsonl")
        except ValueError:
            bad("truth.json is not JSON")
            truth = {}
    else:
        bad("truth.json missing")
        truth = {}
    # summary
    camp_ex = Counter()
    pers = Counter()
    pers_ex = Counter()
    for a, k in acct_ex.items():
        lab = labels.get(a)
        if lab:
            if lab["campaign"]:
                camp_ex[lab["campaign"]] += k
            pers_ex[lab["persona"]] += k
    for lab in labels.values():
        pers[lab["persona"]] += 1
    strat = {c["name"]: c.get("strategy", "?") for c in truth.get("campaigns", [])}
    print(f"world {d}")
    print(f"  exchanges: {n} unique ({dup_same} duplicate deliveries) in {len(files)} files; window {tmin} .. {tmax}")
    print(f"  accounts: {len(accounts)} in accounts.jsonl, {len(acct_ex)} with traffic, {len(labels)} labelled")
    n_camp_acc = sum(camp_sizes.values())
    print(f"  campaign accounts: {n_camp_acc} ({100.0 * n_camp_acc / max(1, len(labels)):.1f}% of accounts), "
          f"campaign exchanges: {sum(camp_ex.values())} ({100.0 * sum(camp_ex.values()) / max(1, n):.1f}%)")
    print(f"  models: {dict(sorted(models.items()))}; releases: {[(m, t.isoformat()) for t, m in sorted(releases)]}")
    print(f"  endpoints: {dict(sorted(forms.items()))}; status: {dict(sorted(statuses.items(), key=lambda x: str(x[0])))}")
    print("  campaigns:")
    for c in sorted(camp_sizes):
        print(f"    {c:<16} {strat.get(c, '?'):<18} accounts={camp_sizes[c]:<4} exchanges={camp_ex[c]}")
    print("  personas:")
    for p in sorted(pers):
        print(f"    {p:<34} accounts={pers[p]:<5} exchanges={pers_ex[p]}")
    if problems:
        print(f"VIOLATIONS: {len(problems)}")
        for m in problems[:MAX_REPORT]:
            print("  - " + m)
        if len(problems) > MAX_REPORT:
            print(f"  ... and {len(problems) - MAX_REPORT} more")
        return 1
    print("OK: world follows the data contract")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
