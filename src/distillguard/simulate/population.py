"""Accounts of every persona and campaign: sign-up, payment, network, client software, activity.

Benign hard negatives are built in here: families sharing a payment instrument and a home IP,
campus and corporate NATs where dozens of accounts share one address and sign up through the
education path, developer apps and batch jobs on datacenter addresses with SDK user agents.
"""

from __future__ import annotations

import numpy as np

from distillguard.simulate import hard_negatives as HN
from distillguard.simulate import infra as I
from distillguard.simulate import playbook_accounts as PA
from distillguard.simulate.config import CAMPAIGNS, PERSONAS, SimConfig
from distillguard.simulate.corpus import Corpus

DAY = 86_400_000_000
HOUR = 3_600_000_000
N_PROFILES = 6


class Accounts:
    """Column store of accounts; row i is account i (the internal index used in plans)."""

    def __init__(self, rows: list[dict]) -> None:
        self.n = len(rows)
        keys = rows[0].keys() if rows else []
        self.cols = {k: [r[k] for r in rows] for k in keys}
        for k in ("tz", "form", "nkeys", "rpm", "retry", "created", "fix", "act_from", "act_to", "sg",
                  "pool_lo", "pool_n", "persona_i", "campaign_i", "gid", "wave", "org"):
            self.cols[k] = np.asarray(self.cols.get(k, []), dtype=np.int64)
        for k in ("rate", "pro", "rot"):
            self.cols[k] = np.asarray(self.cols.get(k, []), dtype=np.float64)

    def __getitem__(self, key: str):
        return self.cols[key]


def _base(rng, persona: str, campaign: str | None, t0: int, end: int) -> dict:
    return {
        "persona": persona, "campaign": campaign,
        "persona_i": PERSONAS.index(persona) if persona in PERSONAS else -1,
        "campaign_i": CAMPAIGNS.index(campaign) if campaign else -1, "gid": 0, "wave": 0, "org": -1,
        "tz": 0, "form": int(rng.random() < 0.5), "nkeys": 1 + int(rng.random() < 0.3) + int(rng.random() < 0.1),
        "rpm": 60, "retry": 1, "created": t0 - int(rng.integers(30, 700)) * DAY - int(rng.integers(0, DAY)),
        "fix": int(rng.integers(0, 2**62)), "act_from": t0, "act_to": end, "sg": -1,
        "pool_lo": 0, "pool_n": 0, "rot": 0.0, "rate": 1.0, "pro": 0.5,
        "verified": bool(rng.random() < 0.8), "signup": "self_serve", "email": "gmail.com",
        "pay": int(rng.integers(0, 2**62)), "ua": "", "ip": "", "asn": 0, "cc": "US", "country": "US",
    }


def _net(acct: dict, triple: tuple, tz: int | None = None) -> None:
    acct["ip"], acct["asn"], acct["cc"] = triple[0], int(triple[1]), triple[2]
    acct["country"] = triple[2]
    if tz is not None:
        acct["tz"] = tz


