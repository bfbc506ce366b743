"""`export stix`: valid STIX 2.1, nothing raw unless asked, deterministic ids, TLP on every object."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.sharing.conftest import run_cli


class _Result:
    """stix2-validator's verdict on a file, with its errors as strings for the assertion message."""

    def __init__(self, path: Path) -> None:
        from stix2validator import ValidationOptions, validate_file

        # enforce_refs: every id an object points to is in the bundle (identities, markings, SCOs)
        res = validate_file(str(path), ValidationOptions(enforce_refs=True))
        self.is_valid = res.is_valid
        self.errors = [f"{o.object_id}: {e}" for o in res.object_results for e in o.errors]


def _validate(path: Path) -> _Result:
    return _Result(path)


def _world_raw(world: Path) -> dict[str, set[str]]:
    """The world's raw values, read from its contract files (not through distillguard)."""
    raw: dict[str, set[str]] = {"ip": set(), "account": set(), "payment": set(), "email": set(), "prompt": set()}
    for line in (world / "accounts.jsonl").read_text().splitlines():
        a = json.loads(line)
        raw["account"].add(a["account_id"])
        if a.get("payment_fingerprint"):
            raw["payment"].add(a["payment_fingerprint"])
        if a.get("email_domain"):
            raw["email"].add(a["email_domain"])
    for f in sorted((world / "exchanges").rglob("*")):
        if not f.is_file():
            continue
        data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
        for line in data.decode().splitlines():
            r = json.loads(line)
            raw["account"].add(r["account_id"])
            if (r.get("client") or {}).get("ip"):
                raw["ip"].add(r["client"]["ip"])
            msgs = r["request"].get("messages") or []
            for m in msgs:
                c = m.get("content")
                if isinstance(c, str) and len(c) >= 24:
                    raw["prompt"].add(c)
    assert all(raw.values()), {k: len(v) for k, v in raw.items()}
    return raw


def _leaks(text: str, raw: dict[str, set[str]]) -> dict[str, list[str]]:
    found = {}
    for kind, values in raw.items():
        hit = [v for v in values if (f'"{v}"' in text or f"'{v}'" in text or v in text and kind != "email")]
        if kind == "email":
            hit = [v for v in values if f'"{v}"' in text or f"@{v}" in text or f"'{v}'" in text]
        if hit:
            found[kind] = hit[:3]
    return found


def test_default_bundle_is_valid_stix(bundle):
    result = _validate(bundle)
    assert result.is_valid, result.errors
    doc = json.loads(bundle.read_text())
    types = {o["type"] for o in doc["objects"]}
    assert {"campaign", "infrastructure", "attack-pattern", "identity", "marking-definition", "extension-definition",
            "relationship", "sighting"} <= types


def test_default_bundle_leaks_nothing_raw(bundle, world):
    raw = _world_raw(world)
    assert _leaks(bundle.read_text(), raw) == {}


def test_include_raw_puts_named_kinds_in_and_stays_valid(detected, key_file, world, tmp_path):
    results, store = detected
    out = tmp_path / "raw.json"
    proc = run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out", str(out),
                   "--share-key", str(key_file), "--include-raw", "ip,payment,account")
    assert proc.returncode == 0, proc.stderr
    result = _validate(out)
    assert result.is_valid, result.errors
    leaks = _leaks(out.read_text(), _world_raw(world))
    assert {"ip", "payment", "account"} <= set(leaks)  # the positive control of the test above
    assert "prompt" not in leaks and "email" not in leaks
    patterns = [o["pattern"] for o in json.loads(out.read_text())["objects"] if o["type"] == "indicator"]
    assert any("ipv4-addr:value = '" in p for p in patterns)


def test_reexport_gives_identical_ids_and_bytes(bundle, detected, key_file, tmp_path):
    results, store = detected
    again = tmp_path / "again.json"
    assert run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out", str(again),
                   "--share-key", str(key_file)).returncode == 0
    assert again.read_bytes() == bundle.read_bytes()


def test_later_results_update_objects_instead_of_adding(bundle, detected, key_file, tmp_path):
    """The same campaign seen later keeps its ids; its `modified` moves on."""
    results, store = detected
    later = tmp_path / "results"
    later.mkdir()
    for f in results.iterdir():
        (later / f.name).write_bytes(f.read_bytes())
    camps = json.loads((results / "campaigns.json").read_text())
    for c in camps:
        c["last_seen"] = "2026-03-09T00:00:00Z"
        c["exchanges"] += 100
    (later / "campaigns.json").write_text(json.dumps(camps))
    out = tmp_path / "later.json"
    assert run_cli("export", "stix", "--results", str(later), "--store", str(store), "--out", str(out),
                   "--share-key", str(key_file)).returncode == 0
    old = {o["id"]: o for o in json.loads(bundle.read_text())["objects"]}
    new = {o["id"]: o for o in json.loads(out.read_text())["objects"]}
    assert set(new) == set(old)
    camp_ids = [i for i in new if i.startswith("campaign--")]
    assert camp_ids and all(new[i]["modified"] > old[i]["modified"] for i in camp_ids)


