"""benchmarks/detect.py: what it records of the machine beside the times."""

from __future__ import annotations

from tests.benchmark_scripts import load_benchmark


def test_machine_names_the_processor_the_libraries_and_a_fixed_workload_time():
    host = load_benchmark("detect").machine()
    assert isinstance(host["cpu"], str) and host["cpu"]
    assert host["cpus"] >= 1
    import duckdb
    import pyarrow

    assert host["libraries"]["duckdb"] == duckdb.__version__
    assert host["libraries"]["pyarrow"] == pyarrow.__version__
    assert 0 < host["calibration_s"] < 120