def build(cfg: SimConfig, corpus: Corpus, seed: int, t0: int, release: int | None = None,
          playbooks: list | tuple = ()) -> tuple[Accounts, list[tuple]]:
    """Create all accounts; return them and the shared proxy table (ip, asn, country)."""
    end = t0 + cfg.world.days * DAY
    release = release if release is not None else t0 + int(cfg.world.release_day * DAY)
    nets = I.Networks(corpus)
    rows: list[dict] = []
    proxies: list[tuple] = []
    for i, persona in enumerate(PERSONAS):
        knobs = cfg.personas.get(persona)
        if knobs and knobs.accounts:
            rng = np.random.default_rng([seed, 100 + i])
            if persona in HN.NEW:
                rows += HN.build_persona(rng, persona, knobs.accounts, knobs.activity, corpus, nets, t0, end,
                                         release)
            else:
                rows += _persona(rng, persona, knobs.accounts, knobs.activity, cfg, corpus, nets, t0, end)
    for i, name in enumerate(CAMPAIGNS):
        knobs = cfg.campaigns.get(name)
        if knobs and knobs.accounts:
            rng = np.random.default_rng([seed, 200 + i])
            rows += _campaign(rng, name, knobs, cfg, corpus, nets, t0, end, proxies)
    paas = (0, 0)
    if any(r["persona"] == "paas_app" for r in rows) or any(
            pb.choices["network"] == "paas_egress" for pb in playbooks):
        # a handful of PaaS egress addresses shared by unrelated apps (and by any playbook on them)
        paas = (len(proxies), 6)
        proxies += nets.datacenter(np.random.default_rng([seed, 450]), 6, cluster=2)
        for r in rows:
            if r["persona"] == "paas_app":
                r["pool_lo"], r["pool_n"] = paas
                r["ip"], r["asn"], r["cc"] = proxies[paas[0] + r["fix"] % 6]
                r["country"] = r["cc"]
    for pb in playbooks:
        rng = np.random.default_rng([seed, 600 + pb.index])
        rows += PA.build(rng, pb, corpus, nets, t0, end, proxies, paas)
    # Client style and log-pipeline profile are drawn after a shuffle, from one stream for all
    # accounts: they cannot depend on persona or campaign.
    rng = np.random.default_rng([seed, 300])
    order = rng.permutation(len(rows))
    rows = [rows[j] for j in order]
    for r in rows:
        r["profile"] = int(rng.integers(0, N_PROFILES))
        r["strc"] = bool(rng.random() < 0.7)
        r["mct"] = bool(rng.random() < 0.4)
        r["tls"] = I.tls_fingerprint(r["ua"])
    if cfg.world.ipv6_share > 0:   # benign accounts on IPv6 home lines and hosts
        rng6 = np.random.default_rng([seed, 310])
        for r in rows:
            if r["campaign"] is None and rng6.random() < cfg.world.ipv6_share:
                r["ip"] = I.ipv6_of(r["ip"], r["persona"] in ("developer_app", "eval_runner", "batch_job",
                                                              "paas_app"))
    return Accounts(rows), proxies


def _ua(rng, acct: dict, kinds: list[str], p: list[float], corpus: Corpus, drift: int = 0) -> None:
    kind = kinds[int(rng.choice(len(kinds), p=p))]
    acct["ua_kind"] = kind
    acct["ua"] = I.user_agent(rng, kind, "anthropic" if acct["form"] else "openai", corpus, drift)


