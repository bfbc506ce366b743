"""`detect`: the stages of detection, declared in order, and the runner that times them.

    ingest -> classify -> templates -> fingerprints -> account_risk -> linking -> decide
           -> coordination -> write

`STAGES` declares each stage: its name (the key of its seconds and peak memory in `--json`),
the function that runs it, and what it reads and writes (tables on the engine, or the arrays
and campaigns on the run's `Run` state). The logic lives in the stage's package; the functions
here only hand it its inputs. `run_stages` runs a list of stages, timing each and recording
the process's peak memory when it ends (`StageTimes`). Steps marked untimed sit between two
stages and are counted in neither. After fingerprints the per-exchange template table goes to
disk (`spill_table`) and is read back only as needed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard import progress
from distillguard.decisions import Decision, Policy, decide
from distillguard.decisions.own_risk import is_supervised, own_risk, policy_for_model
from distillguard.decisions.policy import (CLASSIFY_PER_ACCOUNT, below_harvest_floor, flagged_on_own, held_back,
                                          lone_harvesting, too_few)
from distillguard.engine import open_engine
from distillguard.fingerprints.train import (  # noqa: F401  (re-exported: cli/train.py, tests)
    ACCOUNT_MODEL,
    TRAIN_CUTS,
    load_account_model,
    train_account_model,
)
from distillguard.ingest import IngestReport, ingest_paths
from distillguard.linking.alike import harvest_alike
from distillguard.linking.coordination import (declared_orgs, exchange_counts, extraction_shares, fingerprint_column,
                                               group_harvests, org_seat_share, seat_orgs, several_shells)
from distillguard.linking.operators import dormant_accounts, made_together, resolve_operators, seats_group
from distillguard.linking.resends import Resends, resent_requests
from distillguard.linking.run import (coordinate, facets_of, link_accounts, link_flagged_alone, sent_at_least,
                                      unused_accounts)
from distillguard.outputs.tables import organisations_table
from distillguard.outputs.write import (  # noqa: F401  (re-exported)
    CAMPAIGN_TEMPLATES_SQL,
    campaign_edges,
    campaign_templates,
    sp_triu,
    write_outputs,
)
from distillguard.signals.classification import (  # noqa: F401  (re-exported: tests)
    CLASSIFIED_COLUMNS,
    Classification,
)
from distillguard.signals.classification import classifier_query as _classifier_query  # noqa: F401

OnStage = Callable[[str], None]  # told each stage's name as it starts (the CLI's progress line)


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


@dataclass
class Run:
    """What one run's stages read and write, besides the tables registered on `engine`."""

    policy: Policy
    say: OnStage
    timings: StageTimes
    engine: Any = None
    settings: Any = None  # the policy's stage settings (campaigns, coordination, wrappers)
    out: Path | None = None
    partner: Any = None  # partner evidence (issue 19), linking/partner.py
    spill_dir: Path | None = None
    ingest: Callable[[], IngestReport] | None = None  # ingest_paths with the run's inputs
    report: IngestReport | None = None
    all_accounts: pa.ChunkedArray | None = None  # every account in the store, judged or not
    until_us: int | None = None  # detect --until: what the run sees ends there
    classification: Classification | None = None
    classified: pa.Table | None = None
    exchange_templates: pa.Table | None = None
    templates: pa.Table | None = None
    fingerprints: pa.Table | None = None
    account_scores: pa.Table | None = None
    active: np.ndarray | None = None  # the judged accounts' ids, sorted; arrays below follow it
    own_risk: np.ndarray | None = None
    our_risk: np.ndarray | None = None  # own risk from our traffic alone (before a partner prior)
    extraction: np.ndarray | None = None  # share of each account's classified traffic in extraction categories
    harvest: np.ndarray | None = None     # share of it scored as harvesting
    harvesting: np.ndarray | None = None  # extracts or harvests enough to be flagged on its own (None: not classified)
    few: np.ndarray | None = None  # sent too few exchanges to be flagged on its own (None: counts not known)
    own_reasons: list[str] | None = None
    graph: Any = None
    campaigns: list | None = None
    tokens: pa.Table | None = None
    decision: Decision | None = None
    config_keys: np.ndarray | None = None
    alone: np.ndarray | None = None
    organisations: pa.Table | None = None  # groups coordination set aside as organisations' seats
    facets: pa.Table | None = None  # every judged account's facets (coordination, operators)
    orgs: np.ndarray | None = None  # each judged account's declared organisation ('' when none), for coordination
    resent: pa.Table | None = None  # requests that several accounts send, per account (linking/resends.py)
    unused: pa.Table | None = None  # registered accounts that sent nothing (linking.run.unused_accounts)
    resends: Resends | None = None  # the same, indexed for group look-ups (coordination, operators)


