"""Text helpers of the report: reasons grouped across numbers, de-duplicated lists, the release
pivot cell, and the legend of template skeleton markers."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

# What the markers in a template skeleton stand for (see docs/templates.md).
TEMPLATE_MARKERS = (
    ("§", "the line between the system prompt (above) and the last user turn (below)"),
    ("{…}", "a run of text that varies between the template's exchanges (the slot being filled)"),
    ("<n>", "a number"),
    ("<q>", "a quoted string"),
    ("<url>", "a web address"),
    ("<email>", "an e-mail address"),
    ("<code>", "a fenced code block"),
)


def unique(items: Iterable[str]) -> list[str]:
    """`items` without repeats (first occurrence kept) or blanks."""
    seen: set[str] = set()
    out = []
    for x in items:
        x = x.strip()
        if x and x not in seen:
            seen.add(x)
            out.append(x)
    return out


def _as_float(s: str) -> float:
    try:
        return float(s.replace(",", ""))
    except ValueError:
        return 0.0


def group_reasons(reasons: Iterable[str], top: int = 15) -> list[tuple[str, int]]:
    """Count reasons, treating ones that differ only in their numbers as one.

    A group is shown as its text with each number that varies replaced by its range, e.g.
    "88%–96% of traffic is one template" for "88% of traffic…" and "96% of traffic…".
    Returns (text, count) pairs, most frequent first (ties by text).
    """
    groups: dict[str, list[list[str]]] = {}
    for r in reasons:
        key = _NUMBER.sub("#", r)
        groups.setdefault(key, []).append(_NUMBER.findall(r))
    counts = Counter({k: len(v) for k, v in groups.items()})
    out = []
    for key, n in counts.items():
        numbers = groups[key]
        parts = key.split("#")
        text = parts[0]
        for i, tail in enumerate(parts[1:]):
            column = [ns[i] for ns in numbers]
            lo, hi = min(column, key=_as_float), max(column, key=_as_float)
            text += (lo if _as_float(lo) == _as_float(hi) else f"{lo}–{hi}") + tail
        out.append((text, n))
    out.sort(key=lambda t: (-t[1], t[0]))
    return out[:top]


def pivot_cell(pivot: dict[str, Any] | None) -> dict[str, Any] | None:
    """The index's release-pivot cell: the campaign's share of the new model against the population's.

    ``above`` is true only where the campaign moved to the new model more than the population did.
    """
    if not pivot or not pivot.get("model"):
        return None
    share, pop = pivot.get("share_24h"), pivot.get("population_share_24h")
    above = share is not None and pop is not None and float(share) > float(pop)
    return {"model": pivot["model"], "share": share, "population": pop, "above": above}
