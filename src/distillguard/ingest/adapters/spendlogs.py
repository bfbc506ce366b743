"""LiteLLM `LiteLLM_SpendLogs` rows (CSV or Parquet export, or the proxy's PostgreSQL) -> exchanges.

The table is the LiteLLM proxy's spend log (`litellm/proxy/schema.prisma`, model
`LiteLLM_SpendLogs`). It stores the request body (`proxy_server_request`) and the response
only when the proxy runs with `store_prompts_in_spend_logs: true`; otherwise a row holds the
metadata alone and the exchange gets an empty `messages` list (see docs/ingest.md).

=======================  ==================================================================
contract field           column (first present wins)
=======================  ==================================================================
``request_id``           ``request_id``
``ts``                   ``startTime`` (PostgreSQL ``timestamp(3)``, UTC, no offset)
``account_id``           ``user``, ``team_id``, ``api_key`` (``--account-field`` to change)
``api_key_id``           ``api_key`` (LiteLLM's hash of the key)
``org_id``               ``organization_id``
``client.ip``            ``requester_ip_address``, ``metadata.requester_ip_address``
``client.user_agent``    ``metadata.user_agent``
``model``                ``model_group``, else ``model``
``request``              ``proxy_server_request`` (the body), else ``messages``, else none
``response``             ``response``
``usage``                ``prompt_tokens``, ``completion_tokens``,
                         ``metadata.additional_usage_values.completion_tokens_details.reasoning_tokens``
``latency_ms``           ``request_duration_ms``, else ``endTime - startTime``
``status``               200 for ``success``; ``metadata.error_information.error_code`` otherwise
=======================  ==================================================================

A PostgreSQL URL (`postgresql://user:pass@host:5432/litellm`, `?sslmode=require` for TLS) is read
with pg8000 (the `postgres` extra, BSD licence) in `startTime` order, a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from distillguard.errors import ConfigError, UnreadableInput
from distillguard.ingest.adapters._base import Adapter, as_int, as_json, convert_rows, drop_none, get_path, rfc3339
from distillguard.ingest.adapters.litellm import ENDPOINT_OF_CALL, GENERATION_CALLS, call_kind, request_body, \
    response_fields
from distillguard.ingest.normalise import Rejected
from distillguard.ingest.readers import RawRow

TABLE = "LiteLLM_SpendLogs"
URL_SCHEMES = ("postgresql", "postgres")


def is_url(path: Path | str) -> bool:
    """True for a PostgreSQL URL given where a path goes (a `Path` keeps it with one slash)."""
    return str(path).split(":", 1)[0].lower() in URL_SCHEMES and ":/" in str(path)


def as_url(path: Path | str) -> str:
    """The URL text back from a `Path`, which folds `//` into `/`."""
    text = str(path)
    scheme, rest = text.split(":", 1)
    return f"{scheme}://{rest.lstrip('/')}"


def redacted(url: str) -> str:
    """The URL without its password, fit for reports and the quarantine's `source` column."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class SpendLogsAdapter(Adapter):
    """Read `LiteLLM_SpendLogs` rows from CSV, Parquet or a PostgreSQL URL."""

    name = "litellm-spendlogs"
    DEFAULT_ACCOUNT_FIELDS = ("user", "team_id", "api_key")

    def batches(self, path: Path | str, batch_rows: int = 5_000) -> Iterator[list[RawRow]]:
        if is_url(path):
            return convert_rows(self, _db_rows(as_url(path), batch_rows), batch_rows)
        return super().batches(Path(path), batch_rows)

    def convert(self, rec: Any) -> dict[str, Any]:
        if not isinstance(rec, dict) or "request_id" not in rec or "startTime" not in rec:
            raise Rejected("not_source_format", "row is not a LiteLLM_SpendLogs row (no request_id/startTime)")
        kind = call_kind(rec.get("call_type"))
        if kind not in GENERATION_CALLS:
            raise Rejected("not_a_generation",
                           f"LiteLLM call_type {str(rec.get('call_type'))[:40]!r} generates no text")
        meta = as_json(rec.get("metadata"), "metadata")
        meta = meta if isinstance(meta, dict) else {}
        body = as_json(rec.get("proxy_server_request"), "proxy_server_request")
        if isinstance(body, dict) and body:
            body = {k: v for k, v in body.items() if k != "model"}
            messages, params = body.pop("messages", body.pop("input", None)), body
        else:
            messages, params = as_json(rec.get("messages"), "messages"), {}
        if isinstance(messages, dict) and not messages:
            messages = None  # the column's default, "{}": nothing stored
        start, end = rec.get("startTime"), rec.get("endTime")
        failed = rec.get("status") not in (None, "", "success")
        return drop_none({
            "request_id": rec.get("request_id"),
            "ts": rfc3339(start, "startTime"),
            "account_id": self.account(rec),
            "api_key_id": rec.get("api_key") or None,
            "org_id": rec.get("organization_id") or None,
            "client": drop_none({"ip": rec.get("requester_ip_address") or meta.get("requester_ip_address") or None,
                                 "user_agent": meta.get("user_agent") or None}),
            "model": rec.get("model_group") or rec.get("model") or None,
            "endpoint": meta.get("user_api_key_request_route") or ENDPOINT_OF_CALL.get(kind, "/v1/chat/completions"),
            "request": request_body(messages, params, kind),
            "response": response_fields(as_json(rec.get("response"), "response")),
            "usage": None if failed else drop_none({  # a failed call bills no tokens
                "input_tokens": as_int(rec.get("prompt_tokens"), "prompt_tokens"),
                "output_tokens": as_int(rec.get("completion_tokens"), "completion_tokens"),
                "reasoning_tokens": as_int(get_path(
                    meta, "additional_usage_values.completion_tokens_details.reasoning_tokens"), "reasoning_tokens"),
            }),
            "latency_ms": _latency_ms(rec, start, end),
            "status": _as_status(get_path(meta, "error_information.error_code")) if failed else 200,
            "api_base": rec.get("api_base") or None,
            "provider": rec.get("custom_llm_provider") or None,
        })


