"""The classify stage: the exchange classifier run over the store in worker processes, beside other stages.

`Classification(engine, per_account)` starts it (a feeding thread and forked workers) and
`result()` waits for the `classified` table (`CLASSIFIED_COLUMNS`); `classifier_query` is the
SELECT it reads, with the per-account sample `Policy.classify_per_account` describes. The
classifier itself is `signals/classifier/`; without it installed the stage gives None.
"""

from __future__ import annotations

import time

import pyarrow as pa

from distillguard import progress

# What detection keeps of the classifier's output; explanations are built only for what an analyst sees.
CLASSIFIED_COLUMNS = ("exchange_id", "category", "harvest")
# Long texts whose length is all the classifier uses: only the count travels to the workers.
_LENGTH_ONLY = ("response_text", "response_reasoning")


def classifier_query(engine, per_account: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """SELECT of the exchange columns the classifier reads (INPUT_COLUMNS) that the store has.

    With `per_account`, an account with more exchanges than that is represented by a
    deterministic sample of about that many (each exchange kept with probability
    per_account / n, by a hash of its id): its category mix and harvest shares are estimated
    from the sample, at a cost that grows with accounts rather than with traffic.
    """
    from distillguard.signals.classifier._features import INPUT_COLUMNS

    have = set(engine.sql("SELECT * FROM exchanges LIMIT 0").column_names)
    cols = [f'length(e."{c}") AS "{c}_chars"' if c in _LENGTH_ONLY else f'e."{c}"' for c in INPUT_COLUMNS if c in have]
    if not per_account:
        return "SELECT " + ", ".join(cols) + " FROM exchanges e"
    return (f"WITH n AS (SELECT account_id, count(*) AS n FROM exchanges GROUP BY account_id) "
            f"SELECT {', '.join(cols)} FROM exchanges e JOIN n ON n.account_id = e.account_id "
            f"WHERE n.n <= {int(per_account)} OR (hash(e.exchange_id) % 1000003) * n.n < {int(per_account)} * 1000003")


def _classify_part(batch: pa.RecordBatch) -> pa.Table:
    from distillguard.signals.classifier import classify

    out = classify(pa.Table.from_batches([batch]), explain=False).select(list(CLASSIFIED_COLUMNS))
    # a few distinct names: dictionary-encoded, the column costs 4 bytes a row instead of ~20
    return out.set_column(1, "category", out.column("category").dictionary_encode())


class Classification:
    """Classification under way: worker processes fed by a thread, while the caller works on.

    detect mines templates (one core) while the classifier runs. On two cores that buys little
    (the two workers already keep both busy: 513 -> 480 s at 21.7M exchanges); with more cores
    the stages overlap fully. The model loads, and the workers fork, before the feeding thread
    starts, so no process is forked while another thread holds a lock; the thread reads through
    its own DuckDB cursor.
    """

    def __init__(self, engine, per_account: int | None = None, workers: int | None = None) -> None:  # type: ignore[no-untyped-def]
        import multiprocessing as mp
        import os
        from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

        self.seconds = 0.0
        self._pool = None
        self._thread = None
        try:
            from distillguard.signals.classifier import load_model
        except ImportError:
            return
        load_model()
        query = classifier_query(engine, per_account)
        self.workers = workers or os.cpu_count() or 1
        if self.workers > 1 and "fork" in mp.get_all_start_methods():
            from distillguard.ingest.run import _die_with_parent

            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("fork"),
                                             initializer=_die_with_parent)
            self._pool.submit(int).result()  # forks every worker now (the fork context starts them all)
        progress.background("classify")  # it runs beside templates and fingerprints
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="dg-classify")
        self._future = self._thread.submit(self._run, engine.con.cursor(), query)

    def _run(self, con, query: str) -> pa.Table | None:  # type: ignore[no-untyped-def]
        from collections import deque

        start = time.perf_counter()
        try:
            rel = con.sql(query)
            fetch = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader
            parts: list[pa.Table] = []
            if self._pool is None:
                for b in fetch(20_000):
                    if b.num_rows:
                        parts.append(_classify_part(b))
                        progress.advance("classify", b.num_rows)
            else:
                pending: deque = deque()
                for b in fetch(20_000):
                    if b.num_rows:
                        pending.append(self._pool.submit(_classify_part, b))
                    while len(pending) > 2 * self.workers:
                        parts.append(pending.popleft().result())
                        progress.advance("classify", parts[-1].num_rows)
                for f in pending:
                    parts.append(f.result())
                    progress.advance("classify", parts[-1].num_rows)
            return pa.concat_tables(parts) if parts else None
        finally:
            con.close()
            self.seconds = time.perf_counter() - start
            progress.finish("classify")

    def result(self) -> pa.Table | None:
        """Wait for the classification; None when no classifier is installed."""
        if self._thread is None:
            return None
        try:
            return self._future.result()
        finally:
            self._thread.shutdown()
            if self._pool is not None:
                self._pool.shutdown()
