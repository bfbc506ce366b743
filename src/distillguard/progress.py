"""Progress of long work: stages report it here, whoever listens shows it.

Library code calls `advance("classify", rows)` (or `finish`, `background`) wherever it works;
with no listener installed each call is one global lookup. The CLI installs a listener that
draws rich progress bars on stderr (`distillguard.cli._progress`), only when a person watches.
Calls may come from any thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Listener(Protocol):
    """Receives progress events; every method must be thread-safe."""

    def advance(self, task: str, n: int) -> None: ...

    def update(self, task: str, completed: int) -> None: ...

    def finish(self, task: str) -> None: ...

    def background(self, task: str) -> None: ...


_listener: Listener | None = None


def advance(task: str, n: int = 1) -> None:
    """`n` more units (records, pages, ...) of `task` are done."""
    if _listener is not None:
        _listener.advance(task, n)


def update(task: str, completed: int) -> None:
    """`completed` units of `task` are done in all (for work that counts its own total)."""
    if _listener is not None:
        _listener.update(task, completed)


def finish(task: str) -> None:
    """`task` is complete."""
    if _listener is not None:
        _listener.finish(task)


def background(task: str) -> None:
    """`task` runs beside the stages that start after it: it ends with `finish`, not with the next stage."""
    if _listener is not None:
        _listener.background(task)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send progress to `listener` while the block runs (None: to nobody)."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous
