"""The declared stages of `detect` (pipeline.STAGES): their order, names and what each reads."""

from distillguard import pipeline


def test_timed_stages_are_the_json_timing_keys_in_order():
    # `detect --json` reports seconds and peak memory under these names (benchmarks read them)
    timed = [s.name for s in pipeline.STAGES if s.timed]
    assert timed == ["ingest", "classify", "templates", "fingerprints", "account_risk", "linking", "decide",
                     "coordination", "operators", "write"]


def test_each_stage_reads_only_what_an_earlier_stage_wrote():
    first, *rest = pipeline.STAGES
    written = set(first.writes)
    for stage in rest:
        missing = set(stage.reads) - written
        assert not missing, f"{stage.name} reads {sorted(missing)} before any stage writes it"
        written |= set(stage.writes)


def test_stage_names_are_unique_and_features_come_first():
    names = [s.name for s in pipeline.STAGES]
    assert len(names) == len(set(names))
    assert pipeline.STAGES == pipeline.INGEST + pipeline.FEATURES + pipeline.VERDICTS
    assert [s.name for s in pipeline.FEATURES][-1] == "fingerprints"  # compute_features stops there
