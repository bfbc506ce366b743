#!/usr/bin/env python3
"""blind2: an independent synthetic-world generator for distillation-attack detection.

Written blind (2026-12-07) from the data contract and the open corpus only.
A world is an organisation graph (companies, schools, labs, platforms, resellers own
accounts; operators build or buy accounts through those same channels) and traffic is
sessions of tasks drawn from task pools; every prompt/response text is corpus text.

    python benchmarks/blind2/generate.py --seed S --out DIR [--accounts N] [--days D]
                                         [--evasive] [--data CORPUS]
"""
import argparse
import bisect
import csv
import gzip
import hashlib
import io
import json
import os
import random
import re
import sys
from datetime import datetime, timedelta, timezone

import numpy as np

T0 = datetime(2026, 11, 2, 0, 0, 0, tzinfo=timezone.utc)
MODELS_OLD = ["nova-2-pro", "nova-2-mini", "nova-2-reasoner"]
MODEL_NEW = "nova-3-pro"
MODEL_NEW_MINI = "nova-3-mini"
FORMS = ("chat", "responses", "messages")
ENDPOINT = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
SDK_UAS = ["OpenAI/Python 1.54.4", "OpenAI/Python 1.58.1", "AsyncOpenAI/Python 1.57.0",
           "OpenAI/JS 4.73.0", "anthropic-python/0.40.0", "anthropic-python/0.42.0",
           "anthropic-typescript/0.33.1", "litellm/1.55.2", "langchain-openai/0.2.14"]
MAX_SESSION_S = 14 * 3600


def shash(*parts):
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def hexid(*parts, n=10):
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()[:n]


