"""Text and trace material: the public corpus folder (`--corpus`) or the built-in fallback."""

from __future__ import annotations

import csv
import gzip
import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from distillguard.errors import UnreadableInput
from distillguard.simulate import _builtin as B

MAX_SLOT_CHARS = 1500


@dataclass
class Template:
    id: str
    family: str
    system: str | None
    parts: list[str]          # text, slot, text, slot, ..., text (odd indices are slot names)
    params: dict


@dataclass
class Suite:
    name: str
    rows: list[tuple[str | None, str]]   # (system, user text)


@dataclass
class Corpus:
    source: str
    chat: list[tuple[str | None, str, str | None]] = field(default_factory=list)  # system, user, followup
    instructions: list[str] = field(default_factory=list)
    coding: list[str] = field(default_factory=list)
    suites: list[Suite] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)
    product_systems: list[str] = field(default_factory=list)
    agent_systems: list[str] = field(default_factory=list)
    ua_browser: list[str] = field(default_factory=list)
    ua_browser_w: np.ndarray | None = None
    ua_http: list[str] = field(default_factory=list)
    disposable: list[str] = field(default_factory=list)
    vpn_cidrs: list[tuple[int, int]] = field(default_factory=list)
    dc_cidrs: list[tuple[int, int]] = field(default_factory=list)
    servegen: np.ndarray | None = None    # clients x hours, mean 1 per client
    azure_out: np.ndarray | None = None   # decode-token samples

    def templates_of(self, *families: str) -> list[Template]:
        return [t for t in self.templates if t.family in families]


def _stable(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little")


def split_slots(text: str, syntax: str, slots: list[str]) -> list[str]:
    """Split a template into text and slot parts, whatever its slot syntax."""
    if syntax == "jinja2":
        text = re.sub(r"\{%-?.*?-?%\}|\{#.*?#\}", "", text, flags=re.S)
        pattern = re.compile(r"\{\{-?\s*([A-Za-z_][\w]*)[^}]*?-?\}\}")
    elif syntax == "python_format" and slots:
        names = "|".join(re.escape(s) for s in sorted(slots, key=len, reverse=True))
        pattern = re.compile(r"(?<!\{)\{(" + names + r")\}(?!\})")
    elif syntax == "literal_marker" and slots:
        pattern = re.compile("(" + "|".join(re.escape(s) for s in slots) + ")")
    else:
        pattern = None
    if pattern is None:
        parts = [text]
    else:
        parts = pattern.split(text)
    if syntax == "python_format":
        parts = [p.replace("{{", "{").replace("}}", "}") if i % 2 == 0 else p for i, p in enumerate(parts)]
    if syntax == "appended_blocks":
        parts = [text + "\n\n", "seeds", ""]
    return parts


def _builtin_suites() -> list[Suite]:
    suites = []
    for name, (system, item, _) in B.EVAL_SUITES.items():
        rng = np.random.default_rng(_stable(name))
        rows = []
        for _ in range(40):
            a, b, c = (int(x) for x in rng.integers(2, 99, 3))
            rows.append((system, item.format(a=a, b=b, c=c)))
        suites.append(Suite(name, rows))
    return suites


def builtin() -> Corpus:
    c = Corpus(source="builtin")
    c.chat = [(None, p, B.FOLLOWUPS[i % len(B.FOLLOWUPS)]) for i, p in enumerate(B.CHAT_PROMPTS)]
    c.chat += [(None, p, None) for p in B.WRITING_PROMPTS]
    c.chat += [(None, p, None) for p in B.ROLE_PROMPTS]
    c.coding = list(B.CODING_TASKS)
    c.suites = _builtin_suites()
    c.instructions = B.CHAT_PROMPTS + B.WRITING_PROMPTS + B.CODING_TASKS + \
        [r[1] for s in c.suites for r in s.rows[:10]]
    for tid, fam, system, text, params in B.ATTACK_TEMPLATES:
        c.templates.append(Template(tid, fam, system, split_slots(text, "python_format", _slots(text)), params))
    c.seeds = B.CHAT_PROMPTS[:12] + B.CODING_TASKS[:4]
    c.product_systems = list(B.PRODUCT_SYSTEMS)
    c.agent_systems = list(B.AGENT_SYSTEMS)
    c.ua_browser = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/135.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.3.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:136.0) Gecko/20100101 Firefox/136.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 Edg/134.0.0.0",
    ]
    c.ua_browser_w = np.array([0.34, 0.16, 0.25, 0.12, 0.05, 0.08])
    c.ua_http = ["python-requests/2.31.0", "python-requests/2.32.3", "Python/3.11 aiohttp/3.9.5",
                 "curl/8.5.0", "Go-http-client/2.0", "okhttp/4.12.0", "axios/1.6.8", "node-fetch/1.0",
                 "Apache-HttpClient/4.5.14 (Java/17.0.9)"]
    c.disposable = ["mailinator.com", "guerrillamail.com", "10minutemail.com", "tempmail.dev",
                    "yopmail.com", "trashmail.com", "sharklasers.com", "dispostable.com"]
    c.vpn_cidrs = [_cidr(x) for x in ("185.220.100.0/22", "45.83.64.0/22", "91.219.236.0/22",
                                      "103.108.92.0/22", "146.70.0.0/16", "89.187.160.0/19")]
    c.dc_cidrs = [_cidr(x) for x in ("3.0.0.0/9", "52.0.0.0/11", "34.64.0.0/10", "20.0.0.0/11",
                                     "159.65.0.0/16", "95.216.0.0/15", "51.68.0.0/16", "47.74.0.0/15",
                                     "43.128.0.0/14", "138.68.0.0/16")]
    return c


