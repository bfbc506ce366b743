"""Build the static HTML analyst report from a `detect` results folder and the Parquet store.

    build_report(results_dir, store_dir, out_dir) -> ReportResult

Writes `index.html` (overview), `campaign-<id>.html` per campaign, `account-<id>.html` per flagged
account (at most `max_account_pages`), and `assets/` (plotly.js and the style sheet), so the folder
opens offline from file://. Pages are Jinja2 templates with autoescape on; data is never marked safe.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from distillguard import __version__
from distillguard.errors import ExportError
from distillguard import progress
from distillguard.outputs.report import plots
from distillguard.outputs.report._features import _features, feature_descriptions, fingerprint_rows, fmt_num
from distillguard.outputs.report._text import TEMPLATE_MARKERS, group_reasons, pivot_cell, unique
from distillguard.outputs.report.data import Results, Store, load_results

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_ACCOUNT_PAGES = 300
MAX_TEXT = 4000          # characters of one prompt shown before it is cut
TOP_TEMPLATES = 10
TOP_INFRA = 10
DAY_BINS_AFTER = timedelta(days=21)  # timelines switch from hourly to daily bins beyond this span


@dataclass
class ReportResult:
    out: Path
    index: Path
    campaign_pages: int = 0
    account_pages: int = 0
    account_pages_skipped: int = 0
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers


def safe_name(prefix: str, ident: str, taken: set[str] | None = None) -> str:
    """A file name for an id: [A-Za-z0-9._-] only; a short hash keeps altered or clashing ids apart."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", ident)[:80].strip(".") or "x"
    name = f"{prefix}-{base}"
    if base != ident or (taken is not None and name + ".html" in taken):
        name += "-" + hashlib.sha1(ident.encode("utf-8")).hexdigest()[:8]
    name += ".html"
    if taken is not None:
        taken.add(name)
    return name


def _utc(ts: Any) -> datetime | None:
    if isinstance(ts, datetime):
        return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)
    if isinstance(ts, str) and ts:
        try:
            return _utc(datetime.fromisoformat(ts.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def fmt_ts(ts: Any) -> str:
    t = _utc(ts)
    return t.strftime("%Y-%m-%d %H:%M UTC") if t else ("" if ts in (None, "") else str(ts))


def fmt_pct(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * float(x):.{digits}f}%"


def cut(text: Any, limit: int = MAX_TEXT) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= limit else s[:limit] + f"\n… [{len(s) - limit:,} more characters not shown]"


def _rows(t: pa.Table | None) -> list[dict[str, Any]]:
    return t.to_pylist() if t is not None else []


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True,
                      default_for_string=True), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ts=fmt_ts, pct=fmt_pct, num=fmt_num)
    return env


# ---------------------------------------------------------------- store queries

_PREFIX_SQL = ("CASE WHEN client_ip LIKE '%.%' THEN regexp_replace(client_ip, '\\.[0-9]+$', '.0/24') "
               "WHEN client_ip LIKE '%:%' THEN client_ip ELSE NULL END")

INFRA_DIMENSIONS = [
    ("IP ranges (/24)", _PREFIX_SQL),
    ("ASNs", "CAST(client_asn AS VARCHAR)"),
    ("user agents", "client_user_agent"),
    ("TLS fingerprints", "client_tls_fingerprint"),
    ("client countries", "client_country"),
]


