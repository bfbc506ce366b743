"""Train the classifier: examples -> features -> two logistic models -> calibration -> artefact.

* Category head: multinomial logistic regression over the 10 categories (balanced class
  weights), then one softmax temperature fitted on the calibration split (probabilities keep
  summing to 1).
* Harvest head: binary logistic regression, harvest examples vs benign/use examples, then Platt
  scaling on the calibration split; its default threshold flags at most 1% of the calibration
  split's benign prompts.

Splits are by group, never by row: a benign prompt's eval suite (so a suite's shared system
prompt cannot leak), an attack template's id, a synthetic template's id. The weights are rounded
to float16 *before* calibration so the shipped artefact is exactly what was calibrated.
"""

from __future__ import annotations

import gzip
import json
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.optimize as so
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from distillguard.ingest.normalise import Rejected, normalise_exchange
from distillguard.signals.classifier import _corpus as cp
from distillguard.signals.classifier import _features as fx
from distillguard.signals.classifier._model import CATEGORIES, HARVEST_COL, K, Model

MODEL_VERSION = "2026.1"


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a trained model (written into model.json)."""

    dim: int = 1 << 17
    seed: int = 0
    per_template: int = 30
    synthetic_per_template: int = 40
    c_category: float = 4.0
    c_harvest: float = 1.0               # the value the nested inner-fold selection (benchmarks/classifier.py lofo) chose most often (5 of 8 folds)
    harvest_prior: float = 6.0           # prior mean of the production-cue weights of the harvest head (0: plain L2); chosen in 7 of 8 folds
    crop: bool = False                   # paragraph-dropout augmentation (also not chosen by that selection)
    sim_seeds: tuple[int, ...] = (1, 2)  # simulated worlds (scale tiny) added to training when the simulator exists
    sim_scale: str = "tiny"
    max_iter: int = 400
    cal_fraction: float = 0.2
    benign_limit: int | None = None      # tests: train on a subset
    flag_rate: float = 0.01              # harvest threshold: share of benign cal prompts flagged
    harvest_only_features: tuple[str, ...] = (   # dense cues the category head does not use (weight 0)
        "cue_about_outputs", "cue_about_prompts", "cue_bare_output", "cue_persona", "cue_few_shot", "cue_diversity",
        "cue_fiction_setup", "cue_chat_markup", "cue_count", "label_lines", "placeholders", "elided_lines", "open_turn")
    # dense cues that, by the threat model, can only make data production *more* likely: with
    # harvest_prior > 0 their harvest weights are kept >= 0 and shrunk towards harvest_prior, not 0
    production_cues: tuple[str, ...] = (
        "cue_rubric", "cue_judge", "cue_format", "cue_dataset", "cue_rewrite", "cue_sensitive", "cue_about_outputs",
        "cue_about_prompts", "cue_bare_output", "cue_persona", "cue_few_shot", "cue_diversity", "cue_fiction_setup",
        "cue_chat_markup", "cue_batch", "label_lines", "placeholders", "elided_lines", "open_turn", "cue_count",
        "max_tokens_at_cap", "n_gt_1", "logprobs", "top_logprobs")


def featurize_examples(examples: Sequence[cp.Example], dim: int, table: pa.Table | None = None) -> sp.csr_matrix:
    table = table if table is not None else cp.to_table(list(examples))
    parts = [fx.featurize(table.slice(lo, min(4096, table.num_rows - lo)), dim).to_csr()
             for lo in range(0, table.num_rows, 4096)]
    return sp.vstack(parts, format="csr") if parts else sp.csr_matrix((0, dim + len(fx.DENSE_NAMES)))


def fit_logreg(X: sp.csr_matrix, y: np.ndarray, c: float, max_iter: int, power: float = 1.0
               ) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic (lbfgs) logistic regression; returns coef (classes or 1, F) and intercept.

    Class weights are (n_largest / n_class) ** power: 1 is sklearn's "balanced" up to a constant,
    0.5 a softer rebalancing that keeps rare classes from swallowing generic text.
    """
    classes, counts = np.unique(y, return_counts=True)
    weights = {int(c_): float((counts.max() / n) ** power) for c_, n in zip(classes, counts)}
    clf = LogisticRegression(C=c, class_weight=weights, max_iter=max_iter, tol=1e-4)
    clf.fit(X, y)
    return clf.coef_.astype(np.float32), clf.intercept_.astype(np.float32)


