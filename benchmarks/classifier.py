"""Benchmark the exchange classifier (never run by plain pytest).

    python benchmarks/classifier.py lofo        [--data ../shared/data] [--jobs 1]
    python benchmarks/classifier.py lofo-quick  [--c 1.0] [--prior 6]   (iteration aid, not a reported figure)
    python benchmarks/classifier.py world       [--data ../shared/data] [--test-seed 977]   (shipped model; its simulated seeds are in model.json)
    python benchmarks/classifier.py throughput  [--rows 1000000] [--source testing|world] [--explain]
    python benchmarks/classifier.py all

* lofo: leave-one-family-out recall of the harvest head. For each family F of
  templates/attack.jsonl, the harvest model is trained without F's templates *and without every
  template sharing a lineage with F* (no near-copies), on benign prompts of the 'fit' split.
  The threshold is the one that flags at most 1% of the 'cal' benign split (training side);
  recall is measured on fresh renderings of F's templates and the flag rate on the held-out
  'test' benign split. Benign prompts are split by suite / source group (60/20/20 by a hash of
  the group), never by row. Test renderings use neutral request parameters (content only).
* lofo-quick: a single-level check for iterating on features, ~30 s: fixed C and prior, threshold
  and flag rate on the benign 'cal' split (the 'test' split is never read), recall on 80 renderings
  per held-out template from seeds the benchmark does not use (202, 303). Its recall differs from
  lofo's by several points per family (other renderings, no nested selection); report lofo.
* world: macro-F1 of the shipped-recipe model on a simulated world from a seed never used in
  training (needs distillguard.simulate).
* throughput: exchanges per CPU-second of this process (BLAS/OpenMP threads pinned to 1) and peak
  RSS while classifying N exchanges streamed in Arrow batches, with ``explain=False`` (the detect
  path; ``--explain`` adds the explanation strings).

Results are printed, and written as JSON to DIR/classifier-<what>.json with --results DIR.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS: Path | None = None  # set by --results DIR


def _save(name: str, payload: dict) -> None:
    if RESULTS is None:
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"classifier-{name}.json").write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------- LOFO
# (C, prior mean of the production-cue weights; 0 = plain L2 as before)
GRID = tuple((c, prior) for c in (0.0625, 0.125, 0.25, 1.0) for prior in (0.0, 3.0, 6.0))


def lofo(data: Path, per_template: int = 30, test_per_template: int = 50, seed: int = 0, jobs: int = 1) -> dict:
    """Nested leave-one-family-out: hyper-parameters (C, production-cue prior) are chosen per
    outer fold by an inner leave-one-family-out over the *remaining* families only (threshold on the
    benign 'cal' split); the held-out family and the benign 'test' split are touched once, to report."""
    import scipy.sparse as sp
    from joblib import Parallel, delayed

    from distillguard.signals.classifier import _corpus as cp
    from distillguard.signals.classifier import _train as tr

    corpus = cp.load_corpus(data)
    cfg = tr.TrainConfig()
    dim = cfg.dim
    split = {r["id"]: cp.split_of(cp.benign_group(r), "lofo") for r in corpus.benign}
    rows = {s: [r for r in corpus.benign if split[r["id"]] == s] for s in ("fit", "cal", "test")}
    fillers = cp.Fillers(rows["fit"])
    benign_fit = cp.benign_examples(rows["fit"], seed, "train") + cp.tau2_agent_examples(corpus, rows["fit"], seed, "train")
    Xb_fit = tr.featurize_examples(benign_fit, dim)
    Xb_cal = tr.featurize_examples(cp.benign_examples(rows["cal"], seed + 1, "neutral"), dim)
    Xb_test = tr.featurize_examples(cp.benign_examples(rows["test"], seed + 2, "neutral"), dim)
    tpl = {t["id"]: t for t in corpus.templates}
    ex = cp.render_attacks(corpus, corpus.templates, per_template, seed, "train", fillers)
    pos, pos_ids = tr.featurize_examples(ex, dim), np.array([e.template_id for e in ex])
    test_ex = cp.render_attacks(corpus, corpus.templates, test_per_template, seed + 101, "neutral", fillers)
    Xt, t_ids = tr.featurize_examples(test_ex, dim), np.array([e.template_id for e in test_ex])
    families = sorted({t["family"] for t in corpus.templates})

    def train_ids(held_fams: set[str]) -> set[str]:
        lin = {t.get("lineage") for t in corpus.templates if t["family"] in held_fams}
        return {i for i, t in tpl.items() if t["family"] not in held_fams and t.get("lineage") not in lin}

    def fit(ids: set[str], c: float, prior: float):
        m = np.isin(pos_ids, sorted(ids))
        Xp = pos[m]
        X = sp.vstack([Xp, Xb_fit], format="csr")
        y = np.r_[np.ones(Xp.shape[0], int), np.zeros(Xb_fit.shape[0], int)]
        coef, icpt = tr.fit_harvest(X, y, cfg, c, prior)
        w, b = coef[0], icpt[0]
        thr = tr.harvest_threshold(np.asarray(Xb_cal @ w).ravel() + b, 0.01)
        return w, b, thr

    def recall_on(fam: str, w, b, thr) -> float:
        m = np.isin(t_ids, [i for i, t in tpl.items() if t["family"] == fam])
        return float(np.mean(np.asarray(Xt[m] @ w).ravel() + b >= thr))

    def inner(outer: str, c: float, prior: float, g: str) -> float:
        w, b, thr = fit(train_ids({outer, g}), c, prior)
        return recall_on(g, w, b, thr)

    jobs_list = [(o, c, prior, g) for o in families for (c, prior) in GRID for g in families if g != o]
    t0 = time.perf_counter()
    vals = Parallel(n_jobs=jobs, backend="threading")(delayed(inner)(*j) for j in jobs_list)
    inner_scores: dict = {}
    for (o, c, prior, g), v in zip(jobs_list, vals):
        inner_scores.setdefault(o, {}).setdefault((c, prior), []).append(v)
    print(f"  inner selection: {len(jobs_list)} fits in {time.perf_counter() - t0:.0f}s", flush=True)

    out: dict = {"split": {s: {"prompts": len(v), "groups": len({cp.benign_group(r) for r in v})}
                           for s, v in rows.items()},
                 "grid": [list(g) for g in GRID], "families": {}}
    for fam in families:
        means = {k: float(np.mean(v)) for k, v in inner_scores[fam].items()}
        best = max(GRID, key=lambda k: (means[k], k[0]))
        ids = train_ids({fam})
        w, b, thr = fit(ids, *best)
        rec = recall_on(fam, w, b, thr)
        per_tpl = {i: float(np.mean(np.asarray(Xt[t_ids == i] @ w).ravel() + b >= thr))
                   for i, t in tpl.items() if t["family"] == fam}
        fpr_test = float(np.mean(np.asarray(Xb_test @ w).ravel() + b >= thr))
        fpr_cal = float(np.mean(np.asarray(Xb_cal @ w).ravel() + b >= thr))
        held = sum(1 for t in tpl.values() if t["family"] == fam)
        out["families"][fam] = {"recall": rec, "benign_flag_rate_test": fpr_test, "benign_flag_rate_cal": fpr_cal,
                                "chosen": {"C": best[0], "prior": best[1]}, "inner_mean_recall": means[best],
                                "templates_held_out": held, "train_templates": len(ids),
                                "templates_excluded_by_lineage": len(tpl) - held - len(ids),
                                "per_template_recall": per_tpl}
        print(f"  {fam:24s} recall {rec:6.1%}  benign flag rate held-out {fpr_test:6.2%} (cal {fpr_cal:.2%})  "
              f"held out {held}, lineage-excluded {len(tpl) - held - len(ids)}, chose C={best[0]} prior={best[1]}",
              flush=True)
    rec = [v["recall"] for v in out["families"].values()]
    fpr = [v["benign_flag_rate_test"] for v in out["families"].values()]
    out["mean_recall"] = float(np.mean(rec))
    out["mean_benign_flag_rate_test"] = float(np.mean(fpr))
    out["max_benign_flag_rate_test"] = float(np.max(fpr))
    print(f"  mean unseen-family recall {out['mean_recall']:.1%} at mean held-out benign flag rate "
          f"{out['mean_benign_flag_rate_test']:.2%} (max {out['max_benign_flag_rate_test']:.2%})")
    return out


def lofo_quick(data: Path, c: float, prior: float, per_template: int = 30, seed: int = 0) -> dict:
    """Single-level leave-one-family-out at fixed (C, prior) on the training side only (see the module doc)."""
    import scipy.sparse as sp

    from distillguard.signals.classifier import _corpus as cp
    from distillguard.signals.classifier import _train as tr

    corpus = cp.load_corpus(data)
    cfg = tr.TrainConfig()
    split = {r["id"]: cp.split_of(cp.benign_group(r), "lofo") for r in corpus.benign}
    rows = {s_: [r for r in corpus.benign if split[r["id"]] == s_] for s_ in ("fit", "cal")}
    fillers = cp.Fillers(rows["fit"])
    Xb_fit = tr.featurize_examples(cp.benign_examples(rows["fit"], seed, "train")
                                   + cp.tau2_agent_examples(corpus, rows["fit"], seed, "train"), cfg.dim)
    Xb_cal = tr.featurize_examples(cp.benign_examples(rows["cal"], seed + 1, "neutral"), cfg.dim)
    ex = cp.render_attacks(corpus, corpus.templates, per_template, seed, "train", fillers)
    Xp, pid = tr.featurize_examples(ex, cfg.dim), np.array([e.template_id for e in ex])
    dev = [e for k in (202, 303) for e in cp.render_attacks(corpus, corpus.templates, 40, seed + k, "neutral", fillers)]
    Xd, did = tr.featurize_examples(dev, cfg.dim), np.array([e.template_id for e in dev])
    tpl = {t["id"]: t for t in corpus.templates}
    out: dict = {"C": c, "prior": prior, "families": {}}
    for fam in sorted({t["family"] for t in corpus.templates}):
        lin = {t.get("lineage") for t in corpus.templates if t["family"] == fam}
        m = np.isin(pid, sorted(i for i, t in tpl.items() if t["family"] != fam and t.get("lineage") not in lin))
        X = sp.vstack([Xp[m], Xb_fit], format="csr")
        y = np.r_[np.ones(int(m.sum()), int), np.zeros(Xb_fit.shape[0], int)]
        coef, icpt = tr.fit_harvest(X, y, cfg, c, prior)
        thr = tr.harvest_threshold(np.asarray(Xb_cal @ coef[0]).ravel() + icpt[0], 0.01)
        fm = np.isin(did, [i for i, t in tpl.items() if t["family"] == fam])
        rec = float(np.mean(np.asarray(Xd[fm] @ coef[0]).ravel() + icpt[0] >= thr))
        out["families"][fam] = rec
        print(f"  {fam:24s} recall {rec:6.1%}", flush=True)
    out["mean_recall"] = float(np.mean(list(out["families"].values())))
    print(f"  mean {out['mean_recall']:.1%} (C={c}, prior={prior}; training side only, not a reported figure)")
    return out


# ---------------------------------------------------------------------------------------- world
def world(data: Path, train_seeds: list[int], test_seed: int, scale: str, workdir: Path) -> dict:
    try:
        from distillguard.simulate import simulate_world
    except ImportError as exc:
        return {"skipped": f"distillguard.simulate not available: {exc}"}
    from distillguard.signals.classifier import CATEGORIES, classify
    from distillguard.signals.classifier import _corpus as cp
    from distillguard.signals.classifier import _train as tr
    from sklearn.metrics import classification_report, f1_score

    from distillguard.signals.classifier import load_model

    model = load_model()   # the shipped artefact: `distillguard train classifier` (simulated seeds in model.json)
    train_seeds = list(model.meta.get("inputs", {}).get("simulated_seeds", []))
    assert test_seed not in train_seeds, "the test world's seed was used in training"
    d = workdir / f"world-{scale}-{test_seed}"
    if not (d / "truth" / "exchanges.parquet").exists():
        simulate_world(d, scale=scale, seed=test_seed, corpus=data)
    test_ex = tr.world_examples(d)
    table = cp.to_table(test_ex)
    t0 = time.perf_counter()
    pred = classify(table, model=model)
    dt = time.perf_counter() - t0
    y_true = [e.category for e in test_ex]
    y_pred = pred.column("category").to_pylist()
    labels = sorted(set(y_true))
    macro = float(f1_score(y_true, y_pred, labels=labels, average="macro"))
    macro_all = float(f1_score(y_true, y_pred, labels=list(CATEGORIES), average="macro", zero_division=0))
    report = classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    print(classification_report(y_true, y_pred, labels=labels, zero_division=0))
    print(f"  macro-F1 over categories present in the test world: {macro:.3f} (over all 10: {macro_all:.3f}); "
          f"{len(test_ex)} exchanges, train seeds {train_seeds}, test seed {test_seed}")
    return {"macro_f1_present": macro, "macro_f1_all10": macro_all, "n": len(test_ex), "train_seeds": train_seeds,
            "test_seed": test_seed, "scale": scale, "report": report, "classify_seconds": dt}


# ---------------------------------------------------------------------------------------- throughput
def _testing_batches(rows: int, batch: int):
    from distillguard.ingest.normalise import normalise_exchange
    from distillguard.ingest.run import rows_to_table
    from distillguard.schema.exchanges import EXCHANGES
    from distillguard.testing import make_exchange
    import pyarrow as pa

    schema = pa.schema(list(EXCHANGES.schema)[:-2])
    rng = random.Random(0)
    base = rows_to_table([normalise_exchange(make_exchange(rng, i)) for i in range(min(rows, 20_000))], schema)
    return base


def throughput(rows: int, source: str, batch: int = 65_536, data: Path | None = None, workdir: Path | None = None,
               explain: bool = False) -> dict:
    import pyarrow as pa
    from distillguard.signals.classifier import classify_batches, load_model

    if source == "world":
        import pyarrow.parquet as pq
        import subprocess

        d = workdir / "world-small-4242"
        cached = d / "classifier-base.parquet"
        if not cached.exists():
            # built in a child process: parsing the world's JSON into Python dicts takes GBs that would
            # otherwise dominate this process's peak RSS (what we want is the classifier's)
            code = ("import sys; from pathlib import Path; import pyarrow.parquet as pq; "
                    "from distillguard.signals.classifier import _corpus as cp, _train as tr; "
                    "d = Path(sys.argv[1]); pq.write_table(cp.to_table(tr.world_examples(d)), d / 'classifier-base.parquet')")
            if not (d / "truth" / "exchanges.parquet").exists():
                from distillguard.simulate import simulate_world
                simulate_world(d, scale="small", seed=4242, corpus=data)
            subprocess.run([sys.executable, "-c", code, str(d)], check=True)
        from distillguard.signals.classifier._features import INPUT_COLUMNS
        names = set(pq.read_schema(cached).names)
        base = pq.read_table(cached, columns=[c for c in INPUT_COLUMNS if c in names])
    elif source == "corpus":
        from distillguard.signals.classifier import _corpus as cp
        corpus = cp.load_corpus(data)
        fillers = cp.Fillers(corpus.benign)
        ex = cp.benign_examples(corpus.benign[:15000], 0, "neutral") + \
            cp.render_attacks(corpus, corpus.templates, 40, 0, "neutral", fillers)
        base = cp.to_table(ex)
    else:
        base = _testing_batches(rows, batch)
    if source != "world":     # the same projection for every source: the columns the classifier reads
        from distillguard.signals.classifier._features import INPUT_COLUMNS
        base = base.select([c for c in INPUT_COLUMNS if c in base.column_names])
    model = load_model()
    text_bytes = sum(pa.compute.sum(pa.compute.binary_length(base.column(c))).as_py() or 0
                     for c in ("system_prompt", "last_user_text"))
    reps = -(-rows // base.num_rows)

    def batches():
        left = rows
        for _ in range(reps):
            for b in base.to_batches(max_chunksize=batch):
                if left <= 0:
                    return
                b = b.slice(0, min(left, b.num_rows))
                left -= b.num_rows
                yield b

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    n = 0
    harvest_sum = 0.0
    for out in classify_batches(batches(), model=model, explain=explain):
        n += out.num_rows
        harvest_sum += float(np.sum(out.column("harvest").to_numpy()))
    dt = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res = {"rows": n, "source": source, "seconds": dt, "cpu_seconds": cpu, "rows_per_s": n / dt,
           "rows_per_cpu_s": n / cpu, "peak_rss_mb": rss_mb, "mean_prompt_chars": text_bytes / base.num_rows,
           "batch_rows": batch, "threads": os.environ.get("OMP_NUM_THREADS"), "explain": explain}
    print(f"  {n:,} exchanges ({source}, mean prompt {res['mean_prompt_chars']:.0f} bytes, explain={explain}) in {dt:.1f}s: "
          f"{n / dt:,.0f} exchanges/s wall, {n / cpu:,.0f}/CPU-s; peak RSS {rss_mb:,.0f} MiB")
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=("lofo", "lofo-quick", "world", "throughput", "all"))
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--source", choices=("testing", "corpus", "world"), default="testing")
    ap.add_argument("--train-seeds", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--test-seed", type=int, default=977)
    ap.add_argument("--scale", default="tiny")
    ap.add_argument("--explain", action="store_true",
                    help="throughput: also build the explanation strings (the detect path runs without them)")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/distillguard-bench-worlds"))
    ap.add_argument("--results", type=Path, default=None, help="Folder for the JSON results.")
    ap.add_argument("--jobs", type=int, default=1, help="lofo: threads for the inner fits (the machine is shared).")
    ap.add_argument("--c", type=float, default=1.0, help="lofo-quick: C of the harvest head.")
    ap.add_argument("--prior", type=float, default=6.0, help="lofo-quick: prior mean of the production-cue weights.")
    a = ap.parse_args(argv)
    global RESULTS
    RESULTS = a.results
    if a.what in ("lofo", "all"):
        print("leave-one-family-out (harvest head):")
        _save("lofo", lofo(a.data, jobs=a.jobs))
    if a.what == "lofo-quick":
        _save("lofo-quick", lofo_quick(a.data, a.c, a.prior))
    if a.what in ("world", "all"):
        print("world macro-F1:")
        _save("world", world(a.data, a.train_seeds, a.test_seed, a.scale, a.workdir))
    if a.what in ("throughput", "all"):
        print("throughput:")
        _save(f"throughput-{a.source}{'-explain' if a.explain else ''}",
              throughput(a.rows, a.source, data=a.data, workdir=a.workdir, explain=a.explain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
