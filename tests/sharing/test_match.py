"""`import stix` + `match`: a partner's indicators found in one's own store, privately."""

from __future__ import annotations

import csv
import json
import math

import pytest

from distillguard.sharing.keyed import BloomFilter, hmac_value, jaccard, template_sketch
from distillguard.sharing.settings import SharingSettings
from tests.sharing.conftest import KEY, run_cli

STRONG = {"payment", "ip", "account"}


@pytest.fixture(scope="module")
def sightings(bundle, detected, key_file, tmp_path_factory):
    _, store = detected
    base = tmp_path_factory.mktemp("match")
    ind = base / "partner.json"
    proc = run_cli("import", "stix", str(bundle), "--out", str(ind))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("match", "--store", str(store), "--indicators", str(ind), "--share-key", str(key_file),
                   "--out", str(base / "m"), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader((base / "m" / "partner_sightings.csv").open()))
    return rows, json.loads(proc.stdout)


def test_match_finds_every_account_that_carries_the_indicators(sightings, detected):
    rows, summary = sightings
    results, _ = detected
    members = {a for c in json.loads((results / "campaigns.json").read_text()) for a in c["accounts"]}
    strong = {r["account_id"] for r in rows if r["kind"] in STRONG}
    assert members and members <= strong
    assert summary["accounts"] >= len(members)
    for r in rows:
        prefix = "campaign--" if r["tier"] == "campaign" else "indicator--"
        assert int(r["exchanges"]) > 0 and r["partner_campaign"].startswith(prefix) and r["tier"] in ("campaign",
                                                                                                     "flagged")
    # behaviour sketches: a campaign's own members look like it
    assert any(r["kind"] == "behaviour" and r["account_id"] in members for r in rows)


def test_match_with_another_key_is_refused(bundle, detected, tmp_path):
    _, store = detected
    other = tmp_path / "other.key"
    other.write_bytes(b"not-the-partners-key-0123456789")
    proc = run_cli("match", "--store", str(store), "--indicators", str(bundle), "--share-key", str(other),
                   "--out", str(tmp_path / "m"))
    assert proc.returncode == 2 and "keyed with key id" in proc.stderr


def test_import_rejects_what_is_not_a_bundle(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "report"}')
    proc = run_cli("import", "stix", str(bad), "--out", str(tmp_path / "x.json"))
    assert proc.returncode == 3 and proc.stderr.startswith("error: not a STIX 2.1 bundle")


def _paraphrase(text: str) -> str:
    """Change a few words and their order, as a harness rewritten by hand would."""
    words = text.split()
    swaps = {"You": "Act", "are": "as", "a": "one", "the": "this", "Report": "Describe", "then": "and then"}
    out = [swaps.get(w, w) for w in words]
    if len(out) > 6:
        out[2], out[3] = out[3], out[2]
    return " ".join(out)


def test_paraphrased_template_still_matches_via_sketch(detected, tmp_path):
    """A partner sketched a paraphrase of one of our templates: match finds exactly the accounts that send it."""
    from distillguard.engine import open_engine
    from distillguard.sharing.importing import PartnerCampaign, PartnerIndicators
    from distillguard.sharing.keyed import key_id, sketch_b64
    from distillguard.sharing.match import match_store
    from distillguard.templates import mine_templates

    _, store = detected
    s = SharingSettings()
    engine = open_engine(store)
    ex_tpl, templates = mine_templates(engine)
    n_accounts = len(set(ex_tpl["account_id"].to_pylist()))
    engine.close()
    # a wrapper sent by a few accounts (not one every customer sends) with enough words to paraphrase
    tpl = max((r for r in templates.to_pylist() if r["kind"] == "template" and len(r["skeleton"].split()) >= 15
               and 2 <= r["accounts"] <= s.template_generic_share * n_accounts), key=lambda r: r["exchanges"])
    senders = {a for a, t in zip(ex_tpl["account_id"].to_pylist(), ex_tpl["template_id"].to_pylist(), strict=True)
               if t == tpl["template_id"]}
    para = _paraphrase(tpl["skeleton"])
    assert para != tpl["skeleton"]
    a = template_sketch(KEY, tpl["skeleton"], s.minhash_perm, s.shingle_sizes)
    b = template_sketch(KEY, para, s.minhash_perm, s.shingle_sizes)
    assert s.template_match_jaccard <= jaccard(a, b) < 1.0
    ind = PartnerIndicators("partner", "bundle--x", [PartnerCampaign(
        "campaign--p", "p", key_id=key_id(KEY),
        sketches={"match_jaccard": s.template_match_jaccard, "sketches": [{"minhash_b64": sketch_b64(b)}]})])
    rows = match_store(store, ind, KEY)
    hit = {r["account_id"] for r in rows if r["kind"] == "template"}
    assert senders and senders <= hit