def _slots(text: str) -> list[str]:
    return sorted(set(re.findall(r"(?<!\{)\{([a-z_0-9]+)\}(?!\})", text)))


def _cidr(text: str) -> tuple[int, int]:
    net = ipaddress.IPv4Network(text.strip(), strict=False)
    return int(net.network_address), net.prefixlen


def _read_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]


def _jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_corpus(path: Path | None) -> Corpus:
    """Load the public corpus folder, or the built-in corpus when `path` is None."""
    base = builtin()
    if path is None:
        return base
    root = Path(path)
    if not (root / "templates" / "attack.jsonl").is_file():
        raise UnreadableInput(f"corpus folder {root} has no templates/attack.jsonl",
                              hint="pass the shared data folder, e.g. --corpus ../shared/data")
    try:
        return _load(root, base)
    except (OSError, ValueError, KeyError) as exc:
        raise UnreadableInput(f"cannot read corpus {root}: {exc}".splitlines()[0]) from exc


def _load(root: Path, base: Corpus) -> Corpus:
    c = Corpus(source=str(root))
    prompts = _jsonl(root / "prompts" / "benign.jsonl.gz")
    suites: dict[str, list[tuple[str | None, str]]] = {}
    for p in prompts:
        msgs = p["messages"]
        system = next((m["content"] for m in msgs if m["role"] == "system"), None)
        users = [m["content"] for m in msgs if m["role"] == "user" and isinstance(m["content"], str)]
        if not users:
            continue
        user = users[-1]
        kind = p["kind"]
        if kind in ("eval", "agent_task") and p.get("suite"):
            suites.setdefault(p["suite"], []).append((system, user))
            if len(user) < MAX_SLOT_CHARS:
                c.instructions.append(user)
        elif kind == "coding":
            c.coding.append(user)
            c.instructions.append(user)
        elif kind == "role_prompt":
            c.product_systems.append(user)
            c.chat.append((None, user, None))
        else:
            follow = (p.get("extra") or {}).get("followup_user_turns") or [None]
            c.chat.append((system, user, follow[0]))
            c.instructions.append(user[:MAX_SLOT_CHARS])
    c.suites = [Suite(k, v) for k, v in sorted(suites.items())]
    c.coding += base.coding
    c.chat += base.chat[: len(B.CHAT_PROMPTS)]
    for t in _jsonl(root / "templates" / "attack.jsonl"):
        syntax = (t.get("extra") or {}).get("slot_syntax", "none")
        parts = split_slots(t["template"], syntax, list(t.get("slots") or []))
        params = {k: v for k, v in (t.get("params") or {}).items()
                  if k in ("temperature", "top_p", "max_tokens", "logprobs", "top_logprobs")}
        c.templates.append(Template(t["id"], t["family"], t.get("system"), parts, params))
    c.templates += [t for t in base.templates if t.family in ("reasoning_elicitation", "coding")]
    c.seeds = [s["seed"] for s in _jsonl(root / "templates" / "attack_seeds.jsonl")]
    c.product_systems += base.product_systems
    c.agent_systems = base.agent_systems + [r["system"] for r in _jsonl(root / "prompts" / "tau2_agent_system.jsonl")]
    rows = _jsonl(root / "infra" / "user_agents_browser.jsonl")
    c.ua_browser = [r["useragent"] for r in rows]
    w = np.array([float(r.get("share") or 0.0) for r in rows]) + 1e-6
    c.ua_browser_w = w / w.sum()
    c.ua_http = _read_lines(root / "infra" / "user_agents_sdk.txt")
    dom = _read_lines(root / "infra" / "disposable_domains.txt")
    c.disposable = sorted(dom, key=_stable)[:60]
    c.vpn_cidrs = [_cidr(x) for x in _read_lines(root / "infra" / "vpn_ipv4.txt")]
    c.dc_cidrs = [_cidr(x) for x in _read_lines(root / "infra" / "datacenter_ipv4.txt")]
    c.vpn_cidrs = [x for x in c.vpn_cidrs if x[1] >= 12] or base.vpn_cidrs
    c.dc_cidrs = [x for x in c.dc_cidrs if x[1] >= 12] or base.dc_cidrs
    c.servegen = _servegen(root / "timing" / "servegen_m_large")
    c.azure_out = _azure(root / "timing")
    return c


def _servegen(folder: Path) -> np.ndarray | None:
    """Hourly request-rate profiles per ServeGen client (14 days), each scaled to mean 1."""
    files = sorted(folder.glob("chunk-*-trace.csv.gz"), key=lambda p: int(p.name.split("-")[1]))
    out = []
    for f in files:
        with gzip.open(f, "rt") as fh:
            rates = np.array([float(r[1] or 0.0) for r in csv.reader(fh) if r], dtype=np.float64)
        if rates.size < 2016:
            continue
        hourly = rates[:2016].reshape(336, 6).mean(axis=1)
        if hourly.mean() > 0 and (hourly > 0).mean() > 0.2:
            out.append(hourly / hourly.mean())
    return np.vstack(out) if out else None


def _azure(folder: Path) -> np.ndarray | None:
    vals = []
    for name in ("azure_2023_conv.csv", "azure_2023_code.csv"):
        with open(folder / name, newline="") as fh:
            vals += [int(r["num_decode_tokens"]) for r in csv.DictReader(fh)]
    arr = np.array([v for v in vals if v > 0], dtype=np.int64)
    return arr if arr.size else None