def _persona(rng, persona, n, activity, cfg, corpus, nets, t0, end) -> list[dict]:
    out = []
    res, res_idx = nets.residential(rng, n)
    for j in range(n):
        a = _base(rng, persona, None, t0, end)
        tz = I.RESIDENTIAL[int(res_idx[j])][3]
        _net(a, res[j], tz)
        a["email"] = I.email_domain(rng, "consumer", corpus)
        a["rate"] = float(rng.lognormal(0.0, 0.6)) * activity
        a["pro"] = float(rng.beta(2, 3))
        if rng.random() < 0.03:   # signed up during the period
            a["created"] = t0 + int(rng.integers(0, end - t0 - DAY))
            a["act_from"] = a["created"]
        if persona in ("chat_user", "jailbreaker"):
            _ua(rng, a, ["browser", "sdk", "http"], [0.82, 0.12, 0.06], corpus)
            a["rpm"], a["retry"] = 20, 0
            if persona == "jailbreaker":
                if rng.random() < 0.5:
                    _net(a, nets.vpn(rng, 1)[0])
                if rng.random() < 0.4:
                    a["email"] = I.email_domain(rng, "disposable", corpus)
                a["verified"] = bool(rng.random() < 0.3)
            elif rng.random() < 0.04:
                a["email"] = I.email_domain(rng, "disposable", corpus)
            if rng.random() < 0.03:
                a["signup"] = "reseller"
        elif persona == "developer_app":
            _ua(rng, a, ["sdk", "http", "automation"], [0.64, 0.28, 0.08], corpus)
            _net(a, nets.datacenter(rng, 1)[0])
            a["signup"] = ["self_serve", "startup_program", "reseller"][int(rng.choice(3, p=[0.5, 0.4, 0.1]))]
            a["email"] = I.email_domain(rng, "startup" if rng.random() < 0.5 else "consumer", corpus)
            a["rpm"], a["rate"] = 500, a["rate"] * 45
            a["sg"] = int(rng.integers(0, 10**6))
            a["verified"] = bool(rng.random() < 0.9)
        elif persona == "eval_runner":
            _ua(rng, a, ["sdk", "http"], [0.85, 0.15], corpus)
            _net(a, nets.datacenter(rng, 1)[0])
            a["signup"] = ["research_program", "enterprise", "self_serve", "startup_program"][int(rng.integers(0, 4))]
            a["email"] = I.email_domain(rng, ["startup", "edu", "corp"][int(rng.integers(0, 3))], corpus,
                                        campus=int(rng.integers(0, 99)), corp=int(rng.integers(0, 9)))
            a["rpm"] = [30, 300][int(rng.random() < 0.6)]
            a["verified"] = True
        elif persona == "batch_job":
            _ua(rng, a, ["sdk", "http"], [0.5, 0.5], corpus)
            _net(a, nets.datacenter(rng, 1)[0])
            a["signup"], a["rpm"], a["verified"] = "enterprise", 600, True
            a["email"] = I.email_domain(rng, "corp", corpus, corp=int(rng.integers(0, 9)))
            a["rate"] = a["rate"] * 260
            a["sg"] = int(rng.integers(0, 10**6))
        elif persona == "coding_agent":
            _ua(rng, a, ["agent_cli", "sdk"], [0.8, 0.2], corpus)
            a["rpm"], a["retry"] = 120, 1
        elif persona == "researcher":
            _ua(rng, a, ["sdk", "http", "automation"], [0.7, 0.22, 0.08], corpus)
            campus = int(rng.integers(0, len(I.CAMPUSES)))
            if rng.random() < 0.5:
                _net(a, nets.datacenter(rng, 1)[0])
            else:
                c = I.CAMPUSES[campus]
                base, size = I._net(c[0])
                _net(a, (I.ip_in(base, size, int(rng.integers(0, 2**31))), c[1], c[2]), c[3])
            a["signup"] = ["research_program", "education"][int(rng.random() < 0.4)]
            a["email"] = I.email_domain(rng, "edu", corpus, campus=campus)
            a["rpm"] = 120
        elif persona == "nat_user":
            _ua(rng, a, ["browser", "sdk"], [0.85, 0.15], corpus)
            a["rpm"], a["retry"] = 20, 0
        out.append(a)
    if persona == "chat_user":
        _families(rng, out)
    if persona == "nat_user":
        _nats(rng, out, corpus, t0)
    return out


def _families(rng, accts: list[dict]) -> None:
    """About a fifth of chat users live in households of 2-4 sharing a card and a home IP."""
    idx = [i for i in range(len(accts)) if rng.random() < 0.2]
    k = 0
    while k + 1 < len(idx):
        size = int(rng.integers(2, 5))
        head = accts[idx[k]]
        for i in idx[k + 1: k + size]:
            for key in ("pay", "ip", "asn", "cc", "country", "tz"):
                accts[i][key] = head[key]
        k += size


def _nats(rng, accts: list[dict], corpus: Corpus, t0: int) -> None:
    """Campus and office NATs: dozens of accounts behind one address, clustered sign-ups."""
    k = 0
    g = 0
    while k < len(accts):
        size = int(rng.integers(12, 41))
        corp = rng.random() < 0.25
        src = I.CORPORATE[g % len(I.CORPORATE)] if corp else I.CAMPUSES[g % len(I.CAMPUSES)]
        base, size_net = I._net(src[0])
        nat_ip = I.ip_in(base, size_net, int(rng.integers(0, 2**31)))
        cohort = t0 - int(rng.integers(5, 60)) * DAY
        shared_pay = int(rng.integers(0, 2**62))
        for a in accts[k: k + size]:
            _net(a, (nat_ip, src[1], src[2]), src[3])
            a["signup"] = "enterprise" if corp else "education"
            a["email"] = src[4]
            a["created"] = cohort + int(rng.integers(0, 3 * DAY))
            if corp:
                a["pay"] = shared_pay
            a["verified"] = bool(rng.random() < 0.6)
        k += size
        g += 1


