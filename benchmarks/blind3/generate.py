#!/usr/bin/env python3
"""blind3: an independent synthetic-world generator for measuring a distillation-attack detector.

Written blind (see README.md beside this file): it reads only the public corpus in shared/data and the
data contract, never the detector. Worlds are for measuring only; nothing is tuned on them.

    python benchmarks/blind3/generate.py --seed S --out DIR [--accounts N] [--days D] [--evasive] [--data CORPUS]

Output (contract layout): DIR/exchanges/*.jsonl.gz, DIR/accounts.jsonl, DIR/events.jsonl,
plus ground truth DIR/labels.jsonl, DIR/truth.json and DIR/provenance.jsonl.gz (request_id -> corpus ids).
"""
import argparse
import ast
import bisect
import glob
import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import socket
import struct
import sys
import time
from datetime import datetime, timezone, timedelta

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
WORLD_START = datetime(2026, 11, 9, tzinfo=timezone.utc)  # a Monday
T0 = WORLD_START.timestamp()
DAY = 86400.0
HOUR = 3600.0

# ----------------------------------------------------------------------------------------------
# Static world tables (simulated; ASNs are real-looking numbers but the prefix <-> ASN mapping is
# invented per world; nothing here claims that a real network owns a generated address).
# ----------------------------------------------------------------------------------------------
# country: (user weight, local UTC offsets in November, region)
COUNTRIES = {
    "US": (0.27, [-5, -5, -6, -8, -7], "na"), "IN": (0.08, [5.5], "apac"), "GB": (0.05, [0], "eu"),
    "DE": (0.05, [1], "eu"), "BR": (0.035, [-3], "sa"), "FR": (0.03, [1], "eu"), "CA": (0.035, [-5, -8], "na"),
    "JP": (0.03, [9], "apac"), "KR": (0.03, [9], "apac"), "SG": (0.02, [8], "apac"), "AU": (0.02, [11, 10.5], "apac"),
    "NL": (0.02, [1], "eu"), "ES": (0.02, [1], "eu"), "IT": (0.015, [1], "eu"), "PL": (0.015, [1], "eu"),
    "ID": (0.015, [7], "apac"), "VN": (0.015, [7], "apac"), "NG": (0.012, [1], "emea"), "MX": (0.015, [-6], "na"),
    "TR": (0.012, [3], "emea"), "IL": (0.012, [2], "emea"), "SE": (0.01, [1], "eu"), "CH": (0.01, [1], "eu"),
    "UA": (0.01, [2], "eu"), "PK": (0.01, [5], "apac"), "EG": (0.008, [2], "emea"), "PH": (0.012, [8], "apac"),
    "AR": (0.008, [-3], "sa"), "ZA": (0.008, [2], "emea"), "TW": (0.012, [8], "apac"), "HK": (0.008, [8], "apac"),
    "AE": (0.006, [4], "emea"), "KE": (0.005, [3], "emea"),
}
# operator home regions (where un-proxied "leak" traffic comes from); deliberately mixed
OPERATOR_HOMES = ["HK", "SG", "AE", "VN", "TR", "UA", "US", "DE", "NL", "KR", "TW", "IN"]

# (name, asn, country, kind, ipv6 share)
ISPS = [
    ("Comcast", 7922, "US", "home", 0.75), ("Charter", 20115, "US", "home", 0.6), ("AT&T", 7018, "US", "home", 0.65),
    ("Verizon Fios", 701, "US", "home", 0.4), ("T-Mobile US", 21928, "US", "mobile", 0.9), ("Verizon Wireless", 6167, "US", "mobile", 0.8),
    ("Cox", 22773, "US", "home", 0.5), ("Jio", 55836, "IN", "mobile", 0.9), ("Airtel", 24560, "IN", "home", 0.6),
    ("ACT Fibernet", 24309, "IN", "home", 0.3), ("Vi India", 38266, "IN", "mobile", 0.5), ("BT", 2856, "GB", "home", 0.5),
    ("Virgin Media", 5089, "GB", "home", 0.2), ("Sky UK", 5607, "GB", "home", 0.8), ("EE", 12576, "GB", "mobile", 0.6),
    ("Deutsche Telekom", 3320, "DE", "home", 0.7), ("Vodafone DE", 3209, "DE", "home", 0.5), ("Telefonica DE", 6805, "DE", "mobile", 0.4),
    ("Claro BR", 28573, "BR", "home", 0.5), ("Vivo", 26599, "BR", "mobile", 0.6), ("Orange FR", 3215, "FR", "home", 0.7),
    ("Free", 12322, "FR", "home", 0.9), ("Bell Canada", 577, "CA", "home", 0.3), ("Rogers", 812, "CA", "home", 0.5),
    ("NTT OCN", 4713, "JP", "home", 0.5), ("KDDI", 2516, "JP", "home", 0.6), ("SoftBank Mobile", 17676, "JP", "mobile", 0.5),
    ("KT", 4766, "KR", "home", 0.1), ("SK Broadband", 9318, "KR", "home", 0.1), ("Singtel", 7473, "SG", "home", 0.4),
    ("StarHub", 4657, "SG", "home", 0.3), ("Telstra", 1221, "AU", "home", 0.6), ("Optus", 4804, "AU", "mobile", 0.3),
    ("KPN", 1136, "NL", "home", 0.6), ("Ziggo", 33915, "NL", "home", 0.4), ("Movistar", 3352, "ES", "home", 0.3),
    ("TIM", 3269, "IT", "home", 0.2), ("Orange PL", 5617, "PL", "home", 0.4), ("Telkomsel", 23693, "ID", "mobile", 0.3),
    ("Viettel", 7552, "VN", "home", 0.5), ("MTN Nigeria", 29465, "NG", "mobile", 0.2), ("Telmex", 8151, "MX", "home", 0.4),
    ("Turk Telekom", 9121, "TR", "home", 0.2), ("Bezeq", 8551, "IL", "home", 0.4), ("Telia", 3301, "SE", "home", 0.5),
    ("Swisscom", 3303, "CH", "home", 0.7), ("Kyivstar", 15895, "UA", "mobile", 0.2), ("PTCL", 17557, "PK", "home", 0.1),
    ("TE Data", 8452, "EG", "home", 0.1), ("PLDT", 9299, "PH", "home", 0.3), ("Globe", 4775, "PH", "mobile", 0.4),
    ("Telecom Argentina", 7303, "AR", "home", 0.2), ("Vodacom", 29975, "ZA", "mobile", 0.2), ("Chunghwa", 3462, "TW", "home", 0.5),
    ("HKT", 4760, "HK", "home", 0.4), ("Etisalat", 5384, "AE", "home", 0.5), ("Safaricom", 33771, "KE", "mobile", 0.2),
]
BUSINESS_ISPS = [("Lumen", 3356, "US"), ("Zayo", 6461, "US"), ("Cogent", 174, "US"), ("Colt", 8220, "GB"),
                 ("Telia Carrier", 1299, "SE"), ("NTT Global", 2914, "JP"), ("Tata Comm", 6453, "IN"), ("GTT", 3257, "DE")]
# cloud provider: (asn, regions)
CLOUDS = {
    "aws": (16509, ["US", "US", "US", "IE", "DE", "SG", "JP", "IN", "BR", "GB"]),
    "gcp": (396982, ["US", "US", "NL", "BE", "SG", "JP", "TW"]),
    "azure": (8075, ["US", "US", "NL", "IE", "GB", "SG", "IN"]),
    "digitalocean": (14061, ["US", "NL", "DE", "SG", "IN", "GB"]),
    "hetzner": (24940, ["DE", "FI", "US"]), "ovh": (16276, ["FR", "CA", "DE", "GB", "PL"]),
    "linode": (63949, ["US", "DE", "JP", "SG"]), "vultr": (20473, ["US", "JP", "NL", "SG"]),
    "alibaba": (45102, ["SG", "HK", "US", "JP"]), "tencent": (132203, ["SG", "HK", "DE"]),
    "oracle": (31898, ["US", "JP", "GB"]), "cloudflare-warp": (13335, ["US", "DE", "SG", "GB"]),
}
VPN_PROVIDERS = [("m247", 9009), ("datacamp", 60068), ("leaseweb", 60781), ("zenlayer", 21859),
                 ("packethub", 207137), ("clouvider", 62240), ("tzulo", 11878), ("hostroyale", 203020)]
VPN_EXIT_COUNTRIES = ["US", "US", "NL", "DE", "GB", "SG", "JP", "CH", "SE", "CA", "FR", "HK", "AU"]
ZSCALER_LIKE = ("zscaler", 22616)

WEBMAIL = ["gmail.com"] * 10 + ["outlook.com"] * 3 + ["hotmail.com", "yahoo.com", "icloud.com", "proton.me",
           "qq.com", "163.com", "yandex.ru", "gmx.de", "naver.com", "mail.ru", "protonmail.com", "live.com"]
EDU_TLDS = {"US": ".edu", "GB": ".ac.uk", "IN": ".ac.in", "DE": ".de", "JP": ".ac.jp", "KR": ".ac.kr", "SG": ".edu.sg",
            "BR": ".edu.br", "CA": ".ca", "AU": ".edu.au", "FR": ".fr", "NL": ".nl", "TW": ".edu.tw", "HK": ".edu.hk",
            "IL": ".ac.il", "CH": ".ch", "ES": ".es", "IT": ".it", "PL": ".edu.pl", "TR": ".edu.tr", "VN": ".edu.vn"}
SYL = ["ar", "bel", "cor", "dan", "el", "fin", "gar", "hal", "in", "jor", "kel", "lun", "mar", "nor", "or", "pel",
       "quin", "ros", "sal", "tor", "ul", "ven", "wil", "xen", "yar", "zen", "bri", "cla", "dro", "fla", "gri", "pra",
       "stel", "tri", "vox", "nex", "lum", "syn", "quo", "rho", "tek", "ion", "ora", "mi", "ka", "lo"]
TLDS = [".com", ".com", ".io", ".ai", ".co", ".dev", ".net", ".app", ".tech", ".de", ".co.uk"]

MODELS_OLD = [("nova-2", "2026-03-18T17:00:00Z"), ("nova-2-mini", "2026-05-06T16:00:00Z"),
              ("nova-2-pro", "2026-08-26T17:00:00Z")]
SPEED_TPS = {"nova-2": 75, "nova-2-mini": 150, "nova-2-pro": 45, "nova-3": 65, "nova-3-mini": 170}

# Simulated glue text (NOT corpus): coding-harness system prompts, a few generic chat follow-ups and the
# system prompts of simulated apps. Kept short; documented in README.md.
HARNESS_SYSTEMS = {
    "nova-code": "You are Nova Code, an interactive command line coding assistant. Use the available tools to read, search "
                 "and edit files in the user's repository and to run commands. Keep answers concise. Before editing, read the "
                 "relevant files. After editing, run the tests. Never invent file contents. When you are done, summarise the change.",
    "opencode": "You are opencode, an agent that helps users with software engineering tasks. You have tools for reading files, "
                "listing directories, grepping, applying patches and running shell commands. Work step by step, verify with tests, "
                "and answer in GitHub-flavoured markdown.",
    "aider": "Act as an expert software developer. Always use best practices when coding. Respect and use existing conventions, "
             "libraries, etc that are already present in the code base. Take requests for changes to the supplied code. "
             "If the request is ambiguous, ask questions.",
}
APP_SYSTEMS = {
    "writing_app": "You are the writing assistant inside a document editor. Help the user draft, edit and improve text. "
                   "Match the user's tone and language. Do not mention that you are an AI model unless asked.",
    "tutor_app": "You are a patient tutor for students. Explain your reasoning step by step, check the student's understanding "
                 "and give the final answer clearly at the end.",
    "translate_app": "Translate or localise the user's text faithfully. Preserve formatting. Return only the translation.",
    "extract_pipeline": "Extract the requested information from the document and return JSON that matches the schema. "
                        "Use null for missing values. Do not add commentary.",
    "computer_use": "You are operating a web browser on the user's behalf. You receive a screenshot after every action. "
                    "Use the computer tool to click, type and scroll. Stop and ask before purchases or irreversible actions.",
    "hack_agent": "You are a helpful agent. Use the tools when needed and answer the user.",
}
GENERIC_FOLLOWUPS = ["Can you make it shorter?", "Thanks! Can you give me another example?", "Please explain that in simpler terms.",
                     "Can you put that in a table?", "ok and what about the second part?", "That doesn't look right, can you check again?",
                     "Rewrite it in a more formal tone.", "continue", "Translate that into Spanish.", "Why?"]
RESEARCH_SUITE_KEYS = ["logic", "math", "reason", "riddle", "probab", "equation", "algebra", "series", "graph", "game_theory",
                       "euler", "physics", "deduct", "counting", "liar", "syllog", "matric", "regression", "recurrence",
                       "derivative", "solve", "knot", "premature", "counterfactual", "abstract", "pattern", "seating",
                       "rectangles", "path_enclosed", "passing-balls", "jee", "finance_calc", "stock_options", "taxes"]
EXTRACT_SUITE_KEYS = ["ner_", "extraction", "abstract2title", "consensus_summary", "utility_price", "product-matching",
                      "soc_codes", "event_categories", "json_patch", "invoice", "research-question", "banking77", "allergen"]
CODE_SUITE_KEYS = ["forth_stack", "json_patch", "syntax-check", "protocol-buffers", "formal-grammar", "comp_sci",
                   "computer_science", "infiniteloop", "regex", "coq-proof", "reverse-shell", "singlestore", "context-free"]
TRANSLATE_SUITE_KEYS = ["translation", "manga", "transliteration", "chinese_hard", "iqbal"]


# ----------------------------------------------------------------------------------------------
# small utilities
# ----------------------------------------------------------------------------------------------
def srng(*parts):
    """A python Random seeded by a string (sha512-based seeding: independent of PYTHONHASHSEED)."""
    return random.Random("|".join(str(p) for p in parts))


def nrng(*parts):
    h = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:16], "big"))


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


B32 = "abcdefghijklmnopqrstuvwxyz234567"


def b32id(rng, n):
    return "".join(B32[rng.getrandbits(5)] for _ in range(n))


ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def alnum(rng, n):
    return "".join(ALNUM[rng.randrange(62)] for _ in range(n))


