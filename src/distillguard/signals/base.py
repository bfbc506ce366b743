"""What a detection signal is: an id, metadata, parameters, and one way to evaluate.

Signals are detection-as-code (see docs/signals/ and STYLE.md section 2). A signal either
scores exchanges batch by batch (`score_batch`, Arrow in, Arrow out) or evaluates a whole
table of accounts (`evaluate`). Each ships a ``<module>.cases.yaml`` with hit and no-hit
cases that the test-suite runs.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from distillguard.errors import SignalMetadataError

STATUSES = ("experimental", "test", "stable", "deprecated")
SEVERITIES = ("low", "medium", "high")
SUBJECTS = ("exchange", "account", "campaign")


@dataclass
class Context:
    """What a signal may read: named Arrow tables, a seeded RNG and a fixed 'now'."""

    tables: dict[str, pa.Table]
    now_us: int | None = None
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))

    def table(self, name: str) -> pa.Table:
        return self.tables[name]


class Signal:
    """Base class. Subclasses set the metadata class attributes and implement one method."""

    id: ClassVar[str] = ""
    category: ClassVar[str] = ""
    status: ClassVar[str] = "experimental"
    severity: ClassVar[str] = "medium"
    subject: ClassVar[str] = "exchange"
    needs: ClassVar[tuple[str, ...]] = ()
    version: ClassVar[int] = 1
    false_positives: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, Any]:
        """Parameters by the names in `__init__`'s signature (written into every hit)."""
        sig = inspect.signature(type(self).__init__)
        return {n: getattr(self, n) for n in sig.parameters if n != "self"}

    def validate_params(self) -> None:
        """Raise SignalParamError when a parameter is out of range."""

    def score_batch(self, batch: pa.RecordBatch | pa.Table) -> pa.Array:
        """Score each exchange of a batch in [0, 1] (exchange signals)."""
        raise NotImplementedError

    def evaluate(self, ctx: Context) -> pa.Table:
        """Return rows of `signal_hits` (subject_id, score, params) for account/campaign signals."""
        raise NotImplementedError

    @classmethod
    def cases_path(cls) -> Path:
        module = inspect.getfile(cls)
        return Path(module).with_suffix(".cases.yaml")

    @classmethod
    def check_metadata(cls) -> None:
        problems = []
        if not cls.id or not cls.id.startswith("DG-"):
            problems.append("id must look like DG-<CAT>-<NNNN>")
        if cls.status not in STATUSES:
            problems.append(f"status must be one of {STATUSES}")
        if cls.severity not in SEVERITIES:
            problems.append(f"severity must be one of {SEVERITIES}")
        if cls.subject not in SUBJECTS:
            problems.append(f"subject must be one of {SUBJECTS}")
        if not cls.category:
            problems.append("category is empty")
        if not (cls.__doc__ or "").strip():
            problems.append("docstring is empty")
        if cls.status == "stable" and not cls.false_positives:
            problems.append("a stable signal needs a false-positive list")
        if problems:
            raise SignalMetadataError(f"signal {cls.__name__} ({cls.id or 'no id'}): " + "; ".join(problems),
                                      signal_id=cls.id)