def _campaign(rng, name, knobs, cfg, corpus, nets, t0, end, proxies) -> list[dict]:
    n = knobs.accounts
    start = t0 + int(knobs.start_day * DAY)
    out = []
    lo = len(proxies)
    pool_size = max(8, n * 4)
    if name in ("agentic", "high_volume"):
        res, _ = nets.residential(rng, pool_size // 2)
        proxies += [(ip, asn, cc) for ip, asn, cc in res] + nets.vpn(rng, pool_size - pool_size // 2, cluster=6)
    elif name == "reasoning":
        proxies += nets.datacenter(rng, pool_size, cluster=4)
    else:
        res, _ = nets.residential(rng, pool_size)
        proxies += res
    pays = rng.integers(0, 2**62, max(1, -(-n // knobs.payment_sharing)))
    sticky = nets.datacenter(rng, n, cluster=3) if name in ("reasoning", "high_volume") else \
        nets.vpn(rng, n, cluster=5) if name == "agentic" else None
    stealth_res, stealth_idx = nets.residential(rng, n)
    span = end - start
    for j in range(n):
        a = _base(rng, "automation", name, t0, end)
        a["gid"] = j
        a["pay"] = int(pays[j // knobs.payment_sharing])
        a["pool_lo"], a["pool_n"], a["rot"] = lo, len(proxies) - lo, knobs.ip_rotation
        a["act_from"] = start
        a["rate"] = 1.0
        batch = j // 20
        a["created"] = start - (1 + batch % 7) * DAY + int(rng.integers(0, 20 * 60)) * 1_000_000
        if name == "reasoning":
            a["persona"] = "reasoning_harvester"
            a["form"] = int(rng.random() < 0.3)
            _ua(rng, a, ["sdk", "http"], [0.8, 0.2], corpus, drift=batch % 3)
            _net(a, sticky[j])
            a["signup"] = ["education", "startup_program"][int(rng.random() < 0.5)]
            kind = a["signup"] == "education" and "edu" or ("startup" if rng.random() < 0.6 else "disposable")
            a["email"] = I.email_domain(rng, kind, corpus, campus=int(rng.integers(0, 99)))
            a["rpm"], a["retry"], a["verified"] = 6, 2, bool(rng.random() < 0.4)
            a["pro"] = 0.95
        elif name == "agentic":
            a["persona"] = "agent_harvester"
            a["form"] = int(rng.random() < 0.7)
            _ua(rng, a, ["sdk", "automation", "http"], [0.6, 0.25, 0.15], corpus, drift=batch % 4)
            _net(a, sticky[j])
            a["signup"] = ["self_serve", "startup_program", "reseller"][int(rng.integers(0, 3))]
            a["email"] = I.email_domain(rng, "consumer" if rng.random() < 0.6 else "disposable", corpus)
            a["rpm"], a["retry"], a["verified"], a["pro"] = 60, 1, bool(rng.random() < 0.5), 0.9
        elif name == "high_volume":
            a["persona"] = "coding_harvester"
            a["form"] = int(rng.random() < 0.6)
            wave = j * knobs.waves // n
            w_start = start + wave * span // (knobs.waves + 1)
            a["wave"] = wave
            a["act_from"] = w_start
            a["act_to"] = min(end, w_start + 2 * span // (knobs.waves + 1)) if wave < knobs.waves - 1 else end
            a["created"] = w_start - int(rng.integers(1, 12)) * HOUR - int(rng.integers(0, 600)) * 1_000_000
            _ua(rng, a, ["sdk", "agent_cli", "http"], [0.6, 0.3, 0.1], corpus, drift=wave)
            _net(a, sticky[j])
            a["signup"] = ["self_serve", "reseller"][int(rng.random() < 0.35)]
            a["email"] = I.email_domain(rng, "consumer" if rng.random() < 0.5 else "disposable", corpus)
            a["rpm"], a["retry"], a["verified"], a["pro"] = 120, 1, bool(rng.random() < 0.35), 0.9
        else:
            a["persona"] = "stealth_harvester"
            tz = I.RESIDENTIAL[int(stealth_idx[j])][3]
            _net(a, stealth_res[j], tz)
            _ua(rng, a, ["browser", "sdk"], [0.55, 0.45], corpus)
            a["email"] = I.email_domain(rng, "consumer", corpus)
            a["created"] = t0 - int(rng.integers(20, 400)) * DAY - int(rng.integers(0, DAY))
            a["rpm"], a["retry"], a["verified"], a["pro"] = 20, 0, bool(rng.random() < 0.75), 0.6
            a["rate"] = float(rng.lognormal(0.0, 0.3))
        out.append(a)
    return out
