"""Read a partner's STIX 2.1 bundle (file or TAXII 2.1 collection) into matchable indicators.

The result is one plain JSON document (`PartnerIndicators.to_dict`), one entry per partner
campaign: its keyed sets (campaign and infrastructure), template sketches, raw values where the
partner shared them, ASNs, and the intrusion-set (operator) it is attributed to. The partner's
lower-confidence tier (an `indicator` whose extension says `tier: flagged`: values of accounts
flagged outside any campaign) becomes one more entry with `tier` "flagged" and no operator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import stix2

from distillguard.errors import InputError
from distillguard.sharing.stix import EXTENSION_ID


@dataclass
class PartnerCampaign:
    stix_id: str
    name: str
    operator: str | None = None
    keyed: dict[str, dict] = field(default_factory=dict)
    raw: dict[str, list[str]] = field(default_factory=dict)
    sketches: dict = field(default_factory=dict)
    behaviour: dict = field(default_factory=dict)
    asns: list[int] = field(default_factory=list)
    key_id: str | None = None
    tier: str = "campaign"  # "campaign", or "flagged": the partner's lower-confidence tier
    confidence: int | None = None  # the partner's STIX confidence (0-100), when it gave one


@dataclass
class PartnerIndicators:
    producer: str | None
    bundle_id: str
    campaigns: list[PartnerCampaign]

    def to_dict(self) -> dict:
        return {"format": "distillguard-partner-indicators/1", "producer": self.producer, "bundle_id": self.bundle_id,
                "campaigns": [c.__dict__ for c in self.campaigns]}

    @classmethod
    def from_dict(cls, d: dict) -> PartnerIndicators:
        return cls(d.get("producer"), d.get("bundle_id", ""), [PartnerCampaign(**c) for c in d.get("campaigns", [])])


def _ext(obj: dict) -> dict:
    return (obj.get("extensions") or {}).get(EXTENSION_ID) or {}


def from_bundle(bundle: dict) -> PartnerIndicators:
    """Extract what `match` needs from a bundle (a dict as parsed from JSON); each object is checked by stix2."""
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        raise InputError("not a STIX 2.1 bundle: expected an object with type 'bundle' and a list of objects")
    objs = {}
    for o in bundle["objects"]:
        try:
            stix2.parse(o, allow_custom=True)
        except Exception as exc:  # stix2 raises many types; each means the same to the user
            raise InputError(f"invalid STIX object {o.get('id', '?')}: {str(exc).splitlines()[0]}") from exc
        objs[o["id"]] = o
    rels = [o for o in objs.values() if o["type"] == "relationship"]
    producer = next((objs[o["created_by_ref"]]["name"] for o in objs.values()
                     if o["type"] == "campaign" and o.get("created_by_ref") in objs), None)
    out = []
    for o in sorted((o for o in objs.values() if o["type"] == "campaign"), key=lambda o: o["id"]):
        ext = _ext(o)
        c = PartnerCampaign(o["id"], o.get("name", ""), key_id=ext.get("key_id"))
        c.keyed.update(ext.get("keyed", {}))
        c.raw.update({k: v for k, v in ext.get("raw", {}).items() if isinstance(v, list)})
        c.sketches = ext.get("template_sketches", {})
        c.behaviour = ext.get("behaviour_sketch", {})
        for r in rels:
            if r["source_ref"] != o["id"]:
                continue
            target = objs.get(r["target_ref"], {})
            if r["relationship_type"] == "attributed-to" and target.get("type") == "intrusion-set":
                c.operator = target["id"]
            if r["relationship_type"] == "uses" and target.get("type") == "infrastructure":
                iext = _ext(target)
                c.keyed.update(iext.get("keyed", {}))
                c.raw.update({k: v for k, v in iext.get("raw", {}).items() if isinstance(v, list)})
                c.asns = sorted(set(c.asns) | set(iext.get("asns", [])))
                c.key_id = c.key_id or iext.get("key_id")
        out.append(c)
    for o in sorted((o for o in objs.values() if o["type"] == "indicator" and _ext(o).get("tier") == "flagged"),
                    key=lambda o: o["id"]):
        ext = _ext(o)
        c = PartnerCampaign(o["id"], o.get("name", ""), key_id=ext.get("key_id"), tier="flagged",
                            confidence=o.get("confidence"))
        c.keyed.update(ext.get("keyed", {}))
        c.raw.update({k: v for k, v in ext.get("raw", {}).items() if isinstance(v, list)})
        out.append(c)
    return PartnerIndicators(producer, bundle.get("id", ""), out)


def read_bundle_file(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path} not found", path=str(path)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read {path} as JSON: {exc}", path=str(path)) from exc


def load_indicators(path: Path) -> PartnerIndicators:
    """Read either a STIX bundle or a file `import stix` wrote."""
    doc = read_bundle_file(path)
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        return from_bundle(doc)
    if isinstance(doc, dict) and doc.get("format") == "distillguard-partner-indicators/1":
        return PartnerIndicators.from_dict(doc)
    raise InputError(f"{path} is neither a STIX bundle nor a distillguard partner-indicators file", path=str(path))
