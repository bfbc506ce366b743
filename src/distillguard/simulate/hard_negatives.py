"""Benign personas that look like playbook campaigns on one axis or more (hard negatives).

- `paas_app`: unrelated developer apps hosted on one PaaS, whose requests leave through a few
  shared egress addresses (the same addresses a `paas_egress` playbook uses).
- `enterprise_batch`: organisations of 5-15 seats with one corporate card, one office NAT, one
  org id, and the same nightly templated batch job on every seat at the same hour.
- `release_signup`: consumers who sign up within 36 hours of the model release and try it.
- `engineering_team`: a company's engineers, 5-40 seats of one organisation (its own e-mail
  domain, one card, one org id) onboarded within two days, half of the teams in one office
  behind one NAT and half remote on their own home lines, each using a coding agent through the
  public harness in working hours (half of the teams add their own guidelines to its system
  prompt: a template only they send): one organisation whose traffic is coding trajectories.

The other hard negatives (public coding-agent harness, campus NAT cohorts on education sign-up,
eval runners re-running suites after a release, reasoning-heavy researchers) are personas of
`population`. Account rows have the same shape as there; traffic comes from `plans`.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import infra as I
from distillguard.simulate import plans as P
from distillguard.simulate._builtin import INTERNAL_HARNESS

DAY = 86_400_000_000
HOUR = 3_600_000_000
NEW = ("paas_app", "enterprise_batch", "release_signup", "engineering_team")


def build_persona(rng, persona: str, n: int, activity: float, corpus, nets: I.Networks, t0: int, end: int,
                  release: int) -> list[dict]:
    from distillguard.simulate import population as POP   # population imports this module

    out = []
    res, res_idx = nets.residential(rng, n)
    for j in range(n):
        a = POP._base(rng, persona, None, t0, end)
        POP._net(a, res[j], I.RESIDENTIAL[int(res_idx[j])][3])
        a["rate"] = float(rng.lognormal(0.0, 0.6)) * activity
        a["pro"] = float(rng.beta(2, 3))
        if persona == "paas_app":
            POP._ua(rng, a, ["sdk", "http"], [0.7, 0.3], corpus)
            a["signup"] = ["self_serve", "startup_program"][int(rng.random() < 0.5)]
            a["email"] = I.email_domain(rng, "startup" if rng.random() < 0.5 else "consumer", corpus)
            a["rpm"], a["rate"], a["verified"] = 300, a["rate"] * 30, bool(rng.random() < 0.85)
            a["rot"] = 1.0                 # pool set by population once the PaaS pool exists
        elif persona == "engineering_team":
            POP._ua(rng, a, ["agent_cli", "sdk"], [0.8, 0.2], corpus)
            a["rpm"], a["retry"] = 120, 1
        elif persona == "release_signup":
            POP._ua(rng, a, ["browser", "sdk", "http"], [0.75, 0.18, 0.07], corpus)
            a["created"] = release + int(rng.uniform(0.2, 36) * HOUR)
            a["act_from"] = a["created"]
            a["email"] = I.email_domain(rng, "consumer" if rng.random() < 0.85 else "disposable", corpus)
            a["verified"] = bool(rng.random() < 0.5)
            a["rpm"], a["retry"], a["rate"] = 20, 0, a["rate"] * 2.0
        out.append(a)
    if persona == "enterprise_batch":
        _orgs(rng, out, corpus)
    if persona == "engineering_team":
        _teams(rng, out)
    return out


def _teams(rng, accts: list[dict]) -> None:
    """Seats of one company: its domain, card and org id, onboarded together; one office NAT or remote."""
    from distillguard.simulate import population as POP

    domains = I.STARTUP_DOMAINS + [c[4] for c in I.CORPORATE]
    k = g = 0
    while k < len(accts):
        size = int(rng.integers(5, 41))
        domain = domains[int(rng.integers(0, len(domains)))]
        pay = int(rng.integers(0, 2**62))
        onboard = accts[k]["created"]
        office = rng.random() < 0.5
        # half the teams run the public harness as it comes, half add their own guidelines to it
        own = int(INTERNAL_HARNESS + 2 * rng.integers(0, 2**40)) if rng.random() < 0.5 else None
        if office:
            src = I.CORPORATE[int(rng.integers(0, len(I.CORPORATE)))]
            base, size_net = I._net(src[0])
            nat = (I.ip_in(base, size_net, int(rng.integers(0, 2**31))), src[1], src[2])
        for a in accts[k: k + size]:
            if office:
                POP._net(a, nat, src[3])
            a["signup"] = "startup_program" if domain in I.STARTUP_DOMAINS else "enterprise"
            a["email"], a["verified"] = domain, True
            a["pay"], a["org"] = pay, 1_500_000_000 + g
            if own is not None:
                a["fix"] = own + int(rng.integers(0, 2))   # the seat's public base prompt: fix % 2
            a["created"] = onboard + int(rng.integers(0, 2 * DAY))
        k += size
        g += 1


def _orgs(rng, accts: list[dict], corpus) -> None:
    """Seats of one organisation share card, NAT address, org id, e-mail domain and batch job."""
    from distillguard.simulate import population as POP

    k = g = 0
    while k < len(accts):
        size = int(rng.integers(5, 16))
        src = I.CORPORATE[g % len(I.CORPORATE)]
        base, size_net = I._net(src[0])
        nat = (I.ip_in(base, size_net, int(rng.integers(0, 2**31))), src[1], src[2])
        pay, fix = int(rng.integers(0, 2**62)), int(rng.integers(0, 2**62))
        created = accts[k]["created"]
        org = 1_000_000_000 + g
        for a in accts[k: k + size]:
            POP._net(a, nat, src[3])
            POP._ua(rng, a, ["sdk", "http"], [0.5, 0.5], corpus)
            a["signup"], a["email"], a["verified"], a["rpm"] = "enterprise", src[4], True, 600
            a["pay"], a["fix"], a["org"] = pay, fix, org
            a["created"] = created + int(rng.integers(0, 2 * DAY))
            a["rate"] = a["rate"] * 60
        k += size
        g += 1


def plan(ctx: P.Ctx, persona_i: int, persona: str, day: int, comp: int) -> dict:
    """One day of a hard-negative persona's traffic."""
    if persona == "paas_app":
        from distillguard.simulate.campaigns import _rotate

        p = P.steady(ctx, comp, persona_i, day, P.DEV)
        return _rotate(ctx, ctx.rng(comp + 1, day), p)
    if persona == "enterprise_batch":
        return P.batch_jobs(ctx, comp, persona_i, day)
    if persona == "engineering_team":
        from distillguard.simulate import timing as T

        return P.human_sessions(ctx, comp, persona_i, day, P.AGENT, 1.6, 18, 9.0, T.WORK)
    p = P.human_sessions(ctx, comp, persona_i, day, P.CHAT, 1.5, 6, 60.0)
    if p["ts"].size:   # they came for the new model
        new = (p["a"] % 10) < 8      # per conversation (a is one key per session)
        p["model"] = np.where(new & (p["ts"] >= ctx.release), 2, p["model"]).astype(np.int8)
    return p