def wchoice(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def lognorm(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


def h64(*parts):
    return int(hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:16], 16)


def ip4(n):
    return socket.inet_ntoa(struct.pack("!I", n & 0xFFFFFFFF))


def ip6(n):
    return socket.inet_ntop(socket.AF_INET6, n.to_bytes(16, "big"))


def parse_cidr(s):
    a, _, b = s.strip().partition("/")
    n = struct.unpack("!I", socket.inet_aton(a))[0]
    pl = int(b) if b else 32
    size = 1 << (32 - pl)
    n &= ~(size - 1) & 0xFFFFFFFF
    return n, size


def fmt_ts(t, style):
    """RFC 3339. style: 0 = Z millis, 1 = Z micros, 2 = Z seconds, or ('off', hours) = local offset millis."""
    if isinstance(style, tuple):
        off = style[1]
        dt = datetime.fromtimestamp(t, tz=timezone(timedelta(hours=off)))
        s = dt.isoformat(timespec="milliseconds")
        return s
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    if style == 1:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == 2:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def iso(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def tls_fp(stack_name):
    """A JA4-shaped fingerprint determined only by the client stack (simulated)."""
    h = hashlib.sha256(stack_name.encode()).hexdigest()
    proto = "t13d" if "tls12" not in stack_name else "t12d"
    n1 = 10 + int(h[0], 16)
    n2 = 8 + int(h[1], 16) % 9
    return "%s%02d%02dh2_%s_%s" % (proto, n1, n2, h[2:14], h[14:26])


# ----------------------------------------------------------------------------------------------
# corpus
# ----------------------------------------------------------------------------------------------
class Corpus:
    def __init__(self, root):
        self.root = root
        p = lambda *a: os.path.join(root, *a)
        self.templates = {}
        with open(p("templates", "attack.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                self.templates[r["id"]] = r
        self.seeds = {}
        with open(p("templates", "attack_seeds.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                self.seeds.setdefault(r["for_template"], []).append(r)
        self.benign = []
        with gzip.open(p("prompts", "benign.jsonl.gz"), "rt", encoding="utf-8") as f:
            for line in f:
                self.benign.append(json.loads(line))
        self.tau2_agent = {}
        with open(p("prompts", "tau2_agent_system.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                self.tau2_agent[r["domain"]] = r
        self.by_kind = {}
        self.by_suite = {}
        for r in self.benign:
            self.by_kind.setdefault(r["kind"], []).append(r)
            if r["kind"] == "eval":
                self.by_suite.setdefault(r["suite"], []).append(r)
        self.suites = sorted(self.by_suite)

        def suites_with(keys):
            return [s for s in self.suites if any(k in s.lower() for k in keys)]
        self.reason_suites = suites_with(RESEARCH_SUITE_KEYS)
        self.extract_suites = suites_with(EXTRACT_SUITE_KEYS)
        self.code_suites = suites_with(CODE_SUITE_KEYS)
        self.translate_suites = suites_with(TRANSLATE_SUITE_KEYS)
        self.tau2_tasks = {}
        for r in self.by_kind.get("agent_task", []):
            self.tau2_tasks.setdefault(r["extra"]["domain"], []).append(r)
        # instruction-like texts (single user turn, moderate length) usable as "the instruction" in grader templates
        self.instructions = []
        for r in self.benign:
            if r["kind"] in ("writing", "chat", "role_prompt") or (r["kind"] == "eval" and r["extra"].get("ideal")):
                u = last_user(r["messages"])
                if u and 20 <= len(u) <= 2500:
                    self.instructions.append((r["id"], u, r["extra"].get("ideal") if r["kind"] == "eval" else None))
        # sentence pool for simulated response text (real sentences, recombined -> clearly simulated)
        sents = []
        for r in self.by_kind.get("writing", []) + self.by_kind.get("chat", []) + self.by_kind.get("role_prompt", []):
            for s in re.split(r"(?<=[.!?])\s+", last_user(r["messages"]) or ""):
                s = s.strip()
                if 30 <= len(s) <= 220 and "\n" not in s:
                    sents.append(s)
        self.sentences = sents
        self.code_snips = [last_user(r["messages"]) for r in self.by_kind.get("coding", [])]
        # user agents
        with open(p("infra", "user_agents_sdk.txt"), encoding="utf-8") as f:
            self.ua_sdk = [l.rstrip("\n") for l in f if l.strip()]
        self.ua_browser = []
        with open(p("infra", "user_agents_browser.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                self.ua_browser.append((r["useragent"], r["share"], r["type"], r.get("browser") or "", str(r.get("browser_version") or "")))
        with open(p("infra", "disposable_domains.txt"), encoding="utf-8") as f:
            self.disposable = [l.strip() for l in f if l.strip()]
        with open(p("infra", "vpn_ipv4.txt"), encoding="utf-8") as f:
            self.vpn_cidrs = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        with open(p("infra", "datacenter_ipv4.txt"), encoding="utf-8") as f:
            self.dc_cidrs = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        # timing
        self.servegen = {}
        for fn in sorted(glob.glob(p("timing", "servegen_m_large", "chunk-*-trace.csv.gz"))):
            cid = int(os.path.basename(fn).split("-")[1])
            rows = []
            with gzip.open(fn, "rt") as f:
                for line in f:
                    a = line.rstrip("\n").split(",")
                    rows.append((float(a[1]), a[3], float(a[4] or 0), float(a[5] or 0)))
            self.servegen[cid] = rows
        self.servegen_ids = sorted(self.servegen)
        self._sg_pmf = {}
        self.azure = {}
        for name in ("conv", "code"):
            arr = np.loadtxt(p("timing", "azure_2023_%s.csv" % name), delimiter=",", skiprows=1)
            self.azure[name] = arr

    def servegen_pmf(self, cid):
        """Output-token samples for a ServeGen client (pooled over the client's windows), or None."""
        if cid in self._sg_pmf:
            return self._sg_pmf[cid]
        fn = os.path.join(self.root, "timing", "servegen_m_large", "chunk-%d-dataset.json.gz" % cid)
        res = None
        if os.path.exists(fn):
            with gzip.open(fn, "rt") as f:
                d = json.load(f)
            vals, probs = {}, {}
            for w in sorted(d, key=int):
                s = d[w].get("output_tokens") or "{}"
                for k, v in re.findall(r"(\d+):\s*([0-9.eE+-]+)", s):
                    vals[int(k)] = vals.get(int(k), 0.0) + float(v)
            if vals:
                ks = np.array(sorted(vals), dtype=np.int64)
                ps = np.array([vals[k] for k in ks], dtype=float)
                res = (ks, ps / ps.sum())
        self._sg_pmf[cid] = res
        return res


def last_user(messages):
    for m in reversed(messages):
        if m.get("role") == "user" and isinstance(m.get("content"), str):
            return m["content"]
    return None


# ----------------------------------------------------------------------------------------------
# network infrastructure
# ----------------------------------------------------------------------------------------------
class Infra:
    RESERVED = [(0, 1), (10, 1), (100, 1), (127, 1), (169, 1), (172, 1), (192, 1), (198, 1), (203, 1)]

    def __init__(self, corpus, seed):
        rng = srng(seed, "infra")
        self.rng = rng
        ivs = sorted(parse_cidr(c) for c in corpus.dc_cidrs + corpus.vpn_cidrs)
        merged = []
        for s, size in ivs:
            e = s + size
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.nonres_starts = [m[0] for m in merged]
        self.nonres = merged
        dc = [parse_cidr(c) for c in corpus.dc_cidrs]
        vpn = [parse_cidr(c) for c in corpus.vpn_cidrs]
        dc_only = sorted(set(dc) - set(vpn))
        # cloud providers: each gets a seeded sample of datacenter CIDRs with a region each
        self.cloud = {}
        pool = list(dc_only)
        rng.shuffle(pool)
        pos = 0
        for name in sorted(CLOUDS):
            asn, regions = CLOUDS[name]
            blocks = []
            for i in range(30):
                blocks.append((pool[pos], regions[i % len(regions)]))
                pos += 1
            self.cloud[name] = (asn, blocks)
        self.misc_dc = [b for b in pool[pos:] if b[1] >= 256][:400]  # /24 or larger, so +1..250 stays inside
        vpool = list(vpn)
        rng.shuffle(vpool)
        self.vpn = {}
        vpos = 0
        for name, asn in VPN_PROVIDERS:
            exits = []
            for i in range(40):
                c, size = vpool[vpos]
                vpos += 1
                ip = c + 1 + rng.randrange(max(1, size - 2))
                exits.append((ip4(ip), asn, rng.choice(VPN_EXIT_COUNTRIES)))
            self.vpn[name] = exits
        self.vpn_spare = vpool[vpos:vpos + 300]
        # residential / mobile ISPs: invented /16s that do not overlap any datacenter/VPN list entry
        self.isp = {}
        self.isp_by_country = {}
        used = set()
        for name, asn, cc, kind, v6 in ISPS:
            pref = []
            while len(pref) < 3:
                a = rng.choice(list(range(24, 126)) + list(range(171, 224)))
                b = rng.randrange(256)
                if any(a == r[0] for r in self.RESERVED) or (a, b) in used:
                    continue
                s = (a << 24) | (b << 16)
                if self._overlaps(s, s + 65536):
                    continue
                used.add((a, b))
                pref.append(s)
            v6p = (0x2000 + rng.randrange(0x1000)) << 112 | rng.getrandbits(16) << 96
            rec = {"name": name, "asn": asn, "cc": cc, "kind": kind, "v6": v6, "v4": pref, "v6p": v6p,
                   "cgnat": [pref[0] + (rng.randrange(1, 255) << 8) + rng.randrange(1, 255) for _ in range(48)]}
            self.isp[name] = rec
            self.isp_by_country.setdefault(cc, []).append(rec)
        self.home_ipv4_seen = {}  # country -> list of benign home IPv4 strings (residential-proxy exit overlap)

    def _overlaps(self, s, e):
        i = bisect.bisect_right(self.nonres_starts, e) - 1
        while i >= 0 and self.nonres[i][1] > s:
            if self.nonres[i][0] < e:
                return True
            i -= 1
            if i >= 0 and self.nonres[i][1] <= s:
                break
        return False

    def isp_for(self, rng, cc, kind="home"):
        lst = [r for r in self.isp_by_country.get(cc, []) if r["kind"] == kind]
        if not lst:
            lst = self.isp_by_country.get(cc) or self.isp_by_country["US"]
        return rng.choice(lst)

    def res_ip(self, rng, isp):
        base = rng.choice(isp["v4"])
        return ip4(base + rng.randrange(1, 65535))

    def cloud_ip(self, rng, provider, region=None):
        asn, blocks = self.cloud[provider]
        cand = [b for b in blocks if region is None or b[1] == region] or blocks
        (s, size), reg = rng.choice(cand)
        return ip4(s + 1 + rng.randrange(max(1, size - 2))), asn, reg

    def dc_block(self, rng):
        s, size = rng.choice(self.misc_dc)
        return s, size


# ----------------------------------------------------------------------------------------------
# connectivity profiles: each returns (ip, asn, country) for a request at time t
# ----------------------------------------------------------------------------------------------
class Net:
    kind = "net"

    def addr(self, rng, t, sess=0):
        raise NotImplementedError


class HomeNet(Net):
    kind = "home"

    def __init__(self, infra, rng, cc, owner_key, mobile=False):
        self.isp = infra.isp_for(rng, cc, "mobile" if mobile else "home")
        self.asn, self.cc = self.isp["asn"], self.isp["cc"]
        self.has_v6 = rng.random() < self.isp["v6"]
        self.pref_v6 = 0.85 if self.has_v6 else 0.0
        self.lease_days = rng.choice([1, 3, 7, 14, 30, 90, 365])
        self.owner = owner_key
        self.infra = infra
        self.v4_cache = {}
        self.hh = rng.getrandbits(24)
        self.mobile = mobile
        if not mobile:
            ip = self._v4(0)
            infra.home_ipv4_seen.setdefault(self.cc, []).append(ip)

    def _v4(self, epoch):
        if epoch not in self.v4_cache:
            r = srng(self.owner, "v4", epoch)
            if self.mobile:
                self.v4_cache[epoch] = ip4(r.choice(self.isp["cgnat"]))
            else:
                self.v4_cache[epoch] = self.infra.res_ip(r, self.isp)
        return self.v4_cache[epoch]

    def addr(self, rng, t, sess=0):
        day = int((t - T0) // DAY)
        if self.has_v6 and rng.random() < self.pref_v6:
            if self.mobile:  # a new /64 per attach (session), privacy interface id
                p64 = self.isp["v6p"] | ((h64(self.owner, "m6", day, sess) & 0xFFFFFFFF) << 64)
                iid = h64(self.owner, "iid", day, sess)
            else:  # stable household /56, temporary (privacy) address rotated daily per device
                p64 = self.isp["v6p"] | (self.hh << 72) | ((h64(self.owner, "dev", sess) % 3) << 64)
                iid = h64(self.owner, "iid", day, h64(self.owner, "dev", sess) % 3)
            return ip6(p64 | iid), self.asn, self.cc
        if self.mobile:  # carrier-grade NAT: one shared public address per session
            return ip4(self.isp["cgnat"][h64(self.owner, "cg", day, sess) % len(self.isp["cgnat"])]), self.asn, self.cc
        return self._v4(int(day // self.lease_days)), self.asn, self.cc


class StaticNet(Net):
    """Office / venue / university NAT or a cloud NAT gateway: a small fixed set of egress addresses."""

    def __init__(self, ips, asn, cc, kind, v6prefix=None, v6share=0.0):
        self.ips, self.asn, self.cc, self.kind = ips, asn, cc, kind
        self.v6prefix, self.v6share = v6prefix, v6share

    def addr(self, rng, t, sess=0):
        if self.v6prefix is not None and rng.random() < self.v6share:
            dev = h64("dev", sess.split(":")[0] if isinstance(sess, str) else sess)
            day = int((t - T0) // DAY)
            return ip6(self.v6prefix | ((dev & 0xFFFF) << 64) | h64("iid", dev, day)), self.asn, self.cc
        return self.ips[h64("nat", sess, int((t - T0) // 3600)) % len(self.ips)] if len(self.ips) > 1 and rng.random() < 0.8 else rng.choice(self.ips), self.asn, self.cc


class CloudNet(Net):
    kind = "cloud"

    def __init__(self, infra, rng, provider, region=None, n_static=2, dynamic=False):
        self.infra, self.provider, self.dynamic = infra, provider, dynamic
        self.asn = CLOUDS[provider][0]
        ip, asn, reg = infra.cloud_ip(rng, provider, region)
        self.region = reg
        self.static = [ip] + [infra.cloud_ip(rng, provider, reg)[0] for _ in range(n_static - 1)]
        self.key = hexid(rng, 8)

    def addr(self, rng, t, sess=0):
        if self.dynamic:
            day = int((t - T0) // DAY)
            r = srng(self.key, day, rng.randrange(6))
            ip, asn, reg = self.infra.cloud_ip(r, self.provider, self.region)
            return ip, asn, reg
        return rng.choice(self.static), self.asn, self.region


class VPNNet(Net):
    kind = "vpn"

    def __init__(self, infra, rng, provider=None):
        self.exits = infra.vpn[provider or rng.choice([v[0] for v in VPN_PROVIDERS])]
        self.fav = rng.sample(self.exits, 3)

    def addr(self, rng, t, sess=0):
        e = self.fav[h64(sess) % 3] if rng.random() < 0.7 else self.exits[h64("x", sess) % len(self.exits)]
        return e


class ResProxyNet(Net):
    """Residential proxy network: exits are (mostly unique) home addresses in the chosen countries.
    sticky: 'request' | 'session' | 'day'. A few exits coincide with benign users' home addresses."""
    kind = "resproxy"

    def __init__(self, infra, rng, countries, sticky="session", key="", overlap=0.03):
        self.infra, self.countries, self.sticky, self.key, self.overlap = infra, countries, sticky, key, overlap

    def addr(self, rng, t, sess=0):
        if self.sticky == "day":
            r = srng(self.key, "d", int((t - T0) // DAY))
        elif self.sticky == "session":
            r = srng(self.key, "s", sess)
        else:
            r = rng
        cc = r.choice(self.countries)
        isp = self.infra.isp_for(r, cc, "mobile" if r.random() < 0.25 else "home")
        seen = self.infra.home_ipv4_seen.get(isp["cc"])
        if seen and r.random() < self.overlap:
            return r.choice(seen), isp["asn"], isp["cc"]
        if isp["kind"] == "mobile":
            return ip4(r.choice(isp["cgnat"])), isp["asn"], isp["cc"]
        return self.infra.res_ip(r, isp), isp["asn"], isp["cc"]


class PoolNet(Net):
    kind = "pool"

    def __init__(self, exits):
        self.exits = exits

    def addr(self, rng, t, sess=0):
        return rng.choice(self.exits)


# ----------------------------------------------------------------------------------------------
# client stacks: User-Agent + TLS fingerprint + which API body forms the client speaks
# ----------------------------------------------------------------------------------------------
class Stack:
    def __init__(self, name, ua, tlsname, forms, retry="sdk", ua2=None, upgrade_t=None, family="sdk"):
        self.name, self.ua, self.tls, self.forms, self.retry = name, ua, tls_fp(tlsname), forms, retry
        self.ua2, self.upgrade_t, self.family = ua2, upgrade_t, family
        self.tls2 = tls_fp(tlsname + "+upg") if ua2 else None

    def at(self, t):
        if self.ua2 is not None and t >= self.upgrade_t:
            return self.ua2, self.tls2 if self.family in ("sdk_js",) else self.tls
        return self.ua, self.tls

    def form(self, rng):
        forms, w = zip(*self.forms)
        return rng.choices(forms, weights=w, k=1)[0]


def _ver(rng, major, lo, hi, patch=20):
    return "%d.%d.%d" % (major, rng.randint(lo, hi), rng.randrange(patch))


def sdk_stack(rng, days, lang=None, forms=None, py=None):
    lang = lang or wchoice(rng, ["openai-py", "openai-py-async", "openai-js", "anthropic-py", "anthropic-js"], [40, 12, 20, 18, 10])
    pyv = py or rng.choice(["3.10", "3.11", "3.11", "3.12", "3.12", "3.13"])
    if lang.startswith("openai-py"):
        v = _ver(rng, 1, 60, 109)
        pre = "AsyncOpenAI/Python " if lang.endswith("async") else "OpenAI/Python "
        ua = pre + v
        tl = "python-httpx-openssl3|py" + pyv
        f = forms or [("chat", 0.7), ("responses", 0.3)]
        fam = "sdk_py"
    elif lang == "openai-js":
        v = _ver(rng, 4, 60, 104) if rng.random() < 0.6 else _ver(rng, 5, 0, 23)
        ua = "OpenAI/JS " + v
        tl = "node-undici|" + rng.choice(["18", "20", "22"])
        f = forms or [("chat", 0.6), ("responses", 0.4)]
        fam = "sdk_js"
    elif lang == "anthropic-py":
        v = "0.%d.%d" % (rng.randint(34, 75), rng.randrange(6))
        ua = "Anthropic/Python " + v
        tl = "python-httpx-openssl3|py" + pyv
        f = forms or [("messages", 1.0)]
        fam = "sdk_py"
    else:
        v = "0.%d.%d" % (rng.randint(30, 68), rng.randrange(6))
        ua = "Anthropic/JS " + v
        tl = "node-undici|" + rng.choice(["18", "20", "22"])
        f = forms or [("messages", 1.0)]
        fam = "sdk_js"
    ua2 = upg = None
    if rng.random() < 0.25:  # SDK upgrade during the window (version drift)
        parts = ua.rsplit(" ", 1)
        nums = parts[1].split(".")
        nums[1] = str(int(nums[1]) + rng.randint(1, 3))
        nums[2] = "0"
        ua2 = parts[0] + " " + ".".join(nums)
        upg = T0 + rng.uniform(0.5, max(1.0, days - 0.5)) * DAY
    return Stack(lang, ua, tl, f, "sdk", ua2, upg, fam)


HTTP_FAMILIES = {"python-requests": ("chat", "script"), "python-httpx": ("chat", "script"), "aiohttp": ("chat", "script"),
                 "Go-http-client": ("chat", "script"), "okhttp": ("chat", "app"), "axios": ("chat", "script"),
                 "node-fetch": ("chat", "script"), "curl": ("chat", "manual"), "Apache-HttpClient": ("chat", "script"),
                 "Python-urllib": ("chat", "script")}


def http_stack(rng, corpus, family, forms=None):
    cands = [u for u in corpus.ua_sdk if family.lower() in u.lower()]
    ua = rng.choice(cands) if cands else family
    f = forms or [("chat", 0.75), ("messages", 0.25)]
    return Stack("http:" + family, ua, "lib|" + ua, f, HTTP_FAMILIES.get(family, ("chat", "script"))[1], family="http")


def browser_stack(rng, corpus, kind=None, forms=None):
    rows = [r for r in corpus.ua_browser if kind is None or r[2] == kind] or corpus.ua_browser
    r = rng.choices(rows, weights=[x[1] for x in rows], k=1)[0]
    major = r[4].split(".")[0]
    return Stack("browser", r[0], "browser|%s|%s" % (r[3], major), forms or [("chat", 0.6), ("messages", 0.3), ("responses", 0.1)],
                 "browser", family="browser")


AUTOMATION_KEYS = ["HeadlessChrome", "Playwright", "Puppeteer", "Selenium", "Manus", "Devin", "Anchor Browser", "AgentCore", "TwinAgent", "Google-Agent"]


def automation_stack(rng, corpus, forms=None):
    cands = [u for u in corpus.ua_sdk if any(k in u for k in AUTOMATION_KEYS)]
    ua = rng.choice(cands)
    return Stack("automation", ua, "automation|" + ua[:60], forms or [("responses", 0.5), ("messages", 0.5)], "agent", family="automation")


def harness_stack(rng, corpus, harness, days):
    osn = rng.choice(["darwin-arm64", "darwin-arm64", "linux-x64", "win32-x64"])
    if harness == "nova-code":
        v = "1.%d.%d" % (rng.randint(2, 6), rng.randrange(30))
        ua = "nova-code/%s (cli; %s)" % (v, osn)
        forms = [("messages", 0.8), ("responses", 0.2)]
        tl = "node-undici|22|novacode"
    elif harness == "opencode":
        v = "0.%d.%d" % (rng.randint(9, 16), rng.randrange(20))
        ua = "opencode/%s ai-sdk/provider-utils/3.0.%d runtime/bun/1.%d" % (v, rng.randrange(12), rng.randint(1, 3))
        forms = [("chat", 0.5), ("messages", 0.3), ("responses", 0.2)]
        tl = "bun|opencode"
    else:
        v = "0.%d.%d" % (rng.randint(80, 88), rng.randrange(4))
        ua = "aider/%s litellm/1.%d.%d" % (v, rng.randint(60, 77), rng.randrange(10))
        forms = [("chat", 0.7), ("messages", 0.3)]
        tl = "python-httpx-openssl3|aider"
    if rng.random() < 0.15:  # IDE extension instead of the CLI: corpus Electron UAs
        cands = [u for u in corpus.ua_sdk if "Electron" in u]
        if cands:
            ua = rng.choice(cands)
            tl = "electron|" + ua[:40]
    ua2 = upg = None
    if rng.random() < 0.5:  # coding CLIs auto-update often
        ua2 = re.sub(r"(\d+)\.(\d+)\.(\d+)", lambda m: "%s.%d.%d" % (m.group(1), int(m.group(2)), int(m.group(3)) + rng.randint(1, 4)), ua, count=1)
        upg = T0 + rng.uniform(0.3, max(0.6, days - 0.3)) * DAY
    return Stack("harness:" + harness, ua, tl, forms, "agent", ua2, upg, "harness")


# ----------------------------------------------------------------------------------------------
# template rendering (python_format, literal markers, appended blocks, a small Jinja2 subset)
# ----------------------------------------------------------------------------------------------
_JTOK = re.compile(r"(\{%-?.*?-?%\}|\{\{-?.*?-?\}\})", re.S)


class _Loop:
    def __init__(self, i):
        self.index = i + 1
        self.index0 = i


class _Ctx(dict):
    def __missing__(self, k):
        if k in ("len", "range", "str", "None"):
            raise KeyError(k)
        return ""


class _NS:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _jexpr(expr, ctx):
    e = expr.strip()
    e = re.sub(r"([\w\.\[\]]+)\s*\|\s*length", r"len(\1)", e)
    e = re.sub(r"([\w\.\[\]]+)\s*\|\s*trim", r"str(\1).strip()", e)
    e = re.sub(r"([\w\.\[\]]+)\s*\|\s*capitalize", r"str(\1).capitalize()", e)
    e = e.replace(" is not none", " is not None").replace(" is none", " is None")
    return eval(e, {"__builtins__": {}, "len": len, "range": range, "str": str, "None": None}, ctx)


def render_jinja(src, ctx):
    toks = _JTOK.split(src)
    # whitespace control
    for i, tk in enumerate(toks):
        if tk.startswith("{%-") or tk.startswith("{{-"):
            if i > 0:
                toks[i - 1] = toks[i - 1].rstrip()
        if tk.endswith("-%}") or tk.endswith("-}}"):
            if i + 1 < len(toks):
                toks[i + 1] = toks[i + 1].lstrip()
    pos = [0]

    def parse(end_tags):
        nodes = []
        while pos[0] < len(toks):
            tk = toks[pos[0]]
            pos[0] += 1
            if tk.startswith("{%"):
                body = tk.strip("{%-} ").strip()
                head = body.split()[0]
                if head in end_tags:
                    return nodes, head
                if head == "for":
                    m = re.match(r"for\s+(\w+)\s+in\s+(.+)$", body)
                    inner, _ = parse(("endfor",))
                    nodes.append(("for", m.group(1), m.group(2), inner))
                elif head == "if":
                    inner, tag = parse(("endif", "else"))
                    other = []
                    if tag == "else":
                        other, _ = parse(("endif",))
                    nodes.append(("if", body[2:].strip(), inner, other))
            elif tk.startswith("{{"):
                nodes.append(("expr", tk.strip("{}-").strip()))
            else:
                nodes.append(("text", tk))
        return nodes, None

    tree, _ = parse(())

    def run(nodes, c, out):
        for n in nodes:
            if n[0] == "text":
                out.append(n[1])
            elif n[0] == "expr":
                out.append(str(_jexpr(n[1], c)))
            elif n[0] == "for":
                seq = list(_jexpr(n[2], c))
                for i, v in enumerate(seq):
                    c2 = _Ctx(c)
                    c2[n[1]] = v
                    c2["loop"] = _Loop(i)
                    run(n[3], c2, out)
            elif n[0] == "if":
                run(n[2] if _jexpr(n[1], c) else n[3], c, out)
    out = []
    run(tree, _Ctx(ctx), out)
    return "".join(out)


def render_template(tpl, slots):
    syn = (tpl.get("extra") or {}).get("slot_syntax")
    text = tpl["template"]
    if syn == "python_format":
        for k in tpl["slots"]:
            if k in slots:
                text = text.replace("{" + k + "}", str(slots[k]))
        return text
    if syn == "literal_marker":
        for k in tpl["slots"]:
            if k in slots:
                text = text.replace(k, str(slots[k]))
        return text
    if syn == "jinja2":
        return render_jinja(text, slots)
    if syn == "appended_blocks":
        prompt = text + "\n"
        seeds = slots["seed_tasks"]
        for idx, t in enumerate(seeds):
            ins = re.sub(r"\s+", " ", t["instruction"]).strip().rstrip(":")
            inp = t["instances"][0]["input"] or "<noinput>"
            out = t["instances"][0]["output"]
            prompt += "###\n%d. Instruction: %s\n%d. Input:\n%s\n%d. Output:\n%s\n" % (idx + 1, ins, idx + 1, inp, idx + 1, out)
        prompt += "###\n%d. Instruction:" % (len(seeds) + 1)
        return prompt
    return text


def chatml_to_messages(chat_template, slots, slot_names):
    out = []
    for m in chat_template:
        c = m["content"]
        for k in slot_names:
            if k in slots:
                c = c.replace("{" + k + "}", str(slots[k]))
        out.append((m["role"], c))
    return out


# ----------------------------------------------------------------------------------------------
# per-account paraphrase (simulated: real operators paraphrase with an LLM; we can only rewrite
# mechanically - synonyms, header/list style, preambles - which keeps the semantic skeleton)
# ----------------------------------------------------------------------------------------------
SYNONYMS = {
    "please": ["kindly", "", "Please do"], "provide": ["give", "supply", "produce"], "response": ["answer", "reply", "output"],
    "responses": ["answers", "replies", "outputs"], "evaluate": ["assess", "judge", "rate"], "instruction": ["task", "prompt", "request"],
    "instructions": ["tasks", "prompts", "directions"], "step-by-step": ["step by step", "stepwise", "one step at a time"],
    "ensure": ["make sure", "be sure", "check"], "following": ["below", "given", "next"], "generate": ["create", "produce", "write"],
    "rating": ["score", "grade", "mark"], "explain": ["describe", "justify", "spell out"], "detailed": ["thorough", "in-depth", "careful"],
    "question": ["query", "problem", "prompt"], "questions": ["queries", "problems", "prompts"], "output": ["result", "answer", "reply"],
    "example": ["sample", "instance", "illustration"], "examples": ["samples", "instances", "illustrations"],
    "must": ["should", "need to", "have to"], "answer": ["response", "reply", "solution"], "task": ["assignment", "job", "exercise"],
    "tasks": ["assignments", "jobs", "exercises"], "correct": ["accurate", "right", "valid"], "best": ["strongest", "top", "most suitable"],
    "text": ["passage", "content", "writing"], "diverse": ["varied", "wide-ranging", "heterogeneous"], "helpful": ["useful", "constructive", "valuable"],
    "quality": ["standard", "calibre", "merit"], "criteria": ["standards", "requirements", "guidelines"], "score": ["rating", "mark", "grade"],
    "rewrite": ["rephrase", "rework", "reformulate"], "given": ["provided", "supplied", "stated"], "write": ["compose", "produce", "draft"],
    "user": ["requester", "person", "customer"], "carefully": ["thoroughly", "attentively", "closely"], "complex": ["complicated", "challenging", "intricate"],
    "simple": ["basic", "plain", "straightforward"], "several": ["multiple", "a few", "various"], "possible": ["potential", "plausible", "feasible"],
    "select": ["choose", "pick", "identify"], "create": ["make", "build", "devise"], "list": ["set", "series", "collection"],
    "assistant": ["model", "AI", "system"], "format": ["layout", "structure", "form"], "include": ["contain", "add", "incorporate"],
    "based": ["grounded", "founded", "built"], "random": ["arbitrary", "varied", "assorted"], "each": ["every", "each single", "any"],
}
_SYN_RE = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in SYNONYMS), key=len, reverse=True)) + r")\b", re.I)
PREAMBLES = ["", "", "Hi! ", "Hello,\n\n", "Task for you:\n", "Please read carefully.\n\n", "[job]\n", "Context: internal data project.\n\n",
             "You are an expert annotator.\n", "Follow these directions exactly.\n\n"]
SUFFIXES = ["", "", "", "\n\nThanks.", "\n\nRespond only with what is asked.", "\n\n(Be concise.)", "\n\nThank you in advance!", "\n"]


class Paraphraser:
    def __init__(self, rng, strength=1.0):
        self.map = {k: (rng.choice(v) if rng.random() < 0.75 * strength else k) for k, v in sorted(SYNONYMS.items())}
        self.hdr = rng.choice(["###", "##", "**", "==", "", "#", "--"])
        self.bullet = rng.choice(["-", "*", "•", "-", "1)"])
        self.pre = rng.choice(PREAMBLES) if strength > 0.3 else ""
        self.suf = rng.choice(SUFFIXES) if strength > 0.3 else ""
        self.upper_labels = rng.random() < 0.3
        self.squash = rng.random() < 0.4
        self.cache = {}

    def _sub(self, m):
        w = m.group(0)
        r = self.map.get(w.lower(), w)
        if not r:
            return ""
        if w[0].isupper():
            r = r[0].upper() + r[1:]
        return r

    def apply(self, text, key=None):
        if key is not None and key in self.cache:
            return self.cache[key]
        slots = []

        def protect(m):
            slots.append(m.group(0))
            return "\x00%d\x00" % (len(slots) - 1)
        t = re.sub(r"\{[^{}\n]{1,60}\}|<PROMPT>|<RESPONSE>|\{\{.*?\}\}|\{%.*?%\}", protect, text)
        t = _SYN_RE.sub(self._sub, t)
        t = re.sub(r"^###", self.hdr, t, flags=re.M) if self.hdr != "###" else t
        t = re.sub(r"^- ", self.bullet + " ", t, flags=re.M)
        if self.upper_labels:
            t = re.sub(r"^(Input|Output|Instruction|Response|Rating|Rationale):", lambda m: m.group(1).upper() + ":", t, flags=re.M)
        if self.squash:
            t = re.sub(r"\n{3,}", "\n\n", t)
        t = re.sub(r"  +", " ", t)
        t = re.sub("\x00(\\d+)\x00", lambda m: slots[int(m.group(1))], t)
        t = self.pre + t + self.suf
        if key is not None:
            self.cache[key] = t
        return t


# ----------------------------------------------------------------------------------------------
# simulated responses (text recombined from corpus sentences; gateway keeps <= 2,000 chars)
# ----------------------------------------------------------------------------------------------
RESP_CAP = 2000
REASON_CAP = 1200


class RespSim:
    def __init__(self, corpus):
        self.s = corpus.sentences
        self.code = [c for c in corpus.code_snips if c]
        self.seed_instr = [re.sub(r"\s+", " ", r["seed"]["instruction"]).strip() for k in sorted(corpus.seeds) for r in corpus.seeds[k] if isinstance(r["seed"], dict)]

    def prose(self, rng, chars):
        out, n = [], 0
        while n < chars:
            s = self.s[rng.randrange(len(self.s))]
            out.append(s)
            n += len(s) + 1
        return " ".join(out)

    def make(self, rng, kind, out_tokens, ideal=None, n_items=1):
        chars = min(RESP_CAP, max(8, int(out_tokens * 3.8)))
        if kind == "eval" and ideal:
            if out_tokens < 40:
                return str(ideal)
            return (self.prose(rng, chars - 40) + "\n\nANSWER: " + str(ideal))[:RESP_CAP]
        if kind == "cot":
            parts = []
            for i in range(3):
                parts.append("Solution %d:\n%s\n\nFinal answer: %s" % (i + 1, self.prose(rng, chars // 4), ideal or self.prose(rng, 40)[:60]))
            parts.append("Ranking of solutions from best to worst:\n1. Solution 1\n2. Solution 3\n3. Solution 2\n\nBest and final answer: %s" % (ideal or "Solution 1"))
            return "\n\n".join(parts)[:RESP_CAP]
        if kind == "rubric":
            out = []
            for i in range(n_items):
                out.append("#### Output for Text %d\nRating: %d\nRationale: %s" % (i + 1, rng.randint(1, 5), self.prose(rng, 90)))
            return "\n\n".join(out)[:RESP_CAP]
        if kind == "score":
            return ("Feedback: %s [RESULT] %d" % (self.prose(rng, min(chars, 500)), rng.randint(1, 5)))[:RESP_CAP]
        if kind == "judge":
            return rng.choice(["Output (a)", "Output (b)", "m", "M", "[[A]]", "[[B]]", "model_1", "model_2"])
        if kind == "instructions":
            k = max(3, min(20, chars // 90))
            return "\n".join("%d. Instruction: %s\n%d. Input:\n<noinput>\n%d. Output:\n%s" % (
                i + 4, self.seed_instr[rng.randrange(len(self.seed_instr))], i + 4, i + 4, self.prose(rng, 60)) for i in range(k))[:RESP_CAP]
        if kind == "tsk":
            k = max(3, min(20, chars // 80))
            return "\n".join("TSK %d. %s" % (i + 1, self.seed_instr[rng.randrange(len(self.seed_instr))]) for i in range(k))[:RESP_CAP]
        if kind == "code":
            c = self.code[rng.randrange(len(self.code))]
            return ("Here is an implementation:\n\n```python\n" + c + "    result = None\n    return result\n```\n\n" + self.prose(rng, 200))[:RESP_CAP]
        if kind == "json":
            return json.dumps({"title": self.prose(rng, 30)[:60], "fields": [self.prose(rng, 20)[:40] for _ in range(3)], "confidence": round(rng.random(), 2)})
        if kind == "rewrite":
            return self.prose(rng, min(chars, 900))
        return self.prose(rng, chars)[:RESP_CAP]

    def reasoning(self, rng, tokens):
        return ("Let me think about this step by step. " + self.prose(rng, min(REASON_CAP, int(tokens * 3.8))))[:REASON_CAP]


# ----------------------------------------------------------------------------------------------
# conversation -> request body in one of the three contract forms
#   conv = {"system": str|None, "turns": [...], "tools": [tool specs] or None}
#   turns: ("u", text, n_images) | ("a", text|None, [(call_id, name, args)]) | ("t", call_id, name, text)
#          | ("m", role, text)  (raw passthrough, e.g. eval few-shot turns and extra system turns)
#   params: temperature, top_p, max_out, effort, thinking, stream, n, logprobs, top_logprobs, json,
#           stop, fp, pp, logit_bias, tool_choice, seed, max_key ('max_tokens'|'max_completion_tokens'),
#           sys_role, sys_blocks, prev_id (responses), input_from (index into turns for responses+prev_id)
# ----------------------------------------------------------------------------------------------
IMG_NOTE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA...[gateway-truncated %d bytes]"


def _img(rng):
    return IMG_NOTE % rng.randint(60000, 400000)


def conv_chars(conv):
    n = len(conv.get("system") or "")
    for tr in conv["turns"]:
        k = tr[0]
        if k == "u":
            n += len(tr[1]) + 6000 * tr[2]
        elif k == "a":
            n += len(tr[1] or "") + sum(len(c[1]) + len(json.dumps(c[2])) for c in tr[2])
        elif k == "t":
            n += len(tr[3])
        else:
            n += len(tr[2])
    if conv.get("tools"):
        k = id(conv["tools"])
        if k not in _TOOL_LEN:
            _TOOL_LEN[k] = (conv["tools"], sum(len(json.dumps(t)) for t in conv["tools"]))
        n += _TOOL_LEN[k][1]
    return n


_TOOL_LEN = {}


def body_chat(conv, p, model, rng):
    msgs = []
    if conv.get("system") is not None:
        msgs.append({"role": p.get("sys_role", "system"), "content": conv["system"]})
    for tr in conv["turns"]:
        k = tr[0]
        if k == "u":
            if tr[2]:
                c = [{"type": "text", "text": tr[1]}] + [{"type": "image_url", "image_url": {"url": _img(rng)}} for _ in range(tr[2])]
            else:
                c = tr[1]
            msgs.append({"role": "user", "content": c})
        elif k == "a":
            m = {"role": "assistant", "content": tr[1]}
            if tr[2]:
                m["tool_calls"] = [{"id": cid, "type": "function", "function": {"name": nm, "arguments": json.dumps(a)}} for cid, nm, a in tr[2]]
            msgs.append(m)
        elif k == "t":
            msgs.append({"role": "tool", "tool_call_id": tr[1], "content": tr[3]})
        else:
            msgs.append({"role": tr[1], "content": tr[2]})
    b = {"model": model, "messages": msgs}
    if conv.get("tools"):
        b["tools"] = [{"type": "function", "function": {"name": t["name"], "description": t["description"], "parameters": t["parameters"]}} for t in conv["tools"]]
        if p.get("tool_choice"):
            b["tool_choice"] = p["tool_choice"]
    if p.get("max_out"):
        b[p.get("max_key", "max_tokens")] = p["max_out"]
    for k in ("temperature", "top_p", "n", "seed"):
        if p.get(k) is not None:
            b[k] = p[k]
    if p.get("fp") is not None:
        b["frequency_penalty"] = p["fp"]
    if p.get("pp") is not None:
        b["presence_penalty"] = p["pp"]
    if p.get("stop"):
        b["stop"] = p["stop"]
    if p.get("logit_bias"):
        b["logit_bias"] = p["logit_bias"]
    if p.get("logprobs"):
        b["logprobs"] = True
        if p.get("top_logprobs"):
            b["top_logprobs"] = p["top_logprobs"]
    if p.get("effort"):
        b["reasoning_effort"] = p["effort"]
    if p.get("json"):
        b["response_format"] = {"type": "json_object"} if p["json"] == "object" else {"type": "json_schema", "json_schema": p["json"]}
    if p.get("stream"):
        b["stream"] = True
        if p.get("stream_usage", True):
            b["stream_options"] = {"include_usage": True}
    return b


def body_responses(conv, p, model, rng):
    items = []
    turns = conv["turns"][p.get("input_from", 0):]
    for tr in turns:
        k = tr[0]
        if k == "u":
            parts = [{"type": "input_text", "text": tr[1]}] + [{"type": "input_image", "image_url": _img(rng)} for _ in range(tr[2])]
            items.append({"role": "user", "content": parts})
        elif k == "a":
            if tr[1]:
                items.append({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": tr[1]}]})
            for cid, nm, a in tr[2]:
                items.append({"type": "function_call", "call_id": cid, "name": nm, "arguments": json.dumps(a)})
        elif k == "t":
            items.append({"type": "function_call_output", "call_id": tr[1], "output": tr[3]})
        else:
            role = "developer" if tr[1] == "system" and rng.random() < 0.5 else tr[1]
            items.append({"role": role, "content": tr[2]})
    b = {"model": model}
    if conv.get("system") is not None and not p.get("prev_id"):
        b["instructions"] = conv["system"]
    if len(items) == 1 and items[0].get("role") == "user" and len(items[0]["content"]) == 1 and p.get("input_str", False):
        b["input"] = items[0]["content"][0]["text"]
    else:
        b["input"] = items
    if p.get("prev_id"):
        b["previous_response_id"] = p["prev_id"]
    if conv.get("tools"):
        b["tools"] = [{"type": "function", "name": t["name"], "description": t["description"], "parameters": t["parameters"]} for t in conv["tools"]]
        if p.get("tool_choice"):
            tc = p["tool_choice"]
            b["tool_choice"] = {"type": "function", "name": tc["function"]["name"]} if isinstance(tc, dict) else tc
    if p.get("max_out"):
        b["max_output_tokens"] = p["max_out"]
    for k in ("temperature", "top_p"):
        if p.get(k) is not None and not p.get("effort"):
            b[k] = p[k]
    if p.get("effort"):
        b["reasoning"] = {"effort": p["effort"]}
        if p.get("summary"):
            b["reasoning"]["summary"] = p["summary"]
    if p.get("json"):
        b["text"] = {"format": {"type": "json_object"} if p["json"] == "object" else dict({"type": "json_schema"}, **p["json"])}
    if p.get("stream"):
        b["stream"] = True
    if p.get("store") is not None:
        b["store"] = p["store"]
    return b


def body_messages(conv, p, model, rng):
    sys_parts = []
    if conv.get("system") is not None:
        sys_parts.append(conv["system"])
    msgs = []

    def push(role, block_or_text):
        if msgs and msgs[-1]["role"] == role:
            c = msgs[-1]["content"]
            if isinstance(c, str):
                c = [{"type": "text", "text": c}]
            c = c + ([{"type": "text", "text": block_or_text}] if isinstance(block_or_text, str) else block_or_text)
            msgs[-1]["content"] = c
        else:
            msgs.append({"role": role, "content": block_or_text})
    for tr in conv["turns"]:
        k = tr[0]
        if k == "u":
            if tr[2]:
                push("user", [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": _img(rng)[22:]}} for _ in range(tr[2])]
                     + [{"type": "text", "text": tr[1]}])
            else:
                push("user", tr[1] if not p.get("blocks") else [{"type": "text", "text": tr[1]}])
        elif k == "a":
            blocks = []
            if tr[1]:
                blocks.append({"type": "text", "text": tr[1]})
            for cid, nm, a in tr[2]:
                blocks.append({"type": "tool_use", "id": cid, "name": nm, "input": a})
            push("assistant", blocks if (tr[2] or p.get("blocks")) else (tr[1] or ""))
        elif k == "t":
            push("user", [{"type": "tool_result", "tool_use_id": tr[1], "content": tr[3]}])
        else:
            if tr[1] in ("system", "developer"):
                sys_parts.append(tr[2])
            else:
                push(tr[1], tr[2])
    if not msgs or msgs[0]["role"] != "user":  # the Messages API needs a leading user turn
        lead = sys_parts.pop() if (sys_parts and not conv.get("system")) or len(sys_parts) > 1 else "Begin."
        msgs.insert(0, {"role": "user", "content": lead})
    b = {"model": model, "max_tokens": p.get("max_out") or 4096}
    if sys_parts:
        s = "\n\n".join(sys_parts)
        if p.get("sys_blocks"):
            b["system"] = [{"type": "text", "text": s, "cache_control": {"type": "ephemeral"}}]
        else:
            b["system"] = s
    b["messages"] = msgs
    if conv.get("tools"):
        b["tools"] = [{"name": t["name"], "description": t["description"], "input_schema": t["parameters"]} for t in conv["tools"]]
        if p.get("tool_choice"):
            tc = p["tool_choice"]
            b["tool_choice"] = {"type": "tool", "name": tc["function"]["name"]} if isinstance(tc, dict) else {"type": "auto"}
    th = p.get("thinking")
    if th:
        b["thinking"] = {"type": "adaptive"} if th == "adaptive" else {"type": "enabled", "budget_tokens": int(th)}
        if th != "adaptive" and b["max_tokens"] <= int(th):
            b["max_tokens"] = int(th) + 4096
    else:
        for k in ("temperature", "top_p"):
            if p.get(k) is not None:
                b[k] = min(1.0, p[k]) if k == "temperature" else p[k]
    if p.get("effort") and p.get("output_config", True) and (th or rng.random() < 0.5):
        b["output_config"] = {"effort": p["effort"] if p["effort"] in ("low", "medium", "high") else "high"}
    if p.get("json"):
        b.setdefault("output_config", {})["format"] = {"type": "json_schema", "schema": (p["json"].get("schema") if isinstance(p["json"], dict) else {"type": "object"})}
    if p.get("stop"):
        b["stop_sequences"] = [s for s in p["stop"] if s.strip()] or None
        if b["stop_sequences"] is None:
            del b["stop_sequences"]
    if p.get("stream"):
        b["stream"] = True
    return b


BODY = {"chat": body_chat, "responses": body_responses, "messages": body_messages}
ENDPOINT = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
FINISH = {"chat": {"stop": "stop", "length": "length", "tool": "tool_calls"},
          "responses": {"stop": "completed", "length": "incomplete", "tool": "completed"},
          "messages": {"stop": "end_turn", "length": "max_tokens", "tool": "tool_use"}}


# ----------------------------------------------------------------------------------------------
# output sink: per-day buckets keyed by log time, sorted and gzipped at the end (deterministic)
# ----------------------------------------------------------------------------------------------
class Sink:
    def __init__(self, out, level=4):
        self.out = out
        self.tmp = os.path.join(out, ".tmp_blind3")
        if os.path.exists(self.tmp):
            shutil.rmtree(self.tmp)
        os.makedirs(self.tmp)
        os.makedirs(os.path.join(out, "exchanges"), exist_ok=True)
        self.files = {}
        self.level = level
        self.prov_raw = open(os.path.join(out, "provenance.jsonl.gz"), "wb")
        self.prov = gzip.GzipFile(filename="", mode="wb", fileobj=self.prov_raw, mtime=0, compresslevel=3)
        self.n = 0
        self.ndup = 0

    def write(self, log_t, rid, line):
        d = int((log_t - T0) // DAY)
        f = self.files.get(d)
        if f is None:
            f = self.files[d] = open(os.path.join(self.tmp, "b%05d.txt" % (d + 1000)), "w", encoding="utf-8")
        f.write("%017d %s\t%s\n" % (int(log_t * 1e6), rid, line))
        self.n += 1

    def provenance(self, rec):
        self.prov.write((json.dumps(rec, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8"))

    def close(self):
        self.prov.close()
        self.prov_raw.close()
        files = []
        for d in sorted(self.files):
            self.files[d].close()
            src = os.path.join(self.tmp, "b%05d.txt" % (d + 1000))
            with open(src, encoding="utf-8") as f:
                lines = f.readlines()
            lines.sort()
            day = (WORLD_START + timedelta(days=d)).strftime("%Y-%m-%d")
            dst = os.path.join(self.out, "exchanges", "exchanges-%s.jsonl.gz" % day)
            with open(dst, "wb") as raw:
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=self.level) as gz:
                    for i in range(0, len(lines), 2000):
                        gz.write("".join(l.split("\t", 1)[1] for l in lines[i:i + 2000]).encode("utf-8"))
            files.append((dst, len(lines)))
            os.remove(src)
            del lines
        shutil.rmtree(self.tmp)
        return files


# ----------------------------------------------------------------------------------------------
# accounts
# ----------------------------------------------------------------------------------------------
class Account:
    def __init__(self, world, persona, campaign=None):
        r = world.id_rng
        self.id = "acct_" + b32id(r, 14)
        self.persona = persona
        self.campaign = campaign
        self.created = T0
        self.email_domain = "gmail.com"
        self.pay = None
        self.country = "US"
        self.signup = "self_serve"
        self.verified = False
        self.org = "org_" + alnum(r, 20)
        self.keys = [("key_" + hexid(r, 16), None)]
        self.tz = 0.0
        self.stack = None
        self.rpm = 60
        self.ban_t = None
        self.ban_tries = 3
        self.adopt3 = math.inf
        self.adopt3m = math.inf
        self.base_flag = "nova-2"
        self.prs = []
        self.group = None
        self.nets = {}
        self.n_ex = 0
        self.first_ts = None
        self.last_ts = None
        self.notes = {}

    def key_at(self, t, rng):
        ks = [k for k, kt in self.keys if kt is None or kt <= t]
        if not ks:
            return self.keys[0][0]
        if len(ks) > 2 and rng.random() < 0.7:
            return rng.choice(ks)
        return ks[-1] if rng.random() < 0.85 else ks[0]

    def add_key(self, world, t):
        self.keys.append(("key_" + hexid(world.id_rng, 16), t))


def company_domain(rng):
    return "".join(rng.choice(SYL) for _ in range(rng.randint(2, 3))) + rng.choice(TLDS)


def uni_domain(rng, cc):
    base = rng.choice(["uni-", "u", "", "", "st", "tu-", "ec", "nu"]) + "".join(rng.choice(SYL) for _ in range(rng.randint(1, 2)))
    return base + EDU_TLDS.get(cc, ".edu")


# ----------------------------------------------------------------------------------------------
# time helpers
# ----------------------------------------------------------------------------------------------
def local_weights(days, tz, pattern):
    """Hourly weights over the UTC hours of the window for a diurnal/weekly pattern in local time."""
    w = np.zeros(days * 24)
    for h in range(days * 24):
        lt = h + tz
        lh = lt % 24
        wd = int(((lt // 24) % 7 + 7) % 7)  # WORLD_START is a Monday
        we = wd >= 5
        if pattern == "office":
            v = (1.0 if 9 <= lh < 12 or 13 <= lh < 18 else 0.55 if 12 <= lh < 13 or 8 <= lh < 9 or 18 <= lh < 20 else 0.04)
            if we:
                v *= 0.08
        elif pattern == "evening":
            v = (1.0 if 19 <= lh < 24 else 0.45 if 7 <= lh < 9 or 12 <= lh < 14 else 0.3 if 9 <= lh < 19 else 0.12 if lh < 1.5 else 0.02)
            if we:
                v = 0.9 if 9 <= lh < 24 else 0.08
        elif pattern == "student":
            v = (1.0 if 20 <= lh < 24 else 0.8 if 13 <= lh < 20 else 0.6 if lh < 2 else 0.3 if 9 <= lh < 13 else 0.04)
            if we:
                v *= 0.7
        elif pattern == "dev":
            v = (1.0 if 9 <= lh < 19 else 0.6 if 19 <= lh < 24 else 0.15 if lh < 2 else 0.03)
            if we:
                v *= 0.35
        elif pattern == "night_batch":
            v = 1.0 if 1 <= lh < 5 else 0.02
        else:  # "always": mild diurnal of an app's end users
            v = 0.35 + 0.65 * max(0.0, math.sin(math.pi * (lh - 6) / 18)) if 6 <= lh else 0.35
        w[h] = v
    return w


def sample_times(nr, weights, n, t_lo=None, t_hi=None):
    w = weights.copy()
    if t_lo is not None:
        lo = int(max(0, (t_lo - T0) // HOUR))
        w[:lo] = 0
        if lo < len(w):
            w[lo] *= 0.5
    if t_hi is not None:
        hi = int(max(0, (t_hi - T0) // HOUR)) + 1
        w[hi:] = 0
    s = w.sum()
    if n <= 0 or s <= 0:
        return []
    hrs = nr.choice(len(w), size=n, p=w / s)
    ts = T0 + hrs * HOUR + nr.random(n) * HOUR
    if t_lo is not None:
        ts = np.maximum(ts, t_lo + 1)
    return sorted(float(x) for x in ts)


def servegen_times(corpus, nr, cid, n_target, days, tz):
    rows = corpus.servegen[cid]
    nwin = days * 144
    rates = np.array([rows[i % len(rows)][0] for i in range(nwin)])
    shift = int(round((tz - 8) * 6))  # ServeGen (Alibaba Cloud) local time assumed UTC+8
    rates = np.roll(rates, shift)
    idx = [(i - shift) % len(rows) for i in range(nwin)]
    tot = rates.sum()
    if tot <= 0:
        return []
    lam = rates / tot * n_target
    counts = nr.poisson(lam)
    out = []
    for w in np.nonzero(counts)[0]:
        c = int(counts[w])
        dist, shape, scale = rows[idx[w] % len(rows)][1:]
        if dist == "Gamma" and shape > 0:
            g = nr.gamma(max(shape, 1e-3), max(scale, 1e-6), c + 1)
        elif dist == "Weibull" and shape > 0:
            g = nr.weibull(max(shape, 0.05), c + 1) * max(scale, 1e-6)
        else:
            g = nr.exponential(1.0, c + 1)
        g = np.maximum(g, 1e-9)
        cs = np.cumsum(g)
        ts = T0 + w * 600 + cs[:-1] / cs[-1] * 600
        out.extend(float(x) for x in ts)
    return out


# ----------------------------------------------------------------------------------------------
# simulated tools
# ----------------------------------------------------------------------------------------------
def _tool(name, desc, props, req=None):
    return {"name": name, "description": desc, "parameters": {"type": "object", "properties": props, "required": req or list(props)}}


S = {"type": "string"}
CODING_TOOLS = [
    _tool("read_file", "Read a file from the workspace.", {"path": S}),
    _tool("list_dir", "List a directory.", {"path": S}),
    _tool("grep", "Search files for a regular expression.", {"pattern": S, "path": S}, ["pattern"]),
    _tool("apply_patch", "Apply a unified diff to the workspace.", {"patch": S}),
    _tool("run_command", "Run a shell command and return stdout/stderr.", {"command": S, "timeout_s": {"type": "integer"}}, ["command"]),
]
TAU2_TOOLS = {
    "airline": [_tool("get_user_details", "Get the details of a user.", {"user_id": S}),
                _tool("get_reservation_details", "Get the details of a reservation.", {"reservation_id": S}),
                _tool("search_direct_flight", "Search direct flights.", {"origin": S, "destination": S, "date": S}),
                _tool("cancel_reservation", "Cancel a reservation.", {"reservation_id": S}),
                _tool("send_certificate", "Send a compensation certificate.", {"user_id": S, "amount": {"type": "number"}}),
                _tool("transfer_to_human_agents", "Transfer the user to a human agent.", {"summary": S})],
    "retail": [_tool("find_user_id_by_email", "Find a user id by email.", {"email": S}),
               _tool("get_order_details", "Get the status and details of an order.", {"order_id": S}),
               _tool("cancel_pending_order", "Cancel a pending order.", {"order_id": S, "reason": S}),
               _tool("return_delivered_order_items", "Return items of a delivered order.", {"order_id": S, "item_ids": {"type": "array", "items": S}}),
               _tool("transfer_to_human_agents", "Transfer the user to a human agent.", {"summary": S})],
    "telecom": [_tool("get_customer_by_phone", "Find a customer by phone number.", {"phone_number": S}),
                _tool("check_network_status", "Check the network status of a line.", {"line_id": S}),
                _tool("check_apn_settings", "Check APN settings.", {"line_id": S}),
                _tool("toggle_roaming", "Enable or disable roaming.", {"line_id": S, "enabled": {"type": "boolean"}}),
                _tool("make_payment", "Make a payment.", {"customer_id": S, "amount": {"type": "number"}}),
                _tool("transfer_to_human_agents", "Transfer the user to a human agent.", {"summary": S})],
    "banking_knowledge": [_tool("search_knowledge", "grep the knowledge base.", {"query": S}),
                          _tool("get_current_time", "Get the current time.", {}, []),
                          _tool("unlock_discoverable_agent_tool", "Unlock a discoverable tool.", {"agent_tool_name": S}),
                          _tool("transfer_to_human_agents", "Transfer the user to a human agent.", {"summary": S})],
}
COMPUTER_TOOLS = [_tool("computer", "Control the browser: click, type, scroll, key, screenshot.",
                        {"action": S, "x": {"type": "integer"}, "y": {"type": "integer"}, "text": S}, ["action"])]
HACK_TOOLS = [_tool("web_search", "Search the web.", {"query": S}), _tool("get_weather", "Current weather for a city.", {"city": S}),
              _tool("send_email", "Send an email.", {"to": S, "subject": S, "body": S}), _tool("sql_query", "Run a read-only SQL query.", {"sql": S})]
REPO_FILES = ["src/app.py", "src/utils/parser.py", "src/models.py", "tests/test_parser.py", "tests/test_api.py", "package.json",
              "lib/index.ts", "lib/client.ts", "README.md", "pyproject.toml", "cmd/server/main.go", "internal/store/store.go", "Makefile"]


def scenario_user_text(task_rec):
    """First customer message derived from a tau2 scenario (pronouns flipped: simulated)."""
    sys_t = task_rec["messages"][0]["content"]
    m = re.search(r"Reason for call:\s*(.+?)\n\s*(Known info|Unknown info|Task instructions)", sys_t, re.S)
    txt = (m.group(1) if m else sys_t[-400:]).strip()
    txt = re.sub(r"\s+", " ", txt)
    for a, b in ((r"\bYou are\b", "I am"), (r"\byou are\b", "I am"), (r"\bYour\b", "My"), (r"\byour\b", "my"),
                 (r"\bYou\b", "I"), (r"\byou\b", "I"), (r"\byourself\b", "myself")):
        txt = re.sub(a, b, txt)
    return txt


def scenario_followups(task_rec):
    sys_t = task_rec["messages"][0]["content"]
    m = re.search(r"Task instructions:\s*(.+?)</scenario>", sys_t, re.S)
    if not m:
        return []
    out = []
    for line in m.group(1).split("\n"):
        line = line.strip()
        if 12 < len(line) < 300:
            for a, b in ((r"\bYou are\b", "I am"), (r"\byou are\b", "I am"), (r"\bYour\b", "My"), (r"\byour\b", "my"), (r"\bYou\b", "I"), (r"\byou\b", "I")):
                line = re.sub(a, b, line)
            out.append(line)
    return out


def tool_args(rng, tool):
    a = {}
    for k, v in tool["parameters"]["properties"].items():
        if v.get("type") == "integer":
            a[k] = rng.randint(1, 900)
        elif v.get("type") == "number":
            a[k] = round(rng.uniform(10, 400), 2)
        elif v.get("type") == "boolean":
            a[k] = rng.random() < 0.5
        elif v.get("type") == "array":
            a[k] = [hexid(rng, 6)]
        elif k == "path":
            a[k] = rng.choice(REPO_FILES)
        elif k == "command":
            a[k] = rng.choice(["pytest -q", "npm test", "go test ./...", "ls -la", "git diff", "make lint", "python -m mypy src"])
        elif k == "patch":
            a[k] = "--- a/%s\n+++ b/%s\n@@ -1,3 +1,4 @@\n+import logging\n" % ((rng.choice(REPO_FILES),) * 2)
        elif k == "action":
            a[k] = rng.choice(["click", "type", "scroll", "screenshot", "key"])
        else:
            a[k] = rng.choice(["A1B2C3", "mia_li_3668", "#W4817420", "ZFA04Y", "555-0142", "refund policy", "Paris", "SELECT 1"])
    return a


def tool_result(rng, rs, name):
    if name == "read_file":
        return rs.code[rng.randrange(len(rs.code))][:1500]
    if name == "run_command":
        return rng.choice(["===== %d passed, %d failed in %.2fs =====" % (rng.randint(1, 60), rng.randint(0, 3), rng.uniform(0.1, 9)),
                           "ok  \tinternal/store\t0.%03ds" % rng.randrange(999), "Traceback (most recent call last):\n  File \"src/app.py\", line %d\nKeyError: 'id'" % rng.randint(10, 300)])
    if name == "grep":
        return "\n".join("%s:%d: %s" % (rng.choice(REPO_FILES), rng.randint(1, 400), rs.prose(rng, 40)[:70]) for _ in range(rng.randint(1, 6)))
    if name == "list_dir":
        return "\n".join(rng.sample(REPO_FILES, 6))
    if name == "apply_patch":
        return "Patch applied."
    if name == "computer":
        return "screenshot captured"
    return json.dumps({"status": "ok", "result": rs.prose(rng, 80)[:160], "id": hexid(rng, 8)})


# ----------------------------------------------------------------------------------------------
# the world
# ----------------------------------------------------------------------------------------------
from collections import deque


class World:
    def __init__(self, corpus, seed, n_accounts, days, evasive, out):
        self.c = corpus
        self.seed = seed
        self.N = n_accounts
        self.days = days
        self.evasive = evasive
        self.out = out
        self.t_end = T0 + days * DAY
        self.vol = days / 14.0
        self.id_rng = srng(seed, "ids")
        self.b = srng(seed, "build")
        self.infra = Infra(corpus, seed)
        self.rs = RespSim(corpus)
        self.rel1 = T0 + int(0.4 * days) * DAY + 17 * HOUR
        self.rel2 = max(T0 + int(0.78 * days) * DAY + 16 * HOUR, self.rel1 + 2 * DAY)
        self.snap3 = "nova-3-" + datetime.fromtimestamp(self.rel1, tz=timezone.utc).strftime("%Y-%m-%d")
        self.inc0 = T0 + int(0.55 * days) * DAY + 14 * HOUR + 20 * 60
        self.inc1 = self.inc0 + 35 * 60
        self.accounts = []
        self.jobs = []
        self.campaigns = []
        self.groups = []
        self.unis = []
        self.sink = None
        self.persona_ex = {}
        self.az_conv = corpus.azure["conv"][:, 2].astype(int)
        self.az_code = corpus.azure["code"][:, 2].astype(int)
        self.az_conv_in = corpus.azure["conv"][:, 1].astype(int)
        # servegen clients usable for app timing: enough active windows
        self.sg_busy = [cid for cid in corpus.servegen_ids if sum(1 for r in corpus.servegen[cid] if r[0] > 0) >= 300]
        self.sg_any = [cid for cid in corpus.servegen_ids if sum(1 for r in corpus.servegen[cid] if r[0] > 0) >= 40]

    # ---------------- account helpers ----------------
    def pick_country(self, rng):
        cs = sorted(COUNTRIES)
        return rng.choices(cs, weights=[COUNTRIES[c][0] for c in cs], k=1)[0]

    def new_acct(self, persona, cc=None, created=None, signup="self_serve", email=None, pay="own", verified=None, campaign=None):
        rng = self.b
        a = Account(self, persona, campaign)
        a.country = cc or self.pick_country(rng)
        a.tz = rng.choice(COUNTRIES.get(a.country, (0, [0], "x"))[1])
        if created is None:
            if rng.random() < 0.1:
                created = T0 + rng.uniform(0, self.days * 0.85) * DAY
            else:
                created = T0 - min(1100, lognorm(rng, 220, 1.0)) * DAY - rng.uniform(0, DAY)
        a.created = created
        a.keys[0] = (a.keys[0][0], None)
        if email is None:
            email = rng.choice(WEBMAIL) if rng.random() < 0.72 else company_domain(rng)
        a.email_domain = email
        a.pay = ("pf_" + hexid(rng, 24)) if pay == "own" else pay
        a.signup = signup
        a.verified = (rng.random() < (0.55 if created < T0 - 30 * DAY else 0.2)) if verified is None else verified
        a.rpm = 500 if (a.verified or created < T0 - 60 * DAY) else 60
        pro = {"coding_agent_user": 0.45, "researcher": 0.4, "early_adopter_evaluator": 0.5, "computer_use_agent": 0.3, "startup_builder": 0.2}.get(persona, 0.1)
        if rng.random() < pro:
            a.base_flag = "nova-2-pro"
        self.accounts.append(a)
        return a

    def adopt(self, a, rng, p_fast, fast_h, p_slow=0.3, slow_d=(2, 8)):
        r = rng.random()
        if r < p_fast:
            a.adopt3 = self.rel1 + rng.uniform(*fast_h) * HOUR
        elif r < p_fast + p_slow:
            a.adopt3 = self.rel1 + rng.uniform(*slow_d) * DAY
        a.adopt3m = self.rel2 + (rng.uniform(0.2, 3) * DAY if rng.random() < 0.5 else math.inf)

    def model(self, a, t, size="flag", rng=None):
        if size == "mini":
            return "nova-3-mini" if (t >= self.rel2 and t >= a.adopt3m) else "nova-2-mini"
        if t >= self.rel1 and t >= a.adopt3:
            if rng is not None and rng.random() < 0.07:
                return self.snap3
            return "nova-3"
        return "nova-2-pro" if size == "pro" else a.base_flag

    # ---------------- sampling helpers ----------------
    def out_tokens(self, rng, kind="chat"):
        if kind == "code":
            return max(4, int(self.az_code[rng.randrange(len(self.az_code))]))
        if kind == "short":
            return rng.randint(1, 40)
        return max(4, int(self.az_conv[rng.randrange(len(self.az_conv))]))

    def rtok(self, rng, effort):
        if not effort:
            return 0
        med = {"minimal": 60, "low": 350, "medium": 1200, "high": 4200, "xhigh": 9000}.get(effort, 1200)
        return int(min(60000, lognorm(rng, med, 0.7)))

    def est_latency(self, out, model, in_tok=1000):
        tps = SPEED_TPS.get(model.split("-2026")[0], 70)
        return 0.35 + in_tok * 0.00002 + out / tps

    def pr(self, a, t, conv, p, form, model, net, sess=0, out=300, rtok=0, rkind="chat", ideal=None, n_items=1,
           calls=None, content=None, src=None, stack=None, resp_id=None):
        a.prs.append({"t": t, "conv": conv, "p": p, "form": form, "model": model, "net": net, "sess": sess, "out": out,
                      "rtok": rtok, "rkind": rkind, "ideal": ideal, "n_items": n_items, "calls": calls, "content": content,
                      "src": src or [], "stack": stack, "resp_id": resp_id})

    # ---------------- dispatch: errors, retries, bans, rate limits -> records ----------------
    def decide(self, a, pr, t, n_recent, rng):
        if self.inc0 <= t < self.inc1 and rng.random() < 0.35:
            return 529 if pr["form"] == "messages" and rng.random() < 0.6 else 503
        if n_recent >= a.rpm:
            return 429
        if self.rel1 <= t < self.rel1 + 20 * HOUR and pr["model"].startswith("nova-3") and rng.random() < 0.04:
            return 429
        if pr["in_tok"] > 200000:
            return 400
        r = rng.random()
        if r < 0.003 and a.rpm < 1000:  # concurrency / spend-limit throttling
            return 429
        if r < 0.0055:
            return rng.choice([500, 502, 503])
        if r < 0.007:
            return 400
        if r < 0.0077 and pr["p"].get("stream"):
            return 499
        return 200

    def retry_delay(self, style, status, k, rng):
        if status in (400, 401, 403, 499):
            return None
        if style == "sdk":
            if k >= 2:
                return None
            return rng.uniform(1, 20) if status == 429 else 0.5 * 2 ** k * rng.uniform(0.75, 1.0)
        if style == "script":
            return 2.0 + rng.random() * 0.05 if k < 6 else None
        if style == "agent":
            return min(60, 2 ** (k + 1)) * rng.uniform(0.8, 1.2) if k < 4 else None
        if style == "browser":
            return rng.uniform(3, 60) if k < 1 and rng.random() < 0.5 else None
        if style == "app":
            return rng.uniform(0.5, 2) if k < 1 else None
        return None

    def dispatch(self, a):
        prs = a.prs
        a.prs = []
        if not prs:
            return
        prs.sort(key=lambda x: x["t"])
        rng = srng(self.seed, "disp", a.id)
        recent = deque()
        after_ban = 0
        for pr in prs:
            t = pr["t"]
            if t >= self.t_end or t < T0 or t < a.created:
                continue
            pr["in_tok"] = int(conv_chars(pr["conv"]) / 3.8) + 6 * len(pr["conv"]["turns"]) + 12
            if a.ban_t is not None and t >= a.ban_t:
                if after_ban >= a.ban_tries:
                    break
                self.emit(a, pr, t, 403 if after_ban < 2 else 401, rng)
                after_ban += 1
                continue
            style = (pr["stack"] or a.stack).retry
            k = 0
            while True:
                while recent and recent[0] < t - 60:
                    recent.popleft()
                st = self.decide(a, pr, t, len(recent), rng)
                recent.append(t)
                self.emit(a, pr, t, st, rng)
                if st == 200:
                    break
                d = self.retry_delay(style, st, k, rng)
                if d is None:
                    break
                t += d
                k += 1
                if t >= self.t_end:
                    break

    def emit(self, a, pr, t, status, rng):
        stack = pr["stack"] or a.stack
        ua, tls = stack.at(t)
        ip, asn, cc = pr["net"].addr(rng, t, "%s:%s" % (a.id, pr["sess"]))
        form = pr["form"]
        model = pr["model"]
        body = BODY[form](pr["conv"], pr["p"], model, rng)
        rid = "req_" + hexid(rng, 24)
        region = COUNTRIES.get(cc, (0, [0], "na"))[2]
        u = rng.random()
        if region == "eu" and u < 0.3:
            style, edge = ("off", 1), "fra1"
        elif region == "apac" and u < 0.15:
            style, edge = ("off", 9), "nrt1"
        else:
            style = 0 if u < 0.85 else (1 if u < 0.95 else 2)
            edge = {"eu": "ams2", "apac": "sin1", "na": "iad1", "sa": "gru1", "emea": "fra2"}.get(region, "iad1")
        rec = {"request_id": rid, "ts": fmt_ts(t, style), "account_id": a.id, "api_key_id": a.key_at(t, rng), "org_id": a.org}
        legacy = rng.random() < 0.05
        client = {"ip": ip, "asn": asn, "country": cc, "user_agent": ua, "tls_fingerprint": tls}
        if legacy:
            del client["asn"], client["tls_fingerprint"]
        rec["client"] = client
        rec["model"] = model
        if not legacy and rng.random() > 0.03:
            rec["endpoint"] = ENDPOINT[form]
        rec["request"] = body
        in_tok = pr["in_tok"]
        if status == 200:
            out, rt = pr["out"], pr["rtok"]
            if form == "messages" and not pr["p"].get("thinking"):
                rt = 0
            mx = pr["p"].get("max_out")
            fin = "stop"
            if pr["calls"]:
                fin = "tool"
            if mx and out + rt > mx:
                out = max(1, mx - rt)
                if rt >= mx:
                    rt = int(mx * 0.9)
                    out = mx - rt
                fin = "length"
            n = pr["p"].get("n") or 1
            content = pr["content"] if pr["content"] is not None else self.rs.make(rng, pr["rkind"], out, pr["ideal"], pr["n_items"])
            resp = {"content": content}
            if rt and ((form == "messages" and pr["p"].get("thinking")) or (form == "responses" and pr["p"].get("summary"))):
                resp["reasoning"] = self.rs.reasoning(rng, rt)
            if pr["calls"]:
                resp["tool_calls"] = [{"id": cid, "type": "function", "name": nm, "arguments": json.dumps(ar)} for cid, nm, ar in pr["calls"]]
            resp["finish_reason"] = FINISH[form][fin]
            if pr["resp_id"]:
                resp["id"] = pr["resp_id"]
            rec["response"] = resp
            usage = {"input_tokens": in_tok, "output_tokens": (out + rt) * n}
            if rt or form != "messages":
                usage["reasoning_tokens"] = rt * n
            rec["usage"] = usage
            lat = (self.est_latency(out + rt, model.split("-2026")[0], in_tok) + lognorm(rng, 0.25, 0.6)) * 1000.0
            if t >= self.rel1 and t < self.rel1 + DAY and model.startswith("nova-3"):
                lat *= 1.4
            rec["latency_ms"] = round(lat, 1)
        else:
            msg = {400: ("invalid_request_error", "Invalid request."), 401: ("authentication_error", "Invalid API key."),
                   403: ("permission_error", "This account has been suspended."), 429: ("rate_limit_error", "Rate limit exceeded."),
                   499: ("client_closed_request", "Client closed request."), 500: ("api_error", "Internal server error."),
                   502: ("api_error", "Bad gateway."), 503: ("overloaded_error", "Service unavailable."), 529: ("overloaded_error", "Overloaded.")}[status]
            if status == 400 and in_tok > 200000:
                msg = ("invalid_request_error", "Prompt is too long: %d tokens > 200000 maximum." % in_tok)
            rec["error"] = {"type": msg[0], "message": msg[1]}
            lat = lognorm(rng, 60 if status in (401, 403, 429) else 400, 0.6)
            if status == 499:
                lat = lognorm(rng, 4000, 0.8)
            rec["latency_ms"] = round(lat, 1)
            if status in (400, 499):
                rec["usage"] = {"input_tokens": in_tok, "output_tokens": 0}
        rec["status"] = status
        rec["gateway"] = {"edge": edge}
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
        log_t = t + rec["latency_ms"] / 1000.0 + rng.uniform(0.001, 0.5)
        self.sink.write(log_t, rid, line)
        if rng.random() < 0.0025:  # duplicate delivery from the log pipeline
            self.sink.write(log_t + (rng.uniform(5, 900) if rng.random() < 0.7 else rng.uniform(3600, 30000)), rid, line)
            self.sink.ndup += 1
        self.sink.provenance({"request_id": rid, "account_id": a.id, "src": pr["src"], "kind": pr["rkind"]})
        a.n_ex += 1
        a.first_ts = t if a.first_ts is None else min(a.first_ts, t)
        a.last_ts = t if a.last_ts is None else max(a.last_ts, t)
        if a.campaign is None:
            self.persona_ex[a.persona] = self.persona_ex.get(a.persona, 0) + 1

    # ---------------- benign content helpers ----------------
    def opening(self, rng, mix):
        kinds, w = zip(*mix)
        k = rng.choices(kinds, weights=w, k=1)[0]
        c = self.c
        if k == "role":
            r = rng.choice(c.by_kind["role_prompt"])
            return None, last_user(r["messages"]), [], r["id"], None, "chat", "chat"
        if k == "mtbench":
            r = rng.choice(c.by_kind["chat"])
            return None, last_user(r["messages"]), list(r["extra"].get("followup_user_turns") or []), r["id"], None, "chat", "chat"
        if k == "writing":
            r = rng.choice(c.by_kind["writing"])
            return None, last_user(r["messages"]), [], r["id"], None, "chat", "chat"
        if k == "code":
            r = rng.choice(c.by_kind["coding"])
            return None, last_user(r["messages"]), [], r["id"], None, "code", "code"
        # a question out of an eval suite, typed by a person (only the user text)
        r = rng.choice(c.benign)
        while r["kind"] != "eval":
            r = rng.choice(c.benign)
        return None, last_user(r["messages"]) or "hi", [], r["id"], r["extra"].get("ideal"), "eval" if r["extra"].get("ideal") else "chat", "chat"

    def chat_params(self, rng, a, form, stack):
        p = {}
        fam = stack.family
        if fam == "browser" or fam == "http" and rng.random() < 0.5:
            p["stream"] = rng.random() < 0.85
            if rng.random() < 0.6:
                p["temperature"] = rng.choice([0.7, 0.7, 1.0, 0.5, 0.8])
        elif rng.random() < 0.35:
            p["temperature"] = rng.choice([0, 0.2, 0.7, 1.0])
        if form == "messages" or rng.random() < 0.4:
            p["max_out"] = rng.choice([1024, 2048, 4096, 4096, 8192])
        if form == "chat" and rng.random() < 0.3:
            p["max_key"] = "max_completion_tokens"
        if rng.random() < 0.15:
            p["effort"] = rng.choice(["low", "medium", "high"])
            if form == "messages":
                p["thinking"] = rng.choice([2048, 4096, "adaptive"])
            if form == "responses":
                p["summary"] = "auto"
        if form == "messages" and rng.random() < 0.2:
            p["blocks"] = True
        if form == "responses" and rng.random() < 0.5:
            p["input_str"] = True
        return p

    def chat_session(self, a, rng, t0, net, sess, mix, max_turns=5, stack=None, size=None, system=None, mean_turns=1.8, p=None, think=50):
        stack = stack or a.stack
        form = stack.form(rng)
        sysp, first, fups, src, ideal, rkind, okind = self.opening(rng, mix)
        system = system if system is not None else sysp
        p = dict(p) if p is not None else self.chat_params(rng, a, form, stack)
        size = size or ("mini" if rng.random() < 0.3 else "flag")
        n = 1
        while n < max_turns and rng.random() < 1 - 1 / mean_turns:
            n += 1
        turns = [("u", first, 0)]
        t = t0
        for i in range(n):
            if t >= self.t_end:
                break
            conv = {"system": system, "turns": list(turns), "tools": None}
            out = self.out_tokens(rng, okind)
            rk = rkind if i == 0 else "chat"
            model = self.model(a, t, size, rng)
            content = self.rs.make(rng, rk, out, ideal)
            rt = self.rtok(rng, p.get("effort"))
            self.pr(a, t, conv, p, form, model, net, sess, out=out, rtok=rt, rkind=rk, ideal=ideal, content=content, src=[src], stack=stack)
            turns.append(("a", content, []))
            nxt = fups.pop(0) if fups else rng.choice(GENERIC_FOLLOWUPS)
            turns.append(("u", nxt, 0))
            t += self.est_latency(out + rt, model) + lognorm(rng, think, 0.9)
        return t

    def agent_session(self, a, rng, t0, net, sess, system, tools, task, n_calls, stack=None, size="flag", p=None,
                      human_gap=0.06, compaction=12, images=0, src=None, tool_kinds=None, finish_kind="code", exec_s=(0.2, 6)):
        """A tool-using agent loop: every call re-sends the (compacted) history; tool results are simulated."""
        stack = stack or a.stack
        form = stack.form(rng)
        p = dict(p) if p is not None else {}
        if form == "messages":
            p.setdefault("max_out", rng.choice([8192, 16000, 32000]))
            if rng.random() < 0.6:
                p["sys_blocks"] = True
        p.setdefault("stream", rng.random() < 0.8)
        use_prev = form == "responses" and rng.random() < 0.6
        turns = [("u", task, images)]
        t = t0
        prev_id = None
        last_sent = 0
        for i in range(n_calls):
            if t >= self.t_end:
                break
            if len(turns) <= compaction + 1:
                hist = turns
            else:  # context compaction: keep the task and the most recent turns (never an orphan tool result)
                tail = turns[-compaction:]
                while tail and tail[0][0] == "t":
                    tail = tail[1:]
                hist = [turns[0]] + tail
            if images:  # keep only the last screenshot(s)
                hist = [(x[0], x[1], 0) if x[0] == "u" and j < len(hist) - 3 else x for j, x in enumerate(hist)]
            conv = {"system": system, "turns": list(hist), "tools": tools}
            pp = p
            if use_prev and prev_id:
                pp = dict(p)
                pp["prev_id"] = prev_id
                pp["input_from"] = max(0, len(hist) - (len(turns) - last_sent))
            final = i == n_calls - 1
            rid = "resp_" + hexid(rng, 24) if form == "responses" else None
            model = self.model(a, t, size, rng)
            rt = self.rtok(rng, p.get("effort")) // 3
            if final:
                out = int(lognorm(rng, 350, 0.7))
                content = self.rs.make(rng, finish_kind, out)
                calls = None
            else:
                out = int(lognorm(rng, 120, 0.6))
                tool = rng.choice(tools if tool_kinds is None else [x for x in tools if x["name"] in tool_kinds] or tools)
                cid = ("toolu_" if form == "messages" else "call_") + alnum(rng, 24)
                calls = [(cid, tool["name"], tool_args(rng, tool))]
                content = self.rs.prose(rng, 80)[:120] if rng.random() < 0.4 else ""
            self.pr(a, t, conv, pp, form, model, net, sess, out=out, rtok=rt, rkind="tool" if calls else finish_kind,
                    content=content, calls=calls, src=src, stack=stack, resp_id=rid)
            last_sent = len(turns)
            prev_id = rid
            t += self.est_latency(out + rt, model, conv_chars(conv) / 3.8)
            if calls:
                turns.append(("a", content or None, calls))
                turns.append(("t", calls[0][0], calls[0][1], tool_result(rng, self.rs, calls[0][1])))
                if images:
                    turns.append(("u", "Here is the screenshot after the action.", 1))
                t += rng.uniform(*exec_s)
                if rng.random() < human_gap:
                    turns.append(("u", rng.choice(GENERIC_FOLLOWUPS), 0))
                    t += lognorm(rng, 60, 1.0)
        return t

    def eval_item_conv(self, r):
        turns = [("m", m["role"], m["content"] if isinstance(m["content"], str) else json.dumps(m["content"])) for m in r["messages"]]
        return {"system": None, "turns": turns, "tools": None}

    # ================================================================================================
    # benign personas
    # ================================================================================================
    _lw_cache = {}

    def lw(self, tz, pattern):
        k = (tz, pattern, self.days)
        if k not in World._lw_cache:
            World._lw_cache[k] = local_weights(self.days, tz, pattern)
        return World._lw_cache[k]

    def times(self, a, pattern, n, t_lo=None, t_hi=None, salt=""):
        nr = nrng(self.seed, "times", a.id, pattern, salt)
        return sample_times(nr, self.lw(a.tz, pattern), n, t_lo if t_lo is not None else a.created, t_hi)

    def nsess(self, rng, mean):
        lam = max(0.0, mean * self.vol)
        # small Poisson via inversion
        L, k, p = math.exp(-lam), 0, 1.0
        if lam > 30:
            return max(0, int(rng.gauss(lam, math.sqrt(lam))))
        while True:
            p *= rng.random()
            if p <= L:
                return k
            k += 1

    def office_net(self, rng, cc, v6=True):
        if rng.random() < 0.5:
            name, asn, bcc = rng.choice(BUSINESS_ISPS)
            ips = [ip4(self.infra.dc_block(rng)[0] + rng.randint(1, 200)) for _ in range(rng.randint(1, 2))]
            return StaticNet(ips, asn, cc, "office")
        isp = self.infra.isp_for(rng, cc, "home")
        ips = [self.infra.res_ip(rng, isp) for _ in range(rng.randint(1, 3))]
        v6p = isp["v6p"] | (rng.getrandbits(24) << 72) if (v6 and rng.random() < isp["v6"]) else None
        return StaticNet(ips, isp["asn"], isp["cc"], "office", v6p, 0.5 if v6p else 0.0)

    def uni_net(self, rng, cc):
        asn = rng.randint(1000, 60000)
        ips = [ip4(((rng.choice(list(range(128, 170)))) << 24) | (rng.randrange(256) << 16) | rng.getrandbits(16)) for _ in range(rng.randint(3, 10))]
        v6p = ((0x2001 << 112) | (rng.getrandbits(32) << 80))
        return StaticNet(ips, asn, cc, "university", v6p, 0.55)

    def pick_nets(self, rng, a, weights):
        return [(n, w) for n, w in weights if n is not None]

    def choose(self, rng, nets):
        ns, ws = zip(*nets)
        return rng.choices(ns, weights=ws, k=1)[0]

    def job(self, label, accts, fn):
        self.jobs.append((label, accts, fn))

    # ---- 1 casual chat (web/mobile BYO-key apps) ----
    def b_casual_chat(self, n):
        for _ in range(n):
            a = self.new_acct("casual_chat")
            rng = self.b
            a.stack = browser_stack(rng, self.c, "mobile" if rng.random() < 0.55 else None) if rng.random() < 0.8 else http_stack(rng, self.c, "okhttp", [("chat", 1.0)])
            home = HomeNet(self.infra, rng, a.country, a.id)
            nets = [(home, 0.65)]
            if rng.random() < 0.6:
                nets.append((HomeNet(self.infra, rng, a.country, a.id + "m", mobile=True), 0.3))
            if rng.random() < 0.07:
                nets.append((VPNNet(self.infra, rng), 0.3))
            a.nets = nets
            self.adopt(a, rng, 0.25, (3, 48), 0.2)
            self.job("casual_chat", [a], lambda a=a: self.g_casual(a))

    def g_casual(self, a):
        rng = srng(self.seed, "g", a.id)
        for i, t in enumerate(self.times(a, "evening", 1 + self.nsess(rng, 4.5))):
            self.chat_session(a, rng, t, self.choose(rng, a.nets), i,
                              [("role", 0.25), ("mtbench", 0.2), ("writing", 0.25), ("evalq", 0.25), ("code", 0.05)], max_turns=6)

    # ---- 2 trial & churn ----
    def b_trial_churn(self, n):
        for _ in range(n):
            rng = self.b
            em = rng.choice(self.c.disposable) if rng.random() < 0.15 else None
            a = self.new_acct("trial_churn", created=T0 + rng.uniform(-1, self.days - 0.2) * DAY, email=em, pay="own" if rng.random() < 0.5 else None, verified=False)
            a.stack = sdk_stack(rng, self.days) if rng.random() < 0.5 else (http_stack(rng, self.c, rng.choice(["curl", "python-requests", "axios"])) if rng.random() < 0.5 else browser_stack(rng, self.c))
            a.nets = [(HomeNet(self.infra, rng, a.country, a.id, mobile=rng.random() < 0.3), 1.0)]
            if rng.random() < 0.03:
                a.ban_t = a.created + rng.uniform(1, 30) * HOUR  # card-fraud ban
            self.job("trial_churn", [a], lambda a=a: self.g_trial(a))

    def g_trial(self, a):
        rng = srng(self.seed, "g", a.id)
        t = max(T0, a.created) + lognorm(rng, 600, 1.2)
        for i in range(rng.randint(1, 3)):
            t = self.chat_session(a, rng, t, a.nets[0][0], i, [("role", 0.4), ("mtbench", 0.3), ("evalq", 0.2), ("code", 0.1)], max_turns=3)
            t += lognorm(rng, 900, 1.0)

    # ---- 3 hobby developer ----
    def b_hobby_developer(self, n):
        for _ in range(n):
            a = self.new_acct("hobby_developer")
            rng = self.b
            a.stack = sdk_stack(rng, self.days) if rng.random() < 0.7 else http_stack(rng, self.c, rng.choice(["python-requests", "python-httpx", "aiohttp", "node-fetch", "axios", "Go-http-client", "curl"]))
            nets = [(HomeNet(self.infra, rng, a.country, a.id), 0.6)]
            if rng.random() < 0.4:
                nets.append((self.office_net(rng, a.country), 0.35))
            if rng.random() < 0.12:
                nets.append((VPNNet(self.infra, rng), 0.15))
            if rng.random() < 0.15:
                nets.append((CloudNet(self.infra, rng, rng.choice(["digitalocean", "hetzner", "aws", "linode", "vultr"]), n_static=1), 0.25))
            a.nets = nets
            self.adopt(a, rng, 0.45, (1, 40), 0.25)
            self.job("hobby_developer", [a], lambda a=a: self.g_hobby(a))

    def g_hobby(self, a):
        rng = srng(self.seed, "g", a.id)
        for i, t in enumerate(self.times(a, "evening" if rng.random() < 0.6 else "dev", 2 + self.nsess(rng, 7))):
            net = self.choose(rng, a.nets)
            r = rng.random()
            if r < 0.5:
                self.chat_session(a, rng, t, net, i, [("role", 0.2), ("mtbench", 0.2), ("writing", 0.2), ("evalq", 0.2), ("code", 0.2)], max_turns=4)
            elif r < 0.72:
                self.eval_loop(a, rng, t, net, i, rng.randint(5, 30))
            elif r < 0.9:
                for j in range(rng.randint(1, 8)):
                    t = self.chat_session(a, rng, t, net, i, [("code", 1.0)], max_turns=1, mean_turns=1.0) + rng.uniform(2, 120)
            else:
                task = rng.choice(self.c.by_kind["role_prompt"])
                self.agent_session(a, rng, t, net, i, APP_SYSTEMS["hack_agent"], HACK_TOOLS, last_user(task["messages"]), rng.randint(2, 5),
                                   src=[task["id"]], finish_kind="chat", exec_s=(0.1, 2))

    def eval_loop(self, a, rng, t, net, sess, n, suite=None, p=None, stack=None, size=None, conc=1, acct_cycle=None):
        """A scripted loop over rows of one eval suite (temperature 0, same system prompt); conc>1 = parallel workers."""
        suite = suite or rng.choice(self.c.suites)
        rows = self.c.by_suite[suite]
        stack = stack or a.stack
        form = stack.form(rng)
        p = dict(p) if p is not None else {"temperature": 0}
        if form == "messages":
            p.setdefault("max_out", 1024)
        size = size or rng.choice(["flag", "mini"])
        start = rng.randrange(len(rows))
        lanes = [t + rng.uniform(0, 0.5) for _ in range(conc)]
        for j in range(min(n, len(rows))):
            r = rows[(start + j) % len(rows)]
            k = j % conc
            tt = lanes[k]
            if tt >= self.t_end:
                break
            acct = acct_cycle[j % len(acct_cycle)] if acct_cycle else a
            ideal = r["extra"].get("ideal")
            out = rng.randint(1, 30) if ideal and len(str(ideal)) < 60 and not p.get("effort") else self.out_tokens(rng)
            rt = self.rtok(rng, p.get("effort"))
            model = self.model(acct, tt, size, rng)
            self.pr(acct, tt, self.eval_item_conv(r), p, form, model, net, sess, out=out, rtok=rt, rkind="eval", ideal=ideal,
                    src=[r["id"]], stack=stack)
            lanes[k] = tt + self.est_latency(out + rt, model) + rng.uniform(0.01, 0.3)
        return max(lanes)

    # ---- 4 coding-agent user ----
    def b_coding_agent_user(self, n):
        for _ in range(n):
            a = self.new_acct("coding_agent_user")
            rng = self.b
            a.verified = a.verified or rng.random() < 0.5
            a.rpm = 500 if a.verified else 120
            h = wchoice(rng, ["nova-code", "opencode", "aider"], [0.55, 0.3, 0.15])
            a.notes["harness"] = h
            a.stack = harness_stack(rng, self.c, h, self.days)
            nets = [(HomeNet(self.infra, rng, a.country, a.id), 0.5)]
            if rng.random() < 0.65:
                nets.append((self.office_net(rng, a.country), 0.5))
            if rng.random() < 0.08:
                nets.append((HomeNet(self.infra, rng, a.country, a.id + "t", mobile=True), 0.08))
            if rng.random() < 0.1:
                nets.append((CloudNet(self.infra, rng, rng.choice(["aws", "gcp", "hetzner"]), n_static=1), 0.3))  # remote dev box
            a.nets = nets
            self.adopt(a, rng, 0.65, (0.5, 30), 0.2)
            self.job("coding_agent_user", [a], lambda a=a: self.g_coding(a))

    def coding_task(self, rng):
        r = rng.random()
        c = self.c
        if r < 0.45:
            x = rng.choice(c.by_kind["coding"])
            return "Implement this function and add tests:\n\n" + last_user(x["messages"]), x["id"]
        if r < 0.65 and c.code_suites:
            x = rng.choice(c.by_suite[rng.choice(c.code_suites)])
            return last_user(x["messages"]) or "fix the failing test", x["id"]
        if r < 0.8:
            x = rng.choice([y for y in c.by_kind["chat"] if y["extra"].get("category") == "coding"])
            return last_user(x["messages"]), x["id"]
        x = rng.choice([y for y in c.by_kind["writing"] if y["extra"].get("domain1") == "Academic & Engineering"])
        return last_user(x["messages"]), x["id"]

    def g_coding(self, a):
        rng = srng(self.seed, "g", a.id)
        sysp = HARNESS_SYSTEMS[a.notes["harness"]]
        for i, t in enumerate(self.times(a, "dev", 2 + self.nsess(rng, 9))):
            task, src = self.coding_task(rng)
            p = {}
            if rng.random() < 0.5:
                p["effort"] = rng.choice(["medium", "high"])
                p["thinking"] = rng.choice(["adaptive", 4096, 8192])
            n = int(min(60, max(2, lognorm(rng, 9, 0.7))))
            self.agent_session(a, rng, t, self.choose(rng, a.nets), i, sysp, CODING_TOOLS, task, n, p=p, src=[src])

    # ---- 5 computer-use agent ----
    def b_computer_use_agent(self, n):
        for _ in range(n):
            a = self.new_acct("computer_use_agent")
            rng = self.b
            a.stack = automation_stack(rng, self.c)
            a.nets = [(CloudNet(self.infra, rng, rng.choice(["aws", "gcp", "azure"]), dynamic=rng.random() < 0.5), 0.6),
                      (HomeNet(self.infra, rng, a.country, a.id), 0.4)]
            self.adopt(a, rng, 0.4, (2, 48))
            self.job("computer_use_agent", [a], lambda a=a: self.g_computer(a))

    def g_computer(self, a):
        rng = srng(self.seed, "g", a.id)
        tasks = [x for d in sorted(self.c.tau2_tasks) for x in self.c.tau2_tasks[d]]
        for i, t in enumerate(self.times(a, "dev", 1 + self.nsess(rng, 5))):
            x = rng.choice(tasks)
            self.agent_session(a, rng, t, self.choose(rng, a.nets), i, APP_SYSTEMS["computer_use"], COMPUTER_TOOLS,
                               "On the company website: " + scenario_user_text(x), rng.randint(6, 30), images=1, src=[x["id"]],
                               finish_kind="chat", exec_s=(1.0, 4.0), compaction=8, human_gap=0.02)

    # ---- 6 enterprise seats (many seats on one card, one office NAT) ----
    def b_enterprise(self, n_total):
        made = 0
        while made < n_total:
            rng = self.b
            seats = min(n_total - made, int(lognorm(rng, 12, 0.7)) + 3)
            cc = self.pick_country(rng)
            dom = company_domain(rng)
            pay = "pf_" + hexid(rng, 24)
            org = "org_" + alnum(self.id_rng, 20) if rng.random() < 0.6 else None
            office = self.office_net(rng, cc)
            zs = PoolNet([(ip4(self.infra.dc_block(rng)[0] + rng.randint(1, 250)), ZSCALER_LIKE[1], rng.choice([cc, "US", "DE"])) for _ in range(4)]) if rng.random() < 0.35 else None
            portal = CloudNet(self.infra, rng, rng.choice(["azure", "aws", "gcp"]), n_static=2) if rng.random() < 0.4 else None
            portal_stack = sdk_stack(rng, self.days, "openai-js") if portal else None
            base_created = T0 - lognorm(rng, 250, 0.6) * DAY
            onboard = base_created + rng.uniform(0, 120) * DAY
            grp = {"kind": "enterprise", "domain": dom, "seats": [], "payment": pay}
            for s in range(seats):
                created = onboard + rng.uniform(0, 2) * HOUR if rng.random() < 0.5 else base_created + rng.uniform(0, 200) * DAY
                created = min(created, T0 + (self.days - 1) * DAY)
                a = self.new_acct("enterprise_seat", cc=cc, created=created, signup="enterprise", email=dom, pay=pay, verified=True)
                a.rpm = 4000
                if org:
                    a.org = org
                a.tz = COUNTRIES[cc][1][0]
                a.stack = sdk_stack(rng, self.days, rng.choice(["openai-py", "anthropic-py", "openai-js"])) if rng.random() < 0.5 else browser_stack(rng, self.c, "desktop")
                nets = [(office, 0.6), (HomeNet(self.infra, rng, cc, a.id), 0.25)]
                if zs:
                    nets.append((zs, 0.4))
                a.nets = nets
                a.notes["portal"] = (portal, portal_stack) if portal and rng.random() < 0.6 else None
                a.base_flag = rng.choice(["nova-2", "nova-2", "nova-2-pro"])
                self.adopt(a, rng, 0.05, (20, 60), 0.2, (3, 9))
                grp["seats"].append(a)
            made += seats
            self.groups.append(grp)
            self.job("enterprise", grp["seats"], lambda g=grp: self.g_enterprise(g))

    def g_enterprise(self, grp):
        for a in grp["seats"]:
            rng = srng(self.seed, "g", a.id)
            dev = a.stack.family != "browser"
            for i, t in enumerate(self.times(a, "office", 1 + self.nsess(rng, 6))):
                portal = a.notes.get("portal")
                if portal and rng.random() < 0.7:
                    net, st = portal
                else:
                    net, st = self.choose(rng, a.nets), a.stack
                if dev and rng.random() < 0.3:
                    self.eval_loop(a, rng, t, net, i, rng.randint(5, 40), suite=rng.choice(self.c.extract_suites), stack=st)
                else:
                    self.chat_session(a, rng, t, net, i, [("writing", 0.5), ("role", 0.2), ("evalq", 0.15), ("mtbench", 0.1), ("code", 0.05)],
                                      max_turns=5, stack=st, think=90)

    # ---- 7 SaaS backend (cloud egress, one system prompt, ServeGen-shaped traffic) ----
    def b_saas_backend(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("saas_backend", email=company_domain(rng), signup=rng.choice(["self_serve", "self_serve", "startup_program", "enterprise"]))
            a.verified = True
            a.rpm = 3000
            prod = wchoice(rng, ["support_bot", "writing_app", "tutor_app", "translate_app"], [0.35, 0.25, 0.25, 0.15])
            a.notes["product"] = prod
            if prod == "support_bot":
                a.notes["domain"] = wchoice(rng, ["airline", "retail", "banking_knowledge", "telecom"], [0.35, 0.35, 0.2, 0.1])
            a.stack = sdk_stack(rng, self.days, rng.choice(["openai-js", "openai-py", "anthropic-py", "anthropic-js"]))
            prov = rng.choice(["aws", "aws", "gcp", "azure", "vercel" if False else "aws", "digitalocean", "alibaba"])
            a.nets = [(CloudNet(self.infra, rng, prov, n_static=rng.randint(1, 4), dynamic=rng.random() < 0.25), 1.0)]
            a.notes["sg"] = rng.choice(self.sg_busy)
            a.notes["vol"] = int(min(4000, lognorm(rng, 380, 0.8)))
            a.add_key(self, T0 + rng.uniform(0, self.days) * DAY) if rng.random() < 0.3 else None
            self.adopt(a, rng, 0.08, (24, 72), 0.3, (2, 9))
            self.job("saas_backend", [a], lambda a=a: self.g_saas(a))

    def g_saas(self, a):
        rng = srng(self.seed, "g", a.id)
        nr = nrng(self.seed, "sg", a.id)
        prod = a.notes["product"]
        vol = int(a.notes["vol"] * self.vol)
        net = a.nets[0][0]
        pmf = self.c.servegen_pmf(a.notes["sg"])
        form = a.stack.form(rng)
        if prod == "support_bot":
            dom = a.notes["domain"]
            sysp = self.c.tau2_agent[dom]["system"]
            tasks = self.c.tau2_tasks[dom]
            starts = servegen_times(self.c, nr, a.notes["sg"], max(1, vol // 4), self.days, a.tz)
            for i, t in enumerate(starts):
                if t < a.created:
                    continue
                x = tasks[rng.randrange(len(tasks))]
                self.support_convo(a, rng, t, net, i, sysp, TAU2_TOOLS[dom], x)
            return
        sysp = APP_SYSTEMS[prod]
        ts = servegen_times(self.c, nr, a.notes["sg"], vol, self.days, a.tz)
        p0 = {"temperature": rng.choice([0.3, 0.7, 1.0]), "max_out": rng.choice([1024, 2048, 4096]), "stream": rng.random() < 0.7}
        if prod == "tutor_app":
            p0["effort"] = rng.choice(["low", "medium"])
        for i, t in enumerate(ts):
            if t < a.created:
                continue
            if prod == "writing_app":
                r = rng.choice(self.c.by_kind["writing"]) if rng.random() < 0.7 else rng.choice(self.c.by_kind["role_prompt"])
                txt, ideal = last_user(r["messages"]), None
            elif prod == "tutor_app":
                r = rng.choice(self.c.by_suite[rng.choice(self.c.reason_suites)]) if rng.random() < 0.8 else rng.choice(self.c.by_kind["chat"])
                txt, ideal = last_user(r["messages"]), r["extra"].get("ideal")
            else:
                r = rng.choice(self.c.by_suite[rng.choice(self.c.translate_suites)]) if self.c.translate_suites and rng.random() < 0.6 else rng.choice(self.c.by_kind["writing"])
                txt, ideal = last_user(r["messages"]), None
            out = int(pmf[0][nr.choice(len(pmf[0]), p=pmf[1])]) if pmf is not None and rng.random() < 0.7 else self.out_tokens(rng)
            out = max(4, min(out, 6000))
            conv = {"system": sysp, "turns": [("u", txt or "hello", 0)], "tools": None}
            self.pr(a, t, conv, p0, form, self.model(a, t, "mini" if rng.random() < 0.4 else "flag", rng), net, i, out=out,
                    rtok=self.rtok(rng, p0.get("effort")), rkind="eval" if ideal else "chat", ideal=ideal, src=[r["id"]])

    def support_convo(self, a, rng, t, net, sess, sysp, tools, x, stack=None, p=None, src_extra=None):
        stack = stack or a.stack
        form = stack.form(rng)
        p = dict(p) if p else {"temperature": rng.choice([0.0, 0.2, 0.5]), "max_out": 1024}
        turns = [("u", scenario_user_text(x), 0)]
        fups = scenario_followups(x)
        n_user = rng.randint(1, 4)
        src = [x["id"], "tau2-agent-system:" + x["extra"]["domain"]] + (src_extra or [])
        for u in range(n_user):
            for k in range(rng.randint(0, 2) + 1):
                if t >= self.t_end:
                    return t
                conv = {"system": sysp, "turns": list(turns), "tools": tools}
                model = self.model(a, t, "flag", rng)
                last = k > 0 and rng.random() < 0.6 or k == 2
                if not last and rng.random() < 0.75:
                    tool = rng.choice(tools)
                    cid = ("toolu_" if form == "messages" else "call_") + alnum(rng, 24)
                    calls = [(cid, tool["name"], tool_args(rng, tool))]
                    out = int(lognorm(rng, 60, 0.5))
                    self.pr(a, t, conv, p, form, model, net, sess, out=out, rkind="tool", calls=calls, content="", src=src, stack=stack)
                    turns.append(("a", None, calls))
                    turns.append(("t", cid, tool["name"], tool_result(rng, self.rs, tool["name"])))
                    t += self.est_latency(out, model) + rng.uniform(0.05, 0.8)
                else:
                    out = int(lognorm(rng, 110, 0.6))
                    content = self.rs.prose(rng, out * 3.8)
                    self.pr(a, t, conv, p, form, model, net, sess, out=out, content=content, src=src, stack=stack)
                    turns.append(("a", content, []))
                    t += self.est_latency(out, model)
                    break
            nxt = fups.pop(0) if fups else rng.choice(GENERIC_FOLLOWUPS)
            turns.append(("u", nxt, 0))
            t += lognorm(rng, 35, 0.7)
        return t

    # ---- 8 batch pipeline (nightly structured extraction) ----
    def b_batch_pipeline(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("batch_pipeline", email=company_domain(rng), signup=rng.choice(["self_serve", "enterprise"]))
            a.verified = True
            a.rpm = rng.choice([200, 500, 1000])
            a.stack = sdk_stack(rng, self.days, rng.choice(["openai-py-async", "openai-py", "anthropic-py"]))
            a.nets = [(CloudNet(self.infra, rng, rng.choice(["aws", "gcp", "azure", "hetzner"]), n_static=1), 1.0)]
            a.notes["suite"] = rng.choice(self.c.extract_suites)
            a.notes["hour"] = rng.uniform(0.5, 4.5)
            self.adopt(a, rng, 0.02, (24, 48), 0.15, (3, 10))
            self.job("batch_pipeline", [a], lambda a=a: self.g_batch(a))

    def g_batch(self, a):
        rng = srng(self.seed, "g", a.id)
        schema = {"name": "extraction", "schema": {"type": "object", "properties": {"title": S, "fields": {"type": "array", "items": S}}, "required": ["title"]}}
        for d in range(self.days):
            if rng.random() > 0.7:
                continue
            t = T0 + d * DAY + ((a.notes["hour"] - a.tz) % 24) * HOUR + rng.uniform(0, 300)
            if t < a.created:
                continue
            n = int(lognorm(rng, 60, 0.6) * (1 if rng.random() < 0.8 else 4))
            p = {"temperature": 0, "json": schema if rng.random() < 0.7 else "object", "max_out": 1024}
            self.eval_loop(a, rng, t, a.nets[0][0], d, n, suite=a.notes["suite"] if rng.random() < 0.8 else rng.choice(self.c.extract_suites),
                           p=p, size="mini", conc=rng.choice([8, 16, 32]))

    # ---- 9 eval vendor (scripted suite runs, lock-step across its client accounts) ----
    def b_eval_vendor(self, n_total):
        made = 0
        while made < n_total:
            rng = self.b
            k = min(n_total - made, rng.randint(2, 6))
            dom, pay, cc = company_domain(rng), "pf_" + hexid(rng, 24), rng.choice(["US", "US", "GB", "DE", "SG"])
            net = CloudNet(self.infra, rng, rng.choice(["gcp", "aws"]), n_static=3)
            stack = http_stack(rng, self.c, rng.choice(["python-httpx", "aiohttp"])) if rng.random() < 0.4 else sdk_stack(rng, self.days, "openai-py-async")
            grp = {"kind": "eval_vendor", "domain": dom, "seats": [], "payment": pay, "net": net, "stack": stack}
            base = T0 - lognorm(rng, 300, 0.5) * DAY
            for s in range(k):
                a = self.new_acct("eval_vendor", cc=cc, created=base + rng.uniform(0, 200) * DAY, signup="enterprise", email=dom, pay=pay, verified=True)
                a.rpm = 3000
                a.stack = stack
                a.nets = [(net, 1.0)]
                a.adopt3 = self.rel1 + rng.uniform(1, 8) * HOUR
                a.adopt3m = self.rel2 + rng.uniform(1, 8) * HOUR
                grp["seats"].append(a)
            made += k
            self.groups.append(grp)
            self.job("eval_vendor", grp["seats"], lambda g=grp: self.g_vendor(g))

    def g_vendor(self, g):
        rng = srng(self.seed, "g", g["domain"])
        seats = g["seats"]
        jobs = [T0 + rng.uniform(0, self.days) * DAY for _ in range(max(1, self.nsess(rng, 4)))]
        jobs.append(self.rel1 + rng.uniform(1.5, 10) * HOUR)  # evaluate the new model as soon as it ships
        if self.rel2 < self.t_end:
            jobs.append(self.rel2 + rng.uniform(2, 20) * HOUR)
        for j, t in enumerate(sorted(jobs)):
            nsuites = rng.randint(2, 6)
            for s in range(nsuites):
                suite = rng.choice(self.c.suites)
                p = {"temperature": 0, "max_out": 2048}
                if rng.random() < 0.2:
                    p["logprobs"], p["top_logprobs"] = True, 5
                if rng.random() < 0.3:
                    p["effort"] = "high"
                t = self.eval_loop(seats[0], rng, t, g["net"], j, 200, suite=suite, p=p, conc=rng.choice([8, 16]), acct_cycle=seats, size="flag")
            if rng.random() < 0.5:  # open-ended writing eval, graded with an AlpacaEval judge
                t = self.judge_batch(seats, rng, t, g["net"], j, rng.randint(60, 200), "vendor")
            if rng.random() < 0.3:
                dom = rng.choice(sorted(self.c.tau2_tasks))
                for x in rng.sample(self.c.tau2_tasks[dom], min(20, len(self.c.tau2_tasks[dom]))):
                    a = rng.choice(seats)
                    self.support_convo(a, rng, t, g["net"], j, self.c.tau2_agent[dom]["system"], TAU2_TOOLS[dom], x)
                    # the user-simulator side of tau2 (the corpus record as is)
                    self.pr(a, t + 1, self.eval_item_conv(x), {"temperature": 0}, a.stack.form(rng), self.model(a, t, "flag", rng), g["net"], j,
                            out=int(lognorm(rng, 60, 0.5)), src=[x["id"]])
                    t += rng.uniform(1, 20)

    def judge_batch(self, accts, rng, t, net, sess, n, who, templates=None, stack=None):
        c = self.c
        tids = templates or [k for k in sorted(c.templates) if c.templates[k]["family"] == "judge"]
        tid = rng.choice(tids)
        lanes = [t + i * 0.1 for i in range(8)]
        for j in range(n):
            k = j % 8
            a = accts[j % len(accts)]
            tt = lanes[k]
            conv, p, src, rkind, calls = self.judge_request(rng, tid, rng.choice(c.instructions))
            form = "chat" if (stack or a.stack).forms[0][0] != "messages" else "messages"
            model = self.model(a, tt, "flag", rng)
            out = rng.randint(1, 60)
            self.pr(a, tt, conv, p, form, model, net, sess, out=out, rkind=rkind, calls=calls, src=src, stack=stack)
            lanes[k] = tt + self.est_latency(out, model) + rng.uniform(0.05, 0.5)
        return max(lanes)

    def judge_request(self, rng, tid, instr, para=None):
        tpl = self.c.templates[tid]
        iid, itext, ideal = instr
        o1, o2 = self.rs.prose(rng, rng.randint(150, 900)), self.rs.prose(rng, rng.randint(150, 900))
        slots = {"instruction": itext, "output_1": o1, "output_2": o2, "generations": [o1, o2], "reference": ideal or o1,
                 "rubric": "[Which response better follows the instruction while being accurate and helpful?]"}
        if tpl.get("system") and "prometheus" in tid:
            pass
        ct = (tpl.get("extra") or {}).get("chat_template")
        if ct:
            if para:
                ct = [{"role": m["role"], "content": para.apply(m["content"], key=(tid, i))} for i, m in enumerate(ct)]
            msgs = chatml_to_messages(ct, slots, tpl["slots"])
            conv = {"system": None, "turns": [("m", r, c) for r, c in msgs], "tools": None}
        else:
            txt = render_template(self.para_tpl(tpl, para), slots)
            system = tpl.get("system") if (tpl.get("extra") or {}).get("slot_syntax") == "jinja2" else None
            conv = {"system": system, "turns": [("u", txt, 0)], "tools": None}
        pr = tpl.get("params") or {}
        p = {}
        for k in ("temperature", "top_p"):
            if k in pr:
                p[k] = pr[k]
        mt = pr.get("max_tokens") or pr.get("max_new_tokens") or pr.get("max_tokens_to_sample")
        if mt:
            p["max_out"] = int(mt)
        if pr.get("logprobs"):
            p["logprobs"], p["top_logprobs"] = True, pr.get("top_logprobs") or 5
        calls = None
        rkind = "judge"
        if pr.get("tools"):
            t0 = pr["tools"][0]["function"]
            conv["tools"] = [{"name": t0["name"], "description": t0.get("description", ""), "parameters": t0["parameters"]}]
            p["tool_choice"] = pr.get("tool_choice")
            calls = [("call_" + alnum(rng, 24), t0["name"], {"ordered_models": [{"model": "model_1", "rank": 1}, {"model": "model_2", "rank": 2}]})]
            rkind = "tool"
        return conv, p, [tid, iid], rkind, calls

    def rubric_request(self, rng, tid, instr, para=None):
        tpl = self.c.templates[tid]
        iid, itext, ideal = instr
        gens = [self.rs.prose(rng, rng.randint(120, 700)) for _ in range(4)]
        slots = {"instruction": itext, "generations": gens, "generation": gens[0], "responses": gens, "response": gens[0],
                 "text_1": gens[0], "text_2": gens[1], "text_3": gens[2], "text_4": gens[3], "world_knowledge": ideal or "No additional world knowledge for reference.",
                 "rubric": "[Is the response helpful, accurate and complete?]\nScore 1: The response is unhelpful or wrong.\nScore 3: The response is partially helpful.\nScore 5: The response is fully helpful and correct.",
                 "reference": ideal or gens[3], "system_prompt": "A chat.", "threshold": "3"}
        txt = render_template(self.para_tpl(tpl, para), slots)
        system = tpl.get("system")
        if system:
            system = system.replace("{no_texts}", "4")
        if para and system:
            system = para.apply(system, key=("sys", tid))
        conv = {"system": system, "turns": [("u", txt, 0)], "tools": None}
        pr = tpl.get("params") or {}
        p = {}
        for k in ("temperature", "top_p"):
            if k in pr:
                p[k] = pr[k]
        if pr.get("max_tokens"):
            p["max_out"] = pr["max_tokens"]
        if "presence_penalty" in pr:
            p["pp"], p["fp"] = pr["presence_penalty"], pr.get("frequency_penalty", 0)
        kind = "score" if "prometheus" in tid or "filter" in tid else "rubric"
        return conv, p, [tid, iid], kind, 4

    # ---- 10 data-labelling firm (legitimate LLM-as-judge / rubric pre-labelling) ----
    def b_labeling_firm(self, n_total):
        made = 0
        while made < n_total:
            rng = self.b
            k = min(n_total - made, rng.randint(2, 5))
            dom, pay, cc = company_domain(rng), "pf_" + hexid(rng, 24), rng.choice(["US", "IN", "PH", "KE", "GB", "PL"])
            office = self.office_net(rng, cc)
            cloud = CloudNet(self.infra, rng, rng.choice(["aws", "gcp", "azure"]), n_static=2)
            stack = sdk_stack(rng, self.days, rng.choice(["openai-py", "anthropic-py"]))
            grp = {"kind": "labeling_firm", "domain": dom, "seats": [], "payment": pay}
            rub = [k2 for k2 in sorted(self.c.templates) if self.c.templates[k2]["family"] == "rubric_grading" and ("ultrafeedback" in k2 or "prometheus:absolute" in k2)]
            grp["templates"] = rng.sample(rub, 2)
            for s in range(k):
                a = self.new_acct("labeling_firm", cc=cc, created=T0 - lognorm(rng, 200, 0.5) * DAY, signup="enterprise", email=dom, pay=pay, verified=True)
                a.rpm = 2000
                a.tz = COUNTRIES[cc][1][0]
                a.stack = stack
                a.nets = [(office, 0.4), (cloud, 0.6)]
                self.adopt(a, rng, 0.1, (24, 72), 0.2)
                grp["seats"].append(a)
            made += k
            self.groups.append(grp)
            self.job("labeling_firm", grp["seats"], lambda g=grp: self.g_labeling(g))

    def g_labeling(self, g):
        for a in g["seats"]:
            rng = srng(self.seed, "g", a.id)
            for i, t in enumerate(self.times(a, "office", 1 + self.nsess(rng, 7))):
                net = self.choose(rng, a.nets)
                n = int(lognorm(rng, 40, 0.6))
                for j in range(n):
                    tid = rng.choice(g["templates"])
                    conv, p, src, kind, ni = self.rubric_request(rng, tid, rng.choice(self.c.instructions))
                    form = a.stack.form(rng)
                    out = int(lognorm(rng, 260, 0.4))
                    model = self.model(a, t, "flag", rng)
                    self.pr(a, t, conv, p, form, model, net, i, out=out, rkind=kind, n_items=ni, src=src)
                    t += self.est_latency(out, model) + lognorm(rng, 3, 1.0)

    # ---- 11 researcher (reasoning probes) ----
    def b_researcher(self, n):
        unis = []
        for _ in range(n):
            rng = self.b
            if unis and rng.random() < 0.5:
                uni = rng.choice(unis)
            else:
                cc = rng.choice(["US", "US", "GB", "DE", "CA", "JP", "KR", "SG", "IN", "CH", "FR", "NL", "IL", "AU"])
                uni = {"cc": cc, "domain": uni_domain(rng, cc), "net": self.uni_net(rng, cc)}
                unis.append(uni)
                self.unis.append(uni)
            a = self.new_acct("researcher", cc=uni["cc"], signup="research_program" if rng.random() < 0.6 else "self_serve", email=uni["domain"],
                              pay="own" if rng.random() < 0.5 else None)
            a.stack = sdk_stack(rng, self.days) if rng.random() < 0.7 else http_stack(rng, self.c, rng.choice(["python-requests", "aiohttp", "python-httpx"]))
            a.nets = [(uni["net"], 0.65), (HomeNet(self.infra, rng, a.country, a.id), 0.35)]
            self.adopt(a, rng, 0.55, (2, 40), 0.3)
            self.job("researcher", [a], lambda a=a: self.g_researcher(a))

    def g_researcher(self, a):
        rng = srng(self.seed, "g", a.id)
        cot = [k for k in ("airoboros-2.2.2:cot_response",) if k in self.c.templates]
        for i, t in enumerate(self.times(a, "dev", 1 + self.nsess(rng, 3))):
            net = self.choose(rng, a.nets)
            suite = rng.choice(self.c.reason_suites)
            temps = rng.choice([[0], [0], [0, 0.7], [0, 0.5, 1.0], [1.0]])
            n = rng.randint(8, 50)
            for temp in temps:
                p = {"temperature": temp, "effort": rng.choice(["medium", "high", "high"]), "max_out": rng.choice([8192, 16000, 32000])}
                if a.stack.forms[0][0] == "messages":
                    p["thinking"] = rng.choice([8000, 16000, "adaptive"])
                if rng.random() < 0.3:
                    p["summary"] = "detailed"
                if cot and rng.random() < 0.12:  # chain-of-thought prompting experiment with a public CoT template
                    rows = self.c.by_suite[suite]
                    for j in range(min(n, len(rows))):
                        r = rows[j]
                        txt = render_template(self.c.templates[cot[0]], {"language": "English", "instruction": last_user(r["messages"]) or ""})
                        model = self.model(a, t, "flag", rng)
                        out = int(lognorm(rng, 700, 0.5))
                        self.pr(a, t, {"system": None, "turns": [("u", txt, 0)], "tools": None}, p, a.stack.form(rng), model, net, i,
                                out=out, rtok=self.rtok(rng, p["effort"]), rkind="cot", ideal=r["extra"].get("ideal"), src=[cot[0], r["id"]])
                        t += self.est_latency(out, model) + rng.uniform(0.1, 2)
                else:
                    t = self.eval_loop(a, rng, t, net, i, n, suite=suite, p=p, size="flag", conc=rng.choice([1, 1, 4]))
                t += rng.uniform(60, 1800)

    # ---- 12 classroom cohorts (sign up together, same assignment prompt, deadline bursts) ----
    def b_classroom(self, n_total):
        made = 0
        while made < n_total:
            rng = self.b
            k = min(n_total - made, rng.randint(15, 60))
            if self.unis and rng.random() < 0.6:
                uni = rng.choice(self.unis)
            else:
                cc = self.pick_country(rng)
                uni = {"cc": cc, "domain": uni_domain(rng, cc), "net": self.uni_net(rng, cc)}
                self.unis.append(uni)
            tz = COUNTRIES[uni["cc"]][1][0]
            day = rng.randint(-20, max(0, self.days - 4))
            lab = T0 + day * DAY + ((rng.choice([9, 10, 13, 14, 15]) - tz) % 24) * HOUR
            due = lab + rng.uniform(3, 9) * DAY
            pool = rng.choice(["code", "mtbench", "writing", "evalq"])
            if pool == "code":
                tasks = [rng.choice(self.c.by_kind["coding"]) for _ in range(3)]
            elif pool == "mtbench":
                tasks = [rng.choice(self.c.by_kind["chat"]) for _ in range(3)]
            elif pool == "writing":
                tasks = [rng.choice(self.c.by_kind["writing"]) for _ in range(3)]
            else:
                tasks = rng.sample(self.c.by_suite[rng.choice(self.c.reason_suites)], 3)
            colab = CloudNet(self.infra, rng, "gcp", dynamic=True)
            grp = {"kind": "classroom", "domain": uni["domain"], "seats": [], "lab": lab, "due": due, "tasks": tasks, "net": uni["net"], "colab": colab}
            for s in range(k):
                a = self.new_acct("classroom_student", cc=uni["cc"], created=lab + rng.uniform(0, 80) * 60, signup="education", email=uni["domain"],
                                  pay=None, verified=False)
                a.tz = tz
                a.rpm = 30
                r = rng.random()
                a.stack = sdk_stack(rng, self.days, "openai-py") if r < 0.75 else browser_stack(rng, self.c, "desktop")
                a.notes["colab"] = r < 0.4
                a.nets = [(HomeNet(self.infra, rng, uni["cc"], a.id), 0.6), (HomeNet(self.infra, rng, uni["cc"], a.id + "m", mobile=True), 0.2)]
                grp["seats"].append(a)
            made += k
            self.groups.append(grp)
            self.job("classroom", grp["seats"], lambda g=grp: self.g_classroom(g))

    def g_classroom(self, g):
        for a in g["seats"]:
            rng = srng(self.seed, "g", a.id)
            nr = nrng(self.seed, "cls", a.id)
            lab_t = a.created + rng.uniform(60, 1800)
            task = g["tasks"][0]
            variant = rng.random()
            for step, t in enumerate([lab_t] + [lab_t + rng.uniform(60, 900) for _ in range(rng.randint(0, 3))]):
                self.assignment_call(a, rng, t, g["net"], 0, task, variant)
            # homework: a few evenings, then the night before the deadline
            home = g["colab"] if a.notes["colab"] else self.choose(rng, a.nets)
            ts = sample_times(nr, self.lw(a.tz, "student"), rng.randint(1, 6), g["lab"] + 3 * HOUR, g["due"])
            ts += sorted(g["due"] - float(x) * HOUR for x in nr.exponential(4.0, rng.randint(2, 10)))
            for i, t in enumerate(ts):
                tk = g["tasks"][min(2, int((t - g["lab"]) / (g["due"] - g["lab"] + 1) * 3))]
                self.assignment_call(a, rng, t, home if rng.random() < 0.7 else g["net"], i + 1, tk, variant)

    def assignment_call(self, a, rng, t, net, sess, task, variant):
        txt = last_user(task["messages"]) or str(task["messages"][-1].get("content"))
        if variant < 0.25:
            txt = txt.strip()
        elif variant < 0.35:
            txt = "Question: " + txt
        conv = {"system": None, "turns": [("u", txt, 0)], "tools": None}
        if task["kind"] == "eval" and rng.random() < 0.5:
            conv = self.eval_item_conv(task)
        form = a.stack.form(rng)
        p = {"temperature": rng.choice([0, 0.7, 1.0])} if rng.random() < 0.5 else {}
        if form == "messages":
            p["max_out"] = 1024
        out = self.out_tokens(rng, "code" if task["kind"] == "coding" else "chat")
        self.pr(a, t, conv, p, form, self.model(a, t, "mini" if rng.random() < 0.5 else "flag", rng), net, sess, out=out,
                rkind="code" if task["kind"] == "coding" else "chat", src=[task["id"]])

    # ---- 13 hackathon participants (venue wifi, 36 h burst, then churn) ----
    def b_hackathon(self, n_total):
        made = 0
        while made < n_total:
            rng = self.b
            k = min(n_total - made, rng.randint(20, 70))
            cc = self.pick_country(rng)
            tz = COUNTRIES[cc][1][0]
            sat = [d for d in range(-1, self.days - 1) if (d % 7) == 5] or [max(0, self.days // 2)]
            start = T0 + rng.choice(sat) * DAY + ((9 - tz) % 24) * HOUR
            isp = self.infra.isp_for(rng, cc, "home")
            venue = StaticNet([self.infra.res_ip(rng, isp)], isp["asn"], isp["cc"], "venue", isp["v6p"] | (rng.getrandbits(24) << 72), 0.3)
            grp = {"kind": "hackathon", "seats": [], "start": start, "venue": venue}
            for s in range(k):
                a = self.new_acct("hackathon_participant", cc=cc, created=start + rng.uniform(-2, 3) * HOUR,
                                  signup=rng.choice(["startup_program", "self_serve", "hackathon"]), pay="own" if rng.random() < 0.4 else None,
                                  email=(rng.choice(WEBMAIL) if rng.random() < 0.6 else company_domain(rng)), verified=False)
                a.tz = tz
                a.stack = sdk_stack(rng, self.days) if rng.random() < 0.8 else http_stack(rng, self.c, rng.choice(["axios", "node-fetch", "python-requests"]))
                a.nets = [(HomeNet(self.infra, rng, cc, a.id), 0.7), (HomeNet(self.infra, rng, cc, a.id + "m", mobile=True), 0.3)]
                grp["seats"].append(a)
            made += k
            self.groups.append(grp)
            self.job("hackathon", grp["seats"], lambda g=grp: self.g_hackathon(g))

    def g_hackathon(self, g):
        for a in g["seats"]:
            rng = srng(self.seed, "g", a.id)
            t = max(a.created, g["start"]) + rng.uniform(0, 3) * HOUR
            end = g["start"] + 34 * HOUR
            i = 0
            while t < end:
                net = g["venue"] if rng.random() < 0.85 else a.nets[1][0]
                if rng.random() < 0.5:
                    x = rng.choice(self.c.by_kind["role_prompt"] + self.c.by_kind["writing"])
                    t = self.agent_session(a, rng, t, net, i, APP_SYSTEMS["hack_agent"], HACK_TOOLS, last_user(x["messages"]), rng.randint(2, 6),
                                           src=[x["id"]], finish_kind="chat", exec_s=(0.1, 1.5))
                else:
                    t = self.chat_session(a, rng, t, net, i, [("role", 0.3), ("writing", 0.3), ("code", 0.3), ("mtbench", 0.1)], max_turns=3)
                t += lognorm(rng, 1500, 1.2)
                i += 1
            if rng.random() < 0.3:  # a few keep building afterwards
                for j, t in enumerate(self.times(a, "evening", rng.randint(1, 5), t_lo=end)):
                    self.chat_session(a, rng, t, a.nets[0][0], 100 + j, [("code", 0.5), ("writing", 0.5)])

    # ---- 14 reseller / platform relaying many end users ----
    def b_reseller(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("reseller_platform", email=company_domain(rng), signup="reseller", verified=True)
            a.rpm = 20000
            for _k in range(rng.randint(6, 30)):
                a.add_key(self, T0 - rng.uniform(0, 200) * DAY if rng.random() < 0.8 else T0 + rng.uniform(0, self.days) * DAY)
            a.stack = http_stack(rng, self.c, rng.choice(["Go-http-client", "axios", "node-fetch", "python-httpx"]), [("chat", 0.6), ("messages", 0.25), ("responses", 0.15)])
            a.nets = [(CloudNet(self.infra, rng, p, n_static=3), 0.5) for p in rng.sample(["aws", "gcp", "alibaba", "tencent", "hetzner", "ovh"], 2)]
            a.notes["sg"] = rng.choice(self.sg_busy)
            a.notes["vol"] = int(lognorm(rng, 1800, 0.5))
            a.adopt3 = self.rel1 + rng.uniform(0.5, 4) * HOUR
            a.adopt3m = self.rel2 + rng.uniform(0.5, 6) * HOUR
            self.job("reseller", [a], lambda a=a: self.g_reseller(a))

    def g_reseller(self, a):
        rng = srng(self.seed, "g", a.id)
        nr = nrng(self.seed, "sg", a.id)
        ts = servegen_times(self.c, nr, a.notes["sg"], int(a.notes["vol"] * self.vol), self.days, a.tz)
        for i, t in enumerate(ts):
            if t < a.created:
                continue
            net = self.choose(rng, a.nets)
            r = rng.random()
            share3 = 0.0 if t < a.adopt3 else min(0.7, 0.1 + (t - a.adopt3) / DAY * 0.15)
            size = "flag" if rng.random() < 0.6 else "mini"
            if r < 0.75:
                self.chat_session(a, rng, t, net, i, [("role", 0.15), ("mtbench", 0.15), ("writing", 0.3), ("evalq", 0.3), ("code", 0.1)],
                                  max_turns=1, mean_turns=1.0, size=size)
            elif r < 0.9:
                x = rng.choice(self.c.benign)
                self.pr(a, t, self.eval_item_conv(x), {"temperature": rng.choice([0, 0.7, 1])}, a.stack.form(rng), self.model(a, t, size, rng), net, i,
                        out=self.out_tokens(rng), rkind="chat", src=[x["id"]])
            else:
                task, src = self.coding_task(rng)
                self.agent_session(a, rng, t, net, i, HARNESS_SYSTEMS[rng.choice(sorted(HARNESS_SYSTEMS))], CODING_TOOLS, task, rng.randint(2, 8), src=[src])
            if a.prs and a.prs[-1]["model"].startswith("nova-3") and rng.random() > share3 / 0.9:
                for q in a.prs[-3:]:
                    if q["model"].startswith("nova-3") and q["t"] >= t:
                        q["model"] = "nova-2" if not q["model"].endswith("mini") else "nova-2-mini"

    # ---- 15 VPN / privacy users ----
    def b_vpn_privacy(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("vpn_privacy_user", email=rng.choice(["proton.me", "protonmail.com", "tutanota.com", "gmail.com", "icloud.com"]) if rng.random() < 0.7 else None)
            a.stack = browser_stack(rng, self.c, "desktop") if rng.random() < 0.5 else sdk_stack(rng, self.days)
            a.nets = [(VPNNet(self.infra, rng), 0.9), (HomeNet(self.infra, rng, a.country, a.id), 0.1)]
            self.adopt(a, rng, 0.3, (2, 48))
            self.job("vpn_privacy_user", [a], lambda a=a: self.g_vpn(a))

    def g_vpn(self, a):
        rng = srng(self.seed, "g", a.id)
        for i, t in enumerate(self.times(a, "evening", 1 + self.nsess(rng, 5))):
            self.chat_session(a, rng, t, self.choose(rng, a.nets), i, [("role", 0.3), ("writing", 0.3), ("evalq", 0.2), ("mtbench", 0.2)])

    # ---- 16 early adopter evaluator (benchmarks every new model within hours) ----
    def b_early_adopter(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("early_adopter_evaluator", verified=rng.random() < 0.6)
            a.rpm = 500
            a.stack = sdk_stack(rng, self.days, rng.choice(["openai-py", "openai-py-async", "anthropic-py"]))
            a.nets = [(HomeNet(self.infra, rng, a.country, a.id), 0.6), (CloudNet(self.infra, rng, rng.choice(["aws", "hetzner", "digitalocean"]), n_static=1), 0.4)]
            a.adopt3 = self.rel1 + rng.uniform(0.3, 6) * HOUR
            a.adopt3m = self.rel2 + rng.uniform(0.3, 8) * HOUR
            self.job("early_adopter_evaluator", [a], lambda a=a: self.g_early(a))

    def g_early(self, a):
        rng = srng(self.seed, "g", a.id)
        for i, t in enumerate(self.times(a, "evening", self.nsess(rng, 3))):
            self.chat_session(a, rng, t, a.nets[0][0], i, [("mtbench", 0.5), ("writing", 0.5)])
        for rel, adopt, size in ((self.rel1, a.adopt3, "flag"), (self.rel2, a.adopt3m, "mini")):
            if adopt >= self.t_end:
                continue
            t = adopt
            net = self.choose(rng, a.nets)
            qs = self.c.by_kind["chat"]
            for q in qs if rng.random() < 0.7 else rng.sample(qs, 30):
                t = self.chat_session(a, rng, t, net, 50, [("mtbench", 1.0)], max_turns=2, mean_turns=2.0, size=size, think=0.5,
                                      p={"temperature": 0.7, "max_out": 4096}) + rng.uniform(0.1, 2)
            if rng.random() < 0.7:
                self.judge_batch([a], rng, t, net, 51, rng.randint(40, 160), "early")

    # ---- 17 startup builder (dev + staging + a little synthetic data for their own tests) ----
    def b_startup_builder(self, n):
        for _ in range(n):
            rng = self.b
            a = self.new_acct("startup_builder", email=company_domain(rng), signup="startup_program", pay="own" if rng.random() < 0.6 else None)
            a.stack = sdk_stack(rng, self.days, rng.choice(["openai-js", "openai-py", "anthropic-py", "anthropic-js"]))
            a.nets = [(self.office_net(rng, a.country), 0.45), (HomeNet(self.infra, rng, a.country, a.id), 0.2),
                      (CloudNet(self.infra, rng, rng.choice(["aws", "gcp", "vultr", "digitalocean"]), n_static=2), 0.35)]
            self.adopt(a, rng, 0.4, (2, 30), 0.3)
            self.job("startup_builder", [a], lambda a=a: self.g_startup(a))

    def g_startup(self, a):
        rng = srng(self.seed, "g", a.id)
        for i, t in enumerate(self.times(a, "dev", 2 + self.nsess(rng, 7))):
            net = self.choose(rng, a.nets)
            r = rng.random()
            if r < 0.45:
                self.chat_session(a, rng, t, net, i, [("writing", 0.4), ("role", 0.3), ("code", 0.3)])
            elif r < 0.75:
                x = rng.choice(self.c.by_kind["writing"] + self.c.by_kind["role_prompt"])
                self.agent_session(a, rng, t, net, i, APP_SYSTEMS["hack_agent"], HACK_TOOLS, last_user(x["messages"]), rng.randint(2, 6),
                                   src=[x["id"]], finish_kind="chat", exec_s=(0.1, 2))
            else:
                self.eval_loop(a, rng, t, net, i, rng.randint(5, 40), suite=rng.choice(self.c.extract_suites),
                               p={"temperature": 0, "json": "object", "max_out": 1024})
        if rng.random() < 0.35:  # small synthetic-data run to seed their own evals (legitimate, small)
            tids = [k for k in ("distilabel-1.5.3:self-instruct", "airoboros-2.2.2:general", "airoboros-2.2.2:trivia") if k in self.c.templates]
            t = self.times(a, "dev", 1, salt="syn")
            if t and tids:
                t = t[0]
                net = a.nets[2][0]
                tid = rng.choice(tids)
                for j in range(rng.randint(15, 90)):
                    conv, p, src, kind = self.synth_request(rng, tid, None)
                    out = int(lognorm(rng, 600, 0.4))
                    model = self.model(a, t, "flag", rng)
                    self.pr(a, t, conv, p, a.stack.form(rng), model, net, 99, out=out, rkind=kind, src=src)
                    t += self.est_latency(out, model) + rng.uniform(0.2, 3)

    # ================================================================================================
    # harvest request builders (shared by attack pipelines and the few legitimate users of the same templates)
    # ================================================================================================
    def topics(self, rng, k):
        pool = getattr(self, "_topic_pool", None)
        if pool is None:
            pool = self._topic_pool = sorted(set(r["extra"].get("domain2") for r in self.c.by_kind["writing"] if r["extra"].get("domain2"))) + \
                [s.replace("-", " ").replace("_", " ") for s in self.c.suites]
        return "\n".join(" * " + x for x in rng.sample(pool, k))

    def para_tpl(self, tpl, para):
        if para is None:
            return tpl
        t2 = dict(tpl)
        t2["template"] = para.apply(tpl["template"], key=tpl["id"])
        return t2

    def synth_request(self, rng, tid, para, item=None):
        """Instruction/response generation with a corpus template. item = (id, text, ideal) for response-stage templates."""
        tpl = self.c.templates[tid]
        pr = tpl.get("params") or {}
        p = {}
        for k in ("temperature", "top_p"):
            if k in pr:
                p[k] = pr[k]
        if "frequency_penalty" in pr:
            p["fp"], p["pp"] = pr["frequency_penalty"], pr.get("presence_penalty", 0)
        src = [tid]
        kind = "tsk"
        if tid in ("stanford_alpaca:prompt.txt", "codealpaca:prompt.txt"):
            seeds = rng.sample(self.c.seeds[tid], 3)
            slots = {"seed_tasks": [s["seed"] for s in seeds]}
            src += [s["id"] for s in seeds]
            p["max_out"] = pr.get("max_tokens", 3072)
            p["stop"] = pr.get("stop")
            p["logit_bias"] = pr.get("logit_bias")
            kind = "instructions"
        else:
            it = item or rng.choice(self.c.instructions)
            ex = self.c.seeds.get(tid)
            slots = {"language": "English", "batch_size": rng.choice([5, 10, 15, 20, 25]), "topic_avoidance": "",
                     "flesch": "The output should be written in such a way as to have a Flesch-Kincaid readability score of %d or higher." % rng.choice([30, 50, 60, 70]),
                     "topics": self.topics(rng, 8), "instruction": it[1], "<PROMPT>": it[1], "<RESPONSE>": self.rs.prose(rng, rng.randint(200, 800)),
                     "example": ex[rng.randrange(len(ex))]["seed"] if ex else "", "topic": self.topics(rng, 1)[3:], "word_count": rng.choice([300, 500, 800]),
                     "third": "", "style_extra": "", "num_instructions": rng.choice([5, 10]), "application_description": "An AI assistant that answers user questions.",
                     "criteria_for_query_generation": "Incorporate a diverse range of verbs.", "input": it[1], "languages": "Python, JavaScript, Go, Rust, Java",
                     "related_software": "PostgreSQL, Redis, Docker", "skip": "", "content": it[1], "title": self.topics(rng, 1)[3:],
                     "name": "Alex", "description": self.rs.prose(rng, 120), "question_count": 5, "characters": "Alex, Sam", "options": "A, B, C, D",
                     "answers": "A", "context": it[1], "examples": "", "character": "Alex", "question_type": "general"}
            fn = rng.choice(HACK_TOOLS + [x for d in sorted(TAU2_TOOLS) for x in TAU2_TOOLS[d]])
            slots.update({"func_name": fn["name"], "func_desc": json.dumps(fn), "number": rng.choice([1, 3, 5]),
                          "parallel_queries": "Make sure some queries need parallel function calls." if rng.random() < 0.5 else "",
                          "format_inst": "The output MUST strictly adhere to the following JSON format: [{\"query\": \"...\", \"answers\": [...]}]",
                          "examples": json.dumps([{"query": it[1][:120], "answers": [{"name": fn["name"], "arguments": tool_args(rng, fn)}]}])})
            if item is not None or "response" in tid or (tpl.get("extra") or {}).get("slot_syntax") == "literal_marker":
                src.append(it[0])
            stage = (tpl.get("extra") or {}).get("stage", "")
            if "response" in stage or tid.endswith("_response") or "evol" in tid:
                kind = "cot" if "cot" in tid else ("rewrite" if "evol" in tid else "chat")
            p.setdefault("max_out", 4096 if "cot" in tid else 2048)
        txt = render_template(self.para_tpl(tpl, para), slots)
        system = tpl.get("system")
        if system and para:
            system = para.apply(system, key=("sys", tid))
        conv = {"system": system, "turns": [("u", txt, 0)], "tools": None}
        return conv, p, src, kind

    def reason_request(self, rng, rec, mode, para):
        if mode == "cot_template":
            tid = "airoboros-2.2.2:cot_response"
            ins = "\n".join(m["content"] for m in rec["messages"] if isinstance(m["content"], str))
            txt = render_template(self.para_tpl(self.c.templates[tid], para), {"language": "English", "instruction": ins})
            return {"system": None, "turns": [("u", txt, 0)], "tools": None}, [tid, rec["id"]], "cot"
        conv = self.eval_item_conv(rec)
        if para is not None and rng.random() < 0.5:
            conv = {"system": para.apply("Solve the problem. Show your full reasoning before the final answer.", key="rsys"), "turns": conv["turns"], "tools": None}
        return conv, [rec["id"]], "cot"

    # ================================================================================================
    # operator campaigns
    # ================================================================================================
    STRATS = {
        "naive_farm": dict(share=0.20, caps=["reasoning", "synthetic_data"], signup=["self_serve"], email="disposable", pay="shared:3",
                           created="burst", aged=0.0, verified=0.0, net="dc_sticky", ua="same_http", para=0.0, filler=0.0, sched="lockstep",
                           per_acct=430, forms=[("chat", 1.0)], leak=0.02, ban=0.4, replace=0.9, switch=(0.7, 3), start=(-3, 2), div=0),
        "hydra_proxy": dict(share=0.22, caps=["rubric_grading", "judge"], signup=["self_serve"], email="webmail_mix", pay="shared:8",
                            created="trickle", aged=0.0, verified=0.1, net="hydra_pool", ua="rotate_sdk", para=0.0, filler=0.15, sched="pool",
                            per_acct=240, forms=[("chat", 0.7), ("messages", 0.3)], leak=0.01, ban=0.15, replace=0.7, switch=(2, 8), start=(-5, 2), div=0),
        "edu_shell": dict(share=0.14, caps=["tool_use", "reasoning"], signup=["education", "research_program"], email="edu", pay="none",
                          created="cohort", aged=0.0, verified=0.0, net="resproxy_session", ua="sdk_per_account", para=0.35, filler=0.1,
                          sched="pool_diurnal", per_acct=150, forms=[("messages", 0.6), ("responses", 0.4)], leak=0.01, ban=0.1, replace=0.5,
                          switch=(1, 10), start=(0, 0.3), div=0),
        "harness_mimic": dict(share=0.11, caps=["coding"], signup=["startup_program"], email="own_domain", pay="own", created="spread",
                              aged=0.0, verified=0.2, net="cloud_same", ua="harness", para=0.0, filler=0.1, sched="pool", per_acct=260,
                              forms=None, leak=0.005, ban=0.05, replace=0.5, switch=(1, 6), start=(-10, 1), div=0),
        "aged_slow_drip": dict(share=0.12, caps=["synthetic_data", "rewrite"], signup=["self_serve"], email="webmail", pay="own",
                               created="aged", aged=1.0, verified=0.9, net="resproxy_day", ua="sdk_per_account", para=1.0, filler=0.45,
                               sched="human", per_acct=75, forms=[("chat", 0.6), ("messages", 0.4)], leak=0.003, ban=0.0, replace=0.0,
                               switch=(3, 14), start=(-7, 2), div=1),
        "release_sprinter": dict(share=0.11, caps=["judge", "reasoning"], signup=["self_serve", "startup_program"], email="webmail_mix",
                                 pay="shared:4", created="pre_release", aged=0.0, verified=0.1, net="vpn_sticky", ua="same_aiohttp", para=0.2,
                                 filler=0.05, sched="sprint", per_acct=220, forms=[("chat", 1.0)], leak=0.01, ban=0.1, replace=0.0,
                                 switch=(0.4, 3), start=(-2, 0), div=0),
        "chameleon_mixer": dict(share=0.10, caps=["rewrite", "rubric_grading", "reasoning"], signup=["self_serve", "startup_program", "education"],
                                email="mix", pay="own", created="mixed", aged=0.5, verified=0.5, net="resproxy_request", ua="browser",
                                para=1.0, filler=0.6, sched="human", per_acct=150, forms=[("chat", 0.4), ("messages", 0.35), ("responses", 0.25)],
                                leak=0.002, ban=0.0, replace=0.0, switch=(2, 20), start=(-3, 4), div=1),
    }
    EVASIVE_NET = {"dc_sticky": "resproxy_day", "hydra_pool": "resproxy_session", "resproxy_session": "resproxy_day",
                   "cloud_same": "cloud_per_acct", "resproxy_day": "resproxy_day", "vpn_sticky": "resproxy_day", "resproxy_request": "resproxy_request"}

    def b_campaign(self, name, strat, n_total):
        rng = srng(self.seed, "camp", name)
        k = dict(World.STRATS[strat])
        if self.evasive:
            k["para"] = max(k["para"], 0.85)
            k["filler"] = min(0.7, k["filler"] + 0.3)
            k["pay"] = "own"
            k["net"] = World.EVASIVE_NET[k["net"]]
            if k["ua"] not in ("harness", "browser"):
                k["ua"] = "sdk_per_account"
            k["sched"] = {"lockstep": "pool_diurnal", "pool": "pool_diurnal"}.get(k["sched"], k["sched"])
            k["div"] = 1
            k["per_acct"] = int(k["per_acct"] * 0.6)
            k["leak"] = min(k["leak"], 0.003)
            k["ban"] *= 0.3
            k["aged"] = max(k["aged"], 0.5)
            k["verified"] = max(k["verified"], 0.5)
            if k["email"] == "disposable":
                k["email"] = "webmail_mix"
            if k["created"] == "burst":
                k["created"] = "spread"
            k["switch"] = (2, 20)
            k["forms"] = [("chat", 0.45), ("messages", 0.35), ("responses", 0.2)] if k["forms"] else None
        cap = rng.choice(k["caps"])
        home = rng.choice(OPERATOR_HOMES)
        c_start = max(T0, T0 + rng.uniform(*k["start"]) * DAY)
        if strat == "release_sprinter":
            c_start = T0
        c_end = self.t_end
        n_init = max(2, int(round(n_total / (1 + k["ban"] * k["replace"]))))
        n_rep = max(0, n_total - n_init) if k["ban"] > 0 else 0
        if n_rep == 0:
            n_init = n_total
        camp = {"name": name, "strategy": strat, "capability": cap, "knobs": k, "home": home, "start": c_start, "end": c_end,
                "accounts": [], "replacements": [], "banned": [], "templates": set(), "evasive": self.evasive}
        # shared operator infrastructure
        if rng.random() < 0.5:
            s, size = self.infra.dc_block(rng)
            leak_net = StaticNet([ip4(s + rng.randint(1, 200))], rng.choice([v[1] for v in VPN_PROVIDERS] + [CLOUDS["alibaba"][0], CLOUDS["tencent"][0]]), home, "leak")
        else:
            isp = self.infra.isp_for(rng, home, "home")
            leak_net = StaticNet([self.infra.res_ip(rng, isp)], isp["asn"], isp["cc"], "leak")
        camp["leak_net"] = leak_net
        dc_ips = []
        for _ in range(2):
            s, size = self.infra.dc_block(rng)
            dc_ips += [ip4(s + rng.randint(1, min(250, size - 2))) for _ in range(rng.randint(4, 8))]
        dc_asn = rng.choice([v[1] for v in VPN_PROVIDERS] + [CLOUDS["ovh"][0], CLOUDS["hetzner"][0], CLOUDS["vultr"][0]])
        dc_cc = rng.choice(["US", "DE", "NL", "SG"])
        pool_exits = []
        for pv in rng.sample([v[0] for v in VPN_PROVIDERS], 2):
            pool_exits += rng.sample(self.infra.vpn[pv], 20)
        for _ in range(10):
            s, size = self.infra.dc_block(rng)
            pool_exits.append((ip4(s + rng.randint(1, min(250, size - 2))), rng.choice([CLOUDS[p][0] for p in ("ovh", "hetzner", "vultr", "linode")]), rng.choice(["US", "DE", "NL", "FR"])))
        hydra = PoolNet(pool_exits)
        camp["infra"] = {"net": k["net"], "dc_ips": dc_ips if k["net"] == "dc_sticky" else [], "pool_size": len(pool_exits) if k["net"] == "hydra_pool" else 0,
                         "leak_ip": leak_net.ips[0], "home": home}
        cloud_prov = rng.choice(["aws", "gcp", "alibaba", "azure"])
        cloud_reg = rng.choice(CLOUDS[cloud_prov][1])
        cloud_shared = [self.infra.cloud_ip(rng, cloud_prov, cloud_reg)[0] for _ in range(6)]
        shared_http = http_stack(rng, self.c, "python-requests" if k["ua"] == "same_http" else "aiohttp")
        rot_stacks = [sdk_stack(rng, self.days, rng.choice(["openai-py", "openai-py-async", "anthropic-py"])) for _ in range(6)]
        pay_pool = []
        if k["pay"].startswith("shared:"):
            pay_pool = ["pf_" + hexid(rng, 24) for _ in range(int(k["pay"].split(":")[1]))]
        disp = rng.sample(self.c.disposable, 3)
        countries = sorted(COUNTRIES)
        fake_unis = [uni_domain(rng, cc) for cc in rng.sample(["US", "GB", "IN", "SG", "CA", "AU"], 2)]

        def created_times(n, when, base):
            if when == "burst":
                t = base - rng.uniform(0, 2) * DAY
                out = []
                for i in range(n):
                    t += rng.uniform(5, 90)
                    out.append(t)
                return out
            if when == "trickle":
                return sorted(base - rng.uniform(0, 10) * DAY for _ in range(n))
            if when == "cohort":
                out = []
                for b in range(3):
                    tb = base - rng.uniform(0, 3) * DAY
                    out += [tb + rng.uniform(0, 2) * HOUR for _ in range(n // 3 + (1 if b < n % 3 else 0))]
                return sorted(out)
            if when == "spread":
                return sorted(base - rng.uniform(0, 25) * DAY for _ in range(n))
            if when == "aged":
                return sorted(T0 - rng.uniform(300, 1400) * DAY for _ in range(n))
            if when == "pre_release":
                t1 = self.rel1 - rng.uniform(2, 6) * DAY
                return sorted(t1 + (rng.uniform(0, 3) * HOUR if rng.random() < 0.7 else rng.uniform(12, 30) * HOUR) for _ in range(n))
            return sorted((T0 - rng.uniform(200, 1200) * DAY) if rng.random() < 0.5 else base - rng.uniform(0, 20) * DAY for _ in range(n))

        def make_acct(created, replacement=False):
            r = rng
            aged = r.random() < k["aged"] and not replacement
            if aged:
                created = T0 - r.uniform(300, 1400) * DAY
            em = {"disposable": lambda: r.choice(disp), "webmail": lambda: r.choice(WEBMAIL),
                  "webmail_mix": lambda: r.choice(disp) if r.random() < 0.2 else r.choice(WEBMAIL),
                  "edu": lambda: (r.choice(self.unis)["domain"] if self.unis and r.random() < 0.5 else r.choice(fake_unis)),
                  "own_domain": lambda: company_domain(r),
                  "mix": lambda: r.choice(WEBMAIL) if r.random() < 0.6 else company_domain(r)}[k["email"]]()
            pay = r.choice(pay_pool) if pay_pool else (None if k["pay"] == "none" else "own")
            cc = r.choice(["US", "US", "GB", "CA", "SG", "DE", "JP", "AU", "IN"]) if k["net"] != "resproxy_request" else r.choice(countries)
            a = self.new_acct(strat, cc=cc, created=created, signup=r.choice(k["signup"]), email=em, pay=pay,
                              verified=r.random() < k["verified"], campaign=name)
            a.rpm = 500 if a.verified or aged else 60
            # connectivity
            net = k["net"]
            if net == "dc_sticky":
                a.nets = [(StaticNet([r.choice(dc_ips)], dc_asn, dc_cc, "dc"), 1.0)]
            elif net == "hydra_pool":
                a.nets = [(hydra, 1.0)]
            elif net == "resproxy_session":
                a.nets = [(ResProxyNet(self.infra, r, [cc], "session", key=a.id), 1.0)]
            elif net == "resproxy_day":
                a.nets = [(ResProxyNet(self.infra, r, [cc], "day", key=a.id, overlap=0.05), 1.0)]
            elif net == "resproxy_request":
                a.nets = [(ResProxyNet(self.infra, r, r.sample(countries, 6), "request", key=a.id), 1.0)]
            elif net == "cloud_same":
                a.nets = [(StaticNet([r.choice(cloud_shared)], CLOUDS[cloud_prov][0], cloud_reg, "cloud"), 1.0)]
            elif net == "cloud_per_acct":
                a.nets = [(CloudNet(self.infra, r, r.choice(["aws", "gcp", "azure", "digitalocean"]), n_static=1), 1.0)]
            elif net == "vpn_sticky":
                a.nets = [(VPNNet(self.infra, r, camp.setdefault("vpn_provider", r.choice([v[0] for v in VPN_PROVIDERS]))), 1.0)]
            # client stack
            ua = k["ua"]
            if ua in ("same_http", "same_aiohttp"):
                a.stack = shared_http
            elif ua == "rotate_sdk":
                a.stack = rot_stacks[0]
                a.notes["rotate"] = rot_stacks
            elif ua == "sdk_per_account":
                a.stack = sdk_stack(r, self.days)
            elif ua == "harness":
                a.stack = harness_stack(r, self.c, "nova-code", self.days)
            elif ua == "browser":
                a.stack = browser_stack(r, self.c, "desktop" if r.random() < 0.6 else None, k["forms"])
            if k["forms"] and ua != "harness":
                a.stack.forms = k["forms"]
            a.base_flag = "nova-2-pro"
            a.tz = r.choice(COUNTRIES[cc][1])
            return a

        base = c_start
        for ct in created_times(n_init, k["created"], base):
            a = make_acct(ct)
            camp["accounts"].append(a)
        # bans in waves, replacements in bursts
        dur = c_end - c_start
        n_ban = int(round(len(camp["accounts"]) * k["ban"]))
        if n_ban and dur > 2 * DAY:
            waves = sorted(c_start + rng.uniform(0.3, 0.8) * dur for _ in range(rng.randint(1, 2)))
            victims = rng.sample(camp["accounts"], n_ban)
            for i, a in enumerate(victims):
                a.ban_t = waves[i % len(waves)] + rng.uniform(0, 3) * HOUR
                a.ban_tries = rng.randint(2, 8)
                camp["banned"].append(a)
            for i in range(n_rep):
                w = waves[i % len(waves)]
                ct = w + rng.uniform(4, 30) * HOUR if k["created"] != "aged" else None
                a = make_acct(ct if ct is not None else T0 - rng.uniform(300, 1400) * DAY, replacement=True)
                a.notes["replacement"] = True
                a.notes["active_from"] = w + rng.uniform(6, 34) * HOUR
                camp["replacements"].append(a)
        allacc = camp["accounts"] + camp["replacements"]
        sw = self.rel1 + rng.uniform(*k["switch"]) * HOUR
        camp["switch_t"] = sw
        for a in allacc:
            a.adopt3 = sw + (rng.uniform(0, 14) * HOUR if k["div"] else rng.uniform(0, 0.3) * HOUR)
            a.adopt3m = math.inf
            a.notes.setdefault("active_from", max(a.created + rng.uniform(0.2, 6) * HOUR, c_start))
        camp["n_accounts"] = len(allacc)
        camp["downtime_h"] = rng.uniform(0, 24)
        self.campaigns.append(camp)
        self.job("campaign:" + name, allacc, lambda c=camp: self.g_campaign(c))
        return camp

    # ---------------- campaign traffic ----------------
    def alive(self, a, t):
        return a.notes["active_from"] <= t and (a.ban_t is None or t < a.ban_t + 600)

    def g_campaign(self, camp):
        k = camp["knobs"]
        rng = srng(self.seed, "campgen", camp["name"])
        nr = nrng(self.seed, "campgen", camp["name"])
        accts = camp["accounts"] + camp["replacements"]
        cap = camp["capability"]
        agentic = cap in ("tool_use", "coding")
        per_slot = 6.5 if agentic else 1.0
        t_lo, t_hi = camp["start"], camp["end"]
        frac = (t_hi - t_lo) / (self.days * DAY)
        total = int(k["per_acct"] * len(camp["accounts"]) * self.vol * frac / per_slot)
        dt0 = camp["downtime_h"]

        def down(t):  # daily maintenance window of the operator's pipeline (fixed UTC hours)
            h = ((t - T0) / HOUR) % 24
            return (h - dt0) % 24 < 1.5

        mask = np.array([0.0 if ((h % 24) - dt0) % 24 < 1.5 else 1.0 for h in range(self.days * 24)])
        slots = []
        sched = k["sched"]
        if sched == "lockstep":
            order = list(accts)
            rng.shuffle(order)
            t = t_lo
            step = (t_hi - t_lo) * 0.92 / max(1, total)
            kk = 0
            active = []
            next_refresh = t
            while t < t_hi and len(slots) < total:
                if t >= next_refresh:
                    active = [a for a in order if self.alive(a, t)]
                    next_refresh = t + 1800
                if not down(t) and active:
                    slots.append((t, active[kk % len(active)]))
                    kk += 1
                t += step * rng.uniform(0.97, 1.03)
                if rng.random() < 0.0007:  # pipeline restart / crash
                    t += rng.uniform(1, 5) * HOUR
        elif sched in ("pool", "pool_diurnal", "sprint"):
            w = mask.copy()
            if sched == "pool_diurnal":
                lw = np.zeros(self.days * 24)
                for a in accts[:40]:
                    lw += self.lw(a.tz, "evening")
                w = w * (0.15 + lw / max(1e-9, lw.max()))
            if sched == "sprint":
                pre = int(total * 0.12)
                sprint_end = min(t_hi, camp["switch_t"] + rng.uniform(50, 70) * HOUR)
                ts = sample_times(nr, w, pre, t_lo, camp["switch_t"] - HOUR)
                ts += sample_times(nr, w, int(total * 0.7), camp["switch_t"], sprint_end)
                ts += sample_times(nr, w, total - pre - int(total * 0.7), sprint_end, t_hi)
                ts.sort()
            else:
                ts = sample_times(nr, w, total, t_lo, t_hi)
            last = {a.id: -1e18 for a in accts}
            for t in ts:
                al = [a for a in accts if self.alive(a, t)]
                if sched == "pool_diurnal":
                    al2 = [a for a in al if 8 <= (((t - T0) / HOUR + a.tz) % 24) < 24]
                    al = al2 or al
                if not al:
                    continue
                a = min(al, key=lambda x: (last[x.id], x.id)) if rng.random() < 0.85 else rng.choice(al)
                last[a.id] = t
                slots.append((t, a))
        else:  # human-like per-account sessions; operator downtime still applies
            for a in accts:
                ar = srng(self.seed, "hum", a.id)
                hi = t_hi if a.ban_t is None else a.ban_t + 600
                share = total / max(1, len(camp["accounts"]))
                nsess = max(1, int(share / 5))
                for t in self.times(a, ar.choice(["evening", "office", "dev"]), nsess, t_lo=a.notes["active_from"], t_hi=hi, salt="camp"):
                    for j in range(ar.randint(2, 8)):
                        if not down(t):
                            slots.append((t, a))
                        t += lognorm(ar, 45, 0.8)
            slots.sort(key=lambda x: (x[0], x[1].id))
        camp["slots"] = len(slots)
        # the shared work queue: every capability item goes to exactly one account at a time (complementary coverage)
        queue = self.harvest_queue(cap, rng)
        qi = 0
        paras = {}
        for si, (t, a) in enumerate(slots):
            if a.ban_t is not None and t > a.ban_t + 600:
                continue
            ar = srng(self.seed, "slot", a.id, si)
            net = a.nets[0][0]
            stack = None
            if "rotate" in a.notes:
                stack = ar.choice(a.notes["rotate"])
            if ar.random() < k["leak"]:
                net = camp["leak_net"]
            para = None
            if k["para"] > 0 and ar.random() < k["para"] + 0.01:
                if a.id not in paras:
                    paras[a.id] = Paraphraser(srng(self.seed, "para", a.id), 1.0 if k["para"] >= 0.8 else 0.5)
                para = paras[a.id]
            if ar.random() < k["filler"]:
                self.chat_session(a, ar, t, net, si, [("role", 0.25), ("mtbench", 0.2), ("writing", 0.3), ("evalq", 0.25)], max_turns=2,
                                  mean_turns=1.2, stack=stack, size="mini" if ar.random() < 0.4 else "flag", think=30)
                continue
            if cap == "rubric_grading":  # every instruction is annotated on each aspect (one template per aspect)
                na = camp.get("n_aspects", 4)
                item = queue[(qi // na) % len(queue)]
                rnd = qi % na
            else:
                item = queue[qi % len(queue)]
                rnd = qi // len(queue)
            qi += 1
            self.harvest(camp, a, ar, t, net, si, stack, para, item, rnd)

    def harvest_queue(self, cap, rng):
        c = self.c
        if cap == "reasoning":
            q = [r for s in c.reason_suites for r in c.by_suite[s]] + [r for r in c.by_kind["chat"] if r["extra"].get("category") in ("math", "reasoning", "stem")]
        elif cap in ("rubric_grading", "judge", "rewrite", "synthetic_data"):
            q = list(c.instructions)
        elif cap == "tool_use":
            q = [x for d in sorted(c.tau2_tasks) for x in c.tau2_tasks[d]]
        else:  # coding
            q = list(c.by_kind["coding"]) + [r for s in c.code_suites for r in c.by_suite[s]] + [r for r in c.by_kind["chat"] if r["extra"].get("category") == "coding"]
        q = list(q)
        rng.shuffle(q)
        return q

    def harvest_params(self, cap, rng, k, form):
        p = {}
        if cap == "reasoning":
            p = {"effort": "high", "max_out": rng.choice([16000, 32000]) if k["div"] else 32000, "temperature": 1.0 if not k["div"] else round(rng.uniform(0.5, 1.0), 1)}
            if form == "messages":
                p["thinking"] = 24000 if not k["div"] else rng.choice([16000, 24000, 31999, "adaptive"])
            if form == "responses":
                p["summary"] = "detailed"
        elif cap == "tool_use":
            p = {"temperature": 0.7 if not k["div"] else round(rng.uniform(0.0, 1.0), 1), "max_out": 4096}
        elif cap == "coding":
            p = {"effort": "high", "thinking": "adaptive", "max_out": 32000}
        if k["div"]:
            if rng.random() < 0.5:
                p["stream"] = True
            if "max_out" in p and rng.random() < 0.4:
                p["max_out"] = rng.choice([4096, 8192, 16000, 32000])
        return p

    def harvest(self, camp, a, rng, t, net, si, stack, para, item, rnd):
        k = camp["knobs"]
        cap = camp["capability"]
        st = stack or a.stack
        form = st.form(rng)
        size = "pro"
        if cap == "reasoning":
            mode = "cot_template" if (not k["div"] and rnd % 2 == 0 and k["para"] < 0.8) or (k["div"] and rng.random() < 0.2) else "raw"
            conv, src, kind = self.reason_request(rng, item, mode, para)
            p = self.harvest_params(cap, rng, k, form)
            out = int(lognorm(rng, 900, 0.5))
            rt = self.rtok(rng, "high")
            camp["templates"].add("airoboros-2.2.2:cot_response" if mode == "cot_template" else "raw-eval+reasoning")
            self.pr(a, t, conv, p, form, self.model(a, t, size, rng), net, si, out=out, rtok=rt, rkind=kind, ideal=item["extra"].get("ideal"), src=src, stack=stack)
        elif cap in ("rubric_grading", "judge"):
            if cap == "rubric_grading":
                tids = camp.setdefault("tids", rng.sample([x for x in sorted(self.c.templates) if self.c.templates[x]["family"] == "rubric_grading" and
                                                           ("ultrafeedback" in x or "prometheus" in x or "quality-scorer" in x)], 4))
                tid = tids[rnd % len(tids)] if not k["div"] else rng.choice(tids)
                conv, p, src, kind, ni = self.rubric_request(rng, tid, item, para)
                out = int(lognorm(rng, 320, 0.4))
            else:
                tids = camp.setdefault("tids", rng.sample([x for x in sorted(self.c.templates) if self.c.templates[x]["family"] == "judge"], 3))
                tid = tids[0] if (not k["div"] and rng.random() < 0.85) else rng.choice(tids)
                conv, p, src, kind, calls = self.judge_request(rng, tid, item, para)
                ni = 1
                out = rng.randint(1, 80)
            if k["div"]:
                p = dict(p)
                p["temperature"] = round(rng.uniform(0, 1), 1)
                if rng.random() < 0.5:
                    p["max_out"] = rng.choice([512, 1024, 2048])
            camp["templates"].add(tid)
            if form == "responses" and conv["turns"] and conv["turns"][0][0] == "m":
                form = "chat"
            self.pr(a, t, conv, p, form, self.model(a, t, size, rng), net, si, out=out, rkind=kind, n_items=ni, src=src, stack=stack,
                    calls=calls if cap == "judge" else None)
        elif cap in ("synthetic_data", "rewrite"):
            if cap == "synthetic_data":
                tids = camp.setdefault("tids", [x for x in ("stanford_alpaca:prompt.txt", "airoboros-2.2.2:general", "airoboros-2.2.2:trivia",
                                                             "airoboros-2.2.2:writing", "airoboros-2.2.2:writing_response", "distilabel-1.5.3:self-instruct",
                                                             "airoboros-2.2.2:misconception", "airoboros-2.2.2:riddle") if x in self.c.templates])
            else:
                tids = camp.setdefault("tids", [x for x in sorted(self.c.templates) if self.c.templates[x]["family"] == "evol_rewrite" and "FRESH" not in x])
            tid = tids[(rnd + si) % len(tids)] if not k["div"] else rng.choice(tids)
            conv, p, src, kind = self.synth_request(rng, tid, para, item)
            if k["div"]:
                p = dict(p)
                p["temperature"] = round(rng.uniform(0.6, 1.2), 1)
                for x in ("logit_bias", "fp", "pp") if rng.random() < 0.7 else ():
                    p.pop(x, None)
            camp["templates"].add(tid)
            out = int(lognorm(rng, 1100 if kind in ("instructions", "tsk") else 600, 0.4))
            self.pr(a, t, conv, p, form, self.model(a, t, size, rng), net, si, out=out, rkind=kind, src=src, stack=stack)
        elif cap == "tool_use":
            dom = item["extra"]["domain"]
            sysp = self.c.tau2_agent[dom]["system"]
            if para is not None:
                sysp = para.apply(sysp, key=("tau2", dom))
            p = self.harvest_params(cap, rng, k, form)
            camp["templates"].add("tau2-agent-system:" + dom)
            if rng.random() < 0.15:
                tid = rng.choice([x for x in ("airoboros-2.2.2:agent", "airoboros-2.2.2:plan", "distilabel-1.5.3:apigen:generator") if x in self.c.templates])
                conv, p2, src, kind = self.synth_request(rng, tid, para, None)
                camp["templates"].add(tid)
                self.pr(a, t, conv, p2, form, self.model(a, t, size, rng), net, si, out=int(lognorm(rng, 1200, 0.4)), rkind="tsk", src=src, stack=stack)
            else:
                self.support_convo(a, rng, t, net, si, sysp, TAU2_TOOLS[dom], item, stack=stack, p=p)
                # the operator's own user simulator also runs on the provider: the tau2 user-sim request
                if rng.random() < 0.5:
                    self.pr(a, t + rng.uniform(0.5, 3), self.eval_item_conv(item), {"temperature": 1.0}, form, self.model(a, t, "flag", rng), net, si,
                            out=int(lognorm(rng, 60, 0.5)), src=[item["id"]], stack=stack)
        else:  # coding trajectories through a public harness
            if isinstance(item, dict) and item.get("kind") == "coding":
                task = "Implement this function and add tests:\n\n" + last_user(item["messages"])
            else:
                task = last_user(item["messages"]) or "fix the failing test"
            if rng.random() < 0.12:
                tid = rng.choice(["codealpaca:prompt.txt", "airoboros-2.2.2:coding"])
                conv, p2, src, kind = self.synth_request(rng, tid, para, None)
                camp["templates"].add(tid)
                self.pr(a, t, conv, p2, form, self.model(a, t, size, rng), net, si, out=int(lognorm(rng, 1500, 0.4)), rkind="instructions", src=src, stack=stack)
                return
            p = self.harvest_params(cap, rng, k, form)
            camp["templates"].add("harness:nova-code")
            self.agent_session(a, rng, t, net, si, HARNESS_SYSTEMS["nova-code"], CODING_TOOLS, task, int(min(30, max(3, lognorm(rng, 7, 0.5)))),
                               stack=stack, size=size, p=p, human_gap=0.0, src=[item["id"], "harness:nova-code"], exec_s=(0.05, 0.8))

    # ================================================================================================
    # assembly
    # ================================================================================================
    PERSONA_SHARE = [("casual_chat", 0.20), ("trial_churn", 0.08), ("hobby_developer", 0.13), ("coding_agent_user", 0.07),
                     ("computer_use_agent", 0.015), ("enterprise_seat", 0.10), ("saas_backend", 0.025), ("batch_pipeline", 0.01),
                     ("eval_vendor", 0.009), ("labeling_firm", 0.008), ("researcher", 0.04), ("classroom_student", 0.07),
                     ("hackathon_participant", 0.03), ("reseller_platform", 0.003), ("vpn_privacy_user", 0.045),
                     ("early_adopter_evaluator", 0.01), ("startup_builder", 0.03), ("dormant", 0.057)]

    def build(self):
        rng = self.b
        n_att = max(7 * 3, int(round(self.N * rng.uniform(0.11, 0.14))))
        n_ben = self.N - n_att
        alloc = {}
        for name, sh in World.PERSONA_SHARE:
            alloc[name] = max(1, int(round(n_ben * sh)))
        alloc["dormant"] = max(0, n_ben - sum(v for k2, v in alloc.items() if k2 != "dormant"))
        builders = [("researcher", self.b_researcher), ("casual_chat", self.b_casual_chat), ("trial_churn", self.b_trial_churn),
                    ("hobby_developer", self.b_hobby_developer), ("coding_agent_user", self.b_coding_agent_user),
                    ("computer_use_agent", self.b_computer_use_agent), ("enterprise_seat", self.b_enterprise), ("saas_backend", self.b_saas_backend),
                    ("batch_pipeline", self.b_batch_pipeline), ("eval_vendor", self.b_eval_vendor), ("labeling_firm", self.b_labeling_firm),
                    ("classroom_student", self.b_classroom), ("hackathon_participant", self.b_hackathon), ("reseller_platform", self.b_reseller),
                    ("vpn_privacy_user", self.b_vpn_privacy), ("early_adopter_evaluator", self.b_early_adopter), ("startup_builder", self.b_startup_builder)]
        for name, fn in builders:
            if alloc.get(name, 0) > 0:
                fn(alloc[name])
        # campaigns
        strats = sorted(World.STRATS)
        shares = np.array([World.STRATS[s]["share"] for s in strats])
        counts = np.maximum(3, np.round(shares / shares.sum() * n_att)).astype(int)
        names = {}
        for s, n in zip(strats, counts):
            nm = "op-%s-%s" % (s.split("_")[0], hexid(srng(self.seed, "cname", s), 4))
            names[s] = nm
            self.b_campaign(nm, s, int(n))
        while len(self.accounts) < self.N:  # signed up, never used the API in the window
            self.new_acct("dormant")
        self.alloc = alloc

    def run(self):
        self.sink = Sink(self.out)
        for label, accts, fn in self.jobs:
            fn()
            for a in accts:
                self.dispatch(a)
        return self.sink.close()

    def write_meta(self, files, elapsed):
        out = self.out
        accs = sorted(self.accounts, key=lambda a: a.id)
        with open(os.path.join(out, "accounts.jsonl"), "w", encoding="utf-8") as f:
            for a in accs:
                r = {"account_id": a.id, "created_at": iso(a.created), "email_domain": a.email_domain}
                if a.pay:
                    r["payment_fingerprint"] = a.pay
                r["country"] = a.country
                r["signup_path"] = a.signup
                r["verified"] = bool(a.verified)
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
        with open(os.path.join(out, "labels.jsonl"), "w", encoding="utf-8") as f:
            for a in accs:
                f.write(json.dumps({"account_id": a.id, "campaign": a.campaign, "persona": a.persona}, separators=(",", ":")) + "\n")
        ev = [{"type": "model_release", "model": m, "ts": ts} for m, ts in MODELS_OLD]
        ev.append({"type": "model_release", "model": "nova-3", "ts": iso(self.rel1)})
        ev.append({"type": "model_release", "model": self.snap3, "ts": iso(self.rel1), "alias_of": "nova-3"})
        if self.rel2 < self.t_end:
            ev.append({"type": "model_release", "model": "nova-3-mini", "ts": iso(self.rel2)})
        if self.inc0 < self.t_end:
            ev.append({"type": "incident", "ts": iso(self.inc0), "end": iso(self.inc1), "summary": "elevated 503/529 errors"})
        ev.sort(key=lambda e: e["ts"])
        with open(os.path.join(out, "events.jsonl"), "w", encoding="utf-8") as f:
            for e in ev:
                f.write(json.dumps(e, separators=(",", ":")) + "\n")
        camps = []
        for c in self.campaigns:
            al = c["accounts"] + c["replacements"]
            exs = sum(a.n_ex for a in al)
            fts = [a.first_ts for a in al if a.first_ts is not None]
            lts = [a.last_ts for a in al if a.last_ts is not None]
            kn = {k: v for k, v in c["knobs"].items() if k not in ("caps",)}
            camps.append({
                "name": c["name"], "strategy": c["strategy"], "capability": c["capability"],
                "category": {"reasoning": "reasoning_elicitation", "rubric_grading": "rubric_grading", "judge": "rubric_grading",
                             "synthetic_data": "synthetic_data", "rewrite": "censorship_rewrite", "tool_use": "tool_use", "coding": "coding"}[c["capability"]],
                "evasive_flag": self.evasive, "accounts": len(al), "initial_accounts": len(c["accounts"]), "replacement_accounts": len(c["replacements"]),
                "banned_accounts": len(c["banned"]), "accounts_with_traffic": sum(1 for a in al if a.n_ex), "exchanges": exs,
                "start": iso(c["start"]), "first_seen": iso(min(fts)) if fts else None, "last_seen": iso(max(lts)) if lts else None,
                "created_range": [iso(min(a.created for a in al)), iso(max(a.created for a in al))], "model_switch": iso(c["switch_t"]),
                "operator_home": c["home"], "operator_downtime_utc_h": round(c["downtime_h"], 2), "infra": c["infra"],
                "templates": sorted(c["templates"]), "knobs": kn, "account_ids": sorted(a.id for a in al)})
        pc = {}
        for a in self.accounts:
            if a.campaign is None:
                pc[a.persona] = pc.get(a.persona, 0) + 1
        truth = {
            "generator": "benchmarks/blind3/generate.py", "seed": self.seed, "accounts": len(self.accounts), "days": self.days,
            "evasive": self.evasive, "window": [iso(T0), iso(self.t_end)], "releases": {"nova-3": iso(self.rel1), "nova-3-mini": iso(self.rel2)},
            "incident": [iso(self.inc0), iso(self.inc1)], "exchange_files": [[os.path.relpath(f, out), n] for f, n in files],
            "exchange_records": sum(n for _, n in files), "duplicate_deliveries": self.sink.ndup,
            "campaign_accounts": sum(c["accounts"] for c in camps), "campaigns": camps, "benign_personas": dict(sorted(pc.items())),
            "benign_exchanges_by_persona": dict(sorted(self.persona_ex.items())),
            "notes": "ground truth; detection must never read this file, labels.jsonl or provenance.jsonl.gz",
        }
        with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as f:
            json.dump(truth, f, indent=1, sort_keys=False)
            f.write("\n")
        return truth


def main(argv=None):
    ap = argparse.ArgumentParser(description="blind3 synthetic distillation-attack world generator")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--evasive", action="store_true")
    ap.add_argument("--data", default=DEFAULT_DATA)
    args = ap.parse_args(argv)
    need = [os.path.join(args.data, "templates", "attack.jsonl"), os.path.join(args.data, "prompts", "benign.jsonl.gz"),
            os.path.join(args.data, "infra", "datacenter_ipv4.txt"), os.path.join(args.data, "timing", "servegen_m_large")]
    missing = [x for x in need if not os.path.exists(x)]
    if missing:
        sys.stderr.write("error: blind3: corpus not found or incomplete at %s (missing %s)\n" % (args.data, os.path.relpath(missing[0], args.data)))
        return 2
    if args.accounts < 60 or args.days < 1:
        sys.stderr.write("blind3: need --accounts >= 60 and --days >= 1\n")
        return 2
    t0 = time.time()
    corpus = Corpus(args.data)
    os.makedirs(args.out, exist_ok=True)
    for sub in ("exchanges",):
        d = os.path.join(args.out, sub)
        if os.path.isdir(d):
            shutil.rmtree(d)
    w = World(corpus, args.seed, args.accounts, args.days, args.evasive, args.out)
    w.build()
    files = w.run()
    truth = w.write_meta(files, time.time() - t0)
    print("blind3 world seed=%d accounts=%d campaign_accounts=%d exchanges=%d files=%d (%.1fs)" % (
        args.seed, truth["accounts"], truth["campaign_accounts"], truth["exchange_records"], len(files), time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
