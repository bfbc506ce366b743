"""Input adapters: the logs users already have -> contract exchange records, before normalisation.

`--format` on `ingest` and `detect` picks one:

==========================  ===============================================================
format                      reads
==========================  ===============================================================
``contract`` (default)      contract records (no adapter)
``auto``                    each file by its first record: contract, LiteLLM payload,
                            LiteLLM spend logs or OTLP JSON
``litellm``                 LiteLLM ``StandardLoggingPayload`` JSON Lines (`litellm.py`)
``litellm-spendlogs``       ``LiteLLM_SpendLogs`` CSV / Parquet / ``postgresql://`` URL (`spendlogs.py`)
``otel``                    OTLP JSON trace files with GenAI spans (`otel.py`)
``mapping:FILE.yaml``       any JSON Lines / CSV / Parquet, with a field-mapping file (`mapping.py`)
==========================  ===============================================================

Adapters apply to the exchange inputs only; `--accounts` and `--events` files are read as
the contract describes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from distillguard.errors import ConfigError
from distillguard.ingest.adapters._base import Adapter
from distillguard.ingest.adapters.litellm import LiteLLMAdapter
from distillguard.ingest.adapters.otel import OtelAdapter
from distillguard.ingest.adapters.spendlogs import SpendLogsAdapter, as_url, is_url, redacted
from distillguard.ingest.readers import iter_rows, parse_line

FORMATS = ("contract", "auto", "litellm", "litellm-spendlogs", "otel", "mapping:FILE.yaml")
_BY_NAME: dict[str, type[Adapter]] = {"litellm": LiteLLMAdapter, "litellm-spendlogs": SpendLogsAdapter,
                                      "otel": OtelAdapter}

__all__ = ["FORMATS", "Adapter", "AutoAdapter", "make_adapter", "prepare", "source_name", "sniff_format"]


def sniff_format(rec: Any) -> str:
    """Name the format of one parsed source record (`contract` when it is none of the others)."""
    if not isinstance(rec, dict):
        return "contract"
    if isinstance(rec.get("resourceSpans"), list):
        return "otel"
    if "call_type" in rec and "startTime" in rec:
        if "spend" in rec or "api_key" in rec:
            return "litellm-spendlogs"
        if "model_parameters" in rec or "response_cost" in rec:
            return "litellm"
    return "contract"


class AutoAdapter(Adapter):
    """Pick each file's adapter from its first parseable record; contract files take the usual path."""

    name = "auto"

    def __init__(self, account_fields: Sequence[str] = ()) -> None:
        super().__init__(account_fields)
        self._fields = tuple(account_fields)
        self._chosen: dict[str, Adapter | None] = {}

    def resolve(self, path: Path | str) -> Adapter | None:
        key = str(path)
        if key not in self._chosen:
            if is_url(path):
                self._chosen[key] = SpendLogsAdapter(self._fields)
            else:
                fmt = sniff_format(_first_record(Path(path)))
                self._chosen[key] = _BY_NAME[fmt](self._fields) if fmt in _BY_NAME else None
        return self._chosen[key]


def _first_record(path: Path) -> Any:
    for batch in iter_rows(path, batch_rows=20):
        for entry in batch:
            item = parse_line(*entry) if isinstance(entry, tuple) else entry
            if item.error is None:
                return item.record
        return None
    return None


def make_adapter(fmt: str, account_fields: Sequence[str] = ()) -> Adapter | None:
    """The adapter for a `--format` value (`None` for contract records).

    Raises
    ------
    ConfigError
        For an unknown format or an invalid mapping file.
    """
    fmt = (fmt or "contract").strip()
    if fmt == "contract":
        if account_fields:
            raise ConfigError("--account-field needs a log format other than contract",
                              hint="contract records carry account_id themselves")
        return None
    if fmt == "auto":
        return AutoAdapter(account_fields)
    if fmt in _BY_NAME:
        return _BY_NAME[fmt](account_fields)
    if fmt.startswith("mapping:"):
        from distillguard.ingest.adapters.mapping import MappingAdapter

        if account_fields:
            raise ConfigError("--account-field does not apply to a mapping file",
                              hint="map account_id under `fields` in the mapping file")
        return MappingAdapter(Path(fmt[len("mapping:"):]))
    raise ConfigError(f"--format {fmt!r} is not a known log format", hint="use one of: " + ", ".join(FORMATS))


def prepare(fmt: str, paths: list[Path], account_fields: Sequence[str] = ()
            ) -> tuple[Adapter | None, list[Path], list[str]]:
    """Split the inputs into files and database URLs, and build the adapter (issue 17 hook).

    Returns (adapter or None, file and folder paths, PostgreSQL URLs).
    """
    adapter = make_adapter(fmt, account_fields)
    urls = [as_url(p) for p in paths if is_url(p)]
    if urls and not isinstance(adapter, (SpendLogsAdapter, AutoAdapter)):
        raise ConfigError(f"{redacted(urls[0])}: a database URL needs --format litellm-spendlogs",
                          hint="only LiteLLM's spend log table is read from PostgreSQL")
    return adapter, [p for p in paths if not is_url(p)], urls


def source_name(path: Path | str) -> str:
    """The name a source gets in reports and the quarantine: the resolved path, or the URL without password."""
    return redacted(path) if isinstance(path, str) and is_url(path) else str(Path(path).resolve())
