"""HTTP layer of `distillguard serve`: a plain Starlette app on uvicorn.

Plain Starlette rather than FastAPI: the endpoints validate their bodies themselves (the
contract's normaliser does it for exchanges), so FastAPI's per-request model layer would only
add latency; see docs/serve.md for the measured difference.

Endpoints (all but /healthz need ``Authorization: Bearer <token>``, or ``x-api-key: <token>``
as LiteLLM's generic guardrail sends it):

- ``POST /v1/score``: one request in contract form -> a decision.
- ``POST /v1/observe``: one exchange or ``{"exchanges": [...]}`` (or a JSON list).
- ``POST /beta/litellm_basic_guardrail_api``: LiteLLM's Generic Guardrail API.
- ``POST /v1/reload``: re-read results, store and policy; swap atomically.
- ``GET /healthz``, ``GET /metrics`` (Prometheus text).

Every error has one body, ``{"ok": false, "error": "a; b", "errors": ["a", "b"], "status": N}``:
401 without the token, 413 over ``limits.max_body_bytes``, 422 for bad JSON or a record that
breaks the contract; any unexpected failure is a 503 with a fixed message, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from distillguard.errors import DistillguardError
from distillguard.serve.service import BadRequest, Service


class HTTPError(Exception):
    def __init__(self, status: int, *errors: str, headers: dict[str, str] | None = None) -> None:
        super().__init__("; ".join(errors))
        self.status, self.errors, self.headers = status, list(errors), headers or {}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def error_response(status: int, errors: list[str], headers: dict[str, str] | None = None) -> Response:
    return json_response({"ok": False, "error": "; ".join(errors), "errors": errors, "status": status}, status,
                         headers)


def create_app(service: Service, token: str) -> Starlette:
    """The ASGI app over a `Service`, guarded by `token`."""
    expected = token.encode()

    def check_auth(request: Request) -> None:
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
        if not given or not hmac.compare_digest(given.encode(), expected):
            raise HTTPError(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})

    async def read_json(request: Request) -> Any:
        limit = service.current.policy.limits.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                if int(declared) > limit:
                    raise HTTPError(413, f"body of {int(declared)} bytes is over the limit of {limit} bytes")
            except ValueError:
                raise HTTPError(422, "content-length is not a number") from None
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise HTTPError(413, f"body is over the limit of {limit} bytes")
            chunks.append(chunk)
        try:
            return orjson.loads(b"".join(chunks))
        except orjson.JSONDecodeError as exc:
            raise HTTPError(422, f"body is not valid JSON: {exc}") from None

    inflight = [0]
    lag = [0.0]  # seconds the event loop is behind: how long a new request waits before it is read

    async def watch_lag() -> None:
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(0.01)
            # Smoothed, so one scheduling hiccup of a busy host does not shed; queueing does.
            lag[0] = 0.7 * lag[0] + 0.3 * max(0.0, loop.time() - t - 0.01)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        task = asyncio.create_task(watch_lag())
        try:
            yield
        finally:
            task.cancel()

    def shed(request: Request) -> Response:
        """Answer without scoring when over limits.max_inflight (budget.on_overload)."""
        cur = service.current
        service.metrics.shed += 1
        if cur.policy.budget.on_overload == "throttle":
            return error_response(429, ["overloaded, retry later"], {"Retry-After": "1"})
        if request.url.path == "/beta/litellm_basic_guardrail_api":
            return json_response({"action": "NONE"})
        return json_response({"ok": True, "decision": "allow", "actions": [], "risk": 0.0, "campaign_id": None,
                              "reasons": ["overloaded: not scored"], "policy_version": cur.scorer.policy_version,
                              "results_version": cur.knowledge.version, "degraded": True})

    def endpoint(fn):  # noqa: ANN001, ANN202 - a small local decorator
        async def handler(request: Request) -> Response:
            try:
                if fn is not healthz:
                    check_auth(request)
                limits = service.current.policy.limits
                if fn in (score, guardrail) and (inflight[0] >= limits.max_inflight
                                                 or lag[0] * 1000.0 > limits.max_lag_ms):
                    return shed(request)
                inflight[0] += 1
                try:
                    return await fn(request)
                finally:
                    inflight[0] -= 1
            except HTTPError as exc:
                service.metrics.error(exc.status)
                return error_response(exc.status, exc.errors, exc.headers)
            except BadRequest as exc:
                service.metrics.error(422)
                return error_response(422, exc.errors)
            except DistillguardError as exc:
                service.metrics.error(422)
                return error_response(422, [str(exc)])
            except Exception as exc:  # noqa: BLE001 - never a 500 with a traceback
                service.metrics.error(503)
                return error_response(503, [f"internal error ({type(exc).__name__}); see the service log"])
        return handler

    async def score(request: Request) -> Response:
        body = await read_json(request)
        d = service.score(body)
        headers = {"Retry-After": str(d.retry_after_s)} if d.retry_after_s is not None else None
        return json_response(d.to_dict(), headers=headers)

    async def observe(request: Request) -> Response:
        body = await read_json(request)
        if isinstance(body, dict) and "exchanges" in body:
            records = body["exchanges"]
        elif isinstance(body, list):
            records = body
        else:
            records = [body]
        if not isinstance(records, list):
            raise HTTPError(422, "exchanges is not a list")
        if len(records) > service.current.policy.limits.max_batch:
            raise HTTPError(413, f"{len(records)} exchanges is over the batch limit of "
                                 f"{service.current.policy.limits.max_batch}")
        scored = request.query_params.get("scored", "true").lower() != "false"
        return json_response(service.observe(records, scored=scored))

    async def guardrail(request: Request) -> Response:
        return json_response(service.guardrail(await read_json(request)))

    async def reload(request: Request) -> Response:
        try:
            return json_response(await run_in_threadpool(service.reload))
        except DistillguardError as exc:
            raise HTTPError(422, f"reload failed, still serving the previous version: {exc}") from None

    async def healthz(request: Request) -> Response:
        cur = service.current
        return json_response({"ok": True, "policy_version": cur.scorer.policy_version, "shadow": cur.policy.shadow,
                              **cur.knowledge.summary()})

    async def metrics(request: Request) -> Response:
        dropped = service.harvest.dropped if service.harvest is not None else 0
        return Response(service.metrics.render(service.state.size(), dropped),
                        media_type="text/plain; version=0.0.4")

    routes = [
        Route("/v1/score", endpoint(score), methods=["POST"]),
        Route("/v1/observe", endpoint(observe), methods=["POST"]),
        Route("/beta/litellm_basic_guardrail_api", endpoint(guardrail), methods=["POST"]),
        Route("/v1/reload", endpoint(reload), methods=["POST"]),
        Route("/healthz", endpoint(healthz), methods=["GET"]),
        Route("/metrics", endpoint(metrics), methods=["GET"]),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        return error_response(status, ["not found" if status == 404 else "method not allowed"])

    return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found}, lifespan=lifespan)
