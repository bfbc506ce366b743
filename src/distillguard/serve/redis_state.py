"""Per-account state in Redis, shared by every worker and instance (same semantics as MemoryState).

One hash per account (``<prefix>a:<account_id>``), updated atomically by one Lua script per
request, so one round trip per decision. Keys expire ``ttl_s`` after the account's last request.
Campaign evidence lives in fields ``e|<campaign_id>|<kind>`` holding the best purity seen.
"""

from __future__ import annotations

from distillguard.serve.state import HARVEST_ALPHA, Evidence, View

SIZE_CACHE_S = 30.0  # /metrics reads the account count; a SCAN over millions of keys takes seconds

RECORD_LUA = """
local k = KEYS[1]
local now = tonumber(ARGV[1]); local tok = tonumber(ARGV[2]); local ttl = tonumber(ARGV[3])
local inc = tonumber(ARGV[4])
local minute = math.floor(now / 60); local day = math.floor(now / 86400)
local h = redis.call('HMGET', k, 'minute', 'min_n', 'prev_n', 'day', 'day_n', 'tok_day', 'n')
local m0 = tonumber(h[1]) or -1; local min_n = tonumber(h[2]) or 0; local prev_n = tonumber(h[3]) or 0
local d0 = tonumber(h[4]) or -1; local day_n = tonumber(h[5]) or 0; local tok_day = tonumber(h[6]) or 0
local n = (tonumber(h[7]) or 0) + inc
if minute ~= m0 then
  if minute == m0 + 1 then prev_n = min_n else prev_n = 0 end
  min_n = 0
end
min_n = min_n + inc
if day ~= d0 then day_n = 0; tok_day = 0 end
day_n = day_n + inc; tok_day = tok_day + tok
redis.call('HSET', k, 'minute', minute, 'min_n', min_n, 'prev_n', prev_n, 'day', day, 'day_n', day_n,
           'tok_day', tok_day, 'n', n, 'last', now)
local i = 5
while i <= #ARGV do
  local f = ARGV[i]; local p = tonumber(ARGV[i + 1])
  local old = tonumber(redis.call('HGET', k, f)) or 0
  if p > old then redis.call('HSET', k, f, ARGV[i + 1]) end
  i = i + 2
end
redis.call('EXPIRE', k, ttl)
return redis.call('HGETALL', k)
"""

TAKE_LUA = """
local k = KEYS[1]
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local h = redis.call('HMGET', k, 'tb', 'tb_ts')
local level
if h[1] == false then level = burst else
  level = math.min(burst, tonumber(h[1]) + math.max(0, now - tonumber(h[2])) * rate)
end
local wait = 0
if level >= 1 then level = level - 1 else wait = (1 - level) / rate end
redis.call('HSET', k, 'tb', tostring(level), 'tb_ts', tostring(now))
redis.call('EXPIRE', k, ttl)
return tostring(wait)
"""

HARVEST_LUA = """
local k = KEYS[1]; local s = tonumber(ARGV[1]); local a = tonumber(ARGV[2])
local h = redis.call('HMGET', k, 'hv', 'hv_n')
local n = tonumber(h[2]) or 0; local hv = tonumber(h[1]) or 0
if n == 0 then hv = s else hv = (1 - a) * hv + a * s end
redis.call('HSET', k, 'hv', tostring(hv), 'hv_n', n + 1)
return n + 1
"""


class RedisState:
    """State in Redis; `url` as redis-py takes it (``redis://host:port/db``)."""

    def __init__(self, url: str, prefix: str = "dg:", ttl_s: int = 3 * 86_400) -> None:
        import redis

        self._r = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._r.ping()
        self.prefix, self.ttl_s = prefix, ttl_s
        self._record = self._r.register_script(RECORD_LUA)
        self._take = self._r.register_script(TAKE_LUA)
        self._harvest = self._r.register_script(HARVEST_LUA)
        self._size: tuple[float, int] | None = None

    def _key(self, account: str) -> str:
        return f"{self.prefix}a:{account}"

    def record(self, account: str, now: float, tokens: int, evidence: Evidence, count: bool = True) -> View:
        args: list[object] = [repr(now), tokens, self.ttl_s, 1 if count else 0]
        for cid, kind, purity in evidence:
            args += [f"e|{cid}|{kind}", repr(purity)]
        flat = self._record(keys=[self._key(account)], args=args)
        h = {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}
        ev: dict[str, dict[str, float]] = {}
        for f, v in h.items():
            if f.startswith("e|"):
                _, cid, kind = f.split("|", 2)
                ev.setdefault(cid, {})[kind] = float(v)
        minute = int(h["minute"])
        frac = now / 60.0 - minute
        per_min = int(h["min_n"]) + int(h["prev_n"]) * max(0.0, 1.0 - frac)
        return View(int(h["n"]), per_min, int(h["day_n"]), int(float(h["tok_day"])), ev,
                    float(h.get("hv", 0.0)), int(h.get("hv_n", 0)))

    def take(self, account: str, now: float, rate_per_s: float, burst: int) -> float:
        return float(self._take(keys=[self._key(account)], args=[repr(now), repr(rate_per_s), burst, self.ttl_s]))

    def add_harvest(self, account: str, score: float) -> None:
        self._harvest(keys=[self._key(account)], args=[repr(float(score)), repr(HARVEST_ALPHA)])

    def size(self) -> int:
        """Accounts under this prefix (a SCAN, so cached for SIZE_CACHE_S between calls)."""
        import time

        now = time.monotonic()
        if self._size is None or now - self._size[0] > SIZE_CACHE_S:
            n = sum(1 for _ in self._r.scan_iter(match=f"{self.prefix}a:*", count=10_000))
            self._size = (now, n)
        return self._size[1]

    def close(self) -> None:
        self._r.close()
