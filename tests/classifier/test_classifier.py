"""The exchange classifier: output contract, behaviour on clear cases, robustness, reproducibility."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from distillguard.ingest.normalise import normalise_exchange
from distillguard.ingest.run import rows_to_table
from distillguard.schema.exchanges import EXCHANGES
from distillguard.signals.classifier import CATEGORIES, OUTPUT_SCHEMA, classify, load_model
from distillguard.signals.classifier._model import MODEL_DIR
from distillguard.testing import make_exchange

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SCHEMA = pa.schema(list(EXCHANGES.schema)[:-2])


def table_of(records: list[dict]) -> pa.Table:
    return rows_to_table([normalise_exchange(r) for r in records], SCHEMA)


def record(user, *, system=None, rid="x1", **params) -> dict:
    msgs = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
    return {"request_id": rid, "ts": "2026-03-02T10:00:00Z", "account_id": "a1", "model": "m",
            "request": {"messages": msgs, **params}}


RUBRIC = ("Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant "
          "to the user question below. Use the following score rubric. Score 1: unhelpful. Score 3: partly helpful. "
          "Score 5: excellent. Begin with a short explanation, then output the rating strictly in the format "
          "'Rating: [[score]]' where score is an integer from 1 to 5.\n\n[Question]\nWhat is a prime number?\n\n"
          "[The Start of Assistant's Answer]\nA number divisible only by 1 and itself.\n[The End of Assistant's Answer]")


@pytest.fixture(scope="module")
def mixed() -> pa.Table:
    rng = random.Random(7)
    return table_of([make_exchange(rng, i) for i in range(300)])


def test_output_schema_and_ranges(mixed):
    out = classify(mixed)
    assert out.schema.equals(OUTPUT_SCHEMA)
    assert out.num_rows == mixed.num_rows
    assert out.column("exchange_id").to_pylist() == mixed.column("exchange_id").to_pylist()
    p = np.column_stack([out.column(f"p_{c}").to_numpy() for c in CATEGORIES])
    assert p.dtype == np.float32 and (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-4)           # calibrated softmax
    h = out.column("harvest").to_numpy()
    assert ((h >= 0) & (h <= 1)).all()
    assert set(out.column("category").to_pylist()) <= set(CATEGORIES)
    assert out.column("category").to_pylist() == [CATEGORIES[i] for i in p.argmax(axis=1)]


def test_deterministic_for_the_same_input_and_batch(mixed):
    assert classify(mixed).equals(classify(mixed))
    assert classify(mixed, batch_rows=7).equals(classify(mixed, batch_rows=7))


def test_batch_independent_within_float32_rounding(mixed):
    """Batch size changes only the last bits of float32 matrix products (BLAS blocks by shape, and how
    differs by CPU), so scores agree to a stated tolerance and labels agree wherever they are not a tie."""
    a, b = classify(mixed), classify(mixed, batch_rows=7)
    assert a.column("exchange_id").equals(b.column("exchange_id"))
    for name in [f"p_{c}" for c in CATEGORIES] + ["harvest"]:
        np.testing.assert_allclose(a.column(name).to_numpy(), b.column(name).to_numpy(), rtol=1e-4, atol=1e-6)
    p = np.sort(np.column_stack([a.column(f"p_{c}").to_numpy() for c in CATEGORIES]), axis=1)
    clear = (p[:, -1] - p[:, -2]) > 1e-4
    la, lb = np.array(a.column("category").to_pylist()), np.array(b.column("category").to_pylist())
    assert (la[clear] == lb[clear]).all()


def test_rubric_grading_prompt_scores_rubric_highest_and_explains():
    out = classify(table_of([record(RUBRIC, temperature=0, max_tokens=512)])).to_pylist()[0]
    assert out["category"] == "rubric_grading"
    assert out["harvest"] >= load_model().harvest_threshold
    assert out["explanation"].startswith("harvest: ") and len(out["explanation"]) > len("harvest: ")


def test_image_exchange_is_vision():
    rec = record("x")
    rec["request"]["messages"] = [{"role": "user", "content": [
        {"type": "text", "text": "What breed is this dog?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]
    out = classify(table_of([rec])).to_pylist()[0]
    assert out["category"] == "vision"


def test_plain_question_is_other_and_not_harvest():
    out = classify(table_of([record("What should I cook tonight with leftover rice and eggs?")])).to_pylist()[0]
    assert out["category"] == "other"
    assert out["harvest"] < load_model().harvest_threshold


def test_boxed_reasoning_request_is_reasoning_harvest():
    out = classify(table_of([record("Find all real x with x^2 - 5x + 6 = 0.\n\nPlease reason step by step, and put "
                                    "your final answer within \\boxed{}.", max_tokens=32768)])).to_pylist()[0]
    assert out["category"] == "reasoning_elicitation"
    assert out["harvest"] >= load_model().harvest_threshold


def test_missing_columns_are_nulls():
    t = pa.table({"last_user_text": ["Rate each answer from 1 to 10.", None]})
    out = classify(t)
    assert out.num_rows == 2 and out.column("exchange_id").null_count == 2
    only_id = classify(pa.table({"exchange_id": ["a", "b"]}))
    p = np.column_stack([only_id.column(f"p_{c}").to_numpy() for c in CATEGORIES])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-4)
    wrong_type = classify(pa.table({"exchange_id": ["a"], "max_tokens": ["lots"], "n": [3.0]}))
    assert wrong_type.num_rows == 1


def test_empty_input():
    assert classify(SCHEMA.empty_table()).num_rows == 0
    assert classify(pa.table({"exchange_id": pa.array([], pa.string())})).schema.equals(OUTPUT_SCHEMA)


def test_artefact_is_small_and_documented():
    size = sum(f.stat().st_size for f in MODEL_DIR.iterdir())
    assert size < 5 * 1024 * 1024
    meta = load_model().meta
    assert meta["model_version"] and meta["inputs"]["corpus_sha256"]


@pytest.fixture(scope="module", params=["fixture", "open corpus"])
def corpus_dir(request, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The fixture corpus (tests/corpus_fixture.py) everywhere; the open corpus too where it is beside the repo."""
    if request.param == "fixture":
        from corpus_fixture import write_corpus

        return write_corpus(tmp_path_factory.mktemp("corpus")), 1
    if not (SHARED / "templates" / "attack.jsonl").is_file():
        pytest.skip("../shared/data not present: the fixture corpus covers this test")
    return SHARED, 6