def _latency_ms(rec: dict[str, Any], start: Any, end: Any) -> float | None:
    ms = as_int(rec.get("request_duration_ms"), "request_duration_ms")
    if ms is not None:
        return float(ms)
    try:
        a = datetime.fromisoformat(rfc3339(start, "startTime"))
        b = datetime.fromisoformat(rfc3339(end, "endTime"))
    except Rejected:
        return None
    return (b - a).total_seconds() * 1000.0


def _as_status(code: Any) -> int | None:
    try:
        return int(code) if code not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _db_error(exc: BaseException) -> str:
    """One line from a pg8000 error (its args hold the server's message fields as a dict)."""
    arg = exc.args[0] if exc.args else exc
    text = arg.get("M", str(arg)) if isinstance(arg, dict) else str(arg)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def connect(url: str) -> Any:
    """A pg8000 connection from a `postgresql://user:pass@host:port/db?sslmode=require` URL."""
    try:
        import pg8000.dbapi
    except ImportError as exc:
        raise ConfigError("reading a PostgreSQL URL needs pg8000", hint="pip install 'distillguard[postgres]'") from exc
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    ssl_context = None
    if query.get("sslmode") in ("require", "verify-ca", "verify-full"):
        import ssl

        ssl_context = ssl.create_default_context()
        if query["sslmode"] == "require":
            ssl_context.check_hostname = False
            ssl_context.verify_mode = ssl.CERT_NONE
    port = parts.port or 5432
    sock_dir = query.get("host", "")
    return pg8000.dbapi.connect(
        user=unquote(parts.username or "postgres"), password=unquote(parts.password) if parts.password else None,
        host=parts.hostname or "localhost", port=port, database=unquote(parts.path.lstrip("/")) or None,
        unix_sock=f"{sock_dir}/.s.PGSQL.{port}" if sock_dir.startswith("/") else None,
        ssl_context=ssl_context, timeout=30)


def _db_rows(url: str, batch_rows: int) -> Iterator[RawRow]:
    """Rows of `LiteLLM_SpendLogs` in (`startTime`, `request_id`) order, numbered from 1.

    Pages of `batch_rows` rows follow the key of the last row read, so memory stays bounded
    and rows written during the read are not read twice.
    """
    import pg8000.dbapi

    shown = redacted(url)
    try:
        conn = connect(url)
    except (pg8000.dbapi.Error, OSError) as exc:
        raise UnreadableInput(f"cannot read {shown}: {_db_error(exc)}",
                              hint="check the URL, the server and the credentials", path=shown) from exc
    row = 0
    last: tuple[Any, Any] | None = None
    try:
        cur = conn.cursor()
        while True:
            where = ' WHERE ("startTime", request_id) > (%s, %s)' if last else ""
            try:
                cur.execute(f'SELECT * FROM "{TABLE}"{where} ORDER BY "startTime", request_id LIMIT {int(batch_rows)}',
                            last or ())
                names = [d[0] for d in cur.description]
                page = cur.fetchall()
            except (pg8000.dbapi.Error, OSError) as exc:
                if row:
                    why = f"the database stopped the read: {_db_error(exc)}"
                    yield RawRow(row + 1, "", None, ("read_interrupted", why))
                    return
                raise UnreadableInput(f"cannot read {shown}: {_db_error(exc)}",
                                      hint=f'the database needs LiteLLM\'s "{TABLE}" table', path=shown) from exc
            for values in page:
                row += 1
                yield RawRow(row, "", dict(zip(names, values, strict=True)))
            if len(page) < batch_rows:
                return
            rec = dict(zip(names, page[-1], strict=True))
            last = (rec["startTime"], rec["request_id"])
    finally:
        conn.close()