def test_every_object_carries_the_tlp_marking(bundle):
    doc = json.loads(bundle.read_text())
    amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    for o in doc["objects"]:
        if o["type"] in ("marking-definition",) or o["type"] in ("autonomous-system", "ipv4-addr", "ipv6-addr"):
            continue
        assert amber in o.get("object_marking_refs", []), o["id"]


def test_attack_pattern_is_atlas_extract_model(bundle):
    ap = [o for o in json.loads(bundle.read_text())["objects"] if o["type"] == "attack-pattern"]
    assert len(ap) == 1
    refs = ap[0]["external_references"]
    assert refs[0]["source_name"] == "mitre-atlas" and refs[0]["external_id"] == "AML.T0024.002"


def test_keyed_values_need_the_key(bundle, detected):
    """A digest in the bundle equals the HMAC of a real member value under the key, and of nothing without it."""
    import hashlib

    from distillguard.sharing.keyed import hmac_value
    from tests.sharing.conftest import KEY

    results, _ = detected
    member = json.loads((results / "campaigns.json").read_text())[0]["accounts"][0]
    text = bundle.read_text()
    assert hmac_value(KEY, "account", member) in text
    assert hashlib.sha256(member.encode()).hexdigest() not in text
    assert hmac_value(b"another-key-of-sixteen-bytes", "account", member) not in text


@pytest.mark.parametrize("args,code,needle", [
    (["--include-raw", "addresses"], 2, "--include-raw"),
    (["--tlp", "purple"], 2, "--tlp"),
])
def test_bad_options_give_one_line_and_exit_2(detected, tmp_path, args, code, needle):
    results, store = detected
    proc = run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out",
                   str(tmp_path / "b.json"), *args)
    assert proc.returncode == code
    assert proc.stderr.startswith("error:") and needle in proc.stderr and "Traceback" not in proc.stderr


def test_short_key_and_missing_results_are_clear_errors(detected, tmp_path):
    results, store = detected
    short = tmp_path / "short.key"
    short.write_text("tiny")
    proc = run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out",
                   str(tmp_path / "b.json"), "--share-key", str(short))
    assert proc.returncode == 2 and "share key" in proc.stderr
    proc = run_cli("export", "stix", "--results", str(tmp_path / "nothing"), "--store", str(store), "--out",
                   str(tmp_path / "b.json"))
    assert proc.returncode == 3 and "campaigns.json not found" in proc.stderr


def test_every_raw_kind_gives_valid_patterns(detected, key_file, tmp_path):
    from distillguard.sharing.export import RAW_KINDS

    results, store = detected
    out = tmp_path / "all.json"
    proc = run_cli("export", "stix", "--results", str(results), "--store", str(store), "--out", str(out),
                   "--share-key", str(key_file), "--include-raw", ",".join(RAW_KINDS), "--tlp", "green")
    assert proc.returncode == 0, proc.stderr
    result = _validate(out)
    assert result.is_valid, result.errors
    doc = json.loads(out.read_text())
    patterns = " ".join(o["pattern"] for o in doc["objects"] if o["type"] == "indicator")
    for needle in ("ISSUBSET", "User-Agent", "email-addr:value LIKE", "user-account:user_id"):
        assert needle in patterns
    camp = next(o for o in doc["objects"] if o["type"] == "campaign")
    ext = next(iter(camp["extensions"].values()))
    assert "prompt_templates" in ext["raw"] and "payment" in ext["raw"]
    assert "keyed" not in ext or not set(ext["keyed"]) & {"payment", "account"}  # raw kinds are not also keyed


def _flagged_tier(doc: dict) -> list[dict]:
    from distillguard.sharing.stix import FLAGGED_LABEL

    return [o for o in doc["objects"] if o["type"] == "indicator" and FLAGGED_LABEL in o.get("labels", [])]


