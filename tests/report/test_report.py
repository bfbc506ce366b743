"""The static HTML report: pages, self-containment, escaping, missing inputs, CLI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from report_world import BURST, EVIL_UA, GRADER, HYDRA, LONER, SCRIPT_PROMPT
from typer.testing import CliRunner

from distillguard.cli.main import app
from distillguard.errors import InputError
from distillguard.outputs.report import build_report, safe_name
from distillguard.outputs.report import plots
from distillguard.outputs.report.report import fingerprint_rows, _features

ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _pages(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.html")}


def test_report_has_every_page(built_report: Path) -> None:
    names = set(_pages(built_report))
    assert {"index.html", "campaign-c-hydra.html", "campaign-c-grader.html"} <= names
    # one page per flagged account: hydra, grader and the loner
    assert {f"account-{a}.html" for a in HYDRA + GRADER + BURST + [LONER]} <= names
    assert "account-user-000.html" not in names  # not flagged
    assert (built_report / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert (built_report / "assets" / "report.css").exists()


def test_report_is_self_contained(built_report: Path) -> None:
    for name, html in _pages(built_report).items():
        for tag, attr, value in re.findall(r"<(script|link|img|iframe)\b[^>]*?\b(src|href)\s*=\s*[\"']?([^\"' >]+)",
                                           html, flags=re.I):
            assert not re.match(r"(https?:)?//", value, re.I), f"{name}: <{tag} {attr}={value}> needs the network"
        srcs = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
        assert srcs == ["assets/plotly.min.js"], f"{name}: plotly.js must be loaded exactly once, locally ({srcs})"
        assert "cdn.plot.ly" not in html


def test_prompt_text_is_escaped(built_report: Path) -> None:
    pages = _pages(built_report)
    for name, html in pages.items():
        assert "<script>alert(1)" not in html, name
        assert "<img src=x" not in html, name
        assert "<b>bold</b>" not in html, name
    assert ESCAPED_SCRIPT in pages["campaign-c-hydra.html"]  # the example prompt of the hydra template
    assert ESCAPED_SCRIPT in pages["account-hydra-00.html"]  # its first exchange
    assert "&lt;img src=x onerror=" in pages["campaign-c-grader.html"]  # the user agent, in the infrastructure
    # and in a <pre>, verbatim once unescaped
    import html as htmllib

    pres = re.findall(r"<pre class=\"prompt\">(.*?)</pre>", pages["campaign-c-hydra.html"], flags=re.S)
    assert SCRIPT_PROMPT in [htmllib.unescape(p) for p in pres]


def test_overview_lists_campaigns_with_totals(built_report: Path) -> None:
    html = (built_report / "index.html").read_text()
    assert 'href="campaign-c-hydra.html"' in html and 'href="campaign-c-grader.html"' in html
    assert html.index("campaign-c-hydra.html") < html.index("campaign-c-grader.html")  # by risk
    assert "share of all traffic" in html
    assert 'id="fig-share"' in html and 'id="fig-traffic"' in html
    assert 'href="account-user-003.html"' in html  # a flagged account outside any campaign


def test_campaign_page_sections(built_report: Path) -> None:
    html = (built_report / "campaign-c-hydra.html").read_text()
    for fig in ("fig-timeline", "fig-graph", "fig-categories", "fig-evidence", "fig-signups"):
        assert f'id="{fig}"' in html, fig
    assert "release: model-c" in html  # the vertical line at the release
    assert "Release pivot" in html
    for kind in ("payment", "template", "lockstep", "ip_prefix"):  # graph legend, one entry per kind
        assert f'"name":"{kind} (' in html, kind
    assert "198.51.100.0/24" in html and "pf-hydra-shared" in html and "mailbox-hydra.example" in html
    assert "python-requests/2.31" in html and "64512" in html
    assert "research_program" in html and "education" in html
    assert "shares payment instrument with 9 accounts" in html
    assert "tpl-reason" in html


def test_account_page_fingerprint(built_report: Path) -> None:
    html = (built_report / "account-hydra-03.html").read_text()
    assert 'id="fig-fingerprint"' in html and 'id="features"' in html
    table = html[html.index('id="features"'):]
    assert "hour_entropy" in table and "distinct_ips" in table and "logprobs_requested" in table
    assert "top_template_id" not in table and "hour_profile" not in table  # not numeric: not features
    assert 'href="campaign-c-hydra.html"' in html


def test_percentiles_against_population(report_world: dict[str, Path]) -> None:
    import pyarrow.parquet as pq

    feats = _features(pq.read_table(report_world["results"] / "fingerprints.parquet"))
    rows = {r["name"]: r for r in fingerprint_rows(feats, "hydra-00")}
    assert rows["temperature_zero_share"]["percentile"] == pytest.approx(50.0)  # everyone alike
    assert rows["exchanges"]["percentile"] > 75  # 30 exchanges vs. 8..20 for ordinary users
    assert fingerprint_rows(feats, "nobody") == []


def test_missing_optional_inputs(report_world: dict[str, Path], tmp_path: Path) -> None:
    res = tmp_path / "res"
    res.mkdir()
    shutil.copy(report_world["results"] / "accounts.csv", res)
    shutil.copy(report_world["results"] / "campaigns.json", res)
    (res / "fingerprints.parquet").write_bytes(b"not parquet")
    r = build_report(res, None, tmp_path / "out")
    assert r.campaign_pages == 3 and r.account_pages == 19
    idx = (tmp_path / "out" / "index.html").read_text()
    assert "campaign_edges.parquet not available" in idx and "fingerprints.parquet could not be read" in idx
    assert "store is not available" in idx
    camp = (tmp_path / "out" / "campaign-c-hydra.html").read_text()
    assert "Timeline not available" in camp and "campaign_templates.parquet not available" in camp
    assert 'id="fig-graph"' in camp  # accounts still drawn, without links
    acc = (tmp_path / "out" / "account-hydra-00.html").read_text()
    assert "fingerprints.parquet not available" in acc


def test_only_accounts_csv_and_no_campaigns(report_world: dict[str, Path], tmp_path: Path) -> None:
    res = tmp_path / "res"
    res.mkdir()
    shutil.copy(report_world["results"] / "accounts.csv", res)
    r = build_report(res, report_world["store"], tmp_path / "out")
    assert r.campaign_pages == 0
    assert "No campaigns found" in (tmp_path / "out" / "index.html").read_text()
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        build_report(tmp_path / "empty", None, tmp_path / "out2")


def test_account_pages_are_capped(report_world: dict[str, Path], tmp_path: Path) -> None:
    r = build_report(report_world["results"], report_world["store"], tmp_path / "out", max_account_pages=3)
    assert r.account_pages == 3 and r.account_pages_skipped == 16
    assert len(list((tmp_path / "out").glob("account-*.html"))) == 3
    assert "pages were written for the 3 with the highest risk only" in (tmp_path / "out" / "index.html").read_text()


def test_safe_names() -> None:
    taken: set[str] = set()
    a = safe_name("account", "../../etc/passwd", taken)
    b = safe_name("account", "..__etc_passwd", taken)
    assert "/" not in a and a.startswith("account-") and a.endswith(".html") and a != b
    assert safe_name("campaign", "c-0001") == "campaign-c-0001.html"
    assert re.fullmatch(r"[A-Za-z0-9._-]+", safe_name("account", "<script>é 名前"))


def test_big_graph_samples_edges_deterministically() -> None:
    import random

    rng = random.Random(0)
    nodes = [f"a{i}" for i in range(500)]
    edges = [{"account_a": rng.choice(nodes), "account_b": rng.choice(nodes), "kind": rng.choice(["ip", "payment"]),
              "weight": rng.random()} for _ in range(8000)]
    fig1, note1 = plots.account_graph(nodes, edges, {})
    fig2, _ = plots.account_graph(nodes, edges, {})
    assert note1 and "sample" in note1
    drawn = sum((len(t.x) // 3) for t in fig1.data if t.mode == "lines")
    assert drawn <= plots.GRAPH_MAX_EDGES
    assert fig1.to_json() == fig2.to_json()  # seeded layout
    small, note = plots.account_graph(nodes[:20], edges, {})
    assert note is None and small is not None


def test_plot_text_is_plain() -> None:
    assert plots.plain("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_cli_report(report_world: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "cli-report"
    r = CliRunner().invoke(app, ["report", "--results", str(report_world["results"]), "--store",
                                 str(report_world["store"]), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert str((out / "index.html").resolve()) in r.stdout
    assert (out / "campaign-c-hydra.html").exists()


def test_cli_report_errors_are_one_line(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "report", "--results", str(tmp_path / "nope"),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert p.returncode == 3
    assert p.stderr.startswith("error: --results") and "Traceback" not in p.stderr
    p = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "report", "--results", str(tmp_path),
                        "--store", str(tmp_path / "nostore"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert p.returncode == 3 and p.stderr.startswith("error: --store")


def test_campaigns_json_is_read_generically(report_world: dict[str, Path], tmp_path: Path) -> None:
    """Unknown fields and kinds, missing optional fields: still a page."""
    res = tmp_path / "res"
    shutil.copytree(report_world["results"], res)
    doc = json.loads((res / "campaigns.json").read_text())
    doc.append({"campaign_id": "c/../weird id", "accounts": ["user-001"], "exchanges": 3, "risk": 0.5,
                "indicators": [{"kind": "brand_new_kind", "value": "<i>x</i>"}], "new_field": {"a": 1}})
    (res / "campaigns.json").write_text(json.dumps(doc))
    build_report(res, report_world["store"], tmp_path / "out")
    pages = [p.name for p in (tmp_path / "out").glob("campaign-c_.._weird_id-*.html")]
    assert len(pages) == 1
    assert "&lt;i&gt;x&lt;/i&gt;" in (tmp_path / "out" / pages[0]).read_text()


def test_campaign_page_shows_its_waves_and_skips_malformed_ones(report_world: dict[str, Path], tmp_path: Path) -> None:
    res = tmp_path / "res"
    shutil.copytree(report_world["results"], res)
    doc = json.loads((res / "campaigns.json").read_text())
    wave = {"wave": 1, "accounts": 7, "first_use_from": "2026-03-01T10:00:00Z", "first_use_to": "2026-03-01T11:00:00Z",
            "last_use": "2026-03-02T10:00:00Z", "exchanges": 4321, "stopped": 7, "handed_over": 0}
    doc[0]["waves"] = [wave, {**wave, "wave": 2, "accounts": 5, "exchanges": 1234, "handed_over": 6},
                       {**wave, "wave": "three"}]
    (res / "campaigns.json").write_text(json.dumps(doc))
    build_report(res, report_world["store"], tmp_path / "out")
    page = next((tmp_path / "out").glob(f"campaign-{doc[0]['campaign_id']}*.html")).read_text()
    assert 'id="waves"' in page and "4,321" in page and "1,234" in page and ">three<" not in page


def test_overview_lists_organisations_set_aside_for_review(report_world: dict[str, Path], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from distillguard.linking.coordination import CoordinatedGroup
    from distillguard.outputs.tables import organisations_table

    res = tmp_path / "res"
    shutil.copytree(report_world["results"], res)
    ids = np.array(["user-010", "user-011", "user-012", "user-013", "<b>seat</b>"], dtype=object)
    g = CoordinatedGroup(np.arange(5), ("template", "acme-harness"), [{"facet": "payment"}, {"facet": "network"}],
                         -20.0, 0.5, -7.0, 9)
    g.orgs = np.array(["acme"] * 4 + [""], dtype=object)
    pq.write_table(organisations_table([g], ids), res / "organisations.parquet")
    build_report(res, report_world["store"], tmp_path / "out")
    idx = (tmp_path / "out" / "index.html").read_text()
    assert 'id="organisations"' in idx and "<code>acme</code>" in idx and "template: acme-harness" in idx
    assert "payment, network" in idx and "sent by 9 accounts" in idx and "&lt;b&gt;seat&lt;/b&gt;" in idx
    # an empty table says so; an older results folder without the file shows no section
    pq.write_table(organisations_table([], ids), res / "organisations.parquet")
    build_report(res, report_world["store"], tmp_path / "out2")
    assert "No group was set aside" in (tmp_path / "out2" / "index.html").read_text()
    (res / "organisations.parquet").unlink()
    build_report(res, report_world["store"], tmp_path / "out3")
    idx3 = (tmp_path / "out3" / "index.html").read_text()
    assert 'id="organisations"' not in idx3 and "organisations.parquet not available" in idx3


def test_campaign_page_lists_its_dormant_accounts(report_world: dict[str, Path], tmp_path: Path) -> None:
    # DG-LNK-0005: registered accounts that sent nothing, listed with the campaign, with their sign-up records
    res = tmp_path / "res"
    shutil.copytree(report_world["results"], res)
    doc = json.loads((res / "campaigns.json").read_text())
    doc[0]["dormant_accounts"] = ["user-023", "<b>never-seen</b>"]
    doc[0]["dormant"] = {"accounts": 2, "values": "sign-up day 2026-03-01 (of its 9 holders, 7 were in the campaign "
                                                  "and 2 are listed with it)"}
    doc[1]["dormant_accounts"] = "not a list"
    (res / "campaigns.json").write_text(json.dumps(doc))
    build_report(res, report_world["store"], tmp_path / "out")
    page = next((tmp_path / "out").glob(f"campaign-{doc[0]['campaign_id']}*.html")).read_text()
    assert 'id="dormant"' in page and "Registered, never used (2)" in page and 'href="#dormant"' in page
    assert "<code>user-023</code>" in page and "pf-user-23" in page and "&lt;b&gt;never-seen&lt;/b&gt;" in page
    assert "sign-up day 2026-03-01 (of its 9 holders" in page
    other = next((tmp_path / "out").glob(f"campaign-{doc[1]['campaign_id']}*.html")).read_text()
    assert 'id="dormant"' not in other
