"""Inline defence: score every request at the gateway and act on it (see docs/serve.md).

`Service` (service.py) holds the results of the last detect run, the policy and the online
per-account state; `create_app` (app.py) serves it over HTTP; `distillguard serve` runs it.
"""

from distillguard.serve.policy import Policy, load_policy

__all__ = ["Policy", "load_policy"]