@dataclass(frozen=True)
class Stage:
    """One step of detection: `run` reads `reads` and sets `writes` on the run (or its engine)."""

    name: str
    run: Callable[[Run], None]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    timed: bool = True  # False: a step between two stages, in neither's seconds, no progress line
    when: Callable[[Run], bool] | None = None  # run only where this says so


def _ingest(r: Run) -> None:
    r.report = r.ingest()  # type: ignore[misc]


def _classify(r: Run) -> None:
    # Runs beside templates; its seconds are set when it ends (`_classified`): the two overlap.
    r.classification = Classification(r.engine, r.policy.classify_per_account)


def _templates(r: Run) -> None:
    from distillguard.templates import mine_templates

    read = [0]

    def told(step: str, done: int, _total: int) -> None:
        # rows handled so far: the exchanges of the first pass, then the distinct texts of the second
        if step == "exchanges":
            read[0] = done
            progress.update("templates", done)
        elif step == "segments":
            progress.update("templates", read[0] + done)

    r.exchange_templates, r.templates = mine_templates(r.engine, progress=told)


def _classified(r: Run) -> None:
    r.classified = r.classification.result()  # type: ignore[union-attr]
    r.timings["classify"] = r.classification.seconds  # type: ignore[union-attr]
    r.classification = None
    if r.classified is not None:
        r.engine.register("classified", r.classified)
    r.engine.register("exchange_templates", r.exchange_templates)
    r.engine.register("templates", r.templates)


def _fingerprints(r: Run) -> None:
    from distillguard.fingerprints import build_fingerprints

    r.fingerprints = build_fingerprints(r.engine, r.exchange_templates, r.templates, r.classified)


def _spill(r: Run) -> None:
    # One row per exchange (2.4 GB at 21M): on disk from here, read back only as needed.
    spill_table(r.engine, "exchange_templates", r.exchange_templates, r.spill_dir)  # type: ignore[arg-type]
    r.exchange_templates = None


def _account_risk(r: Run) -> None:
    from distillguard.fingerprints import score_accounts

    model = load_account_model(r.policy.account_model) if r.policy.use_account_model else None
    r.account_scores = score_accounts(r.fingerprints, model)
    r.policy = policy_for_model(r.policy, supervised=model is not None)
    r.active, r.our_risk, r.own_reasons = own_risk(r.account_scores)
    r.own_risk = r.our_risk
    # what each account extracts and harvests: for a verdict on its own, and for coordination
    r.extraction = extraction_shares(r.fingerprints, r.active)
    r.harvest = fingerprint_column(r.fingerprints, r.active, "harvest_share")
    if r.classified is not None:
        r.harvesting = lone_harvesting(r.extraction, r.harvest, r.policy)
    r.few = lone_few(r.fingerprints, r.active, r.policy)
    if r.partner is not None:  # partner evidence (issue 19): a prior on own risk, see linking/partner.py
        r.own_risk, r.own_reasons = r.partner.apply_risk(r.active, r.our_risk, r.own_reasons)
        # indicators that link an account to a partner's campaign are evidence beyond its own traffic
        r.harvesting, r.few = r.partner.lift_holds(r.active, r.our_risk, r.own_risk, r.harvesting, r.few)


