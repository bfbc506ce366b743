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


# Help shows a flag bare and a value as a plain word, not typer's `<bool>` / `<list[Path]>`.
_METAVARS = {bool: "", int: "INTEGER", float: "NUMBER", str: "TEXT"}


def plain_metavars(app: object) -> None:
    """Give every option and argument of `app` (and its sub-apps) without a metavar a plain one."""
    import inspect
    import typing
    from pathlib import Path

    from typer.models import ArgumentInfo, OptionInfo

    def word(annotation: object) -> str | None:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) is list:
            inner = word(args[0]) if args else None
            return inner if inner else None
        if args and typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            return word(args[0])
        if isinstance(annotation, type) and issubclass(annotation, Path):
            return "PATH"
        return _METAVARS.get(annotation) if isinstance(annotation, type) else None

    def visit(typer_app: object) -> None:
        for cmd in getattr(typer_app, "registered_commands", []):
            fn = cmd.callback
            if fn is None:
                continue
            hints = typing.get_type_hints(inspect.unwrap(fn))
            for name, p in inspect.signature(fn).parameters.items():
                info = p.default
                if isinstance(info, (OptionInfo, ArgumentInfo)) and info.metavar is None:
                    label = word(hints.get(name))
                    if label is not None:
                        info.metavar = label
        for group in getattr(typer_app, "registered_groups", []):
            visit(group.typer_instance)

    visit(app)
    _bare_flags()


def _bare_flags() -> None:
    """typer 0.29 labels every flag (--help and the root options too) `<bool>` and repeats an
    argument's type beside its name; show flags bare and an argument by its name only."""
    from typer import core

    if getattr(core.TyperOption, "_dg_plain", False):
        return
    option_type = core.TyperOption.display_type_rich

    def option_display(self, ctx):  # type: ignore[no-untyped-def]
        return None if self.is_flag and self.metavar is None else option_type(self, ctx)

    def argument_display(self, ctx):  # type: ignore[no-untyped-def]
        return None

    core.TyperOption.display_type_rich = option_display  # type: ignore[method-assign]
    core.TyperArgument.display_type_rich = argument_display  # type: ignore[method-assign]
    core.TyperOption._dg_plain = True  # type: ignore[attr-defined]
