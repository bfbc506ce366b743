"""Same seed, scale and config: byte-identical files."""

from __future__ import annotations

from pathlib import Path

from .conftest import make_world


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path, tiny_world):
    again, _ = make_world(tmp_path, "again", scale="tiny", seed=0)
    a, b = _files(tiny_world[0]), _files(again)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], f"{name} differs between two runs with the same seed"


def test_other_seed_other_world(tmp_path, tiny_world):
    other, _ = make_world(tmp_path, "other", scale="tiny", seed=1)
    assert _files(other)["exchanges/part-00000.jsonl.gz"] != _files(tiny_world[0])["exchanges/part-00000.jsonl.gz"]


def test_parquet_same_bytes(tmp_path):
    cfg = "[world]\nchunk_rows = 1500\n"
    one, _ = make_world(tmp_path, "p1", config=cfg, scale="tiny", seed=3, fmt="parquet")
    two, _ = make_world(tmp_path, "p2", config=cfg, scale="tiny", seed=3, fmt="parquet")
    assert _files(one) == _files(two)


def test_bytes_do_not_depend_on_workers(tmp_path):
    two, _ = make_world(tmp_path, "w2", config="[world]\nworkers = 2\nchunk_rows = 700\n", scale="tiny", seed=0)
    one, _ = make_world(tmp_path, "w1", config="[world]\nworkers = 1\nchunk_rows = 700\n", scale="tiny", seed=0)
    a, b = _files(one), _files(two)
    assert {k: v for k, v in a.items() if k != "world.json"} == {k: v for k, v in b.items() if k != "world.json"}


def test_paraphrase_does_not_depend_on_what_was_paraphrased_before():
    # Playbook rendering builds ad hoc templates under one id (every vision question is "vision"); a
    # cache keyed without the text gave each worker process whichever question it met first, so
    # playbook worlds with paraphrased vision differed between runs.
    from distillguard.simulate._builtin import VISION_QUESTIONS
    from distillguard.simulate.corpus import Template, builtin
    from distillguard.simulate.text import Texts

    corp = builtin()
    first, second = (Template("vision", "vision", None, [q], {}) for q in VISION_QUESTIONS[:2])
    warm = Texts(corp, 0)
    warm.paraphrased(first, 7, 1.0)
    assert warm.paraphrased(second, 7, 1.0) == Texts(corp, 0).paraphrased(second, 7, 1.0)
