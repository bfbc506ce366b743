"""Benchmark the inline scoring service on loopback (never run by plain pytest).

    python benchmarks/serve.py classifier
    python benchmarks/serve.py framework
    python benchmarks/serve.py score      [--n 20000] [--concurrency 1,16] [--seconds 20]
    python benchmarks/serve.py inprocess  [--n 20000]
    python benchmarks/serve.py litellm    [--n 200]
    python benchmarks/serve.py overload   [--seconds 5] [--connections 256]
    python benchmarks/serve.py memory     [--accounts 1000000]
    python benchmarks/serve.py all        [--results DIR]

* classifier: milliseconds per call of the shipped classifier on 1 and 256 rows.
* framework: CPU per request of the ASGI layer alone, plain Starlette vs FastAPI with a pydantic
  body model (why app.py is plain Starlette).
* score: `distillguard serve` as a subprocess (one uvicorn worker, harvest classifier off) on the
  tests' small world; a closed-loop client on raw keep-alive sockets sends /v1/score requests
  (a mix of campaign-template, flagged and clean accounts, 5,000 distinct accounts). Reports
  client-side p50/p99 latency and requests/s, and requests per CPU-second of the server process
  (its own user+sys time): the per-core figure, which a shared machine disturbs least.
* inprocess: `Service.score` called directly (what the in-process CustomGuardrail does), and the
  CustomGuardrail's pre-call hook itself.
* litellm: the same chat request through a real LiteLLM proxy (mock model) without a guardrail,
  with the Generic Guardrail API pointed at `distillguard serve`, and with the CustomGuardrail
  scoring in process; p50/p99 per setting and the added median.
* overload: as many connections as given, each sending as fast as it can for N seconds, with
  limits.max_inflight low enough to shed; counts answers by status, checks the server survives
  and reports its peak RSS.
* memory: a MemoryState with N accounts (1% with campaign evidence, all with a token bucket):
  RSS growth per account, snapshot time and size.

Every load is bounded in count and in time. Results are printed and written as JSON with
--results DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "serve"))
import serve_world as world  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def requests(n: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        k = i % 10
        if k == 0:
            rec = world.new_campaign_account_request(rng, account=f"acct_new_{rng.randrange(500)}")
        elif k == 1:
            rec = world.clean_request("acct_midrisk")
        else:
            rec = world.clean_request(f"acct_c_{rng.randrange(5000)}")
            rec["request"]["messages"][0]["content"] = f"Question {i}: what is a good name for a cat?"
        out.append(json.dumps(rec).encode())
    return out


def start_serve(results: Path, store: Path, state_dir: Path, policy: str | None = None,
                harvest: bool = False) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = [sys.executable, "-m", "distillguard.cli.main", "serve", "--results", str(results), "--store", str(store),
            "--port", str(port), "--state-dir", str(state_dir)]
    if not harvest:
        args.append("--no-harvest")
    if policy:
        p = state_dir.parent / f"policy-{port}.toml"
        p.write_text(policy, encoding="utf-8")
        args += ["--policy", str(p)]
    proc = subprocess.Popen(args, env={**os.environ, "DISTILLGUARD_TOKEN": TOKEN}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    import httpx

    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("distillguard serve did not start")


async def _client(port: int, bodies: list[bytes], deadline: float, lat: list[float], codes: dict[int, int],
                  path: str = "/v1/score") -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {TOKEN}\r\n"
            f"content-type: application/json\r\n").encode()
    try:
        for body in bodies:
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            writer.write(head + f"content-length: {len(body)}\r\n\r\n".encode() + body)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            lat.append(time.perf_counter() - t0)
            code = int(status_line.split()[1])
            codes[code] = codes.get(code, 0) + 1
    except (ConnectionError, asyncio.IncompleteReadError):
        codes[-1] = codes.get(-1, 0) + 1
    finally:
        writer.close()


async def load(port: int, bodies: list[bytes], concurrency: int, seconds: float) -> dict:
    lat: list[float] = []
    codes: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    per = [bodies[i::concurrency] for i in range(concurrency)]
    t0 = time.perf_counter()
    await asyncio.gather(*(_client(port, p, deadline, lat, codes) for p in per))
    wall = time.perf_counter() - t0
    return {"requests": len(lat), "wall_s": round(wall, 3), "rps": round(len(lat) / wall, 1),
            "p50_ms": round(pct(lat, 0.5) * 1e3, 3), "p99_ms": round(pct(lat, 0.99) * 1e3, 3),
            "status": {str(k): v for k, v in sorted(codes.items())}}


def bench_score(results: Path, store: Path, tmp: Path, n: int, concurrency: list[int], seconds: float) -> dict:
    out = {}
    proc, port = start_serve(results, store, tmp / "score-state")
    try:
        ps = psutil.Process(proc.pid)
        bodies = requests(n)
        asyncio.run(load(port, bodies[:500], 4, 10))  # warm-up
        for c in concurrency:
            cpu0 = sum(ps.cpu_times()[:2])
            r = asyncio.run(load(port, bodies, c, seconds))
            cpu = sum(ps.cpu_times()[:2]) - cpu0
            r["server_cpu_s"] = round(cpu, 3)
            r["rps_per_server_core"] = round(r["requests"] / cpu, 1) if cpu else None
            out[f"c{c}"] = r
            print(f"/v1/score concurrency {c}: {r}")
    finally:
        proc.terminate()
        proc.wait(15)
    return out


def bench_inprocess(results: Path, store: Path, tmp: Path, n: int) -> dict:
    from distillguard.serve.service import Service
    from distillguard.serve.state import MemoryState

    svc = Service(results, store, None, MemoryState(), tmp / "inproc-audit.jsonl", None, harvest=False)
    recs = [json.loads(b) for b in requests(n)]
    for r in recs[:500]:
        svc.score(r)
    lat, cpu = [], []
    t0 = time.perf_counter()
    for r in recs:
        t, c = time.perf_counter(), time.thread_time()
        svc.score(r)
        cpu.append(time.thread_time() - c)
        lat.append(time.perf_counter() - t)
    wall = time.perf_counter() - t0
    # Wall-clock percentiles include the time the OS gave other processes; CPU-time ones do not.
    out = {"service_score": {"requests": n, "rps": round(n / wall, 1), "p50_ms": round(pct(lat, 0.5) * 1e3, 4),
                             "p99_ms": round(pct(lat, 0.99) * 1e3, 4),
                             "cpu_p50_ms": round(pct(cpu, 0.5) * 1e3, 4), "cpu_p99_ms": round(pct(cpu, 0.99) * 1e3, 4),
                             "rps_per_cpu_s": round(n / sum(cpu), 1)}}
    print(f"in-process Service.score: {out['service_score']}")
    try:
        out["custom_guardrail_pre_call"] = _bench_hook(results, store, tmp, recs[: min(n, 5000)])
        print(f"in-process CustomGuardrail pre-call hook: {out['custom_guardrail_pre_call']}")
    except ImportError as exc:
        out["custom_guardrail_pre_call"] = f"skipped: {exc}"
    svc.close()
    return out


def _bench_hook(results: Path, store: Path, tmp: Path, recs: list[dict]) -> dict:
    os.environ.update({"DISTILLGUARD_RESULTS": str(results), "DISTILLGUARD_STORE": str(store),
                       "DISTILLGUARD_STATE_DIR": str(tmp / "hook-state")})
    os.environ.pop("DISTILLGUARD_URL", None)
    from litellm.proxy._types import UserAPIKeyAuth

    from distillguard.integrations.litellm import DistillguardGuardrail

    g = DistillguardGuardrail(guardrail_name="dg", event_hook="pre_call", default_on=True)
    g.service.harvest = None

    async def run() -> tuple[list[float], list[float]]:
        lat, cpu = [], []
        for r in recs:
            data = {"model": r["model"], **r["request"], "metadata": {"requester_ip_address": "10.0.0.1"},
                    "proxy_server_request": {"headers": {"user-agent": "bench"}}}
            key = UserAPIKeyAuth(api_key="k", user_id=r["account_id"])
            t, c = time.perf_counter(), time.thread_time()
            try:
                await g.async_pre_call_hook(key, None, data, "completion")
            except Exception:  # noqa: BLE001 - a denial is an HTTPException; timing includes it
                pass
            cpu.append(time.thread_time() - c)
            lat.append(time.perf_counter() - t)
        return lat, cpu

    lat, cpu = asyncio.run(run())
    return {"requests": len(lat), "p50_ms": round(pct(lat, 0.5) * 1e3, 4), "p99_ms": round(pct(lat, 0.99) * 1e3, 4),
            "cpu_p50_ms": round(pct(cpu, 0.5) * 1e3, 4), "cpu_p99_ms": round(pct(cpu, 0.99) * 1e3, 4)}


def bench_litellm(results: Path, store: Path, tmp: Path, n: int) -> dict:
    import httpx

    exe = shutil.which("litellm", path=str(Path(sys.executable).parent))
    if exe is None:
        return {"skipped": "litellm CLI not installed"}
    cfg = tmp / "litellm"
    shutil.copytree(ROOT / "tests" / "serve" / "litellm", cfg)
    plain = (cfg / "config-generic.yaml").read_text()
    (cfg / "config-plain.yaml").write_text(plain[: plain.index("guardrails:")])
    serve, sport = start_serve(results, store, tmp / "litellm-state")
    out: dict = {}
    body = {"model": "chat", "messages": [{"role": "user", "content": "What is a good name for a cat?"}]}
    try:
        for name, extra_env in (("no_guardrail", {}), ("generic_api", {}),
                                ("custom_guardrail_in_process", {"DISTILLGUARD_URL": ""})):
            config = "config-plain.yaml" if name == "no_guardrail" else \
                "config-generic.yaml" if name == "generic_api" else "config-inline.yaml"
            port = free_port()
            env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_MASTER_KEY": "sk-m",
                   "DISTILLGUARD_URL": f"http://127.0.0.1:{sport}", "DISTILLGUARD_TOKEN": TOKEN,
                   "DISTILLGUARD_RESULTS": str(results), "DISTILLGUARD_STORE": str(store),
                   "DISTILLGUARD_STATE_DIR": str(tmp / f"proxy-{name}"), **extra_env}
            if name == "custom_guardrail_in_process":
                env.pop("DISTILLGUARD_URL")
            proc = subprocess.Popen([exe, "--config", config, "--host", "127.0.0.1", "--port", str(port)],
                                    cwd=cfg, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                for _ in range(900):
                    try:
                        if httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=1).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.2)
                lat = []
                with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                                  headers={"Authorization": "Bearer sk-clean"}, timeout=30) as c:
                    for _ in range(20):
                        c.post("/chat/completions", json=body)
                    for _ in range(n):
                        t = time.perf_counter()
                        r = c.post("/chat/completions", json=body)
                        lat.append(time.perf_counter() - t)
                        assert r.status_code == 200, r.text
                out[name] = {"requests": n, "p50_ms": round(pct(lat, 0.5) * 1e3, 2),
                             "p99_ms": round(pct(lat, 0.99) * 1e3, 2)}
                print(f"LiteLLM proxy, {name}: {out[name]}")
            finally:
                proc.terminate()
                proc.wait(20)
    finally:
        serve.terminate()
        serve.wait(15)
    if "no_guardrail" in out:
        for k in ("generic_api", "custom_guardrail_in_process"):
            if k in out:
                out[f"added_p50_ms_{k}"] = round(out[k]["p50_ms"] - out["no_guardrail"]["p50_ms"], 2)
    return out


def bench_overload(results: Path, store: Path, tmp: Path, seconds: float, connections: int) -> dict:
    out = {}
    for mode in ("allow", "throttle"):
        policy = f"[limits]\nmax_inflight = 32\n[budget]\non_overload = '{mode}'\n"
        proc, port = start_serve(results, store, tmp / f"overload-{mode}", policy=policy)
        try:
            ps = psutil.Process(proc.pid)
            bodies = requests(connections * 400, seed=3)
            r = asyncio.run(load(port, bodies, connections, seconds))
            r["server_alive"] = proc.poll() is None
            r["server_rss_mb"] = round(ps.memory_info().rss / 2**20, 1)
            import httpx

            m = httpx.get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
            r["shed"] = int(next(x.split()[1] for x in m.splitlines() if x.startswith("distillguard_shed_total")))
            out[mode] = r
            print(f"overload, on_overload={mode}, {connections} connections: {r}")
        finally:
            proc.terminate()
            proc.wait(15)
    return out


def bench_memory(accounts: int) -> dict:
    import gc

    from distillguard.serve.state import MemoryState

    gc.collect()
    p = psutil.Process()
    rss0 = p.memory_info().rss
    st = MemoryState(max_accounts=accounts + 1)
    t0 = time.perf_counter()
    now = 1_767_225_600.0
    for i in range(accounts):
        ev = [("c-1234abcd", "template", 0.97)] if i % 100 == 0 else []
        st.record(f"acct_{i:012x}", now + i * 0.001, 500, ev)
        st.take(f"acct_{i:012x}", now, 0.1, 3)
    fill = time.perf_counter() - t0
    gc.collect()
    rss1 = p.memory_info().rss
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        st.snapshot(Path(d) / "s.pkl")
        snap_s = time.perf_counter() - t0
        size = (Path(d) / "s.pkl").stat().st_size
        t0 = time.perf_counter()
        MemoryState.restore(Path(d) / "s.pkl")
        restore_s = time.perf_counter() - t0
    out = {"accounts": accounts, "rss_growth_mb": round((rss1 - rss0) / 2**20, 1),
           "bytes_per_account": round((rss1 - rss0) / accounts), "fill_s": round(fill, 2),
           "snapshot_s": round(snap_s, 2), "snapshot_mb": round(size / 2**20, 1), "restore_s": round(restore_s, 2)}
    print(f"memory: {out}")
    return out


def bench_framework(n: int = 5000) -> dict:
    """CPU per request of the ASGI layer alone: plain Starlette vs FastAPI with a pydantic body model."""
    import orjson
    from fastapi import FastAPI
    from pydantic import BaseModel
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    body = orjson.dumps({"account_id": "a", "model": "m", "request": {"messages": [{"role": "user", "content": "hi"}]}})

    async def st_score(request):  # noqa: ANN001, ANN202
        d = orjson.loads(await request.body())
        return Response(orjson.dumps({"decision": "allow", "a": d["account_id"]}), media_type="application/json")

    class Req(BaseModel):
        account_id: str
        model: str
        request: dict

    fa = FastAPI()

    @fa.post("/v1/score")
    async def fa_score(r: Req) -> dict:
        return {"decision": "allow", "a": r.account_id}

    apps = {"starlette": Starlette(routes=[Route("/v1/score", st_score, methods=["POST"])]), "fastapi": fa}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/v1/score", "raw_path": b"/v1/score", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
             "server": ("127.0.0.1", 1), "client": ("127.0.0.1", 2)}

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(m: dict) -> None:
        pass

    async def run(app) -> float:  # noqa: ANN001
        for _ in range(200):
            await app(scope, receive, send)
        c = time.thread_time()
        for _ in range(n):
            await app(scope, receive, send)
        return (time.thread_time() - c) / n * 1e6

    out = {name: round(statistics.median(asyncio.run(run(app)) for _ in range(3)), 1) for name, app in apps.items()}
    out = {f"{k}_cpu_us_per_request": v for k, v in out.items()}
    print(f"ASGI layer: {out}")
    return out


def bench_classifier(repeats: int = 20) -> dict:
    """Milliseconds per `classify` call on 1 and 256 rows: why harvest scoring is off the request path."""
    import pyarrow as pa

    from distillguard.signals.classifier import classify, load_model

    model = load_model()
    req = world.grader_request(random.Random(1))["messages"]
    out = {}
    for n in (1, 256):
        tbl = pa.table({"exchange_id": [str(i) for i in range(n)], "system_prompt": [req[0]["content"]] * n,
                        "last_user_text": [req[1]["content"] + str(i) for i in range(n)]})
        classify(tbl, model=model, explain=False)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            classify(tbl, model=model, explain=False)
            times.append(time.perf_counter() - t)
        out[f"rows_{n}_median_ms"] = round(statistics.median(times) * 1e3, 1)
    print(f"classify per call: {out}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["classifier", "framework", "score", "inprocess", "litellm", "overload", "memory", "all"])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--litellm-n", type=int, default=200)
    ap.add_argument("--results", type=Path, help="Write JSON results into this folder.")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dg-serve-bench-"))
    try:
        w = world.build(tmp / "world")
        out: dict = {"cpu_count": os.cpu_count(), "loadavg_start": os.getloadavg(),
                     "note": "shared, noisy machine: compare medians across runs"}
        if a.what in ("classifier", "all"):
            out["classifier"] = bench_classifier()
        if a.what in ("framework", "all"):
            out["framework"] = bench_framework()
        if a.what in ("score", "all"):
            out["score"] = bench_score(w["results"], w["store"], tmp, a.n,
                                       [int(c) for c in a.concurrency.split(",")], a.seconds)
        if a.what in ("inprocess", "all"):
            out["inprocess"] = bench_inprocess(w["results"], w["store"], tmp, a.n)
        if a.what in ("litellm", "all"):
            out["litellm"] = bench_litellm(w["results"], w["store"], tmp, a.litellm_n)
        if a.what in ("overload", "all"):
            out["overload"] = bench_overload(w["results"], w["store"], tmp, min(a.seconds, 10), a.connections)
        if a.what in ("memory", "all"):
            out["memory"] = bench_memory(a.accounts)
        if a.results:
            a.results.mkdir(parents=True, exist_ok=True)
            (a.results / f"serve-{a.what}.json").write_text(json.dumps(out, indent=2))
        print(json.dumps(out, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
