"""Per-exchange traffic classifier: capability category, harvest score, explanation.

``classify(table)`` takes canonical ``exchanges`` rows (any subset of the columns; a missing
column is treated as nulls) and returns one row per exchange:

``exchange_id``, ``p_<category>`` for the 10 categories (float32, summing to 1), ``category``
(the most likely one), ``harvest`` (float32 in [0, 1]: how much the exchange looks like dataset
production rather than use) and ``explanation`` (the few features or spans that drove the score).

The default model is a hashed-n-gram + structural-feature linear model shipped in ``model/``
and rebuilt by ``distillguard train classifier`` (see docs/classifier.md). It runs on CPU,
batch by batch, with bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from distillguard.signals.classifier._model import CATEGORIES, MODEL_DIR, OUTPUT_SCHEMA, Model

DEFAULT_BATCH_ROWS = 65_536


@lru_cache(maxsize=4)
def _load(directory: str) -> Model:
    return Model.load(Path(directory))


def load_model(directory: Path | None = None) -> Model:
    """Load (and cache) a classifier artefact; the shipped one by default."""
    return _load(str(directory or MODEL_DIR))


def classify_batches(batches: Iterable[pa.RecordBatch | pa.Table], *, model: Model | None = None,
                     explain: bool = True) -> Iterator[pa.RecordBatch]:
    """Classify a stream of exchange batches, yielding one output batch per input batch."""
    model = model or load_model()
    for batch in batches:
        yield model.predict_batch(batch, explain=explain)


def classify(table: pa.Table | pa.RecordBatch, *, model: Model | None = None, explain: bool = True,
             batch_rows: int = DEFAULT_BATCH_ROWS) -> pa.Table:
    """Classify canonical exchange rows.

    Parameters
    ----------
    table
        Rows of the ``exchanges`` table; any subset of its columns.
    model
        A loaded `Model`; the shipped artefact when omitted.
    explain
        Build the ``explanation`` strings (empty strings when False, the fast path the detect
        pipeline uses; explain the few exchanges shown to analysts with `explain_rows`).
    batch_rows
        Rows handled per step; memory is bounded by this, not by the table size.

    Returns
    -------
    pa.Table
        ``exchange_id``, ``p_<category>`` x 10, ``category``, ``harvest``, ``explanation``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> out = classify(pa.table({"exchange_id": ["e1"], "last_user_text": ["Rate each response on a scale of 1 to 10."]}))
    >>> out.column_names[:2], out.num_rows
    (['exchange_id', 'p_reasoning_elicitation'], 1)
    """
    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    batches = table.to_batches(max_chunksize=batch_rows) if table.num_rows else []
    out = list(classify_batches(batches, model=model, explain=explain))
    return pa.Table.from_batches(out, schema=OUTPUT_SCHEMA) if out else OUTPUT_SCHEMA.empty_table()


def explain_rows(table: pa.Table | pa.RecordBatch, *, model: Model | None = None) -> pa.Array:
    """Explanation strings for a (small) selection of exchanges.

    The detect path classifies everything with ``explain=False``; the few exchanges an analyst
    sees are explained afterwards with this function. Row ``i`` of the result is exactly the
    ``explanation`` that ``classify(table, explain=True)`` gives row ``i``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> expl = explain_rows(pa.table({"last_user_text": ["Rate each response on a scale of 1 to 10."]}))
    >>> len(expl), expl[0].as_py().split(": ")[0] in ("harvest", *CATEGORIES)
    (1, True)
    """
    out = classify(table, model=model, explain=True)
    return out.column("explanation").combine_chunks() if out.num_rows else pa.array([], pa.string())


__all__ = ["CATEGORIES", "DEFAULT_BATCH_ROWS", "OUTPUT_SCHEMA", "Model", "classify", "classify_batches", "explain_rows",
           "load_model"]