def test_sketch_of_unrelated_text_or_other_key_does_not_match():
    s = SharingSettings()
    text = "You are a strict grader. Grade responses on a {…} scale and explain each score in one line."
    a = template_sketch(KEY, text, s.minhash_perm, s.shingle_sizes)
    other = template_sketch(KEY, "Translate the following product review into French, keeping the tone {…}",
                            s.minhash_perm, s.shingle_sizes)
    wrong_key = template_sketch(b"someone-elses-key-0123456789", text, s.minhash_perm, s.shingle_sizes)
    assert jaccard(a, other) < s.template_match_jaccard
    assert jaccard(a, wrong_key) < 0.1  # without the key a sketch cannot be tested against a guess


def test_bloom_filter_has_no_false_negatives_and_about_its_stated_rate():
    members = [hmac_value(KEY, "ip", f"10.0.{i // 256}.{i % 256}") for i in range(3000)]
    bf = BloomFilter.from_dict(BloomFilter.build(members, 1e-3).to_dict())
    assert all(m in bf for m in members)
    probes = [hmac_value(KEY, "ip", f"172.16.{i // 256}.{i % 256}") for i in range(20000)]
    rate = sum(p in bf for p in probes) / len(probes)
    assert math.isclose(bf.fp_rate, 1e-3, rel_tol=0.5)
    assert rate < 5 * bf.fp_rate + 1e-3


def test_large_lists_travel_as_bloom_filters_and_still_match(detected, tmp_path):
    from distillguard.sharing.export import export_stix
    from distillguard.sharing.importing import load_indicators
    from distillguard.sharing.match import match_store

    results, store = detected
    s = SharingSettings(bloom_above=3)
    out = tmp_path / "bloom.json"
    export_stix(results, store, out, key=KEY, settings=s)
    doc = json.loads(out.read_text())
    blooms = [v for o in doc["objects"] for ext in (o.get("extensions") or {}).values() if isinstance(ext, dict)
              for v in (ext.get("keyed") or {}).values() if v["encoding"] == "bloom-hmac-sha256"]
    assert blooms and all(0 < b["false_positive_rate"] <= 1e-3 for b in blooms)
    rows = match_store(store, load_indicators(out), KEY)
    members = {a for c in json.loads((results / "campaigns.json").read_text()) for a in c["accounts"]}
    assert members <= {r["account_id"] for r in rows if r["kind"] in STRONG}


def test_flagged_tier_is_matched_and_marked(sightings, detected):
    """The partner's lower-confidence tier: its rows say tier "flagged", name its indicator, carry no operator,
    and find the exporter's own accounts judged alone (the store is the exporter's)."""
    rows, _ = sightings
    results, _ = detected
    import pyarrow.parquet as pq

    flagged = {r["account_id"] for r in csv.DictReader((results / "accounts.csv").open()) if r["flagged"] == "true"}
    flagged |= {r["account_id"] for r in pq.read_table(results / "decisions.parquet").to_pylist() if r["acts_alone"]}
    grouped = {a for c in json.loads((results / "campaigns.json").read_text()) for a in c["accounts"]}
    tier = [r for r in rows if r["tier"] == "flagged"]
    assert tier and all(r["partner_operator"] == "" and r["partner_campaign"].startswith("indicator--") for r in tier)
    assert {r["kind"] for r in tier} <= {"ip", "ip_prefix", "user_agent", "tls_fingerprint", "payment"}
    found = {r["account_id"] for r in tier}
    assert (flagged - grouped) <= found
