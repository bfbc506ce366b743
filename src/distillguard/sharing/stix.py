"""Turn detected campaigns into one STIX 2.1 bundle a partner can import (and match privately).

Objects (ids are uuid5 of stable content, so a re-export updates an object instead of
duplicating it; `created` is the campaign's first sighting and `modified` its last, so the
same results give a byte-identical bundle):

- `identity` of the producer (`--producer`) and of distillguard (which defines the extension);
- the TLP 2.0 `marking-definition` chosen with `--tlp`, on every object;
- `extension-definition` x-distillguard-sharing: the keyed sets, sketches and counts;
- `attack-pattern` MITRE ATLAS AML.T0024.002 "Extract AI Model" (sub-technique of AML.T0024
  "Exfiltration via AI Inference API"; both were "... ML ..." before ATLAS renamed them);
- per campaign: `campaign`, `infrastructure` (its proxy pool), `indicator`s with STIX patterns
  for the kinds that may leave raw (ASNs always; others only with `--include-raw`),
  `observed-data` over the autonomous systems (and raw observables when allowed), a `sighting`
  with counts and first/last seen, and the `relationship`s between them;
- `intrusion-set` for an operator behind several campaigns (shared addresses, payment
  instruments, TLS fingerprints or template sketches);
- the lower-confidence tier (`add_flagged`): one `indicator` (label `distillguard-flagged-accounts`,
  pattern type `x-distillguard-keyed`, `confidence` the median risk of those accounts) holding
  the keyed operator values of accounts flagged outside every campaign.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone

import stix2

from distillguard.sharing.keyed import hmac_value, key_id, keyed_minhash, keyed_set, sketch_b64, template_sketch
from distillguard.sharing.material import CampaignMaterial
from distillguard.sharing.observe import PATTERN_KINDS
from distillguard.sharing.settings import SharingSettings

NAMESPACE = uuid.UUID("6f0c1a52-8f5e-4b8a-9a51-0d1f3c2d7e19")  # distillguard's STIX namespace
EXTENSION_ID = f"extension-definition--{uuid.uuid5(NAMESPACE, 'x-distillguard-sharing/1')}"
# STIX allows the normative definition as plain text: ours is the section in docs/sharing.md.
EXTENSION_SCHEMA = ("distillguard docs/sharing.md, 'The x-distillguard-sharing extension': keyed sets "
                    "(hmac-sha256-list, bloom-hmac-sha256), keyed MinHash template_sketches, raw values, counts.")
TOOL_IDENTITY = f"identity--{uuid.uuid5(NAMESPACE, 'identity|distillguard')}"
FIXED = "2026-01-01T00:00:00.000Z"  # created/modified of objects that never change

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"  # OASIS TLP 2.0
TLP = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
ATLAS = {"id": "AML.T0024.002", "name": "Extract AI Model", "parent": "AML.T0024",
         "url": "https://atlas.mitre.org/techniques/AML.T0024.002"}
KEYED_ON_INFRASTRUCTURE = ("ip", "ip_prefix", "user_agent", "tls_fingerprint")
KEYED_ON_CAMPAIGN = ("payment", "email_domain", "account", "configuration")
FLAGGED_LABEL = "distillguard-flagged-accounts"
KEYED_PATTERN_TYPE = "x-distillguard-keyed"  # open vocabulary: "match the keyed sets of this object's extension"


def sid(kind: str, *parts: str) -> str:
    """A deterministic STIX id: uuid5 over the object type and its stable key."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join((kind, *parts)))}"


def ts(d: datetime) -> str:
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _dict(obj: object) -> dict:
    return json.loads(obj.serialize()) if hasattr(obj, "serialize") else dict(obj)  # type: ignore[arg-type]


