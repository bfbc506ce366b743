"""`distillguard detect` on a tiny simulated world follows the data contract."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# ../shared/contract beside the repository (as CI lays it out).
CHECKER = Path(__file__).resolve().parents[2].parent / "shared" / "contract" / "check_outputs.py"


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory) -> Path:
    from distillguard.simulate import simulate_world

    out = tmp_path_factory.mktemp("world")
    simulate_world(out, scale="tiny", seed=11)
    return out


def run_detect(world: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distillguard.cli.main", "detect", str(world / "exchanges"),
         "--accounts", str(world / "accounts.jsonl"), "--events", str(world / "events.jsonl"),
         "--out", str(out), "--quiet", *extra], capture_output=True, text=True)


@pytest.fixture(scope="module")
def detected(tiny_world, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    proc = run_detect(tiny_world, out)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr  # a normal run warns about nothing (numpy, sklearn, ...)
    return out


def test_outputs_follow_the_contract(tiny_world, detected, tmp_path):
    from contract_check import check

    assert check(detected, [tiny_world / "exchanges"], tmp_path / "scratch") == []
    # the check can fail: a row whose risk is out of range, and an account lost from the file
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "campaigns.json").write_text((detected / "campaigns.json").read_text())
    lines = (detected / "accounts.csv").read_text().splitlines()
    first = lines[1].split(",")
    first[1] = "1.5"
    (broken / "accounts.csv").write_text("\n".join([lines[0], ",".join(first), *lines[3:]]) + "\n")
    problems = check(broken, [tiny_world / "exchanges"], tmp_path / "scratch2")
    assert any("not a number in [0, 1]" in p for p in problems) and any("have no row" in p for p in problems)


def test_outputs_follow_the_open_contract_checker(tiny_world, detected):
    if not CHECKER.exists():
        pytest.skip(f"{CHECKER} not present: test_outputs_follow_the_contract runs the same checks")
    proc = subprocess.run([sys.executable, str(CHECKER), str(detected), "--exchanges", str(tiny_world / "exchanges")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "outputs follow the contract" in proc.stdout


def test_every_account_once_and_campaign_members_consistent(detected):
    rows = list(csv.DictReader((detected / "accounts.csv").open()))
    ids = [r["account_id"] for r in rows]
    assert len(ids) == len(set(ids))
    campaigns = json.loads((detected / "campaigns.json").read_text())
    by_id = {r["account_id"]: r for r in rows}
    for c in campaigns:
        assert c["summary"] and c["indicators"]
        assert sum(w["accounts"] for w in c["waves"]) == len(c["accounts"])  # every member in one wave
        assert [w["wave"] for w in c["waves"]] == list(range(1, len(c["waves"]) + 1))
        for a in c["accounts"]:
            assert by_id[a]["campaign_id"] == c["campaign_id"]
    members = [a for c in campaigns for a in c["accounts"]]
    assert len(members) == len(set(members))  # an account is in at most one campaign


def test_decisions_table_agrees_with_accounts_csv_and_names_how_each_campaign_formed(detected):
    import pyarrow.parquet as pq

    rows = {r["account_id"]: r for r in csv.DictReader((detected / "accounts.csv").open())}
    dec = pq.read_table(detected / "decisions.parquet").to_pylist()
    assert dec and {d["account_id"] for d in dec} <= set(rows)
    for d in dec:
        r = rows[d["account_id"]]
        assert abs(d["risk"] - float(r["risk"])) < 1e-3 and d["flagged"] == (r["flagged"] == "true")
        assert (d["campaign_id"] or "") == r["campaign_id"] and d["reasons"] == r["reasons"]
        assert (d["formed_by"] is None) == (d["campaign_id"] is None)
        assert d["risk"] >= min(d["own_risk"], 1.0) - 1e-3 or d["campaign_id"] is None
    coord = pq.read_table(detected / "coordination.parquet").to_pylist()
    formed = {d["campaign_id"] for d in dec if d["formed_by"] == "coordination"}
    assert {c["campaign_id"] for c in coord} == formed
    for c in coord:  # every row passed its floor (a lead cohort's is its lead share, not the lift: cohorts.py)
        assert c["holders"] >= 5 and c["log10_p"] < 0 and (c["lift"] >= 20 or c["facet"] == "leads")
    # groups set aside as organisations' seats: a review list, not a verdict
    from distillguard.outputs.tables import ORGANISATIONS

    orgs = pq.read_table(detected / "organisations.parquet")
    assert orgs.schema.equals(ORGANISATIONS, check_metadata=False)
    for o in orgs.to_pylist():
        assert o["set_aside_as"] in ("organisation", "crowd")
        if o["set_aside_as"] == "crowd":   # a crowd at one event: no one's organisation
            assert o["organisation"] == "" and o["accounts"] == len(o["account_ids"]) >= 5
        else:
            assert 2 <= o["org_seats"] <= o["accounts"] == len(o["account_ids"])


def test_rerun_gives_identical_outputs(tiny_world, detected, tmp_path):
    proc = run_detect(tiny_world, tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in ("accounts.csv", "campaigns.json", "decisions.parquet", "coordination.parquet", "organisations.parquet"):
        assert (tmp_path / name).read_bytes() == (detected / name).read_bytes()


def test_until_uses_only_earlier_traffic(tiny_world, detected, tmp_path):
    import duckdb

    until = "2026-03-02T12:00:00Z"
    proc = run_detect(tiny_world, tmp_path, "--until", until)
    assert proc.returncode == 0, proc.stderr
    first = dict(duckdb.sql(
        f"SELECT account_id, min(CAST(ts AS TIMESTAMPTZ)) FROM read_json_auto('{tiny_world}/exchanges/*') GROUP BY 1"
    ).fetchall())
    rows = {r["account_id"]: r for r in csv.DictReader((tmp_path / "accounts.csv").open())}
    full = {r["account_id"] for r in csv.DictReader((detected / "accounts.csv").open())}
    assert set(rows) == full  # every account is still listed
    cutoff = duckdb.sql(f"SELECT CAST('{until}' AS TIMESTAMPTZ)").fetchall()[0][0]
    later = [a for a, t in first.items() if t >= cutoff]
    assert later, "the tiny world should have accounts that start after the cutoff"
    assert all(float(rows[a]["risk"]) == 0 and rows[a]["flagged"] == "false" for a in later)


def test_bad_until_is_a_one_line_error(tiny_world, tmp_path):
    proc = run_detect(tiny_world, tmp_path, "--until", "soon")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: --until") and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0].count("--until") == 1  # said once, not "--until: --until ..."


def test_account_model_learns_from_early_cuts_and_detect_uses_it(tiny_world, tmp_path):
    """`train accounts` fits on the full history plus early cuts; detect loads what it wrote."""
    import pyarrow.parquet as pq

    from distillguard.pipeline import load_account_model, train_account_model

    model_path = tmp_path / "m.pkl"
    summary = train_account_model([tiny_world], model_path, cuts=(0.3, 0.6))
    labels = [json.loads(x) for x in (tiny_world / "labels.jsonl").read_text().splitlines() if x.strip()]
    assert summary["cuts"] == [0.3, 0.6]
    # the full history has every active account once; each cut adds those active by then (fewer)
    assert len(labels) < summary["accounts"] < 3 * len(labels)
    model = load_account_model(model_path)
    assert model["trained_on"]["cuts"] == [0.3, 0.6]
    out = tmp_path / "out"
    proc = run_detect(tiny_world, out, "--account-model", str(model_path))
    assert proc.returncode == 0, proc.stderr
    scores = pq.read_table(out / "account_scores.parquet")
    sup = scores.column("risk_supervised").to_numpy(zero_copy_only=False)
    assert scores.num_rows > 0 and ((sup >= 0) & (sup <= 1)).all()


def test_engine_never_draws_duckdb_progress_bars(tmp_path):
    """DuckDB draws its bar on stdout after 2 s of a query; that broke `detect --json` at scale."""
    from distillguard.engine import open_engine

    got = open_engine(tmp_path).sql("SELECT current_setting('enable_progress_bar') AS v").column(0)[0].as_py()
    assert got is False


def test_json_summary_reports_seconds_and_memory_per_stage(tiny_world, tmp_path):
    # with the experimental coordination stage switched on (it is off by default), so every stage shows
    on = Path(__file__).resolve().parents[2] / "benchmarks" / "settings" / "coordination.toml"
    proc = run_detect(tiny_world, tmp_path, "--json", "--config", str(on))
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    stages = ["ingest", "classify", "templates", "fingerprints", "account_risk", "linking", "decide", "coordination",
              "operators", "write"]
    assert list(summary["seconds"]) == stages == list(summary["peak_rss_mb"])
    peaks = list(summary["peak_rss_mb"].values())
    assert peaks == sorted(peaks) and peaks[0] > 10  # a high-water mark, in MB


def test_classifier_reads_a_stable_sample_of_busy_accounts(tiny_world, tmp_path):
    """With a per-account cap, light accounts are read whole and busy ones down to about the cap."""
    from distillguard.engine import open_engine
    from distillguard.ingest import ingest_paths
    from distillguard.pipeline import _classifier_query

    ingest_paths([tiny_world / "exchanges"], tmp_path / "store", workers=1)
    engine = open_engine(tmp_path / "store")
    rows = engine.sql("SELECT account_id, count(*) AS n FROM exchanges GROUP BY 1").to_pylist()
    counts = {r["account_id"]: r["n"] for r in rows}
    cap = sorted(counts.values())[len(counts) * 9 // 10]  # a tenth of the accounts are above it

    def sample() -> dict[str, list[str]]:
        rows = engine.sql(f"SELECT e.account_id, s.exchange_id FROM ({_classifier_query(engine, cap)}) s "
                          "JOIN exchanges e USING (exchange_id)").to_pylist()
        out: dict[str, list[str]] = {}
        for r in rows:
            out.setdefault(r["account_id"], []).append(r["exchange_id"])
        return {a: sorted(v) for a, v in out.items()}

    first, again = sample(), sample()
    assert first == again  # deterministic
    light = [a for a, n in counts.items() if n <= cap]
    busy = [a for a, n in counts.items() if n > cap]
    assert busy and all(len(first[a]) == counts[a] for a in light)
    kept = sum(len(first.get(a, [])) for a in busy)
    assert kept < sum(counts[a] for a in busy)
    assert abs(kept - cap * len(busy)) < 4 * (cap * len(busy)) ** 0.5 + 1  # about `cap` each, binomially
    everything = engine.sql(f"SELECT count(*) AS n FROM ({_classifier_query(engine, None)})").column(0)[0].as_py()
    assert everything == sum(counts.values())


def test_detect_cli_sample_option_keeps_the_policy_default_unless_given():
    """--classify-per-account: absent keeps the policy's default (which the help names), 0 reads all."""
    from typer.testing import CliRunner

    from distillguard.cli.detect import _sample
    from distillguard.cli.main import app
    from distillguard.decisions import Policy
    from distillguard.decisions.policy import CLASSIFY_PER_ACCOUNT

    assert Policy(**_sample(None)).classify_per_account == CLASSIFY_PER_ACCOUNT
    assert Policy(**_sample(0)).classify_per_account is None
    assert Policy(**_sample(64)).classify_per_account == 64
    help_text = " ".join(CliRunner().invoke(app, ["detect", "--help"], env={"COLUMNS": "200"}).output.split())
    assert f"default: the policy's, {CLASSIFY_PER_ACCOUNT})" in help_text


