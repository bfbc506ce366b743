"""A field-mapping file (YAML) for any other log format: dotted source paths -> contract fields.

Example (`--format mapping:my-gateway.yaml`; the input files are read by their suffix as usual,
JSON Lines, CSV or Parquet)::

    fields:                          # contract field: source path (dotted, or a list of keys)
      request_id: id
      ts: created
      account_id: customer.billing_id
      model: body.model
      request: body                  # a whole Chat Completions / Messages body ...
      prompt: input_text             # ... or a single user turn (`system_prompt` for the system one)
      response.content: output.text
      usage.input_tokens: usage.prompt
      client.ip: [headers, x-real-ip.v4]   # a list of keys when a key holds a dot
      extra.region: meta.region      # kept with the exchange as an extra field `region`
    constants:                       # contract field: fixed value
      endpoint: /v1/chat/completions
    timestamp:
      format: epoch_ms               # rfc3339 (default), epoch_s, epoch_ms, epoch_us, epoch_ns, or a strptime pattern
      timezone: UTC                  # for a strptime pattern without %z (an IANA name)

Every problem in the file (unknown key, unknown contract field, a required field not mapped,
a bad timestamp format) is a `ConfigError` naming the file and the key, raised before any
record is read. Required: `request_id`, `ts`, `account_id`, `model`, and one of `request`,
`request.messages` or `prompt`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from distillguard.errors import ConfigError
from distillguard.ingest.adapters._base import Adapter, as_int, get_path, rfc3339, set_path
from distillguard.ingest.normalise import Rejected

STRING_FIELDS = frozenset(("request_id", "account_id", "api_key_id", "org_id", "model", "endpoint", "client.ip",
                           "client.country", "client.user_agent", "client.tls_fingerprint", "response.content",
                           "response.reasoning", "response.finish_reason", "prompt", "system_prompt"))
INT_FIELDS = frozenset(("client.asn", "usage.input_tokens", "usage.output_tokens", "usage.reasoning_tokens", "status",
                        "request.max_tokens", "request.max_completion_tokens", "request.n",
                        "request.top_logprobs"))
FLOAT_FIELDS = frozenset(("latency_ms", "request.temperature", "request.top_p"))
OBJECT_FIELDS = frozenset(("ts", "request", "response", "response.tool_calls", "client"))
REQUIRED = ("request_id", "ts", "account_id", "model")
EPOCH_UNITS = {"epoch_s": "s", "epoch_ms": "ms", "epoch_us": "us", "epoch_ns": "ns"}
_TOP_KEYS = frozenset(("fields", "constants", "timestamp"))


def _known(target: str) -> bool:
    return (target in STRING_FIELDS or target in INT_FIELDS or target in FLOAT_FIELDS or target in OBJECT_FIELDS
            or (target.startswith(("request.", "extra.")) and len(target.split(".")) == 2 and target[-1] != "."))


class MappingAdapter(Adapter):
    """Convert records with a validated field-mapping file."""

    name = "mapping"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        spec = _load(path)
        self.fields: dict[str, Any] = spec.get("fields") or {}
        self.constants: dict[str, Any] = spec.get("constants") or {}
        ts = spec.get("timestamp") or {}
        self.ts_format = str(ts.get("format", "rfc3339"))
        self.tz = _zone(path, ts.get("timezone", "UTC"))

    def convert(self, rec: Any) -> dict[str, Any]:
        if not isinstance(rec, dict):
            raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
        values: dict[str, Any] = dict(self.constants)
        for target, source in self.fields.items():
            v = get_path(rec, source)
            if v is not None:
                values[target] = v
        out: dict[str, Any] = {}
        for target, v in values.items():
            if target in ("prompt", "system_prompt"):
                continue
            set_path(out, target[len("extra."):] if target.startswith("extra.") else target, self._typed(target, v))
        if "ts" in out:
            out["ts"] = self._time(out["ts"])
        prompt, system = values.get("prompt"), values.get("system_prompt")
        if prompt is not None or system is not None:
            req = out.setdefault("request", {})
            msgs = req.setdefault("messages", [])
            if isinstance(msgs, list):
                if system is not None:
                    msgs.insert(0, {"role": "system", "content": str(system)})
                if prompt is not None:
                    msgs.append({"role": "user", "content": str(prompt)})
        return out

    def _typed(self, target: str, v: Any) -> Any:
        if target in INT_FIELDS:
            return as_int(v, target)
        if target in FLOAT_FIELDS:
            if isinstance(v, bool):
                raise Rejected("bad_source_field", f"{target} is a boolean, expected a number")
            try:
                return float(v)
            except (TypeError, ValueError):
                raise Rejected("bad_source_field", f"{target} {str(v)[:30]!r} is not a number") from None
        if target in STRING_FIELDS and isinstance(v, (int, float)) and not isinstance(v, bool):
            return str(v)  # numeric ids in the source
        return v

    def _time(self, v: Any) -> str:
        if self.ts_format == "rfc3339":
            if isinstance(v, str):
                return v  # normalisation checks it, with the contract's reasons
            return rfc3339(v, "ts")
        if self.ts_format in EPOCH_UNITS:
            if isinstance(v, str):
                try:
                    v = float(v)
                except ValueError:
                    raise Rejected("bad_timestamp", f"ts {v[:40]!r} is not an epoch number") from None
            return rfc3339(v, "ts", unit=EPOCH_UNITS[self.ts_format])
        try:
            dt = datetime.strptime(str(v), self.ts_format)
        except ValueError:
            raise Rejected("bad_timestamp", f"ts {str(v)[:40]!r} does not match {self.ts_format!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.tz)
        return rfc3339(dt, "ts")


def _fail(path: Path, problem: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"mapping file {path}: {problem}",
                       hint=hint or "see the mapping example in docs/ingest.md (Log formats)", path=str(path))


def _load(path: Path) -> dict[str, Any]:
    """Read and validate a mapping file; every problem is one `ConfigError` line."""
    import yaml

    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _fail(path, f"cannot read it ({exc.strerror or exc})", "check the path after mapping:") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _fail(path, f"not valid YAML ({str(exc).splitlines()[0]})") from exc
    if not isinstance(spec, dict):
        raise _fail(path, "the file must hold a mapping with `fields` (and optionally `constants`, `timestamp`)")
    unknown = set(spec) - _TOP_KEYS
    if unknown:
        raise _fail(path, f"unknown key {sorted(unknown)[0]!r} (allowed: fields, constants, timestamp)")
    for section in ("fields", "constants", "timestamp"):
        if spec.get(section) is not None and not isinstance(spec[section], dict):
            raise _fail(path, f"`{section}` must be a mapping of names to values")
    fields, constants = spec.get("fields") or {}, spec.get("constants") or {}
    for target, source in fields.items():
        if not isinstance(target, str) or not _known(target):
            raise _fail(path, f"fields: {target!r} is not a contract field")
        ok = (isinstance(source, str) and source.strip()) or (
            isinstance(source, list) and source and all(isinstance(k, (str, int)) for k in source))
        if not ok:
            raise _fail(path, f"fields: {target}: the source must be a dotted path or a list of keys")
        if isinstance(source, list):
            fields[target] = [str(k) for k in source]
    for target in constants:
        if not isinstance(target, str) or not _known(target):
            raise _fail(path, f"constants: {target!r} is not a contract field")
    mapped = set(fields) | set(constants)
    for req in REQUIRED:
        if req not in mapped:
            raise _fail(path, f"required contract field {req!r} is not mapped",
                        f"add `{req}: <source path>` under fields")
    if not mapped & {"request", "request.messages", "prompt"}:
        raise _fail(path, "nothing maps the request: give `request`, `request.messages` or `prompt` under fields")
    ts = spec.get("timestamp") or {}
    bad = set(ts) - {"format", "timezone"}
    if bad:
        raise _fail(path, f"timestamp: unknown key {sorted(bad)[0]!r} (allowed: format, timezone)")
    fmt = str(ts.get("format", "rfc3339"))
    if fmt not in ("rfc3339", *EPOCH_UNITS) and "%" not in fmt:
        raise _fail(path, f"timestamp.format {fmt!r} is not rfc3339, epoch_s, epoch_ms, epoch_us, epoch_ns "
                          "or a strptime pattern")
    _zone(path, ts.get("timezone", "UTC"))
    return spec


def _zone(path: Path, name: Any) -> Any:
    if name in ("UTC", "Z", None):
        return timezone.utc
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _fail(path, f"timestamp.timezone {name!r} is not a time zone name (e.g. UTC, Europe/Berlin)") from exc
