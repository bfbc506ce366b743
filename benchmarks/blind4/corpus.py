"""Loading and checking the shared corpus (shared/data) for the blind4 generator."""
import csv
import gzip
import io
import json
import os
import zlib

import numpy as np

REQUIRED = [
    "templates/attack.jsonl",
    "templates/attack_seeds.jsonl",
    "prompts/benign.jsonl.gz",
    "prompts/tau2_agent_system.jsonl",
    "timing/azure_2023_conv.csv",
    "timing/azure_2023_code.csv",
    "timing/servegen_m_large/manifest.jsonl",
    "infra/user_agents_sdk.txt",
    "infra/user_agents_browser.jsonl",
    "infra/disposable_domains.txt",
    "infra/vpn_ipv4.txt",
    "infra/datacenter_ipv4.txt",
]
MIN_COUNTS = {"attack": 100, "seeds": 150, "benign": 20000, "tau2": 4, "servegen": 150,
              "ua_sdk": 100, "ua_browser": 500, "disposable": 5000, "vpn": 5000, "dc": 20000}


class CorpusError(Exception):
    pass


def _jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _lines(path):
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


def _cidrs(lines):
    out = []
    for ln in lines:
        net, _, pl = ln.partition("/")
        parts = net.split(".")
        if len(parts) != 4:
            continue
        v = 0
        for p in parts:
            v = v * 256 + int(p)
        pl = int(pl) if pl else 32
        out.append((v, pl))
    return out


class Corpus:
    def __init__(self, root):
        self.root = root
        missing = [p for p in REQUIRED if not os.path.isfile(os.path.join(root, p))]
        if missing:
            raise CorpusError(f"corpus at {root} is missing {missing[0]}" + (f" (+{len(missing) - 1} more)" if len(missing) > 1 else ""))
        man = os.path.join(root, "MANIFEST.json")
        if os.path.isfile(man):
            try:
                with open(man, encoding="utf-8") as f:
                    manifest = json.load(f)
            except ValueError as e:
                raise CorpusError(f"corpus MANIFEST.json unreadable: {e}")
            for p in REQUIRED:
                ent = manifest.get(p)
                if isinstance(ent, dict) and "bytes" in ent and os.path.getsize(os.path.join(root, p)) != ent["bytes"]:
                    raise CorpusError(f"corpus file {p} is incomplete (size differs from MANIFEST.json)")
        try:
            self._load(root)
        except CorpusError:
            raise
        except (OSError, ValueError, EOFError, KeyError, TypeError, IndexError, zlib.error) as e:
            raise CorpusError(f"corpus at {root} could not be read: {type(e).__name__}: {str(e)[:120]}")
        for k, v in MIN_COUNTS.items():
            have = self.counts[k]
            if have < v:
                raise CorpusError(f"corpus at {root} is incomplete: {k} has {have} records, expected >= {v}")

    def _load(self, root):
        P = lambda p: os.path.join(root, p)  # noqa: E731
        self.templates = _jsonl(P("templates/attack.jsonl"))
        self.tmpl_by_id = {t["id"]: t for t in self.templates}
        self.by_family = {}
        for t in self.templates:
            self.by_family.setdefault(t["family"], []).append(t)
        seeds = _jsonl(P("templates/attack_seeds.jsonl"))
        self.seeds = {}
        for s in seeds:
            self.seeds.setdefault(s["for_template"], []).append(s)
        self.benign = _jsonl(P("prompts/benign.jsonl.gz"))
        self.tau2_sys = {r["domain"]: r for r in _jsonl(P("prompts/tau2_agent_system.jsonl"))}
        # benign pools
        self.by_kind = {}
        self.by_suite = {}
        for r in self.benign:
            self.by_kind.setdefault(r["kind"], []).append(r)
            if r["kind"] == "eval" and r.get("suite"):
                self.by_suite.setdefault(r["suite"], []).append(r)
        self.suites = sorted(self.by_suite)
        # timing
        self.azure = {}
        for name in ("conv", "code"):
            with open(P(f"timing/azure_2023_{name}.csv"), encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            self.azure[name] = (np.array([float(r["arrived_at"]) for r in rows]),
                                np.array([int(r["num_prefill_tokens"]) for r in rows]),
                                np.array([int(r["num_decode_tokens"]) for r in rows]))
        man = _jsonl(P("timing/servegen_m_large/manifest.jsonl"))
        rates, cvs = [], []
        for m in sorted(man, key=lambda x: x["client_id"]):
            tp = P("timing/servegen_m_large/" + m["trace_file"])
            if not os.path.isfile(tp):
                raise CorpusError(f"corpus is missing timing/servegen_m_large/{m['trace_file']}")
            with gzip.open(tp, "rt") as f:
                rd = csv.reader(io.StringIO(f.read()))
                rr = np.zeros(2016)
                cc = np.ones(2016)
                for row in rd:
                    if not row:
                        continue
                    w = int(float(row[0])) // 600
                    if 0 <= w < 2016:
                        rr[w] = float(row[1] or 0)
                        try:
                            cc[w] = float(row[2]) if row[2] else 1.0
                        except ValueError:
                            cc[w] = 1.0
            rates.append(rr)
            cvs.append(cc)
        self.sg_rates = np.array(rates)
        self.sg_cv = np.array(cvs)
        # infra
        self.ua_sdk = _lines(P("infra/user_agents_sdk.txt"))
        self.ua_browser = _jsonl(P("infra/user_agents_browser.jsonl"))
        self.disposable = _lines(P("infra/disposable_domains.txt"))
        self.vpn = _cidrs(_lines(P("infra/vpn_ipv4.txt")))
        self.dc = _cidrs(_lines(P("infra/datacenter_ipv4.txt")))
        self.counts = {"attack": len(self.templates), "seeds": len(seeds), "benign": len(self.benign),
                       "tau2": len(self.tau2_sys), "servegen": len(self.sg_rates), "ua_sdk": len(self.ua_sdk),
                       "ua_browser": len(self.ua_browser), "disposable": len(self.disposable),
                       "vpn": len(self.vpn), "dc": len(self.dc)}