@pytest.mark.parametrize("leads, supervised, called", [(True, True, True), (False, True, False), (True, False, False)])
def test_lead_cohorts_run_only_when_switched_on_and_the_account_model_scored(tiny_world, tmp_path, monkeypatch,
                                                                            leads, supervised, called):
    from dataclasses import replace

    import distillguard.linking.run as linking_run
    from distillguard.decisions import Policy
    from distillguard.pipeline import analyse_store
    from distillguard.settings import load_settings

    store = tmp_path / "store"
    assert run_detect(tiny_world, tmp_path / "first", "--store", str(store)).returncode == 0
    seen = []
    real = linking_run.lead_cohorts

    def spy(facets, own_risk, *args, **kwargs):
        seen.append(len(own_risk))
        return real(facets, own_risk, *args, **kwargs)

    monkeypatch.setattr(linking_run, "lead_cohorts", spy)
    s = load_settings()
    s = replace(s, coordination=replace(s.coordination, leads=leads))
    analyse_store(store, tmp_path / "out", policy=Policy.from_settings(s, use_account_model=supervised))
    rows = list(csv.DictReader((tmp_path / "out" / "accounts.csv").open()))
    assert bool(seen) == called
    if called:  # one own risk per judged account
        import pyarrow.parquet as pq

        assert seen == [pq.read_table(tmp_path / "out" / "decisions.parquet").num_rows] and rows


