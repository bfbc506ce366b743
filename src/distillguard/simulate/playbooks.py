"""Attacker playbooks: a campaign drawn from independent choices on every axis, and the splits.

A playbook is one operator's campaign. Each axis below has several values; a world's
`[playbooks]` config section says how many campaigns to draw and from which split. Draws come
from their own random stream (`[seed, 500]`), so the same seed and config give the same
playbooks, and each campaign's choices are written to `world.json` and `truth/campaigns.jsonl`.

`SPLITS` is the one declared place for which values each split may use: `fit` (anything tuned
may see only these), `test` (held-out values on every axis) and `evasive` (every evasion at once).
docs/simulator.md describes what each value does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from distillguard.errors import ConfigError

AGENTIC_FAMILIES = ("agentic_tool", "coding", "computer_use")

AXES: dict[str, tuple[str, ...]] = {
    # how the accounts were obtained (sign-up path, age, verification, e-mail domains)
    "accounts": ("fresh", "programme", "aged", "org_seats"),
    # where requests come from
    "network": ("dc_proxy", "paas_egress", "residential_sticky", "home_line"),
    "ip_version": ("v4", "v6", "dual"),
    # accounts per payment instrument: shared 10-25, few 2-4, own 1
    "payment": ("shared", "few", "own"),
    # exact shared wrapper / per-account paraphrase (reworded, reordered, moved between system
    # and user turn) / no wrapper, raw problems
    "wrapper": ("exact", "paraphrase", "raw"),
    # what is harvested (a campaign draws one to three)
    "family": ("reasoning", "rubric", "agentic_tool", "synthetic", "coding", "computer_use", "vision",
               "censorship"),
    # share of mundane chat copied from the benign pools, sent inside the campaign's sessions
    "dilution": ("0", "0.15", "0.3", "0.45", "0.6"),
    # lock-step round-robin bursts / operator shifts / a jittered queue around the clock /
    # human-like sessions in each account's time zone
    "dispatch": ("lockstep", "shifts", "queue", "human"),
    # client behaviour after a 429
    "retry": ("burst", "fixed", "backoff", "give_up"),
    # target exchanges per account per day: high 80-200, medium 30-60, low 1.5-4, very_high 250-500
    # (the public high-volume campaign's rate; the benchmark
    # prints the realised median per active day next to the benign 50th and 90th percentiles)
    "volume": ("high", "medium", "low", "very_high"),
    # reaction to the model release: a wave within hours / slow per-account drift / none
    "release": ("wave", "drift", "none"),
    # all accounts for the whole period / waves retired and replaced by the same operator on
    # the same infrastructure / waves on fresh cards, addresses and clients
    "lifecycle": ("steady", "waves_one_operator", "waves_fresh"),
}

SPLITS: dict[str, dict[str, tuple[str, ...]]] = {
    "fit": {
        "accounts": ("fresh", "programme"), "network": ("dc_proxy", "paas_egress"), "ip_version": ("v4",),
        "payment": ("shared", "few"), "wrapper": ("exact",),
        "family": ("reasoning", "rubric", "agentic_tool", "synthetic"), "dilution": ("0", "0.15"),
        "dispatch": ("lockstep", "shifts"), "retry": ("burst", "fixed"), "volume": ("high", "medium"),
        "release": ("wave",), "lifecycle": ("steady", "waves_one_operator"),
    },
    "test": {
        "accounts": ("aged", "org_seats"), "network": ("residential_sticky", "home_line"),
        "ip_version": ("v6", "dual"), "payment": ("own",), "wrapper": ("paraphrase", "raw"),
        "family": ("coding", "computer_use", "vision", "censorship"), "dilution": ("0.3", "0.45", "0.6"),
        "dispatch": ("queue", "human"), "retry": ("backoff", "give_up"), "volume": ("low", "very_high"),
        "release": ("drift", "none"), "lifecycle": ("waves_fresh",),
    },
    "evasive": {
        "accounts": ("aged",), "network": ("home_line",), "ip_version": ("dual",), "payment": ("own",),
        "wrapper": ("paraphrase",), "family": AXES["family"], "dilution": ("0.6",), "dispatch": ("human",),
        "retry": ("backoff",), "volume": ("low",), "release": ("drift",), "lifecycle": ("waves_fresh",),
    },
    "any": dict(AXES),
}

PER_DAY = {"high": (80, 200), "medium": (30, 60), "low": (1.5, 4), "very_high": (250, 500)}


@dataclass
class PlaybookKnobs:
    count: int = 0                 # campaigns drawn from playbooks (0: none; the four classic ones stay)
    split: str = "fit"             # fit, test, evasive or any
    accounts: int = 200            # campaign accounts over all playbooks (split unevenly)
    start_day_max: float = 2.0     # each campaign starts in [0.2, start_day_max] days
    force: dict[str, str] = field(default_factory=dict)   # axis -> value for every drawn playbook
    seed: int | None = None        # draw the playbooks from this seed's stream (None: the world's seed)


@dataclass
class Playbook:
    name: str
    index: int                     # campaign index in the world (after the four classic names)
    choices: dict[str, str]
    families: tuple[str, ...]
    accounts: int
    start_day: float
    per_day: float                 # target exchanges per account per active day
    daily_cap: int
    operator_tz: int
    countries: tuple[int, ...]     # residential blocks (infra.RESIDENTIAL) the operator buys exits in
    template_key: int              # picks the campaign's wrappers among the corpus templates

    @property
    def dilution(self) -> float:
        return float(self.choices["dilution"])

    def record(self) -> dict:
        d = asdict(self)
        d["families"] = list(self.families)
        d["countries"] = list(self.countries)
        return d


def parse(body: object) -> PlaybookKnobs:
    """Read a `[playbooks]` config table; unknown keys and values are errors."""
    if not isinstance(body, dict):
        raise ConfigError("config section [playbooks] must be a table")
    k = PlaybookKnobs()
    for key, value in body.items():
        if key == "force":
            if not isinstance(value, dict):
                raise ConfigError("config section [playbooks.force] must be a table of axis = value")
            for axis, v in value.items():
                if axis not in AXES:
                    raise ConfigError(f"unknown playbook axis {axis!r}", hint=f"axes: {', '.join(AXES)}")
                if v not in AXES[axis]:
                    raise ConfigError(f"playbooks.force.{axis} must be one of {', '.join(AXES[axis])}, got {v!r}")
            k.force = {a: str(v) for a, v in value.items()}
        elif key in ("count", "accounts", "seed"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"playbooks.{key} must be an integer >= 0, got {value!r}")
            setattr(k, key, value)
        elif key == "start_day_max":
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0.2:
                raise ConfigError(f"playbooks.start_day_max must be a number >= 0.2, got {value!r}")
            k.start_day_max = float(value)
        elif key == "split":
            if value not in SPLITS:
                raise ConfigError(f"playbooks.split must be one of {', '.join(SPLITS)}, got {value!r}")
            k.split = value
        else:
            raise ConfigError(f"unknown config key playbooks.{key!r}",
                              hint="known keys here: accounts, count, force, seed, split, start_day_max")
    return k


def draw(knobs: PlaybookKnobs, seed: int, days: int, first_index: int, n_countries: int) -> list[Playbook]:
    """Draw `knobs.count` playbooks from the split's values (one random stream, `[seed, 500]`).

    `knobs.seed`, when set, replaces `seed` here only: two worlds with different seeds and the
    same `playbooks.seed` face the same operators (same choices, sizes, starts, templates) with
    their own accounts, addresses, cards and paraphrases (benchmarks/sharing.py uses this).

    Values are spread evenly over the campaigns of one world (each axis its own shuffled order), so
    a world of six campaigns holds every allowed value of an axis with up to six values.
    """
    if knobs.count == 0:
        return []
    rng = np.random.default_rng([seed if knobs.seed is None else knobs.seed, 500])
    allowed = SPLITS[knobs.split]
    weights = rng.dirichlet(np.full(knobs.count, 3.0))
    sizes = np.maximum(8, np.floor(weights * knobs.accounts)).astype(int)
    # every allowed value of an axis appears as evenly as `count` allows, in an independent order per axis
    column = {}
    for axis in AXES:
        vals = allowed[axis]
        reps = np.tile(rng.permutation(len(vals)), -(-knobs.count // len(vals)))[: knobs.count]
        column[axis] = [vals[int(i)] for i in rng.permutation(reps)]
    out = []
    for k in range(knobs.count):
        choices = {axis: knobs.force.get(axis) or column[axis][k] for axis in AXES}
        first = choices["family"]   # the spread-out primary family, plus up to two more of the split's
        others = [f for f in allowed["family"] if f != first] if "family" not in knobs.force else []
        n_more = int(rng.integers(0, min(2, len(others)) + 1))
        extra = rng.choice(others, n_more, replace=False).tolist() if n_more else []
        families = tuple(sorted([first, *extra], key=AXES["family"].index))
        choices["family"] = "+".join(families)
        lo, hi = PER_DAY[choices["volume"]]
        per_day = float(rng.uniform(lo, hi))
        n = int(sizes[k]) * (2 if choices["volume"] == "low" else 1)
        out.append(Playbook(
            name=f"pb{k:02d}", index=first_index + k, choices=choices, families=families, accounts=n,
            start_day=round(float(rng.uniform(0.2, min(knobs.start_day_max, days - 0.5))), 3),
            per_day=round(per_day, 2), daily_cap=int(np.ceil(per_day * 1.8)) + 2,
            operator_tz=int(rng.choice([-8, -5, 0, 1, 3, 5, 8, 9])),
            countries=tuple(int(x) for x in rng.choice(n_countries, 2, replace=False)),
            template_key=int(rng.integers(0, 2**31))))
    return out
