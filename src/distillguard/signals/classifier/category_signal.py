"""DG-CLS-0002: an exchange belongs to a distillation-relevant capability category."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from distillguard.errors import SignalParamError
from distillguard.signals.base import Signal
from distillguard.signals.registry import register

TARGETS = ("reasoning_elicitation", "rubric_grading", "tool_use", "coding", "computer_use", "vision",
           "synthetic_data", "censorship_rewrite", "roleplay")


@register
class CapabilityCategory(Signal):
    """Score the probability that an exchange exercises one of the watched capability categories.

    The score is the largest calibrated category probability among `categories` (by default
    every category except `other`), from the exchange classifier's category head.
    """

    id = "DG-CLS-0002"
    category = "capability"
    status = "experimental"
    severity = "low"
    subject = "exchange"
    needs = ("exchanges",)
    version = 4
    false_positives = (
        "Ordinary coding, agent and role-play traffic is in these categories too: this signal says *what*, "
        "not *whether it is an attack*; combine it with DG-CLS-0001 and account-level signals.",
        "Benign image questions score as vision; tool-heavy customer-service agents score as tool_use.",
    )

    def __init__(self, categories: tuple[str, ...] = TARGETS, threshold: float = 0.5) -> None:
        self.categories = tuple(categories)
        self.threshold = threshold

    def validate_params(self) -> None:
        unknown = [c for c in self.categories if c not in TARGETS + ("other",)]
        if unknown or not self.categories:
            raise SignalParamError(self.id, "categories", f"must be a non-empty subset of {TARGETS + ('other',)}")
        if not 0 < self.threshold <= 1:
            raise SignalParamError(self.id, "threshold", "must be in (0, 1]")

    @property
    def default_threshold(self) -> float:
        return self.threshold

    def score_batch(self, batch: pa.RecordBatch | pa.Table) -> pa.Array:
        from distillguard.signals.classifier import classify

        out = classify(batch, explain=False)
        probs = np.column_stack([out.column(f"p_{c}").to_numpy() for c in self.categories]) if out.num_rows \
            else np.zeros((0, 1), np.float32)
        return pa.array(probs.max(axis=1).astype(np.float32), pa.float32())