def test_lone_flagged_accounts_travel_as_a_separate_lower_confidence_tier(bundle, detected):
    """Accounts flagged outside every campaign: their operator values, keyed, in one marked indicator."""
    import csv

    from distillguard.sharing.keyed import hmac_value
    from distillguard.sharing.observe import observed_tokens
    from distillguard.sharing.settings import SharingSettings
    from distillguard.sharing.stix import EXTENSION_ID, KEYED_PATTERN_TYPE
    from tests.sharing.conftest import KEY

    import pyarrow.parquet as pq

    results, store = detected
    rows = list(csv.DictReader((results / "accounts.csv").open()))
    grouped = {a for c in json.loads((results / "campaigns.json").read_text()) for a in c["accounts"]}
    # judged on their own: held just below the flag because they act alone (or flagged, with flag_lone)
    alone = {r["account_id"]: r["own_risk"] for r in pq.read_table(results / "decisions.parquet").to_pylist()
             if r["acts_alone"]}
    risk = {r["account_id"]: float(r["risk"]) for r in rows if r["flagged"] == "true"} | alone
    lone = {a for a in risk if a not in grouped}
    assert alone and lone == set(alone), "the tiny world should have accounts that act alone, none flagged"
    doc = json.loads(bundle.read_text())
    tier = _flagged_tier(doc)
    assert len(tier) == 1
    ind = tier[0]
    ext = ind["extensions"][EXTENSION_ID]
    assert ext["tier"] == "flagged" and ext["accounts"] == len(lone) and ind["pattern_type"] == KEYED_PATTERN_TYPE
    risks = sorted(risk[a] for a in lone)
    assert ind["confidence"] == round(100 * risks[len(risks) // 2])
    assert set(ext["keyed"]) <= {"ip", "ip_prefix", "user_agent", "tls_fingerprint", "payment"}
    assert "account" not in ext["keyed"] and "template_sketches" not in ext   # no account ids, no text
    # Its payment digests are exactly the lone accounts' own cards that no unflagged account uses.
    tok = observed_tokens(store).to_pylist()
    flagged = set(risk)
    users: dict[str, set[str]] = {}
    for t in tok:
        if t["kind"] == "payment":
            users.setdefault(t["value"], set()).add(t["account_id"])
    purity = SharingSettings().min_purity
    want = {hmac_value(KEY, "payment", v) for v, us in users.items()
            if us & lone and len(us & flagged) >= purity * len(us)}
    got = set(ext["keyed"].get("payment", {}).get("values", []))
    assert want and got == want
    # It indicates the attack pattern, never a campaign or an operator.
    rels = [o for o in doc["objects"] if o["type"] == "relationship" and o["source_ref"] == ind["id"]]
    assert [r["target_ref"].split("--")[0] for r in rels] == ["attack-pattern"]


def test_flagged_tier_can_be_switched_off(detected, tmp_path):
    from distillguard.sharing.export import export_stix
    from distillguard.sharing.settings import SharingSettings
    from tests.sharing.conftest import KEY

    results, store = detected
    on = export_stix(results, store, tmp_path / "on.json", key=KEY)
    off = export_stix(results, store, tmp_path / "off.json", key=KEY, settings=SharingSettings(export_flagged=False))
    assert on.flagged_accounts > 0 and off.flagged_accounts == 0
    assert _flagged_tier(json.loads((tmp_path / "off.json").read_text())) == []
    assert off.objects == on.objects - 2   # the indicator and its relationship
    # Without a key and without raw kinds nothing of the tier may leave.
    bare = export_stix(results, store, tmp_path / "bare.json", key=None)
    assert bare.flagged_accounts == 0 and _flagged_tier(json.loads((tmp_path / "bare.json").read_text())) == []


def test_campaigns_detect_split_off_one_address_pool_are_not_one_operator():
    from datetime import datetime, timezone

    from distillguard.sharing.export import operators
    from distillguard.sharing.material import CampaignMaterial, Value
    from distillguard.sharing.settings import SharingSettings

    t = datetime(2026, 3, 2, tzinfo=timezone.utc)

    def camp(cid: str, ips: list[str], cards: list[str], split_from: set[str]) -> CampaignMaterial:
        vals = {"ip": [Value(v, 10, 3, t, t) for v in ips], "payment": [Value(v, 10, 3, t, t) for v in cards]}
        return CampaignMaterial(cid, [f"{cid}-a"], 10, t, t, 0.9, {}, f"{cid}-a", vals, [], set(), 0, split_from)

    pool = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    a, b = camp("c-a", pool, ["card-a"], {"c-b"}), camp("c-b", pool, ["card-b"], {"c-a"})
    assert operators([a, b], None, SharingSettings()) == []
    # without detect's judgement the shared pool makes them one operator ...
    a.shares_network_with, b.shares_network_with = set(), set()
    assert operators([a, b], None, SharingSettings()) == [([0, 1], "source addresses")]
    # ... and a shared card makes them one whatever the addresses
    a.shares_network_with, b.shares_network_with = {"c-b"}, {"c-a"}
    b.values["payment"].append(Value("card-a", 5, 1, t, t))
    assert operators([a, b], None, SharingSettings()) == [([0, 1], "payment instruments")]
