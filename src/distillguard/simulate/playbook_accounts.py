"""Accounts of a playbook campaign: sign-up path, payment, network and client per the drawn axes.

One function, `build`, returns the account rows of one playbook (the same dict shape as
`population`), appending the proxy addresses it rotates through to the shared proxy table.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import infra as I
from distillguard.simulate.playbooks import Playbook

DAY = 86_400_000_000
HOUR = 3_600_000_000
WAVES = 3
RETRY_STYLE = {"burst": 2, "fixed": 3, "backoff": 1, "give_up": 4}   # limits.STYLES
PAY_GROUP = {"shared": (10, 26), "few": (2, 5), "own": (1, 2)}
RPM = {"very_high": 120, "high": 60, "medium": 30, "low": 20}


def _v6(triples: list[tuple], hosted: bool, share: float, rng) -> list[tuple]:
    if share <= 0:
        return triples
    flip = rng.random(len(triples)) < share
    return [(I.ipv6_of(ip, hosted), asn, cc) if f else (ip, asn, cc) for (ip, asn, cc), f in zip(triples, flip)]


def _infra(rng, pb: Playbook, n: int, nets: I.Networks, proxies: list[tuple], paas: tuple[int, int]) -> dict:
    """Payment instruments, sticky addresses and the rotation pool for `n` accounts."""
    ch = pb.choices
    lo_g, hi_g = PAY_GROUP[ch["payment"]]
    groups = []
    while sum(groups) < n:
        groups.append(int(rng.integers(lo_g, hi_g)))
    pays = np.repeat(rng.integers(0, 2**62, len(groups)), groups)[:n]
    v6 = {"v4": 0.0, "v6": 1.0, "dual": 0.5}[ch["ip_version"]]
    net = ch["network"]
    tz = np.full(n, pb.operator_tz)
    if net == "dc_proxy":
        sticky = _v6(nets.datacenter(rng, n, cluster=3), True, v6, rng)
        pool = _v6(nets.datacenter(rng, max(8, 2 * n), cluster=4), True, 1.0 if v6 == 1 else 0.0, rng)
        rot = 0.5
    elif net == "paas_egress":
        sticky = [proxies[paas[0] + int(i) % max(paas[1], 1)] for i in rng.integers(0, 2**31, n)]
        pool, rot = None, 1.0
    else:
        res = I.RESIDENTIAL
        if net == "residential_sticky":   # exits bought in the billing countries
            idx = np.asarray(pb.countries)[rng.integers(0, len(pb.countries), n)]
            sticky, _ = nets.residential(rng, n, country_idx=idx)
            pidx = np.asarray(pb.countries)[rng.integers(0, len(pb.countries), max(8, 3 * n))]
            pool, _ = nets.residential(rng, pidx.size, country_idx=pidx)
            pool, rot = _v6(pool, False, 1.0 if v6 == 1 else 0.0, rng), 0.3
        else:                              # home_line: every account its own line
            sticky, idx = nets.residential(rng, n)
            pool, rot = None, 0.0
        sticky = _v6(sticky, False, v6, rng)
        tz = np.array([res[int(i)][3] for i in idx])
    lo = len(proxies)
    if pool is not None:
        proxies += pool
    elif net == "paas_egress":
        lo = paas[0]
    n_pool = len(pool) if pool is not None else (paas[1] if net == "paas_egress" else 0)
    human = ch["dispatch"] == "human"
    kinds, p = (["browser", "sdk"], [0.6, 0.4]) if human else (["sdk", "http"], [0.7, 0.3])
    if "coding" in pb.families and not human:
        kinds, p = kinds + ["agent_cli"], [x * 0.7 for x in p] + [0.3]
    return {"pays": pays, "sticky": sticky, "tz": tz, "pool": (lo, n_pool), "rot": rot, "ua": (kinds, p)}


def build(rng, pb: Playbook, corpus, nets: I.Networks, t0: int, end: int, proxies: list[tuple],
          paas: tuple[int, int]) -> list[dict]:
    """Account rows of playbook `pb` (its choices decide every field; see docs/simulator.md)."""
    from distillguard.simulate import population as POP   # population imports this module

    ch = pb.choices
    n = pb.accounts
    start = t0 + int(pb.start_day * DAY)
    span = end - start
    waves = 1 if ch["lifecycle"] == "steady" else WAVES
    wave_of = np.arange(n) * waves // n
    if ch["lifecycle"] == "waves_fresh":
        infra = [_infra(rng, pb, int((wave_of == w).sum()), nets, proxies, paas) for w in range(waves)]
        pos = np.arange(n) - np.searchsorted(wave_of, wave_of)
    else:
        infra = [_infra(rng, pb, n, nets, proxies, paas)] * waves
        pos = np.arange(n)
    org_key = 2_000_000_000 + pb.index * 1000
    seat_domain = (I.STARTUP_DOMAINS + [c[4] for c in I.CORPORATE])[pb.template_key % 28]
    seats_created = t0 - int(rng.integers(30, 200)) * DAY
    out = []
    for j in range(n):
        w, k = int(wave_of[j]), int(pos[j])
        inf = infra[w]
        a = POP._base(rng, "playbook_harvester", None, t0, end)
        a["campaign"], a["campaign_i"], a["gid"], a["wave"] = pb.name, pb.index, j, w
        w_start = start + w * span // (waves + 1) if waves > 1 else start
        a["act_from"] = w_start
        a["act_to"] = end if w == waves - 1 else min(end, w_start + 2 * span // (waves + 1))
        POP._net(a, inf["sticky"][k], int(inf["tz"][k]))
        a["pay"] = int(inf["pays"][k])
        a["pool_lo"], a["pool_n"], a["rot"] = inf["pool"][0], inf["pool"][1], inf["rot"]
        POP._ua(rng, a, inf["ua"][0], inf["ua"][1], corpus, drift=w if ch["lifecycle"] == "waves_fresh" else 0)
        acc = ch["accounts"]
        if acc == "fresh":
            a["signup"] = ["self_serve", "reseller"][int(rng.random() < 0.3)]
            a["email"] = I.email_domain(rng, "consumer" if rng.random() < 0.6 else "disposable", corpus)
            a["verified"] = bool(rng.random() < 0.3)
            a["created"] = w_start - int(rng.integers(1, 72)) * HOUR - int(rng.integers(0, 3600)) * 1_000_000
        elif acc == "programme":
            a["signup"] = ["education", "research_program", "startup_program"][int(rng.integers(0, 3))]
            kind = "edu" if a["signup"] != "startup_program" else "startup"
            a["email"] = I.email_domain(rng, kind, corpus, campus=int(rng.integers(0, 99)))
            a["verified"] = bool(rng.random() < 0.5)
            a["created"] = w_start - int(rng.integers(1, 10)) * DAY - int(rng.integers(0, DAY))
        elif acc == "aged":
            a["email"] = I.email_domain(rng, "consumer", corpus)
            a["verified"] = bool(rng.random() < 0.8)
            a["created"] = t0 - int(rng.integers(60, 700)) * DAY - int(rng.integers(0, DAY))
        else:   # org_seats: one organisation's seats on its own domain
            a["signup"], a["email"], a["verified"] = "enterprise", seat_domain, True
            a["org"] = org_key + j // 40
            a["created"] = seats_created + int(rng.integers(0, DAY))
        a["rpm"] = 6 if ch["dispatch"] == "lockstep" else RPM[ch["volume"]]
        a["retry"] = RETRY_STYLE[ch["retry"]]
        a["pro"] = 0.85
        a["rate"] = float(rng.lognormal(0.0, 0.3)) if ch["dispatch"] == "human" else 1.0
        out.append(a)
    return out