# --------------------------------------------------------------------------- corpus
class Corpus:
    def __init__(self, root, seed):
        need = ["templates/attack.jsonl", "templates/attack_seeds.jsonl", "prompts/benign.jsonl.gz",
                "prompts/tau2_agent_system.jsonl", "infra/user_agents_sdk.txt",
                "infra/user_agents_browser.jsonl", "infra/disposable_domains.txt",
                "infra/vpn_ipv4.txt", "infra/datacenter_ipv4.txt", "timing/azure_2023_conv.csv",
                "timing/azure_2023_code.csv", "timing/servegen_m_large"]
        for n in need:
            if not os.path.exists(os.path.join(root, n)):
                raise FileNotFoundError(f"corpus file missing: {os.path.join(root, n)}")
        p = lambda n: os.path.join(root, n)
        self.templates = {}
        for line in open(p("templates/attack.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            self.templates[d["id"]] = d
        self.seeds = {}
        for line in open(p("templates/attack_seeds.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            self.seeds.setdefault(d["for_template"], []).append(d["seed"])
        self.by_kind, self.by_suite = {}, {}
        self.resp_pool, self.code_pool = [], []
        with gzip.open(p("prompts/benign.jsonl.gz"), "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                rec = {"id": d["id"], "kind": d["kind"], "suite": d.get("suite"),
                       "messages": [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])}
                                    for m in d["messages"]],
                       "followup": (d.get("extra") or {}).get("followup_user_turns")}
                self.by_kind.setdefault(d["kind"], []).append(rec)
                if d.get("suite"):
                    self.by_suite.setdefault(d["suite"], []).append(rec)
                ex = d.get("extra") or {}
                ideal = ex.get("ideal")
                if isinstance(ideal, list):
                    ideal = ideal[0] if ideal else None
                if isinstance(ideal, str) and len(ideal) > 1:
                    self.resp_pool.append(ideal)
                ref = ex.get("reference")
                if isinstance(ref, list) and ref and isinstance(ref[0], str):
                    self.resp_pool.append(ref[0])
                if d["kind"] == "coding":
                    self.code_pool.append(d["messages"][-1]["content"])
                if d["kind"] == "writing":
                    self.resp_pool.append(d["messages"][-1]["content"][:3000])
        for tid, seeds in self.seeds.items():
            for s in seeds:
                if isinstance(s, dict):
                    for inst in s.get("instances", []):
                        if inst.get("output"):
                            self.resp_pool.append(inst["output"])
                else:
                    self.resp_pool.append(s)
        self.long_pool = [t for t in self.resp_pool if len(t) > 300]
        self.tau2_agent = {}
        for line in open(p("prompts/tau2_agent_system.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            self.tau2_agent[d["domain"]] = d["system"]
        self.sdk_uas = [l.strip() for l in open(p("infra/user_agents_sdk.txt"), encoding="utf-8") if l.strip()]
        self.auto_uas = [u for u in self.sdk_uas if any(k in u for k in ("Headless", "Playwright", "Puppeteer", "Selenium", "Agent", "agent"))]
        self.lib_uas = [u for u in self.sdk_uas if u not in self.auto_uas]
        bu, bw = [], []
        for line in open(p("infra/user_agents_browser.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            bu.append(d["useragent"])
            bw.append(d.get("share", 0.001))
        self.browser_uas = bu
        self.browser_cum = list(np.cumsum(bw) / sum(bw))
        self.disposable = [l.strip() for l in open(p("infra/disposable_domains.txt"), encoding="utf-8") if l.strip()]
        self.vpn = [l.strip() for l in open(p("infra/vpn_ipv4.txt")) if "/" in l]
        self.dc = [l.strip() for l in open(p("infra/datacenter_ipv4.txt")) if "/" in l]
        # timing
        self.decode = {}
        for k in ("conv", "code"):
            with open(p(f"timing/azure_2023_{k}.csv")) as f:
                r = csv.DictReader(f)
                self.decode[k] = [max(1, int(float(row["num_decode_tokens"]))) for row in r]
        tdir = p("timing/servegen_m_large")
        files = sorted(f for f in os.listdir(tdir) if f.endswith("-trace.csv.gz"))
        if not files:
            raise FileNotFoundError(f"corpus file missing: no ServeGen traces in {tdir}")
        rr = random.Random(shash("profiles", seed))
        pick = rr.sample(files, min(48, len(files)))
        self.profiles = []
        for fn in sorted(pick):
            rates = np.zeros(2016)
            with gzip.open(os.path.join(tdir, fn), "rt") as f:
                for i, row in enumerate(csv.reader(f)):
                    if i < 2016 and row:
                        rates[i] = float(row[1] or 0.0)
            if rates.sum() > 0:
                self.profiles.append(rates / rates.sum())

    def browser_ua(self, r):
        return self.browser_uas[min(len(self.browser_uas) - 1, bisect.bisect_left(self.browser_cum, r.random()))]

    def text(self, r, n_chars, code=False):
        pool = self.code_pool if code and r.random() < 0.7 else self.resp_pool
        out, tot = [], 0
        while tot < n_chars:
            t = pool[r.randrange(len(pool))]
            out.append(t)
            tot += len(t) + 2
            if len(out) > 40:
                break
        return "\n\n".join(out)[:max(8, n_chars)]

    def prompt(self, r, kinds):
        k = kinds[r.randrange(len(kinds))]
        lst = self.by_kind[k]
        return lst[r.randrange(len(lst))]


# --------------------------------------------------------------------------- template rendering
NUMERIC_SLOTS = {"batch_size": (3, 20), "task_count": (3, 15), "input_count": (1, 4), "word_count": (150, 900),
                 "question_count": (3, 10), "number": (1, 10), "num_instructions": (3, 10), "num_words": (20, 200),
                 "threshold": (3, 9), "next_year": (2027, 2028), "flesch": (40, 80), "high_score": (3, 5),
                 "low_score": (1, 2), "skip": (0, 0), "options": (3, 5), "answers": (1, 1), "third": (0, 0)}


def slot_value(slot, r, C, item_text):
    if slot in NUMERIC_SLOTS:
        a, b = NUMERIC_SLOTS[slot]
        return str(r.randint(a, b))
    if slot in ("language", "source_language", "target_language"):
        return "English"
    if slot in ("instruction", "query", "task", "input", "anchor", "<PROMPT>", "question"):
        return item_text
    if slot in ("instructions",):
        return "\n".join(f"{i + 1}. " + C.prompt(r, ["eval", "chat"])["messages"][-1]["content"][:300] for i in range(r.randint(2, 5)))
    if slot == "seed_tasks":
        return ""
    return C.text(r, r.randint(150, 1200))


def render_template(t, r, C, item_text):
    """Return (system, user_text) for a harvesting template filled with corpus text."""
    syn = (t.get("extra") or {}).get("slot_syntax")
    vals = {s: slot_value(s, r, C, item_text) for s in t["slots"]}
    system = t.get("system")
    if syn == "appended_blocks":
        seeds = C.seeds.get(t["id"], [])
        chosen = r.sample(seeds, min(3, len(seeds)))
        txt = t["template"] + "\n"
        for i, s in enumerate(chosen):
            inst = s.get("instances", [{}])[0]
            ins = re.sub(r"\s+", " ", s.get("instruction", "")).strip().rstrip(":")
            txt += "###\n" + f"{i + 1}. Instruction: {ins}\n" + f"{i + 1}. Input:\n{inst.get('input') or '<noinput>'}\n" + f"{i + 1}. Output:\n{inst.get('output', '')}\n"
        txt += "###\n" + f"{len(chosen) + 1}. Instruction:"
        return system, txt

    def fill(s):
        if syn == "literal_marker":
            for k, v in vals.items():
                s = s.replace(k, v)
            return s
        if syn == "jinja2":
            s = re.sub(r"\{%-?.*?-?%\}", "", s, flags=re.S)
            def sub(m):
                name = m.group(1)
                return vals.get(name) if name in vals else C.text(r, r.randint(100, 600))
            return re.sub(r"\{\{-?\s*([A-Za-z_]\w*)[^}]*\}\}", sub, s)
        for k, v in vals.items():
            s = s.replace("{" + k + "}", v)
        return s

    ct = (t.get("extra") or {}).get("chat_template")
    if isinstance(ct, list) and ct:
        sys_parts = [fill(m["content"]) for m in ct if m.get("role") == "system"]
        users = [fill(m["content"]) for m in ct if m.get("role") != "system"]
        return (sys_parts[0] if sys_parts else system), "\n\n".join(users)
    return (fill(system) if system else None), fill(t["template"])


# --------------------------------------------------------------------------- request bodies
def build_body(form, model, system, turns, params, tools=None):
    """turns: list of dicts {k: user|assistant|call|result, text, name, args, id, image}."""
    p = dict(params)
    if form == "chat":
        msgs = [{"role": "system", "content": system}] if system else []
        for t in turns:
            k = t["k"]
            if k == "user":
                if t.get("image"):
                    msgs.append({"role": "user", "content": [{"type": "text", "text": t["text"]},
                                                             {"type": "image_url", "image_url": {"url": t["image"]}}]})
                else:
                    msgs.append({"role": "user", "content": t["text"]})
            elif k == "assistant":
                msgs.append({"role": "assistant", "content": t["text"]})
            elif k == "call":
                msgs.append({"role": "assistant", "content": None, "tool_calls": [
                    {"id": t["id"], "type": "function", "function": {"name": t["name"], "arguments": json.dumps(t["args"])}}]})
            elif k == "result":
                msgs.append({"role": "tool", "tool_call_id": t["id"], "content": t["text"]})
        body = {"model": model, "messages": msgs}
        if tools:
            body["tools"] = [{"type": "function", "function": {"name": n, "description": d, "parameters": s}} for n, d, s in tools]
        if "max_tokens" in p:
            body["max_completion_tokens" if p.pop("new_max", False) else "max_tokens"] = p.pop("max_tokens")
        if "effort" in p:
            body["reasoning_effort"] = p.pop("effort")
        p.pop("thinking", None)
        body.update(p)
        return body
    if form == "responses":
        items = []
        for t in turns:
            k = t["k"]
            if k == "user":
                parts = [{"type": "input_text", "text": t["text"]}]
                if t.get("image"):
                    parts.append({"type": "input_image", "image_url": t["image"]})
                items.append({"role": "user", "content": parts})
            elif k == "assistant":
                items.append({"role": "assistant", "content": [{"type": "output_text", "text": t["text"]}]})
            elif k == "call":
                items.append({"type": "function_call", "call_id": t["id"], "name": t["name"], "arguments": json.dumps(t["args"])})
            elif k == "result":
                items.append({"type": "function_call_output", "call_id": t["id"], "output": t["text"]})
        if len(items) == 1 and items[0].get("role") == "user" and len(items[0]["content"]) == 1 and not tools:
            inp = items[0]["content"][0]["text"]
        else:
            inp = items
        body = {"model": model, "input": inp}
        if system:
            body["instructions"] = system
        if tools:
            body["tools"] = [{"type": "function", "name": n, "description": d, "parameters": s} for n, d, s in tools]
        if "max_tokens" in p:
            body["max_output_tokens"] = p.pop("max_tokens")
        p.pop("new_max", None)
        if "effort" in p:
            body["reasoning"] = {"effort": p.pop("effort"), "summary": "auto"}
        p.pop("thinking", None)
        for k in ("n", "logprobs", "top_logprobs"):
            p.pop(k, None)
        body.update(p)
        return body
    # anthropic messages
    msgs = []
    def push(role, block):
        if msgs and msgs[-1]["role"] == role and isinstance(msgs[-1]["content"], list):
            msgs[-1]["content"].append(block)
        else:
            msgs.append({"role": role, "content": [block]})
    for t in turns:
        k = t["k"]
        if k == "user":
            if t.get("image"):
                push("user", {"type": "image", "source": {"type": "url", "url": t["image"]}})
                push("user", {"type": "text", "text": t["text"]})
            elif msgs and msgs[-1]["role"] == "user":
                push("user", {"type": "text", "text": t["text"]})
            else:
                msgs.append({"role": "user", "content": t["text"]})
        elif k == "assistant":
            msgs.append({"role": "assistant", "content": t["text"]})
        elif k == "call":
            push("assistant", {"type": "tool_use", "id": t["id"], "name": t["name"], "input": t["args"]})
        elif k == "result":
            push("user", {"type": "tool_result", "tool_use_id": t["id"], "content": t["text"]})
    body = {"model": model, "max_tokens": p.pop("max_tokens", 4096), "messages": msgs}
    if system:
        body["system"] = system if len(system) < 4000 else [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}]
    if tools:
        body["tools"] = [{"name": n, "description": d, "input_schema": s} for n, d, s in tools]
    th = p.pop("thinking", None)
    eff = p.pop("effort", None)
    if th:
        body["thinking"] = {"type": "enabled", "budget_tokens": th} if th != "adaptive" else {"type": "adaptive"}
        p.pop("temperature", None)
        p.pop("top_p", None)
    elif eff:
        body["output_config"] = {"effort": eff}
    for k in ("n", "logprobs", "top_logprobs", "new_max", "frequency_penalty", "presence_penalty", "response_format"):
        p.pop(k, None)
    body.update(p)
    return body


def obj(props):
    return {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}, "required": list(props)}


TOOLSETS = {
    "code": [("bash", "Run a shell command in the repository sandbox.", obj({"command": "string"})),
             ("str_replace_editor", "View or edit a file.", obj({"command": "string", "path": "string", "new_str": "string"})),
             ("run_tests", "Run the unit tests and return the report.", obj({"target": "string"}))],
    "computer": [("computer", "Control the desktop: screenshot, click, type, scroll.", obj({"action": "string", "coordinate": "array", "text": "string"}))],
    "cs": [("get_user_details", "Look up a customer record.", obj({"user_id": "string"})),
           ("get_order_details", "Look up an order or reservation.", obj({"order_id": "string"})),
           ("update_order", "Modify an order or reservation.", obj({"order_id": "string", "changes": "string"})),
           ("transfer_to_human_agents", "Hand over to a human agent.", obj({"summary": "string"}))],
    "search": [("web_search", "Search the web.", obj({"query": "string"})),
               ("fetch_page", "Fetch a page as text.", obj({"url": "string"}))],
}


# --------------------------------------------------------------------------- the organisation graph
class Acct:
    __slots__ = ("id", "org", "persona", "campaign", "created", "email_domain", "pay", "country", "signup", "verified",
                 "ua", "uas", "ips", "asn", "tls", "forms", "profile", "tz", "keys", "volume", "active", "banned_at",
                 "rnd", "idx", "kind_mix", "model_pref", "adopt")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


COUNTRIES_BENIGN = ["US"] * 10 + ["GB", "DE", "FR", "IN", "IN", "JP", "BR", "CA", "KR", "SG", "NL", "AU", "ES", "PL", "IL"]
COUNTRIES_OPS = ["US", "SG", "HK", "MY", "AE", "CA", "GB", "DE", "VN", "TH"]
TZ = {"US": -6, "GB": 0, "DE": 1, "FR": 1, "IN": 5, "JP": 9, "BR": -3, "CA": -5, "KR": 9, "SG": 8, "NL": 1, "AU": 10,
      "ES": 1, "PL": 1, "IL": 2, "HK": 8, "MY": 8, "AE": 4, "VN": 7, "TH": 7, "CN": 8}
FREEMAIL = ["gmail.com"] * 6 + ["outlook.com", "yahoo.com", "proton.me", "icloud.com", "hotmail.com", "qq.com", "163.com"]
RESID_NETS = [(73, 7922), (24, 11427), (98, 7018), (86, 2856), (92, 3320), (81, 3215), (49, 9829), (122, 4766),
              (177, 28573), (58, 4134), (101, 17676), (72, 22773), (67, 701), (90, 5089), (185, 12322)]


class World:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.R = random.Random(shash("world", args.seed))
        self.C = Corpus(args.data, args.seed)
        self.days = args.days
        self.span = args.days * 86400.0
        self.accounts = []
        self.orgs = {}
        self.campaigns = {}
        self.operators = []
        R = self.R
        self.release_t = self.span * R.uniform(0.35, 0.65)
        self.mini_release_t = self.span * R.uniform(0.1, 0.9)
        self.asn_cache = {}

    # ---- infra helpers
    def ip_in(self, cidr, r):
        net, bits = cidr.split("/")
        a = [int(x) for x in net.split(".")]
        base = (a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]
        size = 1 << (32 - int(bits))
        v = base + (r.randrange(1, size - 1) if size > 2 else 0)
        return f"{v >> 24 & 255}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"

    def asn_of(self, cidr_or_ip, kind):
        key = cidr_or_ip.split("/")[0].rsplit(".", 2)[0]
        if key not in self.asn_cache:
            h = shash("asn", key)
            self.asn_cache[key] = {"dc": [16509, 14061, 24940, 63949, 20473, 45102, 132203, 8075, 396982][h % 9],
                                   "vpn": 9009 + h % 4000 * 7 if h % 3 else 60068}.get(kind, 10000 + h % 50000)
        return self.asn_cache[key]

    def resid_ip(self, r):
        a, asn = RESID_NETS[r.randrange(len(RESID_NETS))]
        return f"{a}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}", asn

    def v6(self, r):
        return "2a0%d:%x:%x::%x" % (r.randrange(1, 9), r.randrange(65536), r.randrange(65536), r.randrange(1, 65536))

    def tls(self, ua):
        return "t13d" + hexid("ja4", ua.split("/")[0].split(" ")[0], n=4) + "_" + hexid("ja4b", ua[:12], n=12)

    def new_acct(self, org, persona, campaign=None, created=None, country=None, email_domain=None, pay=None,
                 signup=None, verified=None, kind_mix=None, volume=0, net=None, ua_kind="sdk"):
        R = self.R
        aid = "acct_" + hexid("acct", self.seed, len(self.accounts), persona)
        country = country or R.choice(COUNTRIES_BENIGN)
        a = Acct(id=aid, org=org, persona=persona, campaign=campaign, country=country,
                 created=created if created is not None else -R.uniform(20, 900) * 86400,
                 email_domain=email_domain or R.choice(FREEMAIL), pay=pay or ("pf_" + hexid("pay", aid, n=14)),
                 signup=signup or "self_serve", verified=bool(verified) if verified is not None else R.random() < 0.6,
                 tz=TZ.get(country, 0) + R.choice([-1, 0, 0, 0, 1]), kind_mix=kind_mix, volume=volume,
                 rnd=random.Random(shash("acct", self.seed, len(self.accounts))), idx=len(self.accounts), adopt=R.random())
        r = a.rnd
        a.profile = r.randrange(len(self.C.profiles))
        a.keys = ["key_" + hexid("key", aid, i, n=12) for i in range(1 + (r.random() < 0.3) + (r.random() < 0.1))]
        # network: (ip list, asn) - org networks are shared across its members
        if net is None:
            ip, asn = self.resid_ip(r)
            net = [(ip, asn)] + ([(self.v6(r), asn)] if r.random() < 0.25 else [])
        a.ips = net
        if ua_kind == "browser":
            a.uas = [self.C.browser_ua(r)]
        elif ua_kind == "auto":
            a.uas = [r.choice(self.C.auto_uas)]
        elif ua_kind == "lib":
            a.uas = [r.choice(self.C.lib_uas)]
        else:
            a.uas = [r.choice(SDK_UAS)] + ([r.choice(self.C.lib_uas)] if r.random() < 0.2 else [])
        a.forms = self.pick_forms(r, a.uas[0])
        a.model_pref = r.choice([0, 0, 0, 1, 2])
        self.accounts.append(a)
        return a

    def pick_forms(self, r, ua):
        if ua.startswith("anthropic"):
            return {"messages": 1.0}
        if ua.startswith("OpenAI") or ua.startswith("Async"):
            return {"chat": 0.6, "responses": 0.4} if r.random() < 0.5 else {"chat": 1.0}
        x = r.random()
        if x < 0.45:
            return {"chat": 1.0}
        if x < 0.7:
            return {"messages": 1.0}
        if x < 0.85:
            return {"responses": 1.0}
        return {"chat": 0.4, "responses": 0.3, "messages": 0.3}

    def org(self, kind, name, **kw):
        oid = "org_" + hexid("org", self.seed, len(self.orgs), kind, n=8)
        self.orgs[oid] = dict(kind=kind, name=name, **kw)
        return oid

    def office_net(self, r, kind="resid", n=1):
        if kind == "dc":
            cidr = r.choice(self.C.dc)
            return [(self.ip_in(cidr, r), self.asn_of(cidr, "dc")) for _ in range(n)]
        a, asn = RESID_NETS[r.randrange(len(RESID_NETS))]
        pre = f"{a}.{r.randrange(256)}.{r.randrange(256)}."
        return [(pre + str(r.randrange(2, 250)), asn) for _ in range(n)]

    # ---- benign population
    def build_benign(self, n):
        R = self.R
        mix = {  # weights over org kinds (by accounts), randomized per seed
            "individual": R.uniform(0.3, 0.45), "company": R.uniform(0.08, 0.18), "startup": R.uniform(0.05, 0.1),
            "university": R.uniform(0.06, 0.14), "research_lab": R.uniform(0.02, 0.05), "eval_vendor": R.uniform(0.005, 0.015),
            "labelling_firm": R.uniform(0.02, 0.05), "agent_platform": R.uniform(0.005, 0.015), "reseller": R.uniform(0.05, 0.1),
            "hackathon": R.uniform(0.02, 0.05)}
        tot = sum(mix.values())
        target = {k: int(n * v / tot) for k, v in mix.items()}
        target["individual"] += n - sum(target.values())
        for kind, want in target.items():
            got = 0
            while got < want:
                got += getattr(self, "org_" + kind)(min(want - got, 10 ** 9))

    def org_individual(self, room):
        r = self.R
        persona = r.choices(["chat_user", "developer", "coding_agent_user", "computer_use_user", "power_user", "heavy_api_app"],
                            [0.42, 0.25, 0.14, 0.06, 0.08, 0.05])[0]
        oid = self.org("individual", "personal")
        uak = {"chat_user": "browser", "computer_use_user": "auto"}.get(persona, "sdk")
        net = self.office_net(r, "dc") if persona == "heavy_api_app" else None
        vol = {"chat_user": 12, "developer": 35, "coding_agent_user": 70, "computer_use_user": 55, "power_user": 90, "heavy_api_app": 200}[persona]
        created = -r.uniform(5, 700) * 86400 if r.random() < 0.85 else r.uniform(0, self.span * 0.8)
        self.new_acct(oid, persona, created=created, volume=vol * r.lognormvariate(0, 0.8), net=net, ua_kind=uak,
                      verified=r.random() < 0.4)
        return 1

    def org_company(self, room):
        r = self.R
        seats = min(room, int(r.lognormvariate(2.3, 0.8)) + 2)
        dom = f"{hexid('co', self.seed, len(self.orgs), n=6)}-corp.com"
        pay = "pf_" + hexid("copay", dom, n=14)
        country = r.choice(COUNTRIES_BENIGN)
        oid = self.org("company", dom, seats=seats)
        net = self.office_net(r, "resid", 3)
        for i in range(seats):
            persona = "heavy_api_app" if i == 0 and r.random() < 0.4 else r.choice(["enterprise_seat", "enterprise_seat", "developer", "coding_agent_user"])
            vol = 220 if persona == "heavy_api_app" else 30
            self.new_acct(oid, persona, country=country, email_domain=dom, pay=pay, signup="enterprise", verified=True,
                          volume=vol * r.lognormvariate(0, 0.7), net=self.office_net(r, "dc", 2) if persona == "heavy_api_app" else net,
                          ua_kind="browser" if persona == "enterprise_seat" and r.random() < 0.5 else "sdk")
        return seats

    def org_startup(self, room):
        r = self.R
        seats = min(room, r.randint(2, 12))
        dom = f"{hexid('st', self.seed, len(self.orgs), n=5)}.ai"
        pay = "pf_" + hexid("stpay", dom, n=14)
        country = r.choice(COUNTRIES_BENIGN)
        oid = self.org("startup", dom, seats=seats)
        net = self.office_net(r, "dc" if r.random() < 0.5 else "resid", 2)
        created = -r.uniform(10, 300) * 86400
        for i in range(seats):
            persona = r.choice(["developer", "coding_agent_user", "coding_agent_user", "heavy_api_app", "computer_use_user"])
            self.new_acct(oid, persona, country=country, email_domain=dom, pay=pay, signup="startup_program", verified=r.random() < 0.7,
                          created=created + r.uniform(0, 30) * 86400, volume=(90 if persona != "developer" else 40) * r.lognormvariate(0, 0.8),
                          net=net, ua_kind="auto" if persona == "computer_use_user" else "sdk")
        return seats

    def org_university(self, room):
        r = self.R
        size = min(room, r.randint(20, 120))
        dom = f"{hexid('uni', self.seed, len(self.orgs), n=4)}.edu"
        country = r.choice(COUNTRIES_BENIGN)
        suite = r.choice([s for s, v in self.C.by_suite.items() if len(v) >= 30])
        deadlines = sorted(r.uniform(0.1, 0.95) * self.span for _ in range(r.randint(1, 3)))
        oid = self.org("university", dom, students=size, assignment_suite=suite, deadlines=deadlines)
        net = self.office_net(r, "resid", 4)
        start = r.uniform(-3, 0.5 * self.days) * 86400  # class sign-up day (can be inside the window)
        for i in range(size):
            persona = "professor" if i == 0 else "student"
            self.new_acct(oid, persona, country=country, email_domain=dom, signup="education", verified=False,
                          created=min(deadlines[0] - 3600, start + r.uniform(0, 2) * 86400), volume=(60 if i == 0 else 18) * r.lognormvariate(0, 0.6),
                          net=net if r.random() < 0.6 else None, ua_kind="browser" if r.random() < 0.5 else "sdk")
        return size

    def org_research_lab(self, room):
        r = self.R
        size = min(room, r.randint(2, 12))
        dom = f"{hexid('lab', self.seed, len(self.orgs), n=5)}-lab.org"
        country = r.choice(COUNTRIES_BENIGN)
        oid = self.org("research_lab", dom)
        net = self.office_net(r, "dc" if r.random() < 0.6 else "resid", 2)
        for i in range(size):
            self.new_acct(oid, "researcher", country=country, email_domain=dom, signup="research_program", verified=True,
                          volume=90 * r.lognormvariate(0, 0.9), net=net, pay="pf_" + hexid("grant", dom, n=14))
        return size

    def org_eval_vendor(self, room):
        r = self.R
        size = min(room, r.randint(2, 6))
        dom = f"{hexid('ev', self.seed, len(self.orgs), n=5)}-evals.io"
        oid = self.org("eval_vendor", dom)
        net = self.office_net(r, "dc", 3)
        pay = "pf_" + hexid("evpay", dom, n=14)
        for i in range(size):
            self.new_acct(oid, "eval_vendor", country="US", email_domain=dom, signup="enterprise", verified=True, pay=pay,
                          volume=700 * r.lognormvariate(0, 0.5), net=net, ua_kind="lib" if r.random() < 0.4 else "sdk")
        return size

    def org_labelling_firm(self, room):
        r = self.R
        size = min(room, r.randint(8, 35))
        dom = f"{hexid('lbl', self.seed, len(self.orgs), n=5)}-data.com"
        oid = self.org("labelling_firm", dom)
        net = self.office_net(r, "resid", 2)
        pay = "pf_" + hexid("lblpay", dom, n=14)
        country = r.choice(["IN", "PH", "KE", "US", "PL"])
        for i in range(size):
            self.new_acct(oid, "data_labeller", country=country, email_domain=dom, signup="enterprise", verified=True, pay=pay,
                          volume=120 * r.lognormvariate(0, 0.6), net=net)
        return size

    def org_agent_platform(self, room):
        r = self.R
        size = min(room, r.randint(1, 5))
        dom = f"{hexid('ap', self.seed, len(self.orgs), n=5)}.dev"
        oid = self.org("agent_platform", dom)
        net = self.office_net(r, "dc", 6)
        pay = "pf_" + hexid("appay", dom, n=14)
        for i in range(size):
            self.new_acct(oid, "agent_platform", country="US", email_domain=dom, signup=r.choice(["enterprise", "self_serve"]),
                          verified=True, pay=pay, volume=450 * r.lognormvariate(0, 0.5), net=net, ua_kind="lib")
        return size

    def org_reseller(self, room):
        r = self.R
        size = min(room, r.randint(20, 120))
        dom = f"{hexid('rs', self.seed, len(self.orgs), n=5)}-api.net"
        oid = self.org("reseller", dom, accounts=size)
        nets = [self.office_net(r, "dc", 4) for _ in range(2)]
        pays = ["pf_" + hexid("rspay", dom, i, n=14) for i in range(r.randint(1, 3))]
        country = r.choice(["SG", "HK", "US", "AE"])
        for i in range(size):
            self.new_acct(oid, "reseller_relay", country=country, email_domain=dom if r.random() < 0.5 else r.choice(FREEMAIL),
                          signup="reseller", verified=False, pay=r.choice(pays), created=-r.uniform(30, 400) * 86400,
                          volume=60 * r.lognormvariate(0, 1.0), net=r.choice(nets), ua_kind="lib")
        return size

    def org_hackathon(self, room):
        r = self.R
        size = min(room, r.randint(15, 60))
        day = r.uniform(0, self.span - 2.5 * 86400)
        oid = self.org("hackathon", "hackathon", start=day)
        net = self.office_net(r, "resid", 2)
        for i in range(size):
            self.new_acct(oid, "hackathon", created=day + r.uniform(-6, 6) * 3600, volume=70 * r.lognormvariate(0, 0.7),
                          net=net if r.random() < 0.7 else None, verified=False, ua_kind="sdk")
        return size

    # ---- operators
    STRATS = ["farm_lockstep", "shell_startup", "aged_reseller", "edu_front", "research_front", "wave_farm", "hydra"]

    def build_operators(self, n_campaign_accts):
        R = self.R
        n_ops = R.randint(3, 6)
        strats = R.sample(self.STRATS, n_ops)
        shares = [R.uniform(0.5, 1.5) for _ in strats]
        sizes = [max(6, int(n_campaign_accts * s / sum(shares))) for s in shares]
        for i, (st, size) in enumerate(zip(strats, sizes)):
            ev = R.uniform(0.55, 0.95) if self.args.evasive else R.uniform(0.05, 0.75)
            country = R.choice(COUNTRIES_OPS)
            name = f"campaign-{hexid('camp', self.seed, i, n=4)}-{st.replace('_', '-')}"
            op = {"operator": f"operator-{i + 1}", "strategy": st, "evasion": round(ev, 3), "campaign": name, "country": country,
                  "cats": self.op_categories(st, R), "start": R.uniform(-2, 0.3 * self.days) * 86400,
                  "migrate_lag_h": R.uniform(2, 20) if ev < 0.5 else R.uniform(20, 90),
                  "migrate_frac": R.uniform(0.5, 0.9) if ev < 0.5 else R.uniform(0.2, 0.6),
                  "cover": 0.03 + 0.4 * ev * R.uniform(0.5, 1.0), "per_acct": R.uniform(90, 230) * (1.2 - 0.6 * ev) * self.days / 14,
                  "lockstep": ev < 0.45, "n_templates": 1 + int(ev * 5) + R.randint(0, 1)}
            op["templates"] = self.op_templates(op, R)
            op["dataset"] = R.sample(["eval", "chat", "writing", "coding", "role_prompt", "agent_task"], 3)
            self.operators.append(op)
            self.campaigns[name] = op
            getattr(self, "op_" + st)(op, size)

    def op_categories(self, st, R):
        base = {"farm_lockstep": {"reasoning_elicitation": 0.5, "synthetic_data": 0.3, "rubric_grading": 0.2},
                "shell_startup": {"coding": 0.45, "tool_use": 0.3, "reasoning_elicitation": 0.25},
                "aged_reseller": {"judge": 0.4, "rubric_grading": 0.3, "evol_rewrite": 0.3},
                "edu_front": {"rubric_grading": 0.5, "judge": 0.3, "reasoning_elicitation": 0.2},
                "research_front": {"reasoning_elicitation": 0.5, "synthetic_data": 0.3, "roleplay": 0.2},
                "wave_farm": {"reasoning_elicitation": 0.6, "synthetic_data": 0.25, "coding": 0.15},
                "hydra": {"computer_use": 0.3, "vision": 0.25, "evol_rewrite": 0.25, "reasoning_elicitation": 0.2}}[st]
        out = {k: v * R.uniform(0.6, 1.4) for k, v in base.items()}
        s = sum(out.values())
        return {k: v / s for k, v in out.items()}

    def op_templates(self, op, R):
        fam_of = {}
        for tid, t in self.C.templates.items():
            if "magpie" in tid or "brainstorming" in tid:
                continue
            fam_of.setdefault(t["family"], []).append(tid)
        fam_of.setdefault("computer_use", [])
        fam_of.setdefault("vision", [])
        out = {}
        for cat in op["cats"]:
            pool = sorted(fam_of.get(cat, []))
            if cat == "reasoning_elicitation":
                pool = [p for p in pool if p.endswith("cot_response")] * 3 + pool + [None] * 3  # None = raw item + high effort
            out[cat] = [R.choice(pool) for _ in range(op["n_templates"])] if pool else [None]
        return out

    def op_accounts(self, op, n, **kw):
        out = []
        for _ in range(n):
            out.append(self.new_acct(campaign=op["campaign"], **kw))
        return out

    def op_net(self, op, r, per_acct):
        """Egress for operator accounts: few shared DC CIDRs (low evasion) .. sticky VPN/residential proxies (high)."""
        ev = op["evasion"]
        if "pool_cidrs" not in op:
            op["pool_cidrs"] = [r.choice(self.C.dc) for _ in range(1 + int(ev * 3))] + [r.choice(self.C.vpn) for _ in range(int(ev * 6))]
        if r.random() < ev * 0.6:
            ip, asn = self.resid_ip(r)
            return [(ip, asn)]
        c = r.choice(op["pool_cidrs"])
        return [(self.ip_in(c, r), self.asn_of(c, "vpn" if c in self.C.vpn else "dc")) for _ in range(per_acct)]

    def op_ua(self, op, r):
        ev = op["evasion"]
        if "ua0" not in op:
            op["ua0"] = r.choice(self.C.lib_uas + SDK_UAS)
        if r.random() > ev:
            return "sdk_fixed", op["ua0"]
        return r.choice(["sdk", "browser", "lib"]), None

    def _op_common(self, op, n, r, created_fn, email_fn, pay_fn, signup, org, persona, verified_p, net_fn=None):
        ev = op["evasion"]
        forms_fixed = None if ev > 0.5 else r.choice([{"chat": 1.0}, {"messages": 1.0}, {"responses": 1.0}])
        accts = []
        for i in range(n):
            kind, ua = self.op_ua(op, r)
            a = self.new_acct(org, persona, campaign=op["campaign"], created=created_fn(i), email_domain=email_fn(i), pay=pay_fn(i),
                              signup=signup, verified=r.random() < verified_p, country=op["country"] if r.random() > ev * 0.5 else None,
                              net=(net_fn or (lambda: self.op_net(op, r, 1 + int(r.random() < 0.3))))(), ua_kind=kind if ua is None else "sdk",
                              volume=op["per_acct"] * r.lognormvariate(0, 0.2 + 0.5 * ev))
            if ua:
                a.uas = [ua]
                a.forms = forms_fixed or self.pick_forms(a.rnd, ua)
            elif forms_fixed:
                a.forms = forms_fixed
            a.tz = TZ.get(op["country"], 0)
            accts.append(a)
        op["accounts"] = [a.id for a in accts]
        return accts

    def op_farm_lockstep(self, op, n):
        r = self.R
        cards = ["pf_" + hexid("opcard", op["campaign"], i, n=14) for i in range(r.randint(1, 4))]
        t0 = op["start"] - r.uniform(0, 2) * 86400
        self._op_common(op, n, r, lambda i: t0 + r.uniform(0, 6) * 3600, lambda i: r.choice(self.C.disposable) if r.random() > op["evasion"] else r.choice(FREEMAIL),
                        lambda i: r.choice(cards), "self_serve", self.org("individual", "personal"), "farm_account", 0.05)
        op["channel"] = "fresh self-serve sign-ups, disposable e-mail, shared cards"

    def op_shell_startup(self, op, n):
        r = self.R
        dom = f"{hexid('shell', self.seed, op['campaign'], n=5)}.ai"
        oid = self.org("startup", dom, seats=n)
        net = self.op_net(op, r, 2)
        pay = "pf_" + hexid("shellpay", dom, n=14)
        t0 = op["start"] - r.uniform(5, 40) * 86400
        accts = self._op_common(op, n, r, lambda i: t0 + r.uniform(0, 10) * 86400, lambda i: dom, lambda i: pay, "startup_program",
                                oid, "shell_startup_seat", 0.8, net_fn=lambda: net if r.random() > op["evasion"] * 0.5 else self.op_net(op, r, 1))
        op["channel"] = f"fake startup org {oid} via startup_program, one company card"

    def op_aged_reseller(self, op, n):
        r = self.R
        resellers = [o for o, v in self.orgs.items() if v["kind"] == "reseller"]
        oid = r.choice(resellers) if resellers else self.org("reseller", "reseller")
        members = [a for a in self.accounts if a.org == oid]
        nets = sorted({tuple(a.ips) for a in members}) or [tuple(self.op_net(op, r, 2))]
        pays = sorted({a.pay for a in members}) or ["pf_" + hexid("rs", oid, n=14)]
        dom = self.orgs[oid]["name"]
        accts = self._op_common(op, n, r, lambda i: -r.uniform(60, 500) * 86400, lambda i: dom if r.random() < 0.5 else r.choice(FREEMAIL),
                                lambda i: r.choice(pays), "reseller", oid, "aged_bought_account", 0.1,
                                net_fn=lambda: list(r.choice(nets)) if r.random() < 0.7 else self.op_net(op, r, 1))
        for a in accts:
            a.uas = [r.choice(self.C.lib_uas)] if r.random() > op["evasion"] * 0.5 else a.uas
        op["channel"] = f"aged accounts bought from reseller {oid}"

    def op_edu_front(self, op, n):
        r = self.R
        unis = [o for o, v in self.orgs.items() if v["kind"] == "university"]
        if unis and r.random() < 0.6:
            oid = r.choice(unis)
            dom = self.orgs[oid]["name"]
            op["channel"] = f"education sign-ups hiding inside real university org {oid}"
        else:
            dom = f"{hexid('fakeedu', op['campaign'], n=5)}.edu"
            oid = self.org("university", dom)
            op["channel"] = f"education sign-ups under look-alike school domain {dom}"
        t0 = op["start"] - r.uniform(0, 5) * 86400
        self._op_common(op, n, r, lambda i: t0 + r.uniform(0, 3) * 86400, lambda i: dom, lambda i: "pf_" + hexid("edu", op["campaign"], i % max(1, int(2 + op["evasion"] * n)), n=14),
                        "education", oid, "student_front", 0.05)

    def op_research_front(self, op, n):
        r = self.R
        dom = f"{hexid('rf', op['campaign'], n=5)}-institute.org"
        oid = self.org("research_lab", dom)
        t0 = op["start"] - r.uniform(10, 60) * 86400
        pays = ["pf_" + hexid("rfpay", dom, i, n=14) for i in range(1 + int(op["evasion"] * 4))]
        self._op_common(op, n, r, lambda i: t0 + r.uniform(0, 20) * 86400, lambda i: dom if r.random() < 0.7 else r.choice(FREEMAIL),
                        lambda i: r.choice(pays), "research_program", oid, "research_front", 0.6)
        op["channel"] = f"research_program sign-ups under front institute {oid}"

    def op_wave_farm(self, op, n):
        r = self.R
        waves = r.randint(3, 5)
        cards = ["pf_" + hexid("wave", op["campaign"], i, n=14) for i in range(waves + 1)]
        life = self.span / waves
        op["waves"] = []
        accts = []
        for w in range(waves):
            t0 = max(op["start"], 0) * (w == 0) + w * life
            m = n // waves + (1 if w < n % waves else 0)
            sub = self._op_common(op, m, r, lambda i: t0 - r.uniform(0, 8) * 3600, lambda i: r.choice(self.C.disposable) if r.random() > op["evasion"] * 0.7 else r.choice(FREEMAIL),
                                  lambda i: cards[w] if r.random() > op["evasion"] * 0.5 else r.choice(cards), "self_serve", self.org("individual", "personal"),
                                  "wave_account", 0.02)
            for a in sub:
                a.banned_at = t0 + life * r.uniform(0.8, 1.1)
                a.active = (max(t0, 0), min(a.banned_at, self.span))
            op["waves"].append({"start": t0, "accounts": len(sub)})
            accts += sub
        op["accounts"] = [a.id for a in accts]
        op["channel"] = "self-serve farm replaced in ban waves"

    def op_hydra(self, op, n):
        r = self.R
        self._op_common(op, n, r, lambda i: r.uniform(-200, 0.5 * self.days) * 86400, lambda i: r.choice(FREEMAIL), lambda i: "pf_" + hexid("hydra", op["campaign"], i, n=14),
                        r.choice(["self_serve", "self_serve", "startup_program"]), self.org("individual", "personal"), "hydra_account", 0.5,
                        net_fn=lambda: [self.resid_ip(r)])
        for a in self.accounts:
            if a.campaign == op["campaign"]:
                a.uas = [self.C.browser_ua(a.rnd) if a.rnd.random() < 0.5 else a.rnd.choice(self.C.auto_uas)]
        op["channel"] = "residential proxies, one prepaid card per account, browser/automation UAs"

    # ---- scheduling
    def sample_start(self, a, lo, hi):
        """Session start time by the account's ServeGen diurnal profile (shifted to its time zone)."""
        r = a.rnd
        prof = self.C.profiles[a.profile]
        for _ in range(8):
            if r.random() < 0.15:
                t = r.uniform(lo, hi)
            else:
                w = bisect.bisect_left(self._cum(a.profile), r.random())
                day_off = r.randrange(max(1, self.days // 14 + 1)) * 14 * 86400
                t = w * 600 + r.uniform(0, 600) - a.tz * 3600 + day_off
                t = t % self.span
            if lo <= t < hi:
                return t
        return r.uniform(lo, hi)

    def _cum(self, i):
        if not hasattr(self, "_cums"):
            self._cums = {}
        if i not in self._cums:
            p = self.C.profiles[i] * 0.9 + 0.1 / 2016
            self._cums[i] = list(np.cumsum(p) / p.sum())
        return self._cums[i]

    def model_for(self, a, t, op=None):
        r = a.rnd
        if op is not None:
            if t > self.release_t + op["migrate_lag_h"] * 3600 and r.random() < op["migrate_frac"]:
                return MODEL_NEW
            return "nova-2-reasoner" if r.random() < 0.4 else "nova-2-pro"
        if t > self.release_t:
            frac = min(0.45, (t - self.release_t) / (6 * 86400) * 0.45) * (1.6 if a.persona in ("eval_vendor", "researcher") else 1)
            if r.random() < frac:
                return MODEL_NEW
        if t > self.mini_release_t and a.model_pref == 1 and r.random() < 0.4:
            return MODEL_NEW_MINI
        return MODELS_OLD[a.model_pref] if r.random() < 0.85 else r.choice(MODELS_OLD)

    def plan(self):
        """Yield session plans: (start, acct, kind, n_steps, gap_s, extra)."""
        sessions = []
        for a in self.accounts:
            r = a.rnd
            lo = max(0.0, a.created)
            hi = self.span
            if a.active:
                lo, hi = a.active
            if hi - lo < 600:
                continue
            vol = a.volume * (hi - lo) / self.span * self.days / 14 if a.campaign is None else a.volume
            op = self.campaigns.get(a.campaign)
            if op:
                lo = max(lo, op["start"], 0.0)
                if hi - lo < 600:
                    continue
                self.plan_operator(a, op, lo, hi, vol, sessions)
            else:
                self.plan_benign(a, lo, hi, vol, sessions)
        sessions.sort(key=lambda s: (s[0], s[1].idx))
        return sessions

    BENIGN_KINDS = {
        "chat_user": ({"chat": 0.8, "writing": 0.2}, 3, 60),
        "developer": ({"code_chat": 0.6, "chat": 0.3, "app": 0.1}, 3, 40),
        "coding_agent_user": ({"coding_agent": 0.8, "code_chat": 0.2}, 8, 12),
        "computer_use_user": ({"computer_use": 0.85, "chat": 0.15}, 8, 10),
        "power_user": ({"chat": 0.4, "reasoning": 0.3, "writing": 0.3}, 4, 50),
        "heavy_api_app": ({"app": 1.0}, 30, 4),
        "enterprise_seat": ({"chat": 0.5, "writing": 0.4, "code_chat": 0.1}, 3, 80),
        "professor": ({"chat": 0.5, "writing": 0.3, "judge_grading": 0.2}, 3, 60),
        "student": ({"homework": 0.7, "chat": 0.3}, 4, 45),
        "researcher": ({"reasoning": 0.4, "eval_job": 0.3, "synth_research": 0.15, "judge_grading": 0.15}, 12, 3),
        "eval_vendor": ({"eval_job": 0.75, "judge_grading": 0.25}, 60, 0.8),
        "data_labeller": ({"rubric_labelling": 0.8, "chat": 0.2}, 10, 25),
        "agent_platform": ({"agent_cs": 0.7, "coding_agent": 0.15, "app": 0.15}, 10, 3),
        "reseller_relay": ({"chat": 0.4, "code_chat": 0.2, "coding_agent": 0.15, "app": 0.15, "reasoning": 0.1}, 5, 20),
        "hackathon": ({"coding_agent": 0.4, "code_chat": 0.3, "chat": 0.2, "computer_use": 0.1}, 6, 15),
    }

    def plan_benign(self, a, lo, hi, vol, out):
        r = a.rnd
        kinds, per_sess, gap = self.BENIGN_KINDS[a.persona]
        org = self.orgs.get(a.org, {})
        if a.persona == "hackathon":
            lo, hi = max(lo, org["start"]), min(hi, org["start"] + 2.5 * 86400)
            if hi - lo < 600:
                return
        budget = max(1.0, vol)
        kl, kw = list(kinds), list(kinds.values())
        while budget > 0:
            kind = r.choices(kl, kw)[0]
            if kind == "homework":
                dl = r.choice(org["deadlines"])
                t = dl - abs(r.gauss(0, 1.2)) * 86400 * 0.7
                if not (lo <= t < hi):
                    t = self.sample_start(a, lo, hi)
            elif kind == "eval_job":
                t = r.uniform(lo, hi)
                if t < self.release_t and r.random() < 0.3 and self.release_t < hi:
                    t = self.release_t + r.uniform(0.5, 30) * 3600  # eval vendors run suites on a new model at once
            else:
                t = self.sample_start(a, lo, hi)
            steps = max(1, int(r.expovariate(1 / per_sess))) if kind not in ("eval_job",) else r.randint(40, 200)
            if kind == "eval_job" and budget < 40:
                continue
            budget -= steps
            out.append((t, a, kind, steps, gap, None))

    def plan_operator(self, a, op, lo, hi, vol, out):
        r = a.rnd
        ev = op["evasion"]
        n = int(vol)
        cats, cw = list(op["cats"]), list(op["cats"].values())
        # lockstep: the operator's scheduler ticks on a shared clock; each tick all accounts fire one batch
        tick = 3600.0 * (0.5 + 2 * ev)
        batch = max(2, int(8 * (1 - ev)) + 1)
        if op["lockstep"]:
            phase = shash("phase", op["campaign"]) % 1000 / 1000.0 * tick
            k = int(lo // tick)
            while n > 0:
                t = k * tick + phase + r.uniform(0, 2.0)
                k += 1
                if t < lo:
                    continue
                if t >= hi:
                    break
                if r.random() < 0.15:  # skipped ticks (rate limits, restarts)
                    continue
                if r.random() < op["cover"]:
                    out.append((t, a, "chat", r.randint(1, 3), 40, None))
                    continue
                cat = r.choices(cats, cw)[0]
                m = min(n, batch + r.randint(0, 2))
                out.append((t, a, "op:" + cat, m, r.uniform(1.0, 4.0), op))
                n -= m
        else:
            while n > 0:
                t = self.sample_start(a, lo, hi) if r.random() < ev else r.uniform(lo, hi)
                if r.random() < op["cover"]:
                    k = r.choice(["chat", "code_chat", "writing"])
                    out.append((t, a, k, r.randint(1, 4), 60, None))
                    n -= 1
                    continue
                cat = r.choices(cats, cw)[0]
                m = min(n, max(1, int(r.expovariate(1 / (batch * (1 + ev))))))
                out.append((t, a, "op:" + cat, m, r.uniform(3, 60) * (0.5 + ev), op))
                n -= m
        if a.banned_at is not None and a.banned_at < self.span:
            out.append((a.banned_at + r.uniform(60, 3600), a, "banned", r.randint(1, 3), 5, op))

    # ---- rendering sessions into exchange records
    def suite_rows(self, key, r):
        suites = sorted(s for s, v in self.C.by_suite.items() if len(v) >= 20 and not s.startswith("tau2"))
        return self.C.by_suite[suites[shash("suite", key) % len(suites)]]

    def op_item(self, op):
        """The operator's task queue: a fixed shuffled walk over its dataset slice."""
        if "queue" not in op:
            pool = [x for k in op["dataset"] for x in self.C.by_kind[k]]
            rq = random.Random(shash("queue", op["campaign"]))
            rq.shuffle(pool)
            op["queue"], op["qpos"] = pool[:4000], 0
        it = op["queue"][op["qpos"] % len(op["queue"])]
        op["qpos"] += 1
        return it

    def params_for(self, r, kind, t=None, op=None):
        p = {}
        tp = (t or {}).get("params") or {}
        ev = op["evasion"] if op else None
        if op is not None:
            if "temperature" in tp and r.random() > ev * 0.7:
                p["temperature"] = tp["temperature"]
            elif r.random() < 0.7:
                p["temperature"] = round(r.choice([0, 0.2, 0.7, 1.0]) if ev < 0.4 else r.uniform(0, 1.2), 2)
            if "top_p" in tp and r.random() > ev:
                p["top_p"] = tp["top_p"]
            mt = tp.get("max_tokens") or op.setdefault("max_tokens", r.choice([2048, 4096, 8192, 16000]))
            p["max_tokens"] = int(mt) if r.random() > ev * 0.6 else r.choice([1024, 2048, 4096, 8192])
            if ev < 0.35 and r.random() < 0.5:
                p["n"] = r.choice([2, 4])
            if ev < 0.3 and r.random() < 0.4:
                p["logprobs"] = True
                p["top_logprobs"] = 5
            return p
        if kind in ("eval_job",):
            p["temperature"] = 0
            p["max_tokens"] = 512
        elif kind in ("judge_grading", "rubric_labelling"):
            p.update({k: v for k, v in tp.items() if k in ("temperature", "top_p", "max_tokens") and isinstance(v, (int, float))})
        elif r.random() < 0.5:
            p["temperature"] = round(r.choice([0.2, 0.5, 0.7, 1.0]), 2)
        if r.random() < 0.6 and "max_tokens" not in p:
            p["max_tokens"] = r.choice([512, 1024, 2048, 4096])
        if r.random() < 0.15:
            p["new_max"] = True
        if r.random() < 0.3:
            p["stream"] = True
        return p

    def reason_params(self, r, p, high):
        if high:
            p["effort"] = r.choice(["high", "high", "medium"]) if r.random() < 0.6 else "high"
            p["thinking"] = r.choice([8000, 16000, 32000, "adaptive"])
        else:
            p["effort"] = r.choice(["low", "medium"])
            p["thinking"] = r.choice([2048, 4096, "adaptive"])
        if isinstance(p["thinking"], int):
            p["max_tokens"] = max(p.get("max_tokens", 0), p["thinking"] + 4096)
        return p

    def tpl(self, fam_filter, r):
        ids = sorted(i for i in self.C.templates if fam_filter(i, self.C.templates[i]))
        return self.C.templates[r.choice(ids)]

    def render_session(self, sess):
        t, a, kind, steps, gap, op = sess
        r = random.Random(shash("sess", self.seed, a.id, round(t, 3), kind))
        C = self.C
        form = r.choices(list(a.forms), list(a.forms.values()))[0]
        model = self.model_for(a, t, op)
        ua = a.uas[0] if len(a.uas) == 1 or r.random() < 0.8 else r.choice(a.uas)
        ip, asn = a.ips[r.randrange(len(a.ips))]
        key = a.keys[0] if r.random() < 0.8 else r.choice(a.keys)
        recs = []
        system, turns, tools, params = None, [], None, {}
        reasoning = False
        fam = kind
        steps = min(steps, 60)
        agent_loop = False
        status_override = None
        # ---- choose content
        if kind == "banned":
            status_override = 403
            kind = "chat"
        if kind.startswith("op:"):
            cat = kind[3:]
            fam = cat
            opt = op["templates"].get(cat, [None])
            tid = opt[r.randrange(len(opt))] if op["evasion"] > 0.3 else opt[0]
            tmpl = C.templates.get(tid) if tid else None
            params = self.params_for(r, kind, tmpl, op)
            if cat in ("computer_use",) or (cat in ("coding", "tool_use") and op["strategy"] == "shell_startup"):
                agent_loop = True
                tools = TOOLSETS["computer" if cat == "computer_use" else ("code" if cat == "coding" else r.choice(["search", "code"]))]
                item = self.op_item(op)
                first = item["messages"][-1]["content"][:4000] if cat != "coding" else C.code_pool[op["qpos"] % len(C.code_pool)]
                turns = [{"k": "user", "text": first, "image": self.img(r) if cat == "computer_use" else None}]
                if r.random() < 0.5:
                    params = self.reason_params(r, params, op["evasion"] < 0.5)
            else:
                steps_items = []
                for _ in range(steps):
                    item = self.op_item(op)
                    itxt = item["messages"][-1]["content"][:3000]
                    if tmpl is not None:
                        s_, u_ = render_template(tmpl, r, C, itxt)
                    else:
                        s_ = next((m["content"] for m in item["messages"] if m["role"] == "system"), None)
                        u_ = itxt
                    steps_items.append((s_, u_))
                turns = None
                if cat == "reasoning_elicitation":
                    params = self.reason_params(r, params, True)
                    reasoning = True
        elif kind in ("chat", "writing", "code_chat"):
            kinds = {"chat": ["chat", "role_prompt", "chat", "eval", "writing"], "writing": ["writing"], "code_chat": ["coding"]}[kind]
            pr = C.prompt(r, kinds)
            system = next((m["content"] for m in pr["messages"] if m["role"] == "system"), None)
            users = [m["content"] for m in pr["messages"] if m["role"] == "user"] or [pr["messages"][-1]["content"]]
            follow = list(pr["followup"] or [])
            turns = [{"k": "user", "text": users[-1][:8000]}]
            turns[0]["follow"] = follow
            params = self.params_for(r, kind)
            steps = min(steps, 6)
        elif kind in ("reasoning", "homework", "app", "eval_job", "judge_grading", "rubric_labelling", "synth_research"):
            params = self.params_for(r, kind)
            steps_items = []
            if kind == "homework":
                rows = C.by_suite[self.orgs[a.org]["assignment_suite"]]
            elif kind == "app":
                rows = self.suite_rows(a.id, r)
            elif kind == "eval_job":
                rows = self.suite_rows((a.id, r.randrange(8)), r)
            else:
                rows = None
            app_sys = None
            if kind == "app" and r.random() < 0.5:
                app_sys = C.by_kind["role_prompt"][shash("appsys", a.id) % len(C.by_kind["role_prompt"])]["messages"][-1]["content"]
            jt = None
            if kind == "judge_grading":
                jt = self.tpl(lambda i, x: x["family"] == "judge" and "alpaca-eval" in i, r)
            elif kind == "rubric_labelling":
                jt = self.tpl(lambda i, x: x["family"] == "rubric_grading" and ("ultrafeedback" in i or "prometheus" in i), r)
            elif kind == "synth_research":
                jt = self.tpl(lambda i, x: x["family"] in ("synthetic_data", "evol_rewrite") and "magpie" not in i and "brainstorming" not in i, r)
            if jt is not None:
                params = self.params_for(r, kind, jt)
            start = r.randrange(10 ** 6)
            for i in range(steps):
                if rows is not None:
                    row = rows[(start + i) % len(rows)] if kind == "eval_job" else rows[r.randrange(len(rows))]
                else:
                    row = C.prompt(r, ["eval", "chat", "writing", "coding"])
                s_ = next((m["content"] for m in row["messages"] if m["role"] == "system"), None)
                u_ = row["messages"][-1]["content"][:6000]
                if app_sys:
                    s_ = app_sys
                if jt is not None:
                    s_, u_ = render_template(jt, r, C, u_)
                steps_items.append((s_, u_))
            if kind == "reasoning" or (kind == "eval_job" and r.random() < 0.3):
                params = self.reason_params(r, params, kind == "reasoning" and r.random() < 0.5)
                reasoning = True
            turns = None
        elif kind in ("coding_agent", "computer_use"):
            agent_loop = True
            tools = TOOLSETS["code" if kind == "coding_agent" else "computer"]
            if kind == "coding_agent":
                first = C.code_pool[r.randrange(len(C.code_pool))] if r.random() < 0.6 else C.prompt(r, ["chat", "writing", "coding"])["messages"][-1]["content"]
                turns = [{"k": "user", "text": first[:6000]}]
            else:
                turns = [{"k": "user", "text": C.prompt(r, ["chat", "writing", "role_prompt"])["messages"][-1]["content"][:3000], "image": self.img(r)}]
            params = self.params_for(r, kind)
            if r.random() < 0.4:
                params = self.reason_params(r, params, False)
        elif kind == "agent_cs":
            agent_loop = True
            task = C.by_kind["agent_task"][r.randrange(len(C.by_kind["agent_task"]))]
            dom = task["suite"].split("-", 1)[1] if task["suite"] else "retail"
            system = C.tau2_agent.get(dom) or next(iter(C.tau2_agent.values()))
            tools = TOOLSETS["cs"]
            turns = [{"k": "user", "text": C.text(r, r.randint(80, 400))}]
            params = self.params_for(r, kind)
            params["temperature"] = 0
            cs_task = task
        else:
            raise ValueError(kind)
        # ---- emit exchanges
        now = t
        hist = turns
        end_t = min(self.span, t + MAX_SESSION_S)
        for i in range(steps):
            if now >= end_t:
                break
            call = None
            s_sys = system
            if turns is None:  # independent single-turn tasks
                s_sys, u = steps_items[i]
                cur = [{"k": "user", "text": u}]
                if kind.startswith("op:") and op["strategy"] == "hydra" and fam == "vision":
                    cur[0]["image"] = self.img(r)
                cur_tools = None
            elif kind == "agent_cs" and i % 3 == 2:  # the platform's user-simulator call (tau2 user side)
                s_sys = cs_task["messages"][0]["content"]
                cur = [{"k": "user", "text": cs_task["messages"][-1]["content"]}] + [
                    {"k": "assistant" if x["k"] == "user" else "user", "text": x["text"]} for x in hist if x["k"] in ("user", "assistant")][-8:]
                if cur[-1]["k"] == "assistant":
                    cur.append({"k": "user", "text": C.text(r, 200)})
                cur_tools = None
            else:
                cur = hist
                cur_tools = tools
            out_tok = C.decode["code" if kind in ("code_chat", "coding_agent") or fam == "coding" else "conv"][r.randrange(len(C.decode["conv"]) if fam != "coding" and kind not in ("code_chat", "coding_agent") else len(C.decode["code"]))]
            out_tok = max(5, int(out_tok * (0.4 if agent_loop else 1.0)))
            if agent_loop and cur_tools and i < steps - 1 and r.random() < 0.9:
                tn, td, ts_ = cur_tools[r.randrange(len(cur_tools))]
                args = {k: (C.text(r, r.randint(20, 200), code=True) if v["type"] == "string" else [r.randrange(1280), r.randrange(800)]) for k, v in ts_["properties"].items()}
                if tn == "computer":
                    args = {"action": r.choice(["screenshot", "left_click", "type", "scroll"]), "coordinate": [r.randrange(1280), r.randrange(800)]}
                call = {"k": "call", "id": ("toolu_" if form == "messages" else "call_") + hexid("call", a.id, now, i, n=20), "name": tn, "args": args}
            rtext = C.text(r, min(2500, out_tok * 4), code=fam == "coding" or kind in ("code_chat", "coding_agent"))
            reason_txt = C.text(r, r.randint(600, 3500)) if (reasoning or params.get("thinking") or params.get("effort")) and r.random() < 0.85 else None
            body = build_body(form, model, s_sys, cur, params, cur_tools)
            rec = self.record(a, now, form, model, body, ua, ip, asn, key, r)
            st = status_override or self.status(r, a, op)
            in_tok = len(json.dumps(body)) // 4
            if st == 200:
                resp = {"content": "" if call else rtext, "finish_reason": "tool_calls" if call else ("length" if r.random() < 0.04 else "stop")}
                if call:
                    resp["tool_calls"] = [{"id": call["id"], "type": "function", "name": call["name"], "arguments": json.dumps(call["args"])}]
                rtok = 0
                if reason_txt:
                    resp["reasoning"] = reason_txt
                    rtok = len(reason_txt) // 4 * r.randint(1, 6)
                rec["response"] = resp
                rec["usage"] = {"input_tokens": in_tok, "output_tokens": (len(rtext) // 4 if not call else 40) + rtok, "reasoning_tokens": rtok}
                lat = r.uniform(250, 1500) + rec["usage"]["output_tokens"] * r.uniform(8, 25)
            else:
                rec["response"] = {"content": "", "finish_reason": "error"}
                rec["usage"] = {"input_tokens": in_tok, "output_tokens": 0, "reasoning_tokens": 0}
                lat = r.uniform(20, 300)
            rec["latency_ms"] = round(lat, 1)
            rec["status"] = st
            recs.append((now, rec, op["campaign"] if op else None, fam))
            # advance the conversation
            if turns is not None and kind != "agent_cs" or (kind == "agent_cs" and i % 3 != 2):
                if call:
                    hist = hist + [call, {"k": "result", "id": call["id"], "text": C.text(r, r.randint(100, 1500), code=True)}]
                    if kind in ("computer_use",) or fam == "computer_use":
                        if r.random() < 0.3:
                            hist = hist + [{"k": "user", "text": "screenshot", "image": self.img(r)}]
                else:
                    hist = hist + [{"k": "assistant", "text": rtext[:1500]}]
                    fol = hist[0].get("follow") if hist else None
                    nxt = fol.pop(0) if fol else C.prompt(r, ["chat", "eval", "coding"] if not agent_loop else ["chat"])["messages"][-1]["content"][:2000]
                    hist = hist + [{"k": "user", "text": nxt}]
                if len(hist) > 24:
                    hist = hist[:1] + hist[-22:]
                    while hist[1]["k"] not in ("user",) and len(hist) > 2:
                        hist.pop(1)
            now += lat / 1000.0 + (r.expovariate(1.0 / gap) if gap > 0 else 0)
        return recs

    def img(self, r):
        return "https://files.example-cdn.net/uploads/" + hexid("img", r.random(), n=24) + r.choice([".png", ".jpg", ".webp"])

    def status(self, r, a, op):
        x = r.random()
        if op is not None and op["lockstep"]:
            if x < 0.06:
                return 429
        if x < 0.006:
            return 429
        if x < 0.009:
            return 400
        if x < 0.011:
            return 500
        return 200

    def record(self, a, t, form, model, body, ua, ip, asn, key, r):
        rid = "req_" + hexid("req", self.seed, a.id, repr(t), r.random(), n=24)
        rec = {"request_id": rid, "ts": self.fmt_ts(t, a), "account_id": a.id, "api_key_id": key}
        if a.org and self.orgs[a.org]["kind"] != "individual":
            rec["org_id"] = a.org
        rec["client"] = {"ip": ip, "asn": asn, "country": a.country if ":" not in ip and asn in dict((n, 1) for _, n in RESID_NETS) else self.ip_country(ip, a),
                         "user_agent": ua, "tls_fingerprint": self.tls(ua)}
        rec["model"] = model
        if shash("ep", rid) % 100 >= 7:
            rec["endpoint"] = ENDPOINT[form]
        rec["request"] = body
        return rec

    def ip_country(self, ip, a):
        h = shash("ipc", ip.rsplit(".", 1)[0] if "." in ip else ip[:9])
        return a.country if h % 3 == 0 else ["US", "DE", "NL", "SG", "GB", "JP", "FR", "CA"][h % 8]

    def fmt_ts(self, t, a):
        dt = T0 + timedelta(seconds=t)
        if a.idx % 17 == 5:  # one edge region logs local time with an offset
            off = timedelta(hours=1)
            return (dt + off).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+01:00"
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --------------------------------------------------------------------------- output
class DayWriter:
    def __init__(self, out, days):
        self.dir = os.path.join(out, "exchanges")
        os.makedirs(self.dir, exist_ok=True)
        self.buckets = {}
        self.flushed = set()
        self.days = days
        self.count = 0

    def add(self, t, line):
        d = int(t // 86400)
        if d in self.flushed:
            d = max(self.flushed) + 1 if d < max(self.flushed) + 1 else d  # never happens with the session cap
        self.buckets.setdefault(d, []).append((t, line))

    def flush_before(self, t):
        for d in sorted(self.buckets):
            if (d + 1) * 86400 + MAX_SESSION_S < t:
                self._write(d)

    def _write(self, d):
        rows = self.buckets.pop(d)
        rows.sort(key=lambda x: x[0])
        day = (T0 + timedelta(days=d)).strftime("%Y-%m-%d")
        path = os.path.join(self.dir, f"part-{day}.jsonl.gz")
        with open(path, "ab") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=4) as g:
            g.write(b"".join(x[1] for x in rows))
        self.count += len(rows)
        self.flushed.add(d)

    def close(self):
        for d in sorted(self.buckets):
            self._write(d)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--evasive", action="store_true")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data")))
    args = ap.parse_args(argv)
    if args.accounts < 50 or args.days < 2:
        print("error: need --accounts >= 50 and --days >= 2", file=sys.stderr)
        return 2
    try:
        w = World(args)
    except (FileNotFoundError, NotADirectoryError) as e:
        print(f"error: corpus not usable: {e}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, json.JSONDecodeError) as e:
        print(f"error: corpus not readable: {e!r}", file=sys.stderr)
        return 2
    R = w.R
    frac = R.uniform(0.08, 0.15)
    n_camp = int(args.accounts * frac)
    w.build_benign(args.accounts - n_camp)
    w.build_operators(n_camp)
    # trim/extend to the exact account count using individuals
    while len(w.accounts) < args.accounts:
        w.org_individual(1)
    os.makedirs(args.out, exist_ok=True)
    exdir = os.path.join(args.out, "exchanges")
    if os.path.isdir(exdir):
        for f in os.listdir(exdir):
            if f.startswith("part-"):
                os.remove(os.path.join(exdir, f))
    sessions = w.plan()
    wr = DayWriter(args.out, args.days)
    per_camp, per_acct, cats = {}, {}, {}
    dup_r = random.Random(shash("dup", args.seed))
    for s in sessions:
        wr.flush_before(s[0])
        for t, rec, camp, fam in w.render_session(s):
            if t >= w.span:
                continue
            line = (json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
            wr.add(t, line)
            if dup_r.random() < 0.002:  # duplicate delivery (same request_id)
                wr.add(t + 0.5, line)
            per_acct[rec["account_id"]] = per_acct.get(rec["account_id"], 0) + 1
            if camp:
                per_camp[camp] = per_camp.get(camp, 0) + 1
                cats.setdefault(camp, {})
                cats[camp][fam] = cats[camp].get(fam, 0) + 1
    wr.close()
    # accounts / labels / events / truth
    order = sorted(w.accounts, key=lambda a: a.id)
    with open(os.path.join(args.out, "accounts.jsonl"), "w") as f:
        for a in order:
            f.write(json.dumps({"account_id": a.id, "created_at": (T0 + timedelta(seconds=a.created)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                "email_domain": a.email_domain, "payment_fingerprint": a.pay, "country": a.country,
                                "signup_path": a.signup, "verified": a.verified}) + "\n")
    with open(os.path.join(args.out, "labels.jsonl"), "w") as f:
        for a in order:
            f.write(json.dumps({"account_id": a.id, "campaign": a.campaign, "persona": a.persona}) + "\n")
    ev = [{"type": "model_release", "model": MODEL_NEW, "ts": (T0 + timedelta(seconds=w.release_t)).strftime("%Y-%m-%dT%H:%M:%SZ")},
          {"type": "model_release", "model": MODEL_NEW_MINI, "ts": (T0 + timedelta(seconds=w.mini_release_t)).strftime("%Y-%m-%dT%H:%M:%SZ")}]
    with open(os.path.join(args.out, "events.jsonl"), "w") as f:
        for e in sorted(ev, key=lambda e: e["ts"]):
            f.write(json.dumps(e) + "\n")
    personas = {}
    for a in w.accounts:
        personas[a.persona] = personas.get(a.persona, 0) + 1
    camps = []
    for op in w.operators:
        n_ex = per_camp.get(op["campaign"], 0)
        c = cats.get(op["campaign"], {})
        camps.append({"name": op["campaign"], "operator": op["operator"], "strategy": op["strategy"], "channel": op.get("channel"),
                      "evasion": op["evasion"], "lockstep": op["lockstep"], "accounts": len(op["accounts"]),
                      "active_accounts": sum(1 for x in op["accounts"] if per_acct.get(x)), "exchanges": n_ex,
                      "categories_planned": {k: round(v, 3) for k, v in op["cats"].items()},
                      "categories_observed": {k: round(v / max(1, n_ex), 3) for k, v in sorted(c.items())},
                      "cover_fraction": round(op["cover"], 3), "migrate_lag_h": round(op["migrate_lag_h"], 1),
                      "migrate_frac": round(op["migrate_frac"], 2), "waves": op.get("waves")})
    truth = {"generator": "blind2", "seed": args.seed, "accounts": len(w.accounts), "days": args.days, "evasive": args.evasive,
             "window": [T0.strftime("%Y-%m-%dT%H:%M:%SZ"), (T0 + timedelta(days=args.days)).strftime("%Y-%m-%dT%H:%M:%SZ")],
             "exchanges": wr.count, "campaign_account_fraction": round(sum(1 for a in w.accounts if a.campaign) / len(w.accounts), 4),
             "campaigns": camps, "operators": [{"operator": o["operator"], "strategy": o["strategy"], "campaign": o["campaign"],
                                                "country": o["country"], "evasion": o["evasion"]} for o in w.operators],
             "personas": dict(sorted(personas.items())), "events": ev,
             "orgs": {k: sum(1 for v in w.orgs.values() if v["kind"] == k) for k in sorted({v["kind"] for v in w.orgs.values()})}}
    with open(os.path.join(args.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print(f"wrote {wr.count} exchanges, {len(w.accounts)} accounts, {len(camps)} campaigns to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
