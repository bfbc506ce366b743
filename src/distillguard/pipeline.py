"""`detect`: every stage in order, from contract files to accounts.csv and campaigns.json.

ingest -> classify exchanges -> mine templates -> fingerprint accounts -> link -> decide -> write.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard import progress
from distillguard.decisions import Policy, decide
from distillguard.decisions.policy import CLASSIFY_PER_ACCOUNT
from distillguard.engine import open_engine
from distillguard.ingest import IngestReport, ingest_paths
from distillguard.linking import (
    account_tokens,
    behaviour_edges,
    behaviour_profiles,
    build_graph,
    campaign_tables,
    configuration_indicator,
    content_campaigns,
    find_campaigns,
    recruit_leads,
    top_indicators,
)
from distillguard.linking.coordination import (
    account_facets,
    coordinated_groups,
    coordination_campaigns,
    extraction_shares,
    fingerprint_column,
    join_units,
    merge_groups,
)
from distillguard.linking.graph import account_index, with_edges
from distillguard.linking.timing import activity_matrix, lockstep_edges, signature_edges
from distillguard.linking.wrappers import wrapper_clusters
from distillguard.outputs.contract import summary_paragraph, write_accounts_csv, write_campaigns_json

Stage = Callable[[str], None]


class StageTimes(dict):
    """Seconds per stage (the dict itself) and the process's peak RSS, in MB, when each ended.

    The peak is a high-water mark: the first stage whose entry jumps is the one that raised it
    (worker processes are not counted; `benchmarks/detect.py` samples the whole process tree).
    """

    def __init__(self) -> None:
        super().__init__()
        self.peak_rss_mb: dict[str, float] = {}

    def record(self, name: str, seconds: float) -> None:
        import resource

        self[name] = seconds
        self.peak_rss_mb[name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass
class DetectResult:
    out: Path
    ingest: IngestReport
    accounts: int = 0
    flagged: int = 0
    campaigns: int = 0
    seconds: StageTimes = field(default_factory=StageTimes)
    quarantine: Path | None = None  # where the run's quarantine can be read (the store's, or OUT/quarantine)

    def to_dict(self) -> dict[str, Any]:
        return {"out": str(self.out), "accounts": self.accounts, "flagged": self.flagged, "campaigns": self.campaigns,
                "seconds": {k: round(v, 2) for k, v in self.seconds.items()},
                "peak_rss_mb": dict(self.seconds.peak_rss_mb), "ingest": self.ingest.to_dict(),
                "quarantine": str(self.quarantine) if self.quarantine else None}


def parse_until(value: str | None) -> int | None:
    if value is None:
        return None
    from distillguard.errors import ConfigError
    from distillguard.ingest.normalise import Rejected, parse_ts

    try:
        return parse_ts(value, "--until")
    except Rejected as exc:
        detail = exc.detail if exc.detail.startswith("--until") else f"--until: {exc.detail}"  # say it once
        raise ConfigError(detail, hint="give an RFC 3339 time such as 2026-03-04T00:00:00Z") from None


def detect(
    exchanges: list[Path],
    out: Path,
    *,
    accounts: list[Path] | None = None,
    events: list[Path] | None = None,
    until: str | None = None,
    store: Path | None = None,
    policy: Policy | None = None,
    on_stage: Stage | None = None,
    on_rows: Callable[[int], None] | None = None,
    turn_text: bool = False,
    strict: bool = False,
    partner_matches: Path | None = None,  # partner evidence (issue 19): linking/partner.py
    fmt: str = "contract",
    account_fields: list[str] | tuple[str, ...] = (),
) -> DetectResult:
    """Run detection end to end and write the contract outputs into `out`.

    The store keeps each turn's text only with `turn_text`: detection reads the system prompt
    and the last user turn, which the store always keeps, and writing every turn's text again
    costs ~20% of ingest and doubles the store.

    Without `store` the run's quarantine is copied to ``out/quarantine``. With no valid exchange
    record at all it raises `NoValidRecords` (nothing is analysed; the quarantine is kept).
    `strict` stops at a file that cannot be read to its end (see `ingest_paths`). `fmt` and `account_fields` pick an input
    adapter for the exchange files (`distillguard.ingest.adapters`).
    """
    from distillguard.ingest.quarantine import keep_quarantine, require_exchanges

    policy = policy or Policy()
    until_us = parse_until(until)
    partner = _partner(partner_matches)
    say = on_stage or (lambda s: None)
    out.mkdir(parents=True, exist_ok=True)
    tmp_store = store is None
    store = store or Path(tempfile.mkdtemp(prefix="distillguard-store-"))
    timings = StageTimes()
    try:
        t = time.perf_counter()
        say("ingest")
        report = ingest_paths(exchanges, store, accounts=accounts, events=events, on_rows=on_rows,
                              turn_text=turn_text, strict=strict, fmt=fmt,
                              account_fields=account_fields)
        timings.record("ingest", time.perf_counter() - t)
        where = out if tmp_store else store
        result = DetectResult(out, report, seconds=timings, quarantine=where / "quarantine")
        require_exchanges(store, report, where)
        _analyse(store, out, until_us, policy, say, timings, result, partner)
        return result
    finally:
        if tmp_store:
            keep_quarantine(store, out)
            shutil.rmtree(store, ignore_errors=True)


def analyse_store(store: Path, out: Path, *, until: str | None = None, policy: Policy | None = None,
                  on_stage: Stage | None = None, partner_matches: Path | None = None) -> DetectResult:
    """Run every stage after ingest on an existing store (as `detect --store` left it)."""
    policy = policy or Policy()
    out.mkdir(parents=True, exist_ok=True)
    timings = StageTimes()
    result = DetectResult(out, IngestReport(run_id="", store=str(store)), seconds=timings)
    _analyse(store, out, parse_until(until), policy, on_stage or (lambda s: None), timings, result,
             _partner(partner_matches))
    return result


def _partner(path: Path | None):  # type: ignore[no-untyped-def]
    """Partner evidence (issue 19) from `distillguard match`'s sightings file, or None."""
    if path is None:
        return None
    from distillguard.linking.partner import PartnerEvidence

    return PartnerEvidence(path)


