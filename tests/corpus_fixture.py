"""A small public-corpus folder, written from distillguard's built-in corpus, in the layout of the
open corpus (`../shared/data`: templates/, prompts/, infra/, timing/).

Tests that read a corpus folder (the simulator's `--corpus`, classifier training) run on this
one everywhere, and on the real corpus too where it sits beside the repository.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
    else:
        path.write_text(data, encoding="utf-8")


def _template_text(parts: list[str]) -> str:
    """Parts (text, slot, text, ...) as one python-format string, literal braces doubled."""
    return "".join(p.replace("{", "{{").replace("}", "}}") if i % 2 == 0 else "{" + p + "}"
                   for i, p in enumerate(parts))


def write_corpus(root: Path) -> Path:
    """Write the fixture corpus into `root` and return it."""
    from distillguard.simulate.corpus import builtin

    c = builtin()
    templates = [{"id": "fixture-" + t.id.replace("builtin:", ""), "family": t.family, "source": "distillguard builtin",
                  "license": "Apache-2.0", "system": t.system, "template": _template_text(t.parts),
                  "slots": t.parts[1::2], "params": t.params, "extra": {"slot_syntax": "python_format"}}
                 for t in c.templates]
    _jsonl(root / "templates" / "attack.jsonl", templates)
    with_slots = [t for t in templates if t["slots"]]
    _jsonl(root / "templates" / "attack_seeds.jsonl",
           [{"id": f"seed-{i}", "for_template": t["id"], "slot": t["slots"][0], "seed": s, "license": "Apache-2.0"}
            for i, s in enumerate(c.seeds) for t in [with_slots[i % len(with_slots)]]])
    benign = []
    for i, (system, user, follow) in enumerate(c.chat):
        msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
        benign.append({"id": f"chat-{i}", "kind": "chat", "suite": None, "messages": msgs,
                       "extra": {"followup_user_turns": [follow]} if follow else {}})
    for i, user in enumerate(c.coding):
        benign.append({"id": f"code-{i}", "kind": "coding", "suite": None,
                       "messages": [{"role": "user", "content": user}], "extra": {}})
    for suite in c.suites:
        for i, (system, user) in enumerate(suite.rows):
            msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
            benign.append({"id": f"{suite.name}-{i}", "kind": "eval", "suite": suite.name, "messages": msgs,
                           "extra": {}})
    _jsonl(root / "prompts" / "benign.jsonl.gz", benign)
    domains = ("airline", "retail", "telecom", "mock")
    _jsonl(root / "prompts" / "tau2_agent_system.jsonl",
           [{"domain": domains[i % len(domains)], "system": s} for i, s in enumerate(c.agent_systems)])
    infra = root / "infra"
    _jsonl(infra / "user_agents_browser.jsonl", [{"useragent": ua, "share": 1.0} for ua in c.ua_browser])
    (infra / "user_agents_sdk.txt").write_text("\n".join(c.ua_http) + "\n")
    (infra / "disposable_domains.txt").write_text("\n".join(c.disposable) + "\n")
    for name, cidrs in (("vpn_ipv4.txt", c.vpn_cidrs), ("datacenter_ipv4.txt", c.dc_cidrs)):
        import ipaddress

        (infra / name).write_text("".join(f"{ipaddress.IPv4Address(a)}/{n}\n" for a, n in cidrs))
    timing = root / "timing"
    (timing / "servegen_m_large").mkdir(parents=True, exist_ok=True)
    for name in ("azure_2023_conv.csv", "azure_2023_code.csv"):
        with open(timing / name, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["TIMESTAMP", "num_context_tokens", "num_decode_tokens"])
            for k in range(200):
                w.writerow([k, 100 + 7 * k, 20 + (k * 37) % 900])
    return root
