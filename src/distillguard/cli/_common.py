"""Shared CLI plumbing: consoles, error printing, exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from rich.console import Console

from distillguard.errors import DistillguardError

# Data and --json go to stdout; progress, logs and errors go to stderr.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., object])


def show_progress(quiet: bool) -> bool:
    """Progress bars only when a person watches stderr."""
    return not quiet and sys.stderr.isatty()


def fail(message: str, code: int, hint: str | None = None) -> None:
    err.print(f"error: {message}", markup=False)
    if hint:
        err.print(f"hint: {hint}", markup=False)
    raise SystemExit(code)


def handle_errors(fn: F) -> F:
    """Turn distillguard errors into `error: ...` lines and exit codes, never tracebacks."""

    @wraps(fn)
    def wrapper(*args: object, **kwargs: object) -> object:
        debug = "--debug" in sys.argv
        try:
            return fn(*args, **kwargs)
        except DistillguardError as exc:
            if debug:
                raise
            fail(str(exc), exc.exit_code, exc.hint)
        except KeyboardInterrupt:
            err.print("interrupted")
            raise SystemExit(130) from None
        except SystemExit:
            raise
        except Exception as exc:  # a bug: say so, and how to report it
            if debug:
                raise
            fail(f"internal error: {type(exc).__name__}: {exc}", 1,
                 "this is a bug; re-run with --debug and report the traceback")
        return None

    return wrapper  # type: ignore[return-value]