def lone_few(fp: pa.Table, active: np.ndarray, policy: Policy) -> np.ndarray | None:
    """Per judged account: it sent too few exchanges to be flagged on its own (`decisions.policy.too_few`;
    None when `fp` has no exchange counts)."""
    return too_few(exchange_counts(fp, active), policy)


def _linking(r: Run) -> None:
    r.graph, r.campaigns, r.tokens = link_accounts(r.engine, r.fingerprints, r.active, r.own_risk,
                                                   r.settings.campaigns, r.partner)


def _decide(r: Run) -> None:
    r.decision = decide(r.own_risk, r.own_reasons, r.campaigns, r.policy, r.harvesting, r.few)  # type: ignore[arg-type]


def _verdicts(r: Run) -> None:
    # the last verdicts: an account no campaign holds is a lead unless a partner's indicators tie it (flag_lone)
    tied = (np.zeros(len(r.own_risk), dtype=bool) if r.partner is None   # type: ignore[arg-type]
            else r.partner.tied(r.active, r.our_risk, r.own_risk))
    r.decision = decide(r.own_risk, r.own_reasons, r.campaigns, r.policy, r.harvesting, r.few,  # type: ignore[arg-type]
                        final=tied)


def _flagged_alone(r: Run) -> None:
    r.graph, r.campaigns, r.config_keys, r.alone = link_flagged_alone(
        r.fingerprints, r.active, r.graph, r.campaigns, r.decision, r.own_risk, r.settings.campaigns,
        lead_risk=r.our_risk, held_back=held_back(r.own_risk, r.policy, r.harvesting, r.few))


def _facets(r: Run) -> pa.Table:
    if r.facets is None:
        keys = r.config_keys if len(r.alone) >= 2 else None  # type: ignore[arg-type]
        r.facets = facets_of(r.engine, r.fingerprints, r.active, r.tokens, keys, r.settings)  # type: ignore[arg-type]
    return r.facets


def _orgs(r: Run) -> np.ndarray | None:
    if r.orgs is None and r.settings.coordination.max_org_seat_share <= 1.0:
        r.orgs = declared_orgs(r.engine, r.active)
    return r.orgs


def _resent(r: Run) -> pa.Table | None:
    if r.resent is None and r.settings.coordination.resends and r.engine is not None:
        r.resent = resent_requests(r.engine, r.active, r.settings.coordination.min_accounts)  # type: ignore[arg-type]
    return r.resent


def _resends(r: Run) -> Resends | None:
    """The run's resent requests, indexed once (None: turned off, or a replayed run saved without them)."""
    cp = r.settings.coordination
    if not cp.resends or (table := _resent(r)) is None:
        return None
    if r.resends is None:
        sent = fingerprint_column(r.fingerprints, r.active, "exchanges")
        answers = fingerprint_column(r.fingerprints, r.active, "mean_output_tokens", missing=np.nan)
        r.resends = Resends.of(table, sent, cp.min_accounts, cp.min_lift, cp.max_common, answers)
    return r.resends


def _coordination(r: Run) -> None:
    supervised = is_supervised(r.account_scores)  # lead cohorts rest on the model's probability
    aside: list = []
    r.campaigns = coordinate(r.engine, r.fingerprints, r.active, _facets(r), r.campaigns, r.templates,
                             r.settings, r.policy.full_tie_strength, r.our_risk if supervised else None, aside,
                             harvest=r.harvest, extraction=r.extraction, orgs=_orgs(r), resends=_resends(r))
    r.organisations = organisations_table(aside, r.active)  # type: ignore[arg-type]


def _operators(r: Run) -> None:
    # a part most of whose accounts are flagged on their own traffic stays a campaign, harvesting or not
    own = flagged_on_own(r.own_risk, r.policy, r.harvesting, r.few)  # type: ignore[arg-type]
    if r.campaigns:
        _one_operator(r, own)
    # accounts flagged on their own, in no campaign, that harvest alike are listed as a group (DG-LNK-0006)
    op = r.settings.operators
    if op.enabled and op.alike:
        r.campaigns = harvest_alike(r.campaigns or [], _facets(r), r.active, own, r.own_risk,  # type: ignore[arg-type]
                                    op.alike_min_accounts, op.alike_own_share)