def _infra(store: Store) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """campaign_id -> dimension -> top values with exchanges and accounts."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for label, expr in INFRA_DIMENSIONS:
        t = store.sql(f"""
            SELECT campaign_id, value, n, accounts FROM (
              SELECT m.campaign_id, {expr} AS value, count(*) AS n, count(DISTINCT e.account_id) AS accounts
              FROM exchanges e JOIN report_members m ON e.account_id = m.account_id
              GROUP BY ALL) WHERE value IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY campaign_id ORDER BY n DESC, value) <= {TOP_INFRA}
            ORDER BY campaign_id, n DESC, value""")
        for r in _rows(t):
            out[r["campaign_id"]].setdefault(label, []).append(r)
    return out


def _bucketed(rows: list[dict[str, Any]], key: str = "model") -> tuple[list[dict[str, Any]], str]:
    """Hourly rows, or daily ones when they span more than DAY_BINS_AFTER."""
    if not rows:
        return rows, "hour"
    lo, hi = min(r["bucket"] for r in rows), max(r["bucket"] for r in rows)
    if hi - lo <= DAY_BINS_AFTER:
        return rows, "hour"
    agg: Counter[tuple[datetime, str]] = Counter()
    for r in rows:
        agg[(r["bucket"].replace(hour=0), r[key])] += int(r["n"])
    return [{"bucket": b, key: k, "n": n} for (b, k), n in agg.items()], "day"


# ---------------------------------------------------------------- the build


class _Builder:
    def __init__(self, results: Results, store: Store, out: Path, max_account_pages: int) -> None:
        self.res, self.store, self.out = results, store, out
        self.env = _env()
        self.notes: list[str] = list(results.problems)
        if not store.available:
            self.notes.append("the store is not available (give --store DIR from `distillguard detect --store`): "
                              "timelines, infrastructure, sign-ups and example traffic are not shown")
        self.campaigns = sorted(results.campaigns or [], key=lambda c: (-c["risk"], -c["exchanges"],
                                                                        c["campaign_id"]))
        self.accounts = results.account_rows()
        self.max_account_pages = max_account_pages
        taken: set[str] = {"index.html"}
        self.campaign_page = {c["campaign_id"]: safe_name("campaign", c["campaign_id"], taken)
                              for c in self.campaigns}
        flagged = sorted((a for a in self.accounts.values() if a["flagged"]),
                         key=lambda a: (-a["risk"], a["account_id"]))
        self.flagged = flagged
        self.paged = flagged[:max_account_pages]
        self.account_page = {a["account_id"]: safe_name("account", a["account_id"], taken) for a in self.paged}
        self.campaign_of = {a: c["campaign_id"] for c in self.campaigns for a in c["accounts"]}
        for a in self.accounts.values():
            if a["campaign_id"]:
                self.campaign_of.setdefault(a["account_id"], a["campaign_id"])
        self.risk = {a["account_id"]: a["risk"] for a in self.accounts.values()}
        self.feats = _features(results.fingerprints)
        self.edges_by_campaign = _group(results.edges, {"campaign_id", "account_a", "account_b", "kind"})
        self.templates_by_campaign = _group(results.templates, {"campaign_id"}) \
            if results.templates is not None else None
        self.feature_docs = feature_descriptions(results.fingerprints)
        self.scores = {r["account_id"]: r for r in _rows(results.scores) if r.get("account_id") is not None}

    # ---- data from the store

    def load_store(self) -> None:
        st = self.store
        self.total_exchanges = 0
        self.span: tuple[datetime | None, datetime | None] = (None, None)
        self.releases: list[dict[str, Any]] = []
        self.timelines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.overall: list[dict[str, Any]] = []
        self.infra: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.signups: dict[str, dict[str, Any]] = {}
        self.per_account: dict[str, dict[str, Any]] = {}
        self.prompts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.models: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.store_accounts = 0
        if not st.available:
            return
        st.register_members(self.campaigns)
        r = _rows(st.sql("SELECT count(*) AS n, count(DISTINCT account_id) AS a, min(ts) AS lo, max(ts) AS hi "
                         "FROM exchanges"))
        if r:
            self.total_exchanges = int(r[0]["n"] or 0)
            self.store_accounts = int(r[0]["a"] or 0)
            self.span = (_utc(r[0]["lo"]), _utc(r[0]["hi"]))
        self.releases = [{"model": x["model"], "ts": _utc(x["ts"])} for x in _rows(st.sql(
            "SELECT model, ts FROM events WHERE type = 'model_release' AND ts IS NOT NULL ORDER BY ts"))]
        for x in _rows(st.sql("""
                SELECT m.campaign_id, date_trunc('hour', e.ts) AS bucket, coalesce(e.model, '(none)') AS model,
                       count(*) AS n
                FROM exchanges e JOIN report_members m ON e.account_id = m.account_id GROUP BY ALL""")):
            x["bucket"] = _utc(x["bucket"])
            self.timelines[x["campaign_id"]].append(x)
        top = [c["campaign_id"] for c in sorted(self.campaigns, key=lambda c: -c["exchanges"])[:8]]
        for x in _rows(st.sql("""
                SELECT date_trunc('hour', e.ts) AS bucket, m.campaign_id AS cid, count(*) AS n
                FROM exchanges e LEFT JOIN report_members m ON e.account_id = m.account_id GROUP BY ALL""")):
            cid = x["cid"]
            label = "no campaign" if cid is None else cid if cid in top else "other campaigns"
            self.overall.append({"bucket": _utc(x["bucket"]), "model": label, "n": int(x["n"])})
        self.infra = _infra(st)
        # accounts: members of campaigns and flagged accounts
        wanted = sorted(set(self.campaign_of) | {a["account_id"] for a in self.flagged}
                        | {str(d) for c in self.campaigns for d in _dormant(c)})
        st.register_accounts("report_accounts", wanted)
        self.signups = {x["account_id"]: x for x in _rows(st.sql("""
                SELECT a.account_id, a.created_at, a.email_domain, a.payment_fingerprint, a.country, a.signup_path,
                       a.verified
                FROM accounts a JOIN report_accounts w ON a.account_id = w.account_id
                QUALIFY row_number() OVER (PARTITION BY a.account_id ORDER BY a.created_at NULLS LAST) = 1"""))}
        for x in self.signups.values():
            x["created_at"] = _utc(x["created_at"])
        self.per_account = {x["account_id"]: x for x in _rows(st.sql("""
                SELECT e.account_id, count(*) AS exchanges, min(e.ts) AS first_seen, max(e.ts) AS last_seen,
                       count(DISTINCT e.client_ip) AS ips
                FROM exchanges e JOIN report_accounts w ON e.account_id = w.account_id GROUP BY ALL"""))}
        st.register_accounts("report_paged", sorted(self.account_page))
        for x in _rows(st.sql("""
                SELECT e.account_id, e.ts, e.model, e.client_ip, e.client_user_agent, e.system_prompt,
                       e.last_user_text
                FROM exchanges e JOIN report_paged w ON e.account_id = w.account_id
                QUALIFY row_number() OVER (PARTITION BY e.account_id ORDER BY e.ts, e.exchange_id) <= 5
                ORDER BY e.account_id, e.ts""")):
            x["last_user_text"] = cut(x["last_user_text"])
            x["system_prompt"] = cut(x["system_prompt"], 1000)
            self.prompts[x["account_id"]].append(x)
        for x in _rows(st.sql("""
                SELECT e.account_id, coalesce(e.model, '(none)') AS model, count(*) AS n
                FROM exchanges e JOIN report_paged w ON e.account_id = w.account_id
                GROUP BY ALL ORDER BY e.account_id, n DESC""")):
            self.models[x["account_id"]].append(x)

    # ---- rendering

    def render(self, template: str, name: str, **ctx: Any) -> None:
        html = self.env.get_template(template).render(version=__version__, generated=self.generated,
                                                      campaign_page=self.campaign_page,
                                                      account_page=self.account_page, **ctx)
        (self.out / name).write_text(html, encoding="utf-8")

    def assets(self) -> None:
        from plotly.offline import get_plotlyjs

        a = self.out / "assets"
        a.mkdir(parents=True, exist_ok=True)
        (a / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")
        shutil.copyfile(TEMPLATES / "report.css", a / "report.css")

    def traffic_total(self) -> int:
        if self.total_exchanges:
            return self.total_exchanges
        fp = self.res.fingerprints
        if fp is not None and "exchanges" in fp.column_names:
            return int(pa.compute.sum(fp.column("exchanges")).as_py() or 0)
        return 0

    def build(self) -> ReportResult:
        self.generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.out.mkdir(parents=True, exist_ok=True)
        self.assets()
        self.load_store()
        total = self.traffic_total()
        in_campaigns = sum(c["exchanges"] for c in self.campaigns)
        result = ReportResult(self.out, self.out / "index.html", notes=self.notes)
        for c in self.campaigns:
            self.campaign(c, total)
            result.campaign_pages += 1
            progress.advance("report", 1)
        for a in self.paged:
            self.account(a)
            result.account_pages += 1
            progress.advance("report", 1)
        result.account_pages_skipped = len(self.flagged) - len(self.paged)
        if result.account_pages_skipped:
            self.notes.append(f"{len(self.flagged):,} accounts are flagged; pages were written for the "
                              f"{len(self.paged):,} with the highest risk only")
        self.index(total, in_campaigns)
        return result

    def index(self, total: int, in_campaigns: int) -> None:
        overall, bin_label = _bucketed(self.overall)
        traffic = _legend_title(plots.timeline(overall, self.releases, f"All traffic per {bin_label}, by campaign",
                                               bin_label), "campaign")
        figs = {"share": plots.to_div(plots.campaign_share_bar(self.campaigns, total), "fig-share"),
                "traffic": plots.to_div(traffic, "fig-traffic")}
        rows = []
        for c in self.campaigns:
            cats = sorted(c["categories"].items(), key=lambda kv: -kv[1])[:3]
            rows.append({"id": c["campaign_id"], "page": self.campaign_page[c["campaign_id"]],
                         "accounts": len(c["accounts"]), "exchanges": c["exchanges"],
                         "share": c["exchanges"] / total if total else None, "risk": c["risk"],
                         "first_seen": c.get("first_seen"), "last_seen": c.get("last_seen"),
                         "categories": [f"{k} {fmt_pct(v, 0)}" for k, v in cats],
                         "pivot": pivot_cell(c.get("release_pivot"))})
        n_accounts = len(self.accounts) or self.store_accounts
        flagged_rows = [{"id": a["account_id"], "risk": a["risk"], "campaign": self.campaign_of.get(a["account_id"]),
                         "reasons": unique(a["reasons"]), "page": self.account_page.get(a["account_id"])}
                        for a in self.flagged[:self.max_account_pages]]
        totals = {
            "campaigns": len(self.campaigns), "accounts": n_accounts,
            "campaign_accounts": sum(len(c["accounts"]) for c in self.campaigns),
            "flagged": len(self.flagged), "exchanges": total, "campaign_exchanges": in_campaigns,
            "share": in_campaigns / total if total else None,
            "max_risk": max((c["risk"] for c in self.campaigns), default=None),
            "span": [fmt_ts(self.span[0]), fmt_ts(self.span[1])] if self.span[0] else None,
        }
        self.render("index.html", "index.html", title="distillguard report", totals=totals, campaigns=rows,
                    organisations=self.organisation_rows(),
                    flagged=flagged_rows, flagged_more=max(0, len(self.flagged) - len(flagged_rows)),
                    figs=figs, notes=self.notes, results_dir=str(self.res.folder),
                    store_dir=str(self.store.path) if self.store.path else None)

    def organisation_rows(self) -> list[dict[str, Any]] | None:
        """Groups coordination set aside as organisations' seats (organisations.parquet), for review;
        None when the file is not there."""
        t = self.res.organisations
        if t is None:
            return None
        rows = []
        for r in t.to_pylist():
            ids = [str(a) for a in r.get("account_ids") or []]
            rows.append({"organisation": str(r.get("organisation") or "–"), "accounts": r.get("accounts"),
                         "org_seats": r.get("org_seats"), "anchor": f"{r.get('anchor_facet')}: {r.get('anchor_value')}",
                         "anchor_holders": r.get("anchor_holders"), "coupled": r.get("coupled") or "",
                         "harvest": r.get("harvest"),
                         "members": ids})
        return rows

    def campaign(self, c: dict[str, Any], total: int) -> None:
        cid = c["campaign_id"]
        members = c["accounts"]
        tl, bin_label = _bucketed(self.timelines.get(cid, []))
        edges = self.edges_by_campaign.get(cid, [])
        graph, graph_note = plots.account_graph(members, edges, self.risk, f"Accounts of {cid} and what links them")
        figs = {
            "timeline": plots.to_div(plots.timeline(tl, self.releases, f"Traffic per {bin_label} by model",
                                                    bin_label), "fig-timeline"),
            "graph": plots.to_div(graph, "fig-graph"),
            "categories": plots.to_div(plots.share_bar(c["categories"], "What it extracts (share of exchanges)",
                                                       "% of the campaign's exchanges"), "fig-categories"),
            "evidence": plots.to_div(plots.share_bar(c["evidence"], "Evidence linking the accounts",
                                                     "% of member accounts", colour_by_kind=True), "fig-evidence"),
            "signups": plots.to_div(plots.signup_histogram([self.signups[a] for a in members if a in self.signups],
                                                           "Sign-ups of member accounts"), "fig-signups"),
        }
        templates = []
        if self.templates_by_campaign is not None:
            mine = list(self.templates_by_campaign.get(cid, []))
            mine.sort(key=lambda r: (-(r.get("exchanges") or 0), str(r.get("template_id"))))
            for r in mine[:TOP_TEMPLATES]:
                templates.append({"id": r.get("template_id"), "exchanges": r.get("exchanges"),
                                  "accounts": r.get("accounts"), "skeleton": cut(r.get("skeleton"), 1500),
                                  "prompt": cut(r.get("example_prompt")), "system": cut(r.get("example_system"), 1500),
                                  "share": (r.get("exchanges") or 0) / c["exchanges"] if c["exchanges"] else None})
            templates_total = len(mine)
        else:
            templates_total = None
        indicators: dict[str, list[Any]] = defaultdict(list)
        for i in c["indicators"]:
            v = i.get("value")
            if i["kind"] == "client_stack" and isinstance(v, str) and v.count("|") >= 2:
                asn, rest = v.split("|", 1)
                ua, tls = rest.rsplit("|", 1)
                v = {"asn": asn, "user_agent": ua, "tls": tls}
            indicators[str(i["kind"])].append(v)
        member_rows = []
        for a in members:
            acc = self.accounts.get(a, {})
            su = self.signups.get(a, {})
            pa_ = self.per_account.get(a, {})
            member_rows.append({"id": a, "page": self.account_page.get(a), "risk": acc.get("risk"),
                                "flagged": acc.get("flagged"), "reasons": acc.get("reasons") or [],
                                "exchanges": pa_.get("exchanges"), "ips": pa_.get("ips"),
                                "created_at": su.get("created_at"), "signup_path": su.get("signup_path"),
                                "email_domain": su.get("email_domain"), "payment": su.get("payment_fingerprint"),
                                "country": su.get("country"), "verified": su.get("verified")})
        member_rows.sort(key=lambda r: (-(r["risk"] or 0), r["id"]))
        su_rows = [self.signups[a] for a in members if a in self.signups]
        signup = None
        if su_rows:
            created = sorted(r["created_at"] for r in su_rows if r["created_at"])
            signup = {
                "known": len(su_rows), "of": len(members),
                "first": created[0] if created else None, "last": created[-1] if created else None,
                "paths": Counter(r.get("signup_path") or "(unknown)" for r in su_rows).most_common(),
                "domains": Counter(r.get("email_domain") or "(unknown)" for r in su_rows).most_common(10),
                "payments": Counter(r.get("payment_fingerprint") or "(unknown)" for r in su_rows).most_common(10),
                "countries": Counter(r.get("country") or "(unknown)" for r in su_rows).most_common(10),
                "verified": sum(1 for r in su_rows if r.get("verified")) / len(su_rows),
            }
        reason_counts = group_reasons(r for m in member_rows for r in unique(m["reasons"]))
        dormant = [{"id": str(a), **{k: self.signups.get(str(a), {}).get(k) for k in
                                    ("created_at", "email_domain", "payment_fingerprint", "signup_path")}}
                   for a in _dormant(c)]
        self.render("campaign.html", self.campaign_page[cid], title=f"Campaign {cid}", c=c,
                    share=c["exchanges"] / total if total else None, figs=figs, graph_note=graph_note,
                    edges_available=self.res.edges is not None, templates=templates,
                    templates_total=templates_total, indicators=dict(indicators),
                    infra=self.infra.get(cid, {}), store_available=self.store.available, members=member_rows,
                    signup=signup, reason_counts=reason_counts, pivot=c.get("release_pivot") or None,
                    markers=TEMPLATE_MARKERS, dormant=dormant,
                    dormant_why=c["dormant"].get("values") if isinstance(c.get("dormant"), dict) else None)

    def account(self, a: dict[str, Any]) -> None:
        aid = a["account_id"]
        fp = fingerprint_rows(self.feats, aid)
        for f in fp:
            f["description"] = self.feature_docs.get(f["name"], "")
        fig = plots.percentile_bars(fp, "Fingerprint against all accounts (most unusual features)")
        fp_sorted = sorted(fp, key=lambda f: -abs((f["percentile"] if f["percentile"] is not None else 50) - 50))
        score = self.scores.get(aid, {})
        reasons = unique(a["reasons"])
        # The behaviour model's reasons that the decision does not already give (never the same line twice).
        score_reasons = [r for r in unique(str(score.get("reasons") or "").split(";")) if r not in reasons]
        cid = self.campaign_of.get(aid)
        self.render("account.html", self.account_page[aid], title=f"Account {aid}", a={**a, "reasons": reasons},
                    campaign=cid,
                    fig=plots.to_div(fig, "fig-fingerprint"), features=fp_sorted,
                    fingerprints_available=self.feats is not None,
                    population=len(self.feats[1]) if self.feats else 0,
                    score={"unsupervised": score.get("risk_unsupervised"), "supervised": score.get("risk_supervised"),
                           "reasons": score_reasons},
                    signup=self.signups.get(aid), activity=self.per_account.get(aid),
                    prompts=self.prompts.get(aid, []), models=self.models.get(aid, []),
                    store_available=self.store.available)


def _group(t: pa.Table | None, needed: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows of a per-campaign table grouped by campaign_id (empty when the table or a column is missing)."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if t is None or not needed <= set(t.column_names):
        return out
    for r in t.to_pylist():
        out[str(r["campaign_id"])].append(r)
    return out


def _legend_title(fig: Any, title: str) -> Any:
    if fig is not None:
        fig.update_layout(legend={"title": {"text": title}})
    return fig


def build_report(results: Path, store: Path | None, out: Path, *,
                 max_account_pages: int = MAX_ACCOUNT_PAGES) -> ReportResult:
    """Write the HTML report for a `detect` results folder (and its store, when given) into `out`."""
    res = load_results(Path(results))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out}: exists and is not a folder")
    st = Store(Path(store) if store is not None else None)
    try:
        return _Builder(res, st, out, max_account_pages).build()
    except OSError as exc:
        raise ExportError(f"could not write the report into {out}: {exc}") from exc
    finally:
        st.close()


def _dormant(c: dict[str, Any]) -> list[Any]:
    """A campaign's `dormant_accounts` (registered, never used; DG-LNK-0005), [] when absent or malformed."""
    d = c.get("dormant_accounts")
    return d if isinstance(d, list) else []
