"""Fixtures for the report tests: a tiny hand-made world (store + results) and its built report."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_world import build_world


@pytest.fixture(scope="session")
def report_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_world(tmp_path_factory.mktemp("report-world"))


@pytest.fixture(scope="session")
def built_report(report_world: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from distillguard.outputs.report import build_report

    out = tmp_path_factory.mktemp("report") / "report"
    build_report(report_world["results"], report_world["store"], out)
    return out