def _one_operator(r: Run, own: np.ndarray) -> None:
    # the first verdicts' flagged accounts: resolve_operators attaches those that no campaign holds
    flagged = np.flatnonzero(r.decision.flagged)  # type: ignore[union-attr]
    cp, harvest, extraction, resends = r.settings.coordination, r.harvest, r.extraction, _resends(r)

    def harvesting(members: np.ndarray) -> bool:   # the coordinated groups' bars
        return group_harvests(members, harvest, extraction, cp, resends)[0]  # type: ignore[arg-type]

    judge = r.harvesting is not None and r.settings.operators.harvesting_parts   # needs the classifier
    orgs = _orgs(r)
    customers = None
    if orgs is not None and judge:   # organisations' seats, as coordination sets them aside
        @cache
        def billed_seats() -> tuple:   # billed organisations and shells, worked out at the first campaign judged only
            return seat_orgs(orgs, _facets(r), r.own_risk, cp)

        def customers(members: np.ndarray) -> bool:
            billed, shell = billed_seats()
            return org_seat_share(billed[members]) >= cp.max_org_seat_share and not several_shells(
                billed[members], shell[members])
    # accounts held below the flag outside campaigns only because they barely harvest (version 14, off by default)
    held = np.flatnonzero(below_harvest_floor(r.own_risk, r.policy, r.harvesting, r.few)) \
        if r.settings.operators.attach_held_back else None  # type: ignore[arg-type]
    # the accounts that show how they work, by the bar a campaign of accounts flagged alone forms by (version 17)
    profiled = (sent_at_least(r.fingerprints, r.active, r.settings.campaigns.found_min_exchanges)  # type: ignore[arg-type]
                if r.settings.operators.profiled_parts else None)
    aside: list = []   # whole campaigns of organisations' seats (operators version 19)
    r.campaigns = resolve_operators(r.campaigns, _facets(r), r.active, r.settings.operators,  # type: ignore[arg-type]
                                    r.policy.full_tie_strength, flagged, harvesting if judge else None, own,
                                    customers, held, profiled, aside)
    if aside:   # listed for review beside the groups coordination set aside (aside is only filled via customers)
        billed = billed_seats()[0]
        extra = organisations_table([seats_group(c, billed, harvest) for c in aside], r.active)  # type: ignore[arg-type]
        r.organisations = extra if r.organisations is None else pa.concat_tables([r.organisations, extra])
    # accounts made by the same hand as a campaign's join it (DG-LNK-0004)
    r.campaigns = made_together(r.campaigns, _facets(r), r.active, r.settings.operators,  # type: ignore[arg-type]
                                r.policy.full_tie_strength)
    # registered accounts that sent nothing, made with a campaign's accounts, are listed with it (DG-LNK-0005)
    if not r.settings.operators.dormant:
        return
    if r.unused is None and r.engine is not None:   # a replayed run state brings its own (or none)
        r.unused = unused_accounts(r.engine, r.active, r.until_us)  # type: ignore[arg-type]
    if r.unused is not None:
        r.campaigns = dormant_accounts(r.campaigns, _facets(r), r.active, r.unused,  # type: ignore[arg-type]
                                       r.settings.operators)


def _write(r: Run) -> None:
    write_outputs(r.engine, r.out, r.all_accounts, r.active, r.graph, r.campaigns, r.decision, r.config_keys,
                  r.classified is not None, r.templates, r.fingerprints, r.account_scores, r.own_risk,
                  r.organisations, r.settings.campaigns)


