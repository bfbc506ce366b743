"""The engine protocol every backend implements and nothing more."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import pyarrow as pa

BatchFn = Callable[[pa.RecordBatch], pa.RecordBatch]


class Engine(Protocol):
    """A place where the store's tables can be queried with portable SQL."""

    name: str

    def sql(self, query: str, params: Mapping[str, object] | None = None) -> pa.Table:
        """Run portable SQL over the store's tables and return the result as Arrow."""

    def map_batches(self, fn: BatchFn, query: str, batch_rows: int = 65_536) -> list[pa.RecordBatch]:
        """Apply per-record Python work to the batches of a query's result."""

    def register(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table under `name` for later SQL."""

    def unregister(self, *names: str) -> None:
        """Drop tables `register` exposed (best effort: a name never registered is ignored)."""

    def close(self) -> None: ...