def fit_logreg_prior(X: sp.csr_matrix, y: np.ndarray, c: float, max_iter: int, prior_idx: Sequence[int],
                     prior: float, tol: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Binary logistic regression (balanced class weights, as ``fit_logreg``) whose weights at
    `prior_idx` are >= 0 and shrunk towards `prior` instead of 0 (penalty 0.5 * |w - w0|^2): a cue
    no training family carries keeps weight `prior` instead of none. L-BFGS-B, deterministic.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    n, F = X.shape
    classes, counts = np.unique(y, return_counts=True)
    cw = dict(zip(classes.tolist(), (counts.max() / counts).tolist()))
    sw = np.array([cw[v] for v in y.tolist()], np.float64) * c
    total = float(sw.sum())
    ys = 2.0 * np.asarray(y, np.float64) - 1.0
    XT = X.T.tocsr()
    w0 = np.zeros(F)
    w0[list(prior_idx)] = prior

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        d = theta[:F] - w0
        m = ys * (X @ theta[:F] + theta[F])
        g = -ys * sw / (1.0 + np.exp(np.minimum(m, 500.0)))
        return (float(sw @ np.logaddexp(0.0, -m)) + 0.5 * float(d @ d)) / total, np.r_[XT @ g + d, g.sum()] / total

    bounds = [(None, None)] * (F + 1)
    for i in prior_idx:
        bounds[i] = (0.0, None)
    res = so.minimize(objective, np.r_[w0, 0.0], jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxiter": max_iter, "gtol": tol})
    return res.x[:F].astype(np.float32)[None, :], np.array([res.x[F]], np.float32)


def fit_harvest(X: sp.csr_matrix, y: np.ndarray, cfg: TrainConfig, c: float | None = None,
                prior: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The harvest head's fit: plain L2 logistic regression, or with the production-cue prior."""
    c = cfg.c_harvest if c is None else c
    prior = cfg.harvest_prior if prior is None else prior
    if prior <= 0:
        return fit_logreg(X, y, c, cfg.max_iter)
    idx = [cfg.dim + fx.DENSE_INDEX[name] for name in cfg.production_cues]
    return fit_logreg_prior(X, y, c, cfg.max_iter, idx, prior)


def harvest_threshold(benign_scores: np.ndarray, flag_rate: float) -> float:
    """Smallest threshold that flags at most `flag_rate` of these benign scores (score >= threshold)."""
    if benign_scores.size == 0:
        return 0.5
    s = np.sort(benign_scores.astype(np.float64))[::-1]
    k = int(np.floor(flag_rate * s.size))          # we may flag k prompts
    return float(np.nextafter(s[k], np.inf)) if k < s.size else 0.0


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(lse - z[np.arange(len(y)), y]))
    if len(y) == 0:
        return 1.0
    res = so.minimize_scalar(nll, bounds=(-3, 3), method="bounded", options={"xatol": 1e-4})
    return float(np.exp(res.x))


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    clf = LogisticRegression(C=1e4, max_iter=1000)
    clf.fit(z.reshape(-1, 1), y)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def world_examples(world: Path) -> list[cp.Example]:
    """Labelled exchanges of a simulated world (exchanges/ + truth/exchanges.parquet)."""
    truth = pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()
    labels = {r["request_id"]: r for r in truth}
    out: list[cp.Example] = []
    for f in sorted((world / "exchanges").iterdir()):
        if f.name.endswith((".jsonl.gz", ".jsonl")):
            opener = gzip.open if f.name.endswith(".gz") else open
            with opener(f, "rt", encoding="utf-8") as fh:
                recs = [json.loads(x) for x in fh if x.strip()]
        elif f.suffix == ".parquet":
            recs = pq.read_table(f).to_pylist()
        else:
            continue
        for rec in recs:
            lab = labels.get(rec.get("request_id"))
            if not lab or lab.get("category") not in CATEGORIES:
                continue
            try:
                normalise_exchange(rec)
            except Rejected:          # a deliberately broken record: ingest quarantines it
                continue
            harvest = 1 if lab.get("campaign") and not lab.get("mundane") else 0
            group = f"world:{world.name}:{lab.get('template_key') or lab.get('persona') or lab['category']}"
            out.append(cp.Example(rec, lab["category"], harvest, group, "world"))
    return out


def build_examples(corpus: cp.Corpus, cfg: TrainConfig, worlds: Sequence[Path] = ()) -> list[cp.Example]:
    benign = corpus.benign
    if cfg.benign_limit is not None:
        rng = random.Random(cfg.seed)
        benign = sorted(rng.sample(benign, min(cfg.benign_limit, len(benign))), key=lambda r: r["id"])
    fillers = cp.Fillers(benign)
    ex = cp.render_attacks(corpus, corpus.templates, cfg.per_template, cfg.seed, "train", fillers, crop=cfg.crop)
    ex += cp.benign_examples(benign, cfg.seed, "train")
    ex += cp.tau2_agent_examples(corpus, benign, cfg.seed, "train")
    ex += cp.synthetic_examples(fillers, cfg.seed, "train", cfg.synthetic_per_template)
    for w in worlds:
        ex += world_examples(Path(w))
    return ex


def train_model(examples: Sequence[cp.Example], cfg: TrainConfig, *, log: Callable[[str], None] = lambda s: None,
                meta: dict | None = None) -> Model:
    """Fit both heads on the 'fit' groups, calibrate on the 'cal' groups, return the model."""
    table = cp.to_table(list(examples))
    X = featurize_examples(examples, cfg.dim, table)
    split = np.array([cp.split_of(e.group, f"cal-{cfg.seed}", (1 - cfg.cal_fraction, cfg.cal_fraction))
                      for e in examples])
    fit, cal = split == "fit", split != "fit"
    ycat = np.array([CATEGORIES.index(e.category) for e in examples])
    yh = np.array([e.harvest for e in examples])
    log(f"examples: {len(examples)} ({int(fit.sum())} fit, {int(cal.sum())} calibration); features: {X.shape[1]}")

    present = np.unique(ycat[fit])
    Xc = X
    if cfg.harvest_only_features:     # production cues say *whether* data is harvested, not *which* capability
        keep = np.ones(X.shape[1])
        keep[[cfg.dim + fx.DENSE_INDEX[name] for name in cfg.harvest_only_features]] = 0.0
        Xc = X @ sp.diags(keep, format="csr")
    coef_c, icpt_c = fit_logreg(Xc[fit], ycat[fit], cfg.c_category, cfg.max_iter, power=0.5)
    hmask = fit & (yh >= 0)
    coef_h, icpt_h = fit_harvest(X[hmask], yh[hmask], cfg)
    log("fitted category and harvest heads")

    F = X.shape[1]
    W = np.zeros((F, K + 1), np.float32)
    b = np.full(K + 1, -30.0, np.float32)          # categories absent from training stay at ~0
    if len(present) == 2:                          # binary degenerate case (tiny test subsets)
        W[:, present[1]], b[present[1]] = coef_c[0], icpt_c[0]
        b[present[0]] = 0.0
    else:
        W[:, present] = coef_c.T
        b[present] = icpt_c
    W[:, HARVEST_COL], b[HARVEST_COL] = coef_h[0], icpt_h[0]
    w_text = W[:cfg.dim].astype(np.float16).astype(np.float32)
    model = Model(cfg.dim, w_text, W[cfg.dim:].copy(), b, meta=dict(meta or {}))

    logits = np.vstack([model.raw_logits(fx.featurize(table.slice(lo, min(4096, table.num_rows - lo)), cfg.dim))
                        for lo in range(0, table.num_rows, 4096)])
    model.temperature = fit_temperature(logits[cal][:, :K], ycat[cal]) if cal.any() else 1.0
    hc = cal & (yh >= 0)
    model.platt_a, model.platt_b = fit_platt(logits[hc, HARVEST_COL], yh[hc]) if hc.any() else (1.0, 0.0)
    _, h = model.calibrate(logits)
    bc = cal & (yh == 0) & np.array([e.kind == "benign" for e in examples])
    model.harvest_threshold = harvest_threshold(h[bc], cfg.flag_rate)
    model.meta.update({"model_version": MODEL_VERSION, "train_config": asdict(cfg),
                       "examples": {"total": len(examples), "fit": int(fit.sum()), "cal": int(cal.sum()),
                                    "by_kind": _count(e.kind for e in examples),
                                    "by_category": _count(e.category for e in examples)}})
    log(f"calibrated: temperature {model.temperature:.3f}, platt ({model.platt_a:.3f}, {model.platt_b:.3f}), "
        f"harvest threshold {model.harvest_threshold:.4f}")
    return model


def _count(items) -> dict[str, int]:
    out: dict[str, int] = {}
    for x in items:
        out[x] = out.get(x, 0) + 1
    return dict(sorted(out.items()))


def train(data_dir: Path, worlds: Sequence[Path] = (), cfg: TrainConfig = TrainConfig(), *,
          log: Callable[[str], None] = lambda s: None) -> Model:
    """Build the default model from ../shared/data (+ worlds). Raises ConfigError when inputs are missing."""
    from distillguard.errors import ConfigError

    missing = cp.missing_files(data_dir)
    if missing:
        raise ConfigError(f"training data not found in {data_dir}: missing {', '.join(missing)}",
                          hint="training needs a corpus folder with templates/attack.jsonl, "
                               "templates/attack_seeds.jsonl, prompts/benign.jsonl.gz and "
                               "prompts/tau2_agent_system.jsonl (docs/classifier.md); pass it with --data PATH. "
                               "detect needs none of this: the trained model ships with the package")
    for w in worlds:
        if not (Path(w) / "truth" / "exchanges.parquet").is_file():
            raise ConfigError(f"world {w} has no truth/exchanges.parquet",
                              hint="pass folders written by `distillguard simulate`")
    corpus = cp.load_corpus(data_dir)
    log(f"corpus: {len(corpus.templates)} templates, {len(corpus.benign)} benign prompts")
    worlds = list(worlds)
    sim_used: list[int] = []
    with tempfile.TemporaryDirectory(prefix="dg-train-") as tmp:
        if cfg.sim_seeds:
            try:
                from distillguard.simulate import simulate_world
            except ImportError:
                log("simulator not available: training on the corpus (and --world folders) only")
            else:
                for s in cfg.sim_seeds:
                    d = Path(tmp) / f"sim-{cfg.sim_scale}-{s}"
                    simulate_world(d, scale=cfg.sim_scale, seed=s, corpus=data_dir)
                    worlds.append(d)
                    sim_used.append(s)
                log(f"simulated worlds: scale {cfg.sim_scale}, seeds {sim_used}")
        examples = build_examples(corpus, cfg, worlds)
    meta = {"inputs": {"corpus_sha256": corpus.hashes, "simulated_seeds": sim_used,
                       "worlds": [Path(w).name for w in worlds if not Path(w).name.startswith("sim-")]}}
    return train_model(examples, cfg, log=log, meta=meta)