def _timed(timings: StageTimes, name: str, say: Stage, fn: Callable[[], Any]) -> Any:
    say(name)
    t = time.perf_counter()
    value = fn()
    timings.record(name, time.perf_counter() - t)
    return value


@dataclass
class Features:
    """Everything detection derives per exchange and per account before linking."""

    classified: pa.Table | None
    exchange_templates: pa.Table
    templates: pa.Table
    fingerprints: pa.Table


def compute_features(engine, say: Stage, timings: StageTimes,  # type: ignore[no-untyped-def]
                     classify_per_account: int | None = CLASSIFY_PER_ACCOUNT) -> Features:
    """Classify exchanges, mine templates and build fingerprints; registers each table on `engine`.

    `classify_per_account` caps how many exchanges of one account the classifier reads (a
    deterministic sample; None: all), as `Policy.classify_per_account` explains.
    """
    from distillguard.fingerprints import build_fingerprints
    from distillguard.templates import mine_templates

    say("classify")
    running = Classification(engine, classify_per_account)
    timings.record("classify", 0.0)  # keeps the stage order; its seconds come when it ends
    ex_tpl, templates = _timed(timings, "templates", say, lambda: mine_templates(
        engine, progress=lambda _step, done, _total: progress.update("templates", done)))
    classified = running.result()
    timings["classify"] = running.seconds  # it ran beside templates: the two overlap
    if classified is not None:
        engine.register("classified", classified)
    engine.register("exchange_templates", ex_tpl)
    engine.register("templates", templates)
    fp = _timed(timings, "fingerprints", say, lambda: build_fingerprints(engine, ex_tpl, templates, classified))
    return Features(classified, ex_tpl, templates, fp)


ACCOUNT_MODEL = Path(__file__).resolve().parent / "fingerprints" / "model" / "accounts.pkl"


def load_account_model(path: Path | None = None) -> dict | None:
    """The supervised account model: `path`, else the shipped one, else None (unsupervised only)."""
    from distillguard.fingerprints.score import load_model

    if path is not None:
        return load_model(path)  # a model the user named must load, or the run fails clearly
    if not ACCOUNT_MODEL.exists():
        return None
    import warnings

    from sklearn import __version__ as sklearn_version

    model = load_model(ACCOUNT_MODEL)
    if model.get("sklearn_version") != sklearn_version:
        # Tree pickles are tied to the scikit-learn that wrote them: fall back rather than guess.
        warnings.warn(f"shipped account model was built with scikit-learn {model.get('sklearn_version')}, "
                      f"this is {sklearn_version}: using the unsupervised score "
                      "(rebuild it with `distillguard train accounts --world DIR`)", stacklevel=2)
        return None
    return model