def test_regrouping_campaigns_into_operators_moves_no_verdict(tiny_world, detected, tmp_path):
    # the operators stage (linking/operators.py) only changes which accounts are one campaign
    off = Path(__file__).resolve().parents[2] / "benchmarks" / "settings" / "no-operators.toml"
    proc = run_detect(tiny_world, tmp_path, "--config", str(off))
    assert proc.returncode == 0, proc.stderr

    def verdicts(folder: Path) -> dict[str, tuple[str, str]]:
        with (folder / "accounts.csv").open() as fh:
            return {r["account_id"]: (r["risk"], r["flagged"]) for r in csv.DictReader(fh)}

    assert verdicts(tmp_path) == verdicts(detected)


def with_sleepers(world: Path, campaigns: list[dict], dest: Path) -> tuple[list[str], dict]:
    """A copy of `world` at `dest` whose accounts file also registers six unused accounts on the card and
    sign-up day of a campaign of `campaigns` that pays with one card (and two decoys: that day on another
    card, that card on another day); the sleepers' ids and the campaign."""
    import collections
    import shutil

    records = [json.loads(line) for line in (world / "accounts.jsonl").read_text().splitlines() if line.strip()]
    by_id = {r["account_id"]: r for r in records}
    chosen = None
    for c in campaigns:
        card, k = collections.Counter(by_id[a]["payment_fingerprint"] for a in c["accounts"]).most_common(1)[0]
        if k >= 3 and 2 * k >= len(c["accounts"]):
            chosen = c, card
            break
    assert chosen, "the tiny world has a campaign paying with one card"
    c, card = chosen
    day = collections.Counter(by_id[a]["created_at"][:10] for a in c["accounts"]
                              if by_id[a]["payment_fingerprint"] == card).most_common(1)[0][0]
    model = next(by_id[a] for a in c["accounts"] if by_id[a]["payment_fingerprint"] == card
                 and by_id[a]["created_at"][:10] == day)
    sleepers = [{**model, "account_id": f"acct_sleeper_{i}"} for i in range(6)]
    decoys = [{**model, "account_id": "acct_decoy_day", "payment_fingerprint": "pm_decoy_only_the_day"},
              {**model, "account_id": "acct_decoy_card", "created_at": "2019-01-01T00:00:00Z"}]
    shutil.copytree(world, dest)
    (dest / "accounts.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records + sleepers + decoys))
    return sorted(s["account_id"] for s in sleepers), c


def test_unused_accounts_made_with_a_campaign_are_listed_as_its_dormant_accounts(tiny_world, detected, tmp_path):
    # DG-LNK-0005: registered accounts that sent nothing, on a campaign's card and sign-up day, are listed
    # with it in campaigns.json and get no row in accounts.csv; one value of the two lists no one
    world = tmp_path / "world"
    sleepers, c = with_sleepers(tiny_world, json.loads((detected / "campaigns.json").read_text()), world)
    out = tmp_path / "out"
    proc = run_detect(world, out)
    assert proc.returncode == 0, proc.stderr
    campaigns = json.loads((out / "campaigns.json").read_text())
    holder = max(campaigns, key=lambda d: len(set(d["accounts"]) & set(c["accounts"])))
    assert holder.get("dormant_accounts") == sleepers
    assert "registered account(s) that have sent nothing" in holder["summary"]
    listed = {a for d in campaigns for a in d.get("dormant_accounts", [])}
    assert not listed & {"acct_decoy_day", "acct_decoy_card"}
    with (out / "accounts.csv").open() as fh:
        assert not listed & {r["account_id"] for r in csv.DictReader(fh)}
    from contract_check import check

    assert check(out, [world / "exchanges"], tmp_path / "scratch") == []


@pytest.mark.parametrize("mode", ["WITH_BLIND", "AGREE"])
def test_model_recipe_with_blind_worlds_needs_a_corpus(tmp_path, mode):
    """scripts/train_account_model.sh WITH_BLIND=1 or AGREE=1: the blind generators draw their text from the corpus."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "train_account_model.sh"
    env = {**os.environ, mode: "1"}
    for args in ([str(tmp_path / "w")], [str(tmp_path / "w"), str(tmp_path / "no-such-corpus")]):
        proc = subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=60, env=env)
        assert proc.returncode == 2
        assert proc.stderr.startswith(f"error: {mode}=1 needs CORPUS") and len(proc.stderr.splitlines()) == 1
        assert not (tmp_path / "w").exists()   # nothing written before the check
