"""Rich progress on stderr for long commands: one line per stage, with counts and rates.

Shown only when stderr is a terminal and `-q` is not given (`_common.show_progress`); else the
listener is None and the stages report to nobody.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from distillguard import progress as _progress
from distillguard.cli._common import err


class StageBars:
    """A `progress.Listener` that draws a rich bar per stage; a new stage ends the previous ones
    (except those running in the background, which end on `finish`)."""

    def __init__(self, unit: str = "records") -> None:
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.unit = unit
        self._lock = threading.Lock()
        self._tasks: dict[str, int] = {}
        self._background: set[str] = set()
        self.bars = Progress(SpinnerColumn(finished_text="[green]✓[/green]"), TextColumn("{task.description:<13}"),
                             TextColumn("{task.fields[count]}"), TimeElapsedColumn(), console=err, transient=False)

    def _task(self, name: str) -> int:
        if name not in self._tasks:
            self._tasks[name] = self.bars.add_task(name, total=None, count="")
        return self._tasks[name]

    def stage(self, name: str) -> None:
        """A new stage starts: the foreground stages before it are done."""
        with self._lock:
            for other, tid in self._tasks.items():
                if other != name and other not in self._background:
                    self._done(tid)
            self._task(name)

    def _done(self, tid: int) -> None:
        task = self.bars.tasks[tid] if tid < len(self.bars.tasks) else None
        if task is not None and not task.finished:
            self.bars.update(tid, total=max(task.completed, 1), completed=max(task.completed, 1))
            self.bars.stop_task(tid)

    def advance(self, task: str, n: int) -> None:
        with self._lock:
            tid = self._task(task)
            self.bars.advance(tid, n)
            self._count(tid)

    def update(self, task: str, completed: int) -> None:
        with self._lock:
            tid = self._task(task)
            self.bars.update(tid, completed=completed)
            self._count(tid)

    def _count(self, tid: int) -> None:
        t = self.bars.tasks[tid]
        rate = t.completed / t.elapsed if t.elapsed else 0.0
        self.bars.update(tid, count=f"{int(t.completed):,} {self.unit}  {rate:,.0f}/s")

    def finish(self, task: str) -> None:
        with self._lock:
            if task in self._tasks:
                self._done(self._tasks[task])

    def background(self, task: str) -> None:
        with self._lock:
            self._background.add(task)
            self._task(task)

    def close(self) -> None:
        with self._lock:
            for tid in self._tasks.values():
                self._done(tid)


@contextmanager
def stage_progress(enabled: bool, unit: str = "records") -> Iterator[StageBars | None]:
    """Bars while the block runs when `enabled`; yields the listener (None when off)."""
    if not enabled:
        with _progress.listening(None):
            yield None
        return
    bars = StageBars(unit)
    with bars.bars, _progress.listening(bars):
        try:
            yield bars
        finally:
            bars.close()