def tlp_marking(level: str) -> dict:
    return {"type": "marking-definition", "spec_version": "2.1", "id": TLP[level], "created": "2022-10-01T00:00:00.000Z",
            "name": f"TLP:{level.upper()}",
            "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}}}


def _quote(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(kind: str, values: list[str]) -> str | None:
    """A STIX pattern matching any of `values` of a kind that has a standard observable."""
    terms = []
    for v in values:
        if kind == "ip":
            t = "ipv6-addr" if ":" in v else "ipv4-addr"
            terms.append(f"{t}:value = {_quote(v)}")
        elif kind == "ip_prefix":
            t = "ipv6-addr" if ":" in v else "ipv4-addr"
            terms.append(f"{t}:value ISSUBSET {_quote(v)}")
        elif kind == "asn":
            terms.append(f"autonomous-system:number = {int(v)}")
        elif kind == "user_agent":
            terms.append(f"network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = {_quote(v)}")
        elif kind == "email_domain":
            terms.append(f"email-addr:value LIKE {_quote('%@' + v)}")
        elif kind == "account":
            terms.append(f"user-account:user_id = {_quote(v)}")
    return "[" + " OR ".join(terms) + "]" if terms else None


class BundleBuilder:
    """Collects the objects of one export; `bundle()` returns the JSON-ready bundle."""

    def __init__(self, producer: str, tlp: str, key: bytes | None, include_raw: set[str],
                 settings: SharingSettings) -> None:
        self.key, self.raw, self.settings = key, include_raw, settings
        self.marking = TLP[tlp]
        self.producer = sid("identity", "producer", producer)
        self.objects: dict[str, dict] = {}
        common = {"object_marking_refs": [self.marking]}
        self.common = common
        self._add(tlp_marking(tlp))
        self._add(stix2.Identity(id=TOOL_IDENTITY, name="distillguard", identity_class="system", created=FIXED,
                                 modified=FIXED, description="Open-source detection of distillation attacks in "
                                 "model-API traffic; defines the x-distillguard-sharing extension.", **common))
        self._add(stix2.Identity(id=self.producer, name=producer, identity_class="organization", created=FIXED,
                                 modified=FIXED, **common))
        self._add(stix2.ExtensionDefinition(
            id=EXTENSION_ID, created_by_ref=TOOL_IDENTITY, created=FIXED, modified=FIXED,
            name="x-distillguard-sharing", version="1.0.0", extension_types=["property-extension"],
            schema=EXTENSION_SCHEMA, description="Keyed (HMAC-SHA256) indicator sets, Bloom filters and keyed "
            "MinHash template and behaviour sketches that partners holding the same key can match without the raw "
            "values.",
            **common))
        self.attack_pattern = sid("attack-pattern", "mitre-atlas", ATLAS["id"])
        self._add(stix2.AttackPattern(
            id=self.attack_pattern, created_by_ref=self.producer, created=FIXED, modified=FIXED, name=ATLAS["name"],
            description=f"MITRE ATLAS {ATLAS['id']} (sub-technique of {ATLAS['parent']}, Exfiltration via AI "
                        "Inference API): querying a model's API at scale to train a copy of it (distillation).",
            external_references=[{"source_name": "mitre-atlas", "external_id": ATLAS["id"], "url": ATLAS["url"]}],
            kill_chain_phases=[{"kill_chain_name": "mitre-atlas", "phase_name": "exfiltration"}], **common))

    def _add(self, obj: object) -> str:
        d = _dict(obj)
        self.objects[d["id"]] = d
        return d["id"]

    def _ext(self, payload: dict) -> dict:
        # STIX forbids empty lists and dicts: leave such properties out.
        kept = {k: v for k, v in payload.items() if v not in ([], {}, None)}
        return {EXTENSION_ID: {"extension_type": "property-extension", **kept}}

    def _keyed(self, kind: str, values: list[str]) -> dict:
        assert self.key is not None
        return keyed_set([hmac_value(self.key, kind, v) for v in values], self.settings.bloom_above,
                         self.settings.bloom_fp_rate)

    def _stable_key(self, c: CampaignMaterial) -> str:
        # Keyed, so the id reveals nothing about the anchor account; without a key, the detect id.
        return hmac_value(self.key, "campaign-anchor", c.anchor) if self.key else c.campaign_id

    def add_campaign(self, c: CampaignMaterial) -> dict[str, str]:
        """Add one campaign's objects; returns its ids by role (campaign, infrastructure)."""
        k = self._stable_key(c)
        created, modified = ts(c.first_seen), ts(max(c.last_seen, c.first_seen))
        when = {"created": created, "modified": modified, "created_by_ref": self.producer, **self.common}
        short = hashlib.sha256(k.encode()).hexdigest()[:8]
        ids = {"campaign": sid("campaign", k), "infrastructure": sid("infrastructure", k)}
        vals = {kind: [v.value for v in vs] for kind, vs in c.values.items()}
        cats = ", ".join(f"{name.replace('_', ' ')} {share:.0%}" for name, share in list(c.categories.items())[:4])
        camp_ext: dict = {"exchanges": c.exchanges, "accounts": len(c.accounts), "risk": round(c.risk, 4),
                          "categories": c.categories}
        raw_ext: dict = {}
        if self.key is not None:
            camp_ext["key_id"] = key_id(self.key)
            camp_ext["keyed"] = {kind: self._keyed(kind, vals[kind]) for kind in KEYED_ON_CAMPAIGN
                                 if vals.get(kind) and kind not in self.raw}
            sketches = []
            for t in c.templates:
                sig = template_sketch(self.key, t["skeleton"], self.settings.minhash_perm, self.settings.shingle_sizes)
                if sig is not None:
                    sketches.append({"minhash_b64": sketch_b64(sig), "exchanges": t["exchanges"],
                                     "accounts": t["accounts"]})
            beh = keyed_minhash(self.key, c.behaviour, self.settings.minhash_perm, b"beh")
            if beh is not None:
                camp_ext["behaviour_sketch"] = {"minhash_b64": sketch_b64(beh), "features": len(c.behaviour),
                                                "num_perm": self.settings.minhash_perm,
                                                "match_jaccard": self.settings.behaviour_match_jaccard}
            if sketches:
                camp_ext["template_sketches"] = {"num_perm": self.settings.minhash_perm,
                                                 "shingles": list(self.settings.shingle_sizes),
                                                 "match_jaccard": self.settings.template_match_jaccard,
                                                 "sketches": sketches}
        for kind in KEYED_ON_CAMPAIGN:
            if kind in self.raw and vals.get(kind):
                raw_ext[kind] = vals[kind]
        if "prompt" in self.raw and c.templates:
            raw_ext["prompt_templates"] = [t["skeleton"] for t in c.templates]
        if raw_ext:
            camp_ext["raw"] = raw_ext
        self._add(stix2.Campaign(
            id=ids["campaign"], name=f"distillation campaign {short}", first_seen=ts(c.first_seen),
            last_seen=ts(c.last_seen), objective="Harvest model outputs to train another model (distillation).",
            description=f"{len(c.accounts)} accounts sent {c.exchanges:,} exchanges ({cats or 'unclassified'}); "
                        f"campaign risk {c.risk:.2f}.",
            extensions=self._ext(camp_ext), allow_custom=True, **when))
        self._rel("uses", ids["campaign"], self.attack_pattern, when, k)

        # Infrastructure: the proxy pool (addresses, networks, client stack).
        asns = vals.get("asn", [])
        types = ["anonymization"] + (["botnet"] if c.asn_span >= self.settings.botnet_min_asns else [])
        infra_ext: dict = {"asns": [int(a) for a in asns]}
        if self.key is not None:
            infra_ext["key_id"] = key_id(self.key)
            infra_ext["keyed"] = {kind: self._keyed(kind, vals[kind]) for kind in KEYED_ON_INFRASTRUCTURE
                                  if vals.get(kind) and kind not in self.raw}
        raw_infra = {kind: vals[kind] for kind in KEYED_ON_INFRASTRUCTURE if kind in self.raw and vals.get(kind)}
        if raw_infra:
            infra_ext["raw"] = raw_infra
        n_ip = len(vals.get("ip", []))
        self._add(stix2.Infrastructure(
            id=ids["infrastructure"], name=f"proxy pool of distillation campaign {short}", infrastructure_types=types,
            first_seen=ts(c.first_seen), last_seen=ts(c.last_seen),
            description=f"{n_ip} source addresses in {len(vals.get('ip_prefix', []))} networks and "
                        f"{len(asns)} autonomous systems used only by this campaign's accounts; its traffic "
                        f"spans {c.asn_span} autonomous systems in all.",
            extensions=self._ext(infra_ext), allow_custom=True, **when))
        self._rel("uses", ids["campaign"], ids["infrastructure"], when, k)

        # Indicators: STIX patterns for what may leave raw.
        total = max(c.exchanges, 1)
        scos: list[object] = []
        for v in c.values.get("asn", []):
            if v.exchanges / total >= self.settings.asn_min_share:
                self._indicator(k, "asn", [v.value], ids, when, c, [v])
            scos.append(stix2.AutonomousSystem(number=int(v.value)))
        for kind in PATTERN_KINDS:
            if kind == "asn" or kind not in self.raw or not vals.get(kind):
                continue
            self._indicator(k, kind, vals[kind], ids, when, c, c.values[kind])
            if kind == "ip":
                scos.extend(stix2.IPv6Address(value=v) if ":" in v else stix2.IPv4Address(value=v) for v in vals[kind])
        od_refs = []
        if scos:
            for s in scos:
                self._add(s)
            od = sid("observed-data", k)
            self._add(stix2.ObservedData(id=od, first_observed=ts(c.first_seen), last_observed=ts(c.last_seen),
                                         number_observed=max(1, min(c.exchanges, 999_999_999)),
                                         object_refs=sorted({_dict(s)["id"] for s in scos}), **when))
            od_refs = [od]
        self._add(stix2.Sighting(
            id=sid("sighting", k), sighting_of_ref=ids["campaign"], first_seen=ts(c.first_seen),
            last_seen=ts(c.last_seen), count=max(1, min(c.exchanges, 999_999_999)),
            where_sighted_refs=[self.producer], observed_data_refs=od_refs or None,
            description=f"{c.exchanges:,} exchanges from {len(c.accounts)} accounts.", **when))
        return ids

    def _indicator(self, k: str, kind: str, values: list[str], ids: dict, when: dict, c: CampaignMaterial,
                   detail: list) -> None:
        pattern = pattern_for(kind, values)
        if pattern is None:
            return
        iid = sid("indicator", k, kind, *(values if kind == "asn" else ()))
        types = ["anonymization"] if kind in ("ip", "ip_prefix", "asn") else ["attribution"]
        self._add(stix2.Indicator(
            id=iid, name=f"{kind.replace('_', ' ')} of distillation campaign", pattern=pattern, pattern_type="stix",
            valid_from=ts(c.first_seen), indicator_types=types,
            description=f"{len(values)} value(s) seen in {sum(v.exchanges for v in detail):,} exchanges.", **when))
        target = ids["infrastructure"] if kind in ("ip", "ip_prefix", "asn", "user_agent") else ids["campaign"]
        self._rel("indicates", iid, target, when, k)

    def _rel(self, rtype: str, src: str, dst: str, when: dict, k: str) -> None:
        self._add(stix2.Relationship(id=sid("relationship", k, rtype, src, dst), relationship_type=rtype,
                                     source_ref=src, target_ref=dst, **when))

    def add_operator(self, group: list[tuple[CampaignMaterial, dict[str, str]]], reason: str) -> None:
        """An intrusion-set for campaigns run by one operator, each `attributed-to` it."""
        keys = sorted(self._stable_key(c) for c, _ in group)
        first = min(c.first_seen for c, _ in group)
        last = max(c.last_seen for c, _ in group)
        when = {"created": ts(first), "modified": ts(last), "created_by_ref": self.producer, **self.common}
        iset = sid("intrusion-set", keys[0])
        self._add(stix2.IntrusionSet(
            id=iset, name=f"distillation operator {hashlib.sha256(keys[0].encode()).hexdigest()[:8]}",
            first_seen=ts(first), last_seen=ts(last), goals=["train a model on another provider's outputs"],
            description=f"{len(group)} campaigns share {reason}.", **when))
        for c, ids in group:
            self._rel("attributed-to", ids["campaign"], iset, when, keys[0])

    def add_flagged(self, c: CampaignMaterial) -> str | None:
        """The lower-confidence tier: one `indicator` with the keyed values of accounts flagged alone.

        Marked apart from campaigns three ways: its label (`FLAGGED_LABEL`), its extension's
        `tier` ("flagged") and its `confidence` (median risk of those accounts, 0-100). It
        `indicates` the attack pattern, not a campaign: nothing ties these accounts to one
        operator. Returns its id, or None when nothing may leave (no key and no raw kind).
        """
        vals = {kind: [v.value for v in vs] for kind, vs in c.values.items()}
        ext: dict = {"tier": "flagged", "exchanges": c.exchanges, "accounts": len(c.accounts)}
        if self.key is not None:
            ext["key_id"] = key_id(self.key)
            ext["keyed"] = {kind: self._keyed(kind, vs) for kind, vs in sorted(vals.items()) if kind not in self.raw}
        raw = {kind: vs for kind, vs in sorted(vals.items()) if kind in self.raw}
        if raw:
            ext["raw"] = raw
        if not ext.get("keyed") and not raw:
            return None
        kinds = sorted(set(ext.get("keyed", {})) | set(raw))
        when = {"created": ts(c.first_seen), "modified": ts(max(c.last_seen, c.first_seen)),
                "created_by_ref": self.producer, **self.common}
        iid = sid("indicator", "flagged-accounts", key_id(self.key) if self.key else "raw")
        self._add(stix2.Indicator(
            id=iid, name="operator values of accounts flagged outside any campaign",
            description=f"{len(c.accounts)} accounts flagged alone (median risk {c.risk:.2f}) sent {c.exchanges:,} "
                        "exchanges; lower confidence than a campaign and no operator: a match is corroboration.",
            pattern=f"[x-distillguard-sharing keyed sets: {', '.join(kinds)}]", pattern_type=KEYED_PATTERN_TYPE,
            valid_from=ts(c.first_seen), indicator_types=["anomalous-activity"], labels=[FLAGGED_LABEL],
            confidence=max(0, min(100, round(100 * c.risk))), extensions=self._ext(ext), allow_custom=True, **when))
        self._rel("indicates", iid, self.attack_pattern, when, "flagged-accounts")
        return iid

    def bundle(self) -> dict:
        objects = [self.objects[k] for k in sorted(self.objects)]
        digest = hashlib.sha256("\n".join(f"{o['id']} {o.get('modified', '')}" for o in objects).encode()).hexdigest()
        return {"type": "bundle", "id": f"bundle--{uuid.uuid5(NAMESPACE, digest)}", "objects": objects}