def _analyse(store: Path, out: Path, until_us: int | None, policy: Policy, say: Stage,
             timings: StageTimes, result: DetectResult, partner=None) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(store)
    all_accounts = engine.sql("SELECT DISTINCT account_id FROM exchanges ORDER BY account_id")["account_id"]
    if until_us is not None:
        engine.restrict_until(until_us)
    feats = compute_features(engine, say, timings, policy.classify_per_account)
    classified, templates, fp = feats.classified, feats.templates, feats.fingerprints
    with tempfile.TemporaryDirectory(prefix="distillguard-derived-") as tmp:
        # One row per exchange (2.4 GB at 21M): on disk from here, read back only as needed.
        spill_table(engine, "exchange_templates", feats.exchange_templates, Path(tmp))
        feats.exchange_templates = None  # type: ignore[assignment]
        _decide_and_write(engine, out, all_accounts, classified, templates, fp, policy, say, timings, result,
                          partner)


def spill_table(engine, name: str, table: pa.Table, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Write `table` to Parquet in `folder` and make `name` on `engine` a view over that file."""
    path = folder / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd", compression_level=1)
    engine.con.unregister(name)
    quoted = str(path).replace("'", "''")
    engine.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")


def _decide_and_write(engine, out, all_accounts, classified, templates, fp, policy,  # type: ignore[no-untyped-def]
                      say, timings, result, partner=None) -> None:
    from distillguard.fingerprints import score_accounts, signatures
    from distillguard.fingerprints.signature import similarity as signature_similarity

    settings = policy.stage_settings()
    model = load_account_model(policy.account_model) if policy.use_account_model else None
    scores = _timed(timings, "account_risk", say, lambda: score_accounts(fp, model))
    supervised = model is not None
    if not supervised:
        from dataclasses import replace

        policy = replace(policy, unlinked_weight=policy.unsupervised_unlinked_weight)

    active = np.array(sorted(scores["account_id"].to_pylist()), dtype=object)
    score_by = dict(zip(scores["account_id"].to_pylist(), range(scores.num_rows), strict=True))
    order = np.array([score_by[a] for a in active.tolist()], dtype=np.int64)
    own_risk = np.nan_to_num(_best_risk(scores)[order], nan=0.0)
    own_reasons = [scores["reasons"][int(i)].as_py() or "" for i in order]
    if partner is not None:  # partner evidence (issue 19): a prior on own risk, see linking/partner.py
        own_risk, own_reasons = partner.apply_risk(active, own_risk, own_reasons)

    def link() -> tuple[Any, Any]:
        active_ids = pa.array(active.tolist(), pa.string())
        tokens = account_tokens(engine, active_ids)
        if partner is not None:  # partner evidence (issue 19): partner_indicator tokens
            tokens = partner.with_tokens(tokens)
        suspicious = np.flatnonzero(own_risk >= np.quantile(own_risk, 0.8)) if len(own_risk) else np.empty(0, int)
        sig_ids, sig_matrix = signatures(fp, engine.sql("SELECT account_id, template_id FROM exchange_templates"))
        aligned = np.zeros((len(active), sig_matrix.shape[1]), dtype=sig_matrix.dtype)
        rows = account_index(active_ids, np.asarray(sig_ids.to_pylist(), dtype=object))
        aligned[rows >= 0] = sig_matrix[rows[rows >= 0]]
        extra = {"signature": signature_edges(aligned, suspicious, signature_similarity)}
        base = build_graph(tokens, active)  # token evidence once; its pairs are the lock-step candidates
        ci, cj = base.total.nonzero()
        activity = activity_matrix(engine, active)
        extra["lockstep"] = lockstep_edges(activity, ci, cj, suspicious)
        graph = with_edges(base, extra)
        return graph, find_campaigns(graph, own_risk, settings.campaigns), tokens

    graph, campaigns, tokens = _timed(timings, "linking", say, link)
    decision = _timed(timings, "decide", say, lambda: decide(own_risk, own_reasons, campaigns, policy))
    # Accounts flagged alone that share a harness become one campaign for the analyst; leads
    # (some suspicion of their own, no verdict) that work exactly like its members join it.
    alone = np.flatnonzero(decision.flagged & (decision.campaign_of < 0))
    config_keys = np.full(len(active), "", dtype=object)
    extra_campaigns = []
    if len(alone) >= 2:
        profiles, config_keys = behaviour_profiles(fp, active)
        behaviour = behaviour_edges(profiles, config_keys, alone)
        graph = with_edges(graph, {"behaviour": behaviour})
        extra_campaigns = content_campaigns(graph, alone, own_risk, settings.campaigns)
        unjudged = np.flatnonzero(~decision.flagged & (decision.campaign_of < 0))
        graph, extra_campaigns = recruit_leads(graph, extra_campaigns, profiles, config_keys, unjudged, own_risk,
                                               behaviour, settings.campaigns)
    if extra_campaigns:
        campaigns = campaigns + extra_campaigns

    def coordinate() -> list:
        # Groups that act as one beyond chance, whatever their members' own risk (no gate).
        keys = behaviour_profiles(fp, active)[1] if len(alone) < 2 else config_keys
        cp = settings.coordination
        facets = account_facets(tokens, fp, active, keys, cp, wrappers=wrapper_clusters(engine, active, settings.wrappers))
        harvest = fingerprint_column(fp, active, "harvest_share")
        extraction = extraction_shares(fp, active)
        units = merge_groups(coordinated_groups(facets, harvest, cp, extraction=extraction), len(active),
                             cp.merge_min_jaccard, cp.min_accounts)
        groups = join_units(units, facets, len(active), cp.join_min_share, cp.max_common, cp.join_min_jaccard)
        skeletons = dict(zip(templates["template_id"].to_pylist(), templates["skeleton"].to_pylist(), strict=True)) \
            if templates.num_rows else {}
        return coordination_campaigns(campaigns, groups, active, policy.full_tie_strength, skeletons)

    if settings.coordination.enabled:
        campaigns = _timed(timings, "coordination", say, coordinate)
    decision = decide(own_risk, own_reasons, campaigns, policy)
    _timed(timings, "write", say, lambda: _write(engine, out, all_accounts, active, graph, campaigns, decision,
                                                 config_keys, classified is not None, templates, fp, scores,
                                                 own_risk))
    result.accounts = len(all_accounts)
    result.flagged = int(decision.flagged.sum())
    result.campaigns = len(campaigns)


def _best_risk(scores: pa.Table) -> np.ndarray:
    sup = scores.column("risk_supervised") if "risk_supervised" in scores.column_names else None
    if sup is not None and sup.null_count < len(sup):
        return np.asarray(sup.to_numpy(zero_copy_only=False), dtype=np.float64)
    return np.asarray(scores.column("risk_unsupervised").to_numpy(zero_copy_only=False), dtype=np.float64)


# What detection keeps of the classifier's output; explanations are built only for what an analyst sees.
CLASSIFIED_COLUMNS = ("exchange_id", "category", "harvest")
# Long texts whose length is all the classifier uses: only the count travels to the workers.
_LENGTH_ONLY = ("response_text", "response_reasoning")


def _classifier_query(engine, per_account: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """SELECT of the exchange columns the classifier reads (INPUT_COLUMNS) that the store has.

    With `per_account`, an account with more exchanges than that is represented by a
    deterministic sample of about that many (each exchange kept with probability
    per_account / n, by a hash of its id): its category mix and harvest shares are estimated
    from the sample, at a cost that grows with accounts rather than with traffic.
    """
    from distillguard.signals.classifier._features import INPUT_COLUMNS

    have = set(engine.sql("SELECT * FROM exchanges LIMIT 0").column_names)
    cols = [f'length(e."{c}") AS "{c}_chars"' if c in _LENGTH_ONLY else f'e."{c}"' for c in INPUT_COLUMNS if c in have]
    if not per_account:
        return "SELECT " + ", ".join(cols) + " FROM exchanges e"
    return (f"WITH n AS (SELECT account_id, count(*) AS n FROM exchanges GROUP BY account_id) "
            f"SELECT {', '.join(cols)} FROM exchanges e JOIN n ON n.account_id = e.account_id "
            f"WHERE n.n <= {int(per_account)} OR (hash(e.exchange_id) % 1000003) * n.n < {int(per_account)} * 1000003")


def _classify_part(batch: pa.RecordBatch) -> pa.Table:
    from distillguard.signals.classifier import classify

    out = classify(pa.Table.from_batches([batch]), explain=False).select(list(CLASSIFIED_COLUMNS))
    # a few distinct names: dictionary-encoded, the column costs 4 bytes a row instead of ~20
    return out.set_column(1, "category", out.column("category").dictionary_encode())


class Classification:
    """Classification under way: worker processes fed by a thread, while the caller works on.

    detect mines templates (one core) while the classifier runs. On two cores that buys little
    (the two workers already keep both busy: 513 -> 480 s at 21.7M exchanges); with more cores
    the stages overlap fully. The model loads, and the workers fork, before the feeding thread
    starts, so no process is forked while another thread holds a lock; the thread reads through
    its own DuckDB cursor.
    """

    def __init__(self, engine, per_account: int | None = None, workers: int | None = None) -> None:  # type: ignore[no-untyped-def]
        import multiprocessing as mp
        import os
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

        self.seconds = 0.0
        self._pool = None
        self._thread = None
        try:
            from distillguard.signals.classifier import load_model
        except ImportError:
            return
        load_model()
        query = _classifier_query(engine, per_account)
        self.workers = workers or os.cpu_count() or 1
        if self.workers > 1 and "fork" in mp.get_all_start_methods():
            from distillguard.ingest.run import _die_with_parent

            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("fork"),
                                             initializer=_die_with_parent)
            self._pool.submit(int).result()  # forks every worker now (the fork context starts them all)
        progress.background("classify")  # it runs beside templates and fingerprints
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="dg-classify")
        self._future = self._thread.submit(self._run, engine.con.cursor(), query)

    def _run(self, con, query: str) -> pa.Table | None:  # type: ignore[no-untyped-def]
        from collections import deque

        start = time.perf_counter()
        try:
            rel = con.sql(query)
            fetch = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
            parts: list[pa.Table] = []
            if self._pool is None:
                for b in fetch(20_000):
                    if b.num_rows:
                        parts.append(_classify_part(b))
                        progress.advance("classify", b.num_rows)
            else:
                pending: deque = deque()
                for b in fetch(20_000):
                    if b.num_rows:
                        pending.append(self._pool.submit(_classify_part, b))
                    while len(pending) > 2 * self.workers:
                        parts.append(pending.popleft().result())
                        progress.advance("classify", parts[-1].num_rows)
                for f in pending:
                    parts.append(f.result())
                    progress.advance("classify", parts[-1].num_rows)
            return pa.concat_tables(parts) if parts else None
        finally:
            con.close()
            self.seconds = time.perf_counter() - start
            progress.finish("classify")

    def result(self) -> pa.Table | None:
        """Wait for the classification; None when no classifier is installed."""
        if self._thread is None:
            return None
        try:
            return self._future.result()
        finally:
            self._thread.shutdown()
            if self._pool is not None:
                self._pool.shutdown()


def _write(engine, out, all_accounts, active, graph, campaigns, decision, config_keys,  # type: ignore[no-untyped-def]
           have_classes, templates, fp, scores, own_risk) -> None:
    from distillguard.outputs.tables import coordination_table, decisions_table

    skeletons = dict(zip(templates["template_id"].to_pylist(), templates["skeleton"].to_pylist(), strict=True)) \
        if templates.num_rows else {}
    tables = campaign_tables(engine, graph, campaigns, have_classes)
    stats = {r["campaign_id"]: r for r in tables["stats"].to_pylist()}
    cats: dict[str, dict[str, float]] = {}
    if "categories" in tables:
        for r in tables["categories"].to_pylist():
            cats.setdefault(r["campaign_id"], {})[r["category"]] = r["n"]
    pivots = {(r["campaign_id"]): r for r in tables["pivot"].to_pylist()}
    population = pivots.get("__population__")
    docs = []
    for c in campaigns:
        s = stats.get(c.campaign_id, {})
        mix = cats.get(c.campaign_id, {})
        total = sum(mix.values()) or 1
        c.indicators = top_indicators(graph, c, skeletons)
        if "behaviour" in c.evidence:  # linked by behaviour: say which configuration they share
            shared = configuration_indicator(config_keys, c.members)
            if shared:
                c.indicators.append(shared)
        doc = {
            "campaign_id": c.campaign_id,
            "accounts": sorted(graph.account_ids[c.members].tolist()),
            "exchanges": int(s.get("exchanges", 0)),
            "first_seen": s.get("first_seen"), "last_seen": s.get("last_seen"),
            "risk": round(float(c.risk), 4),
            "categories": {k: round(v / total, 4) for k, v in sorted(mix.items(), key=lambda kv: (-kv[1], kv[0]))},
            "indicators": [{"kind": i["kind"], "value": i["value"]} for i in c.indicators],
        }
        pv = pivots.get(c.campaign_id)
        pivot_text = None
        if pv and population:
            pivot_text = (f"In the 24 hours after {pv['released_model']} was released, {pv['share_24h']:.0%} of its "
                          f"traffic used it (population: {population['share_24h']:.0%}).")
            doc["release_pivot"] = {"model": pv["released_model"], "share_24h": round(pv["share_24h"], 4),
                                    "population_share_24h": round(population["share_24h"], 4),
                                    "first_use": str(pv["first_use"]) if pv["first_use"] else None}
        doc["summary"] = summary_paragraph(doc, {"evidence": c.evidence, "distinct_ips": s.get("distinct_ips"),
                                                 "pivot": pivot_text, "member_risk": c.member_risk,
                                                 "coordination": c.coordination, "recruited": len(c.recruited),
                                                 "coordination_text": c.stats.get("coordination")})
        if c.stats.get("coordination"):
            doc["coordination"] = {"groups": c.stats.get("coordination_groups", 0), "evidence": c.stats["coordination"]}
        doc["evidence"] = {k: round(v, 3) for k, v in c.evidence.items()}
        docs.append(doc)
    idx = {a: i for i, a in enumerate(active.tolist())}
    rows = []
    for a in all_accounts.to_pylist():
        i = idx.get(a)
        if i is None:  # only active after --until: not judged yet
            rows.append({"account_id": a, "risk": 0.0, "flagged": False, "campaign_id": "", "reasons": ""})
            continue
        ci = decision.campaign_of[i]
        rows.append({"account_id": a, "risk": float(decision.risk[i]), "flagged": bool(decision.flagged[i]),
                     "campaign_id": campaigns[ci].campaign_id if ci >= 0 else "", "reasons": decision.reasons[i]})
    write_accounts_csv(out / "accounts.csv", rows)
    write_campaigns_json(out / "campaigns.json", docs)
    pq.write_table(fp, out / "fingerprints.parquet")
    pq.write_table(scores, out / "account_scores.parquet")
    pq.write_table(campaign_edges(graph, campaigns), out / "campaign_edges.parquet")
    pq.write_table(campaign_templates(engine, skeletons), out / "campaign_templates.parquet")
    pq.write_table(decisions_table(active, own_risk, decision, campaigns), out / "decisions.parquet")
    pq.write_table(coordination_table(campaigns), out / "coordination.parquet")


def campaign_edges(graph, campaigns) -> pa.Table:  # type: ignore[no-untyped-def]
    """Edges inside each campaign, one row per (pair, evidence kind): the picture of the graph."""
    cols: dict[str, list[Any]] = {"campaign_id": [], "account_a": [], "account_b": [], "kind": [], "weight": []}
    for c in campaigns:
        members = c.members
        for kind, m in graph.by_kind.items():
            sub = sp_triu(m[members][:, members])
            for i, j, w in zip(sub.row.tolist(), sub.col.tolist(), sub.data.tolist(), strict=True):
                cols["campaign_id"].append(c.campaign_id)
                cols["account_a"].append(graph.account_ids[members[i]])
                cols["account_b"].append(graph.account_ids[members[j]])
                cols["kind"].append(kind)
                cols["weight"].append(float(w))
    return pa.table({k: pa.array(v, pa.float64() if k == "weight" else pa.string()) for k, v in cols.items()})


def sp_triu(m):  # type: ignore[no-untyped-def]
    import scipy.sparse as sp

    return sp.triu(m, k=1).tocoo()


CAMPAIGN_TEMPLATES_SQL = """
SELECT m.campaign_id, t.template_id, count(*) AS exchanges, count(DISTINCT e.account_id) AS accounts,
       min(e.last_user_text) AS example_prompt, min(e.system_prompt) AS example_system
FROM exchanges e JOIN campaign_members m ON e.account_id = m.account_id
JOIN exchange_templates t ON t.exchange_id = e.exchange_id
GROUP BY m.campaign_id, t.template_id
ORDER BY m.campaign_id, exchanges DESC, t.template_id
"""


def campaign_templates(engine, skeletons: dict[str, str]) -> pa.Table:  # type: ignore[no-untyped-def]
    """Per campaign, its templates with volume, spread and one example prompt."""
    t = engine.sql(CAMPAIGN_TEMPLATES_SQL)
    sk = [skeletons.get(x, "") for x in t["template_id"].to_pylist()]
    return t.append_column("skeleton", pa.array(sk, pa.string()))


# Early cuts the account model also learns from, as fractions of each world's time span: a
# campaign account 24 hours in has a short history, and a model that only ever saw full
# histories learns "few exchanges = benign".
TRAIN_CUTS = (0.15, 0.3, 0.5)


def train_account_model(worlds: list[Path], out: Path | None = None, *, seed: int = 0,
                        say: Stage | None = None, cuts: tuple[float, ...] = TRAIN_CUTS) -> dict[str, Any]:
    """Fit the supervised account model on labelled simulated worlds and save it (default: shipped path).

    Each world contributes its accounts' fingerprints over the whole history and, for each
    fraction in `cuts`, over the history up to that point of the world's time span.
    """
    import json

    from distillguard.errors import ConfigError
    from distillguard.fingerprints.score import save_model, train_supervised

    say = say or (lambda s: None)
    fps: list[pa.Table] = []
    labels: dict[str, list[Any]] = {"account_id": [], "campaign": []}
    for w_i, world in enumerate(worlds):
        lab = world / "labels.jsonl"
        if not lab.exists():
            raise ConfigError(f"{lab} not found: --world must be a folder written by `distillguard simulate`")
        truth = {}
        for line in lab.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                truth[r["account_id"]] = r.get("campaign")
        with tempfile.TemporaryDirectory(prefix="distillguard-train-") as tmp:
            say(f"ingest {world}")
            acc = [p for p in (world / "accounts.jsonl",) if p.exists()]
            ev = [p for p in (world / "events.jsonl",) if p.exists()]
            ingest_paths([world / "exchanges"], Path(tmp), accounts=acc, events=ev, turn_text=False)
            span = open_engine(Path(tmp)).sql(
                "SELECT min(epoch_us(ts)) AS lo, max(epoch_us(ts)) AS hi FROM exchanges").to_pylist()[0]
            for c_i, cut in enumerate((None, *cuts)):
                engine = open_engine(Path(tmp))
                if cut is not None:
                    say(f"fingerprints up to {cut:.0%} of {world.name}")
                    engine.restrict_until(int(span["lo"] + cut * (span["hi"] - span["lo"])))
                fp = compute_features(engine, say, StageTimes()).fingerprints
                # account ids are only unique within one world and one cut
                tag = f"{w_i}/{c_i}/"
                ids = fp.column("account_id").to_pylist()
                fps.append(fp.set_column(fp.schema.get_field_index("account_id"), "account_id",
                                         pa.array([tag + a for a in ids], pa.string())))
                labels["account_id"].extend(tag + a for a in ids)
                labels["campaign"].extend(truth.get(a) for a in ids)
    fp_all = pa.concat_tables(fps)
    model = train_supervised(fp_all, pa.table(labels), seed=seed)
    model["trained_on"] = {"worlds": [str(w) for w in worlds], "cuts": list(cuts)}
    target = out or ACCOUNT_MODEL
    save_model(model, target)
    return {"out": str(target), "accounts": fp_all.num_rows, "worlds": [str(w) for w in worlds],
            "cuts": list(cuts), "features": len(model["features"])}
