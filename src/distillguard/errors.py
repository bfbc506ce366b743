"""The exception tree of distillguard.

::

    DistillguardError
    ├── ConfigError            settings missing, unknown key, bad value
    ├── InputError             whole input unusable
    │   ├── UnreadableInput    a file that cannot be opened or decoded at all
    │   ├── SchemaMismatch     a file whose columns cannot be mapped to the contract
    │   └── NoValidRecords     not one exchange record passed ingest: nothing to analyse
    ├── SignalError            DuplicateSignalId, SignalParamError, SignalMetadataError
    ├── EngineError            EngineUnsupported
    └── ExportError

Every error prints as one line: what failed, where, and what to do next (``hint``).
A bad *record* never raises: it goes to the quarantine table instead.
"""

from __future__ import annotations


class DistillguardError(Exception):
    """Base of every error distillguard raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.fields = fields

    def __str__(self) -> str:
        return self.message


class ConfigError(DistillguardError):
    """A setting is missing, unknown or has a bad value."""

    exit_code = 2


class InputError(DistillguardError):
    """A whole input is unusable."""

    exit_code = 3


class UnreadableInput(InputError):
    """A file cannot be opened, decompressed or parsed at all."""


class SchemaMismatch(InputError):
    """A file's columns cannot be mapped to the data contract."""


class NoValidRecords(InputError):
    """Not one exchange record of the input is valid: detection has nothing to analyse.

    Its own exit code (5), so a script can tell "nothing to analyse, no outputs written" from
    "outputs written, but too much was quarantined" (3).
    """

    exit_code = 5


class SignalError(DistillguardError):
    """A detection signal is misdefined."""

    exit_code = 2


class DuplicateSignalId(SignalError):
    """Two signals claim the same id."""


class SignalParamError(SignalError):
    """A signal parameter is out of range."""

    def __init__(self, signal_id: str, param: str, problem: str) -> None:
        super().__init__(f"signal {signal_id}: parameter {param!r} {problem}",
                         signal_id=signal_id, param=param)


class SignalMetadataError(SignalError):
    """A signal lacks required metadata."""


class EngineError(DistillguardError):
    """The execution engine failed."""


class EngineUnsupported(EngineError):
    """An engine cannot run a step."""

    exit_code = 2


class ExportError(DistillguardError):
    """An output could not be written."""
