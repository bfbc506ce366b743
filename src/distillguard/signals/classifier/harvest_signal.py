"""DG-CLS-0001: an exchange looks like dataset production (the classifier's harvest head)."""

from __future__ import annotations

import pyarrow as pa

from distillguard.errors import SignalParamError
from distillguard.signals.base import Signal
from distillguard.signals.registry import register


@register
class HarvestScore(Signal):
    """Score how much one exchange looks like dataset production rather than use.

    The calibrated harvest head of the exchange classifier: full-reasoning requests, boxed
    answers, strict output formats for parsing, batches of items, rubric tables, maximal output
    length, judge/grader templates, instruction-generation and rewrite templates.
    """

    id = "DG-CLS-0001"
    category = "harvest"
    status = "test"
    severity = "medium"
    subject = "exchange"
    needs = ("exchanges",)
    version = 5
    false_positives = (
        "Teams running their own LLM-as-judge or reward-model evaluations against the API (legitimate grading).",
        "Eval harnesses with strict answer formats (\\boxed{}, JSON only, 'answer with a number').",
        "Customers generating synthetic test data or FAQ variants for their own product.",
        "Teachers asking for worked, step-by-step solutions.",
    )

    def __init__(self, threshold: float | None = None) -> None:
        self.threshold = threshold

    def validate_params(self) -> None:
        if self.threshold is not None and not 0 <= self.threshold <= 1:
            raise SignalParamError(self.id, "threshold", "must be in [0, 1] (or unset for the model's own)")

    @property
    def default_threshold(self) -> float:
        """The threshold at which a score counts as a hit (the model's 1%-benign operating point)."""
        from distillguard.signals.classifier import load_model

        return self.threshold if self.threshold is not None else load_model().harvest_threshold

    def score_batch(self, batch: pa.RecordBatch | pa.Table) -> pa.Array:
        from distillguard.signals.classifier import classify

        return classify(batch, explain=False).column("harvest").combine_chunks()