def test_training_is_reproducible_on_a_subset(corpus_dir):
    from distillguard.signals.classifier import _corpus as cp
    from distillguard.signals.classifier import _train as tr

    folder, every = corpus_dir
    corpus = cp.load_corpus(folder)
    corpus.templates = corpus.templates[::every]
    cfg = tr.TrainConfig(dim=1 << 12, per_template=2, synthetic_per_template=2, benign_limit=300, max_iter=50)
    m1 = tr.train_model(tr.build_examples(corpus, cfg), cfg)
    m2 = tr.train_model(tr.build_examples(corpus, cfg), cfg)
    assert np.array_equal(m1.w_text, m2.w_text) and np.array_equal(m1.w_dense, m2.w_dense)
    assert m1.harvest_threshold == m2.harvest_threshold and m1.temperature == m2.temperature
    cfg3 = tr.TrainConfig(dim=1 << 12, per_template=2, synthetic_per_template=2, benign_limit=300, max_iter=50, seed=1)
    m3 = tr.train_model(tr.build_examples(corpus, cfg3), cfg3)
    assert not np.array_equal(m1.w_text, m3.w_text)


def test_train_classifier_says_what_it_needs(tmp_path):
    from typer.testing import CliRunner

    from distillguard.cli.main import app

    res = CliRunner().invoke(app, ["train", "classifier", "--data", str(tmp_path), "--out", str(tmp_path / "m")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    first = res.output.splitlines()[0]
    assert first.startswith("error: training data not found in") and "templates/attack.jsonl" in first
    assert "--data" in res.output


def test_saved_artefact_round_trips(tmp_path):
    m = load_model()
    m.save(tmp_path / "a")
    m.save(tmp_path / "b")
    assert (tmp_path / "a" / "weights.npz").read_bytes() == (tmp_path / "b" / "weights.npz").read_bytes()
    from distillguard.signals.classifier._model import Model

    m2 = Model.load(tmp_path / "a")
    assert np.array_equal(m2.w_text, m.w_text)


def test_production_cue_prior_keeps_unseen_cues_at_the_prior():
    import scipy.sparse as sp

    from distillguard.signals.classifier import _train as tr

    rng = np.random.default_rng(0)
    X = rng.random((300, 6))
    X[:, 4] = 0.0                                   # a cue no training example carries
    y = (X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(300) > 0).astype(int)
    X = sp.csr_matrix(X)
    w_plain, b_plain = tr.fit_logreg(X, y, 1.0, 500)
    w_zero, b_zero = tr.fit_logreg_prior(X, y, 1.0, 500, [], 0.0, tol=1e-8)   # no prior: the same model
    assert np.allclose(w_plain, w_zero, atol=1e-3) and np.allclose(b_plain, b_zero, atol=1e-3)
    w, _ = tr.fit_logreg_prior(X, y, 1.0, 500, [1, 4], 2.0)
    assert w[0, 1] >= 0.0 and w_plain[0, 1] < 0.0   # a production cue never lowers the score
    assert w[0, 4] == pytest.approx(2.0)            # an unseen cue keeps its prior weight
