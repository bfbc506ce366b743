"""Execution engines. Set-based logic is portable SQL; per-record work maps over Arrow batches.

`open_engine(store)` returns the embedded DuckDB engine (the default). See
docs/design/0001-engine.md for why, and for how the same SQL runs on Spark.
"""

from distillguard.engine.base import Engine
from distillguard.engine.duckdb import DuckDBEngine, open_engine

__all__ = ["DuckDBEngine", "Engine", "open_engine"]