INGEST = (
    Stage("ingest", _ingest, reads=("exchange, account and event files",), writes=("exchanges", "accounts", "events")),
)
FEATURES = (
    Stage("classify", _classify, reads=("exchanges",), writes=("classification",)),
    Stage("templates", _templates, reads=("exchanges",), writes=("exchange_templates", "templates")),
    Stage("classified", _classified, reads=("classification", "exchange_templates", "templates"),
          writes=("classified",), timed=False),
    Stage("fingerprints", _fingerprints, reads=("exchanges", "accounts", "events", "classified", "exchange_templates",
                                                "templates"), writes=("fingerprints",)),
)
VERDICTS = (
    Stage("spill", _spill, reads=("exchange_templates",), writes=("exchange_templates",), timed=False),
    Stage("account_risk", _account_risk, reads=("fingerprints", "classified"),
          writes=("account_scores", "active", "own_risk", "our_risk", "own_reasons", "extraction", "harvest",
                  "harvesting", "few")),
    Stage("linking", _linking, reads=("exchanges", "accounts", "exchange_templates", "fingerprints", "active",
                                      "own_risk"), writes=("graph", "campaigns", "tokens")),
    Stage("decide", _decide, reads=("own_risk", "own_reasons", "campaigns", "harvesting", "few"), writes=("decision",)),
    Stage("flagged_alone", _flagged_alone, reads=("fingerprints", "active", "graph", "campaigns", "decision",
                                                  "own_risk", "our_risk", "harvesting", "few"),
          writes=("graph", "campaigns", "config_keys", "alone"),
          timed=False),
    Stage("coordination", _coordination, reads=("exchanges", "accounts", "tokens", "fingerprints", "active",
                                                "config_keys", "alone", "templates", "campaigns", "account_scores",
                                                "own_risk", "extraction", "harvest", "exchange_templates"),
          writes=("campaigns", "organisations", "facets", "orgs", "resent", "resends"),
          when=lambda r: r.settings.coordination.enabled),
    Stage("operators", _operators, reads=("exchanges", "accounts", "tokens", "fingerprints", "active", "config_keys",
                                          "alone", "campaigns", "facets", "decision", "harvest", "extraction",
                                          "exchange_templates", "resent", "resends"),
          writes=("campaigns", "facets", "resent", "resends"),
          when=lambda r: r.settings.operators.enabled),
    Stage("verdicts", _verdicts, reads=("own_risk", "our_risk", "own_reasons", "campaigns", "harvesting", "few"),
          writes=("decision",),
          timed=False),
    Stage("write", _write, reads=("exchanges", "events", "exchange_templates", "templates", "classified",
                                  "fingerprints", "account_scores", "active", "own_risk", "graph", "campaigns",
                                  "decision", "config_keys", "organisations"),
          writes=("accounts.csv", "campaigns.json", "fingerprints.parquet", "account_scores.parquet",
                  "campaign_edges.parquet", "campaign_templates.parquet", "decisions.parquet",
                  "coordination.parquet", "organisations.parquet")),
)
STAGES = INGEST + FEATURES + VERDICTS  # every stage of `detect`, in order


def run_stages(stages: tuple[Stage, ...], run: Run) -> None:
    """Run `stages` in order on `run`; each timed stage is announced, timed and its peak memory kept."""
    for stage in stages:
        if stage.when is not None and not stage.when(run):
            continue
        if stage.timed:
            _timed(run.timings, stage.name, run.say, partial(stage.run, run))
        else:
            stage.run(run)


def _timed(timings: StageTimes, name: str, say: OnStage, fn: Callable[[], Any]) -> Any:
    say(name)
    t = time.perf_counter()
    value = fn()
    timings.record(name, time.perf_counter() - t)
    return value


