"""Prometheus text exposition of the service's counters (no client library needed).

Exposes ``distillguard_decisions_total{decision,shadow}``, ``distillguard_actions_total{action}``,
``distillguard_decision_seconds`` (a histogram), ``distillguard_state_accounts``,
``distillguard_observed_total``, ``distillguard_harvest_dropped_total``,
``distillguard_errors_total{status}``, ``distillguard_reloads_total`` and ``distillguard_shed_total``.
"""

from __future__ import annotations

import bisect
import threading
from collections import Counter

BUCKETS_S = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    """Thread-safe counters and one latency histogram."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.decisions: Counter[tuple[str, bool]] = Counter()
        self.actions: Counter[str] = Counter()
        self.errors: Counter[int] = Counter()
        self.buckets = [0] * (len(BUCKETS_S) + 1)
        self.lat_sum = 0.0
        self.lat_n = 0
        self.observed = 0
        self.reloads = 0
        self.shed = 0

    def decision(self, decision: str, actions: list[str], shadow: bool, seconds: float) -> None:
        with self._lock:
            self.decisions[(decision, shadow)] += 1
            for a in actions:
                self.actions[a] += 1
            self.buckets[bisect.bisect_left(BUCKETS_S, seconds)] += 1
            self.lat_sum += seconds
            self.lat_n += 1

    def error(self, status: int) -> None:
        with self._lock:
            self.errors[status] += 1

    def render(self, state_accounts: int, harvest_dropped: int) -> str:
        with self._lock:
            out = ["# HELP distillguard_decisions_total Decisions by outcome.",
                   "# TYPE distillguard_decisions_total counter"]
            for (d, shadow), n in sorted(self.decisions.items()):
                out.append(f'distillguard_decisions_total{{decision="{d}",shadow="{str(shadow).lower()}"}} {n}')
            out += ["# HELP distillguard_actions_total Actions applied.", "# TYPE distillguard_actions_total counter"]
            for a, n in sorted(self.actions.items()):
                out.append(f'distillguard_actions_total{{action="{a}"}} {n}')
            out += ["# HELP distillguard_decision_seconds Time to decide one request.",
                    "# TYPE distillguard_decision_seconds histogram"]
            cum = 0
            for le, n in zip(BUCKETS_S, self.buckets, strict=False):
                cum += n
                out.append(f'distillguard_decision_seconds_bucket{{le="{le}"}} {cum}')
            out.append(f'distillguard_decision_seconds_bucket{{le="+Inf"}} {self.lat_n}')
            out.append(f"distillguard_decision_seconds_sum {self.lat_sum:.6f}")
            out.append(f"distillguard_decision_seconds_count {self.lat_n}")
            out += ["# HELP distillguard_errors_total Requests answered with an error status.",
                    "# TYPE distillguard_errors_total counter"]
            for s, n in sorted(self.errors.items()):
                out.append(f'distillguard_errors_total{{status="{s}"}} {n}')
            out += ["# HELP distillguard_state_accounts Accounts held in the online state.",
                    "# TYPE distillguard_state_accounts gauge", f"distillguard_state_accounts {state_accounts}",
                    "# HELP distillguard_observed_total Exchanges appended by /v1/observe.",
                    "# TYPE distillguard_observed_total counter", f"distillguard_observed_total {self.observed}",
                    "# HELP distillguard_harvest_dropped_total Requests not classified (queue full).",
                    "# TYPE distillguard_harvest_dropped_total counter",
                    f"distillguard_harvest_dropped_total {harvest_dropped}",
                    "# HELP distillguard_reloads_total Successful reloads of results and policy.",
                    "# TYPE distillguard_reloads_total counter", f"distillguard_reloads_total {self.reloads}",
                    "# HELP distillguard_shed_total Requests answered without scoring (over max_inflight).",
                    "# TYPE distillguard_shed_total counter", f"distillguard_shed_total {self.shed}"]
        return "\n".join(out) + "\n"
