"""`export_stix`: detect's results and store -> one validated-shape STIX 2.1 bundle on disk."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from distillguard.errors import ConfigError
from distillguard.sharing.keyed import jaccard, template_sketch
from distillguard.sharing.material import CampaignMaterial, gather, gather_flagged, store_tokens
from distillguard.sharing.observe import PRIVATE_KINDS
from distillguard.sharing.settings import SharingSettings
from distillguard.sharing.stix import TLP, BundleBuilder

RAW_KINDS = tuple(sorted(set(PRIVATE_KINDS)))


@dataclass
class ExportReport:
    out: str
    campaigns: int
    operators: int
    objects: int
    bytes: int
    keyed: bool
    include_raw: list[str]
    flagged_accounts: int = 0  # accounts behind the lower-confidence tier (0: none exported)

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def parse_raw_kinds(text: str | None) -> set[str]:
    """`--include-raw ip,payment` -> {'ip', 'payment'}; an unknown kind is a usage error."""
    kinds = {k.strip() for k in (text or "").split(",") if k.strip()}
    bad = sorted(kinds - set(RAW_KINDS))
    if bad:
        raise ConfigError(f"--include-raw: unknown kind(s) {', '.join(bad)}",
                          hint=f"choose from {', '.join(RAW_KINDS)}")
    return kinds


def operators(camps: list[CampaignMaterial], key: bytes | None,
              settings: SharingSettings) -> list[tuple[list[int], str]]:
    """Groups of campaigns (indices) one operator runs: shared addresses, payment instruments or TLS
    fingerprints; a shared template sketch is named as a reason but never groups on its own (public
    harness templates are used by unrelated operators), and neither do the addresses of campaigns
    that detect split apart (`shares_network_with`: one rented pool, other cards and pipelines)."""
    parent = list(range(len(camps)))
    reasons: dict[int, set[str]] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sets = [{kind: {v.value for v in c.values.get(kind, [])} for kind in ("ip", "payment", "tls_fingerprint")}
            for c in camps]
    sketches = [[s for t in c.templates if (s := template_sketch(key, t["skeleton"], settings.minhash_perm,
                                                                 settings.shingle_sizes)) is not None]
                if key else [] for c in camps]
    for i in range(len(camps)):
        for j in range(i + 1, len(camps)):
            why = set()
            split_apart = camps[j].campaign_id in camps[i].shares_network_with or \
                camps[i].campaign_id in camps[j].shares_network_with
            if len(sets[i]["ip"] & sets[j]["ip"]) >= settings.operator_min_shared_ips and not split_apart:
                why.add("source addresses")
            if sets[i]["payment"] & sets[j]["payment"]:
                why.add("payment instruments")
            if sets[i]["tls_fingerprint"] & sets[j]["tls_fingerprint"]:
                why.add("TLS fingerprints")
            if any(jaccard(a, b) >= settings.template_match_jaccard for a in sketches[i] for b in sketches[j]):
                why.add("prompt templates")
            if why - {"prompt templates"}:
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
                reasons.setdefault(min(ri, rj), set()).update(why | reasons.pop(max(ri, rj), set()))
    groups: dict[int, list[int]] = {}
    for i in range(len(camps)):
        groups.setdefault(find(i), []).append(i)
    return [(g, ", ".join(sorted(reasons.get(r, set())))) for r, g in sorted(groups.items()) if len(g) >= 2]


def export_stix(results: Path, store: Path, out: Path, *, key: bytes | None, include_raw: set[str] | None = None,
                tlp: str = "amber", producer: str = "distillguard producer",
                settings: SharingSettings | None = None) -> ExportReport:
    """Write the bundle for `results` (a detect output folder) and `store` to `out`."""
    settings = settings or SharingSettings()
    include_raw = set(include_raw or ())
    if tlp not in TLP:
        raise ConfigError(f"--tlp: unknown level {tlp!r}", hint=f"choose from {', '.join(TLP)}")
    tokens = store_tokens(store)
    camps = gather(results, store, settings, tokens)
    b = BundleBuilder(producer, tlp, key, include_raw, settings)
    ids = [b.add_campaign(c) for c in camps]
    groups = operators(camps, key, settings)
    for members, reason in groups:
        b.add_operator([(camps[i], ids[i]) for i in members], reason)
    flagged = gather_flagged(results, store, settings, tokens)
    tier = b.add_flagged(flagged) if flagged is not None else None
    bundle = b.bundle()
    data = json.dumps(bundle, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, out)
    return ExportReport(str(out), len(camps), len(groups), len(bundle["objects"]), len(data), key is not None,
                        sorted(include_raw), len(flagged.accounts) if flagged is not None and tier else 0)