def detect(
    exchanges: list[Path],
    out: Path,
    *,
    accounts: list[Path] | None = None,
    events: list[Path] | None = None,
    until: str | None = None,
    store: Path | None = None,
    policy: Policy | None = None,
    on_stage: OnStage | None = None,
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
        run = Run(policy, say, timings, out=out, partner=partner,
                  ingest=partial(ingest_paths, exchanges, store, accounts=accounts, events=events, on_rows=on_rows,
                                 turn_text=turn_text, strict=strict, fmt=fmt, account_fields=account_fields))
        run_stages(INGEST, run)
        report = run.report
        where = out if tmp_store else store
        result = DetectResult(out, report, seconds=timings, quarantine=where / "quarantine")  # type: ignore[arg-type]
        require_exchanges(store, report, where)
        _analyse(store, until_us, run, result)
        return result
    finally:
        if tmp_store:
            keep_quarantine(store, out)
            shutil.rmtree(store, ignore_errors=True)


def analyse_store(store: Path, out: Path, *, until: str | None = None, policy: Policy | None = None,
                  on_stage: OnStage | None = None, partner_matches: Path | None = None) -> DetectResult:
    """Run every stage after ingest on an existing store (as `detect --store` left it)."""
    policy = policy or Policy()
    out.mkdir(parents=True, exist_ok=True)
    timings = StageTimes()
    result = DetectResult(out, IngestReport(run_id="", store=str(store)), seconds=timings)
    until_us = parse_until(until)
    run = Run(policy, on_stage or (lambda s: None), timings, out=out, partner=_partner(partner_matches))
    _analyse(store, until_us, run, result)
    return result


def _partner(path: Path | None):  # type: ignore[no-untyped-def]
    """Partner evidence (issue 19) from `distillguard match`'s sightings file, or None."""
    if path is None:
        return None
    from distillguard.linking.partner import PartnerEvidence

    return PartnerEvidence(path)


def open_run(store: Path, run: Run, until_us: int | None = None) -> None:
    """Point `run` at `store` for the stages after ingest: its engine, accounts and settings."""
    run.engine = open_engine(store)
    run.all_accounts = run.engine.sql("SELECT DISTINCT account_id FROM exchanges ORDER BY account_id")["account_id"]
    run.until_us = until_us
    if until_us is not None:
        run.engine.restrict_until(until_us)
    run.settings = run.policy.stage_settings()
    if run.partner is not None:  # partner evidence (issue 19) weighs with the run's [partner] settings
        run.partner.use(run.settings.partner)


def _analyse(store: Path, until_us: int | None, run: Run, result: DetectResult) -> None:
    """Every stage after ingest on `store`, into `run.out`; fills in `result`'s counts."""
    open_run(store, run, until_us)
    with tempfile.TemporaryDirectory(prefix="distillguard-derived-") as tmp:
        run.spill_dir = Path(tmp)
        run_stages(FEATURES + VERDICTS, run)
    result.accounts = len(run.all_accounts)
    result.flagged = int(run.decision.flagged.sum())  # type: ignore[union-attr]
    result.campaigns = len(run.campaigns)  # type: ignore[arg-type]


@dataclass
class Features:
    """Everything detection derives per exchange and per account before linking."""

    classified: pa.Table | None
    exchange_templates: pa.Table
    templates: pa.Table
    fingerprints: pa.Table


def compute_features(engine, say: OnStage, timings: StageTimes,  # type: ignore[no-untyped-def]
                     classify_per_account: int | None = CLASSIFY_PER_ACCOUNT) -> Features:
    """Classify exchanges, mine templates and build fingerprints (the `FEATURES` stages).

    Registers each table on `engine`.
    `classify_per_account` caps how many exchanges of one account the classifier reads (a
    deterministic sample; None: all), as `Policy.classify_per_account` explains.
    """
    run = Run(Policy(classify_per_account=classify_per_account), say, timings, engine=engine)
    run_stages(FEATURES, run)
    return Features(run.classified, run.exchange_templates, run.templates, run.fingerprints)  # type: ignore[arg-type]


def spill_table(engine, name: str, table: pa.Table, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Write `table` to Parquet in `folder` and make `name` on `engine` a view over that file."""
    path = folder / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd", compression_level=1)
    engine.con.unregister(name)
    quoted = str(path).replace("'", "''")
    engine.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{quoted}')")
