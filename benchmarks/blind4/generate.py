#!/usr/bin/env python3
"""blind4: an independent synthetic-world generator of LLM-API traffic with distillation campaigns.

Worlds are for MEASURING a detector only; nothing in the detector may be tuned on them.
See README.md. Usage:
    python generate.py --seed S --out DIR [--accounts N] [--days D] [--evasive] [--data CORPUS]
"""
import argparse
import gzip
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

from content import (ASSIGN_SYSTEM, BATCH_SYSTEMS, CATALOG_SYSTEMS, CENSOR_QUESTIONS, CENSOR_REGIONS,  # noqa: E402
                     CENSOR_TEMPLATES, CENSOR_TOPICS, CI_PROMPTS, CODE_TOOL_SYSTEM, COT_SYSTEMS, COURSES,
                     ENTERPRISE_SYSTEMS, HACK_SYSTEM, REDTEAM_SYSTEM, TRANSLATE_TEMPLATE, TUTOR_SYSTEMS, Content,
                     rec_system, rec_turns, user_text)
from corpus import Corpus, CorpusError  # noqa: E402
from textkit import Paraphraser, TextBank  # noqa: E402
from world_infra import BENIGN_COUNTRIES, COUNTRY_TZ, WEBMAIL, Infra, h64, hexid, wchoice  # noqa: E402

START = 1759708800  # 2025-10-06T00:00:00Z, a Monday
DAY = 86400.0
OLD_MODELS = ["atlas-2-mini", "atlas-2", "atlas-2-pro"]
NEW_MODEL = "atlas-3"
ENDPOINTS = {"chat": "/v1/chat/completions", "responses": "/v1/responses", "messages": "/v1/messages"}
ATTACK_COUNTRIES = [("US", 5), ("SG", 3), ("HK", 3), ("GB", 2), ("CA", 2), ("JP", 1), ("KR", 1), ("AE", 1), ("KZ", 1), ("NL", 1)]


def iso(ts):
    ms = int(round(ts * 1000))
    s, ms = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{ms:03d}Z"


class Acct:
    __slots__ = ("idx", "id", "persona", "campaign", "created", "email_domain", "payment", "country", "signup_path",
                 "verified", "org", "keys", "form", "endpoint_on", "ua", "tls", "net", "models", "shift", "style",
                 "para", "tz", "extra")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))


# =============================================================================================
# Operator strategies (standard parameters; evasive overrides are applied in plan_campaigns)
STRATEGIES = {
    "cot_harvest": dict(desc="reasoning-trace farm: CoT templates and step-by-step system prompts over math/logic questions, high reasoning effort, lock-step round-robin over datacenter exits",
                        size=(15, 40), rate=(25, 70), mix=[("a_cot", 1.0)], filler=0.05, hydra="dc", exit="sticky",
                        pay="few", email="disposable", signup=[("self_serve", 6), ("education", 4)], creation="burst",
                        timing="lockstep", hours="shift", ua="http", forms=[("chat", 1)], shift=(2, 3, 0.3)),
    "rubric_reward": dict(desc="reward-model harvesting: rubric grading and pairwise-judge templates at temperature 0, education/research sign-ups on two academic-looking domains, one card, rotating VPN exits",
                          size=(8, 25), rate=(40, 110), mix=[("a_rubric", 1.0)], filler=0.03, hydra="vpn", exit="rotate",
                          pay="one", email="edu", signup=[("education", 6), ("research_program", 4)], creation="burst",
                          timing="lockstep", hours="always", ua="http", forms=[("chat", 1)], shift=None),
    "agent_trajectory": dict(desc="agentic/coding trajectory mill: multi-turn tool-use conversations, tool-use and coding templates, startup-program sign-ups, residential proxy exits",
                             size=(30, 80), rate=(30, 80), mix=[("a_traj", 0.6), ("a_tooltmpl", 0.12), ("a_code", 0.28)],
                             filler=0.05, hydra="res", exit="sticky", pay="few", email="startup",
                             signup=[("startup_program", 8), ("self_serve", 2)], creation="waves", timing="independent",
                             hours="shift", ua="sdk", forms=[("responses", 5), ("messages", 5)], shift=(1, 2, 0.25)),
    "pivot_sft": dict(desc="bulk SFT data farm (self-instruct/Alpaca, Evol-Instruct, airoboros generators) that moves half its traffic to the new model within a day of release",
                      size=(40, 100), rate=(25, 65), mix=[("a_sft", 0.65), ("a_evol", 0.35)], filler=0.08, hydra="mixed",
                      exit="rotate", pay="few", email="webmail", signup=[("self_serve", 9), ("startup_program", 1)],
                      creation="burst", timing="lockstep", hours="always", ua="http", forms=[("chat", 1)],
                      shift=(0.1, 0.8, 0.5)),
    "censor_rewrite": dict(desc="censorship-safe rewrite harvesting: sensitive-topic questions rewritten/neutralised with own templates, small team, one card",
                           size=(4, 12), rate=(25, 70), mix=[("a_censor", 1.0)], filler=0.15, hydra="dc", exit="sticky",
                           pay="one", email="webmail", signup=[("self_serve", 1)], creation="burst", timing="independent",
                           hours="shift", ua="sdk", forms=[("chat", 6), ("messages", 4)], shift=None),
    "sleeper_swarm": dict(desc="aged sleeper swarm: many low-volume accounts created over weeks, aged with filler, activated together; judge + CoT content with per-account paraphrase; no shared payment",
                          size=(30, 90), rate=(8, 22), mix=[("a_rubric", 0.5), ("a_cot", 0.5)], filler=0.25, hydra="res",
                          exit="sticky", pay="none", email="webmail", signup=[("self_serve", 6), ("education", 2), ("startup_program", 2)],
                          creation="staggered", timing="humanlike", hours="always", ua="sdk_varied",
                          forms=[("chat", 5), ("responses", 2), ("messages", 3)], shift=(2, 4, 0.2), para=0.45, aging=(7, 20)),
    "churn_replace": dict(desc="ban-and-replace churn: greedy accounts (evol rewrite, quality scoring) that get banned after a few days and are replaced within hours, cards reused across replacements",
                          size=(12, 36), rate=(90, 220), mix=[("a_evol", 0.6), ("a_rubric", 0.2), ("a_sft", 0.2)],
                          filler=0.02, hydra="dc", exit="rotate", pay="few", email="disposable", signup=[("self_serve", 1)],
                          creation="chain", timing="burst", hours="always", ua="http", forms=[("chat", 1)], shift=(0.5, 1.5, 0.4)),
    "roleplay_magpie": dict(desc="character/roleplay and Magpie pre-query harvesting from a single /24, one card, one HTTP library",
                            size=(3, 8), rate=(50, 130), mix=[("a_roleplay", 0.7), ("a_magpie", 0.3)], filler=0.0,
                            hydra="dc_single", exit="sticky", pay="one", email="disposable", signup=[("self_serve", 1)],
                            creation="burst", timing="lockstep", hours="always", ua="http", forms=[("chat", 1)], shift=None),
}
EXTRA_STRATEGIES = ["cot_harvest", "rubric_reward", "censor_rewrite", "roleplay_magpie", "agent_trajectory"]

# Benign personas: (share of benign accounts, group size range, median exchanges per account over 14 days)
PERSONAS = {
    "hobbyist_chat": ("individuals chatting via playground-style tools: sporadic sessions, residential IPs, browser or SDK", 0.0, (1, 1), 8),
    "indie_developer": ("solo developers building an app: SDK traffic from home and from one cloud host, JSON mode, tool tests", 0.10, (1, 1), 35),
    "vpn_privacy_user": ("privacy-minded individuals behind commercial VPN exits (the same VPN ranges proxies use), some disposable e-mails", 0.05, (1, 1), 10),
    "power_user_multi": ("one person or household running 2-4 accounts on one card from one home IP (personal + client projects)", 0.03, (2, 4), 70),
    "student_coursework": ("course cohorts on education sign-up: same university domain and campus NAT, shared assignment prompt, deadline bursts", 0.12, (12, 60), 18),
    "hackathon_cohort": ("hackathon teams: dozens of accounts created within two hours at one venue, shared starter prompt, active ~36h", 0.05, (15, 45), 22),
    "enterprise_seats": ("company seats: many accounts on one corporate card, one domain, zero-trust proxy egress in datacenter ranges, office hours", 0.13, (4, 60), 25),
    "batch_pipeline": ("data teams: nightly extraction/classification jobs with one fixed system prompt, evenly paced, prod/staging/dev accounts", 0.012, (1, 3), 450),
    "eval_runner": ("benchmark teams: whole eval suites in bursts (same system prompt, temperature 0, n>1), tau2 agent runs, immediate runs on the new model", 0.01, (1, 2), 400),
    "judge_researcher": ("academic labs running AlpacaEval-style LLM-as-judge jobs with the public judge templates", 0.005, (1, 3), 350),
    "agent_product": ("customer-service agent startups: multi-turn tool-calling conversations with a fixed agent policy prompt, cloud egress", 0.01, (1, 2), 650),
    "coding_tool": ("IDE/coding-assistant products: many end users behind one account, code completion and agent-mode tool loops", 0.01, (1, 2), 500),
    "reseller_gateway": ("API resellers/wrappers: very mixed end-user traffic through a few cloud hosts, pass-through user agents, fast new-model uptake", 0.003, (1, 2), 1500),
    "edtech_tutor": ("homework/tutoring apps: step-by-step explanations of math questions with reasoning enabled, after-school peaks", 0.008, (1, 2), 400),
    "catalog_rewriter": ("e-commerce content teams: templated product-description rewrites in daily batches", 0.01, (1, 1), 250),
    "localization_agency": ("translation agencies: one account per client project on a shared card, templated translation prompts, office hours", 0.012, (2, 6), 110),
    "ci_smoke_tests": ("CI/monitoring: tiny fixed prompts on a strict period across models from rotating cloud runners, new model added at release", 0.006, (1, 2), 450),
    "redteam_safety": ("safety/red-team researchers probing sensitive and injection prompts on research sign-ups", 0.005, (1, 3), 140),
    "dormant_signup": ("accounts that signed up but sent nothing in the window", 0.08, (1, 1), 0),
}


class World:
    def __init__(self, corpus, seed, n_accounts, days, evasive):
        self.c = corpus
        self.seed = seed
        self.N = n_accounts
        self.D = days
        self.evasive = evasive
        self.start = float(START)
        self.end = self.start + days * DAY
        self.W = days * 144
        self.infra = Infra(corpus, random.Random(h64(seed, "infra")))
        texts = [user_text(r) for r in corpus.benign[::3]] + [str(r.get("extra", {}).get("ideal", "")) for r in corpus.benign[::5]]
        self.content = Content(corpus, TextBank(texts))
        rm = random.Random(h64(seed, "models"))
        rel_day = max(1, min(days - 2, int(round(days * rm.uniform(0.42, 0.6))))) if days >= 4 else max(0, days // 2)
        self.release_ts = self.start + rel_day * DAY + rm.randint(15, 18) * 3600 + rm.randint(0, 3599)
        self.accounts = []
        self.events = []
        self.campaigns = []
        self.nb = 0
        self.nc = 0
        self.kinds = {k[2:]: getattr(self, k) for k in dir(self) if k.startswith("k_")}
        self.shared_vpn = [self.infra.dc_exit(random.Random(h64(seed, "pvpn", i)), vpn=True) for i in range(60)]

    # ------------------------------------------------------------------ helpers
    def rngs(self, *ns):
        return random.Random(h64(self.seed, *ns)), np.random.default_rng(h64(self.seed, *ns, "np"))

    def new_acct(self, persona, r, campaign=None, **kw):
        if campaign is None:
            aid = "acct_" + hexid(self.seed, "b", self.nb)
            self.nb += 1
        else:
            aid = "acct_" + hexid(self.seed, "c", self.nc)
            self.nc += 1
        a = Acct(idx=len(self.accounts), id=aid, persona=persona, campaign=campaign)
        a.country = kw.get("country") or wchoice(r, BENIGN_COUNTRIES)
        a.tz = COUNTRY_TZ.get(a.country, 0)
        a.created = kw.get("created", self.start - r.uniform(1, 700) * DAY)
        a.email_domain = kw.get("email") or r.choice(WEBMAIL)
        a.payment = kw.get("payment") or ("pm_" + hexid(self.seed, aid, "pay", n=16))
        a.signup_path = kw.get("signup", "self_serve")
        a.verified = kw.get("verified", r.random() < 0.5)
        a.org = kw.get("org") or ("org_" + hexid(self.seed, aid, "org", n=10))
        nkeys = kw.get("nkeys", 1)
        a.keys = ["key_" + hexid(self.seed, aid, "key", i, n=14) for i in range(nkeys)]
        a.form = kw.get("form") or wchoice(r, [("chat", 6), ("responses", 2), ("messages", 3)])
        a.endpoint_on = kw.get("endpoint_on", r.random() < 0.9)
        if "ua" in kw and kw["ua"]:
            a.ua = kw["ua"]
        else:
            a.ua = self.infra.sdk_ua(r, a.form)
        a.tls = kw.get("tls") or self.infra.tls_for(a.ua, kw.get("tls_salt", ""))
        a.net = kw.get("net") or {"mode": "home", "exits": [self.infra.res_exit(r, a.country, v6=r.random() < 0.1)], "p0": 0.9}
        a.models = kw.get("models") or [("atlas-2", 5), ("atlas-2-mini", 3), ("atlas-2-pro", 1)]
        a.shift = kw.get("shift")
        a.style = kw.get("style") or self.default_style(r)
        a.para = kw.get("para") or Paraphraser(r, 0)
        a.extra = kw.get("extra") or {}
        self.accounts.append(a)
        return a

    @staticmethod
    def default_style(r, temp=None):
        return {"temperature": temp if temp is not None else r.choice([None, None, 0.7, 1.0, 0.2, 0.5]),
                "top_p": r.choice([None] * 6 + [0.9, 0.95]),
                "max_out": r.choice([None, None, 512, 1024, 2048, 4096]),
                "max_field": "max_tokens" if r.random() < 0.6 else "max_completion_tokens",
                "stream_p": r.choice([0.0, 0.0, 0.5, 0.9, 1.0]), "json_p": 0.0}

    def emit(self, acct, ts, kind, r, arg=None):
        if acct.created is not None and ts < acct.created + 30:
            return
        if self.start <= ts < self.end:
            self.events.append((ts, acct.idx, kind, r.getrandbits(62), arg))

    def profile(self, r, tz, client=None):
        sg = self.c.sg_rates
        c = client if client is not None else r.randrange(len(sg))
        base = sg[c]
        off = r.randrange(14) * 144
        idx = (np.arange(self.W) + off - int((tz - 8) * 6)) % 2016
        p = base[idx] + base.mean() * 0.03 + 1e-12
        return p / p.sum()

    def masked(self, prof, t0=None, t1=None):
        p = prof.copy()
        if t0 is not None:
            w0 = int(max(0, (t0 - self.start) // 600))
            p[:min(self.W, w0)] = 0
        if t1 is not None:
            w1 = int(max(0, math.ceil((t1 - self.start) / 600)))
            p[w1:] = 0
        s = p.sum()
        if s <= 0:
            return None
        return p / s

    def hours_profile(self, weights24, t0=None, t1=None, weekend=1.0):
        w = np.array([weights24[(i // 6) % 24] for i in range(self.W)], dtype=float)
        if weekend != 1.0:
            dow = ((np.arange(self.W) // 144) % 7)
            w[dow >= 5] *= weekend
        return self.masked(w / w.sum(), t0, t1)

    @staticmethod
    def workday(tz, lo=9, hi=18, floor=0.04):
        return [1.0 if lo <= ((h + tz) % 24) < hi else floor for h in range(24)]

    def sessions(self, acct, r, g, prof, n_req, chooser, per_sess=3.0, gap=(15, 240)):
        if prof is None or n_req <= 0:
            return
        n_sess = max(1, int(round(n_req / per_sess)))
        wins = g.choice(self.W, size=n_sess, p=prof)
        left = n_req
        for i, w in enumerate(sorted(wins)):
            t = self.start + (w + r.random()) * 600
            k = max(1, int(round(r.expovariate(1.0 / per_sess)))) if i < n_sess - 1 else max(1, left)
            k = min(k, max(1, left))
            for _ in range(k):
                kind, arg = chooser(r)
                if acct.campaign:
                    self._emit_attack(acct, t, kind, r, arg)
                else:
                    self.emit(acct, t, kind, r, arg)
                t += r.uniform(*gap)
            left -= k
            if left <= 0:
                break

    @staticmethod
    def lognorm_count(r, median, sigma=0.9, lo=1, hi=None):
        v = int(round(median * math.exp(r.gauss(0, sigma))))
        v = max(lo, v)
        return min(hi, v) if hi else v

    def scale(self, n):
        return n * self.D / 14.0

    # ================================================================== benign population
    def plan_benign(self, n_benign):
        r0 = random.Random(h64(self.seed, "benign-alloc"))
        counts = {}
        for p, (_, share, _, _) in PERSONAS.items():
            counts[p] = int(round(n_benign * share))
        for p in ("reseller_gateway", "eval_runner", "judge_researcher", "agent_product", "batch_pipeline", "ci_smoke_tests"):
            counts[p] = max(counts[p], 2 if n_benign >= 300 else 1)
        counts["hobbyist_chat"] = 0
        counts["hobbyist_chat"] = max(0, n_benign - sum(counts.values()))
        made = {p: 0 for p in PERSONAS}
        gi = 0
        for p in PERSONAS:
            _, _, (glo, ghi), med = PERSONAS[p]
            while made[p] < counts[p]:
                size = min(counts[p] - made[p], r0.randint(glo, ghi))
                if size < glo and made[p] > 0 and glo > 1:
                    size = counts[p] - made[p]
                r, g = self.rngs("benign", p, gi)
                getattr(self, "p_" + p)(r, g, size, med)
                made[p] += size
                gi += 1

    def _models(self, r, kind="general"):
        if kind == "cheap":
            return [("atlas-2-mini", 8), ("atlas-2", 2)]
        if kind == "research":
            return [("atlas-2-pro", 4), ("atlas-2", 4), ("atlas-2-mini", 2)]
        return [("atlas-2", 5), ("atlas-2-mini", 3), ("atlas-2-pro", 1)]

    def _early(self, r, p_adopt, delay_days=(0.2, 3), frac=(0.2, 0.6)):
        if r.random() < p_adopt:
            return (self.release_ts + r.uniform(*delay_days) * DAY, r.uniform(*frac))
        if r.random() < 0.5:
            return (self.release_ts + r.uniform(2, 6) * DAY, r.uniform(0.05, 0.2))
        return None

    def chat_chooser(self, w_chat=1.0, w_dev=0.0, w_code=0.0):
        opts = [("chat", w_chat), ("dev", w_dev), ("code", w_code)]
        opts = [o for o in opts if o[1] > 0]
        return lambda r: (wchoice(r, opts), None)

    def p_dormant_signup(self, r, g, size, med):
        for _ in range(size):
            created = self.start - r.uniform(0, 400) * DAY if r.random() < 0.7 else r.uniform(self.start, self.end)
            self.new_acct("dormant_signup", r, created=created, email=(self.infra.disposable_domain(r) if r.random() < 0.15 else None),
                          signup=wchoice(r, [("self_serve", 8), ("education", 1), ("startup_program", 1)]), verified=r.random() < 0.2)

    def p_hobbyist_chat(self, r, g, size, med):
        for _ in range(size):
            created = self.start - r.uniform(1, 700) * DAY if r.random() < 0.88 else r.uniform(self.start, self.end - DAY)
            browser = r.random() < 0.4
            form = wchoice(r, [("chat", 6), ("responses", 1), ("messages", 3)])
            ua = self.infra.browser_ua(r) if browser else None
            a = self.new_acct("hobbyist_chat", r, created=created, form=form, ua=ua, verified=r.random() < 0.4,
                              shift=self._early(r, 0.15))
            prof = self.masked(self.profile(r, a.tz), created)
            n = self.lognorm_count(r, self.scale(med), 1.0)
            self.sessions(a, r, g, prof, n, self.chat_chooser(), per_sess=r.uniform(1.5, 5), gap=(20, 400))

    def p_indie_developer(self, r, g, size, med):
        for _ in range(size):
            form = wchoice(r, [("chat", 5), ("responses", 3), ("messages", 3)])
            created = self.start - r.uniform(1, 500) * DAY if r.random() < 0.9 else r.uniform(self.start, self.end - 2 * DAY)
            home = self.infra.res_exit(r, wchoice(r, BENIGN_COUNTRIES))
            cloud = self.infra.dc_exit(r)
            a = self.new_acct("indie_developer", r, created=created, form=form, country=home[2], nkeys=r.randint(1, 3),
                              net={"mode": "home", "exits": [home, cloud], "p0": r.uniform(0.4, 0.9)},
                              shift=self._early(r, 0.3))
            a.style["json_p"] = r.choice([0.0, 0.2, 0.5])
            prof = self.masked(self.profile(r, a.tz), created)
            n = self.lognorm_count(r, self.scale(med), 1.1)
            self.sessions(a, r, g, prof, n, self.chat_chooser(0.4, 0.45, 0.15), per_sess=r.uniform(3, 10), gap=(5, 120))

    def p_vpn_privacy_user(self, r, g, size, med):
        for _ in range(size):
            exits = r.sample(self.shared_vpn, 2) + [self.infra.dc_exit(r, vpn=True) for _ in range(r.randint(1, 4))]
            email = self.infra.disposable_domain(r) if r.random() < 0.25 else r.choice(["proton.me", "proton.me", "tutanota.com", "gmail.com", "fastmail.com"])
            browser = r.random() < 0.5
            a = self.new_acct("vpn_privacy_user", r, email=email, ua=self.infra.browser_ua(r) if browser else None,
                              net={"mode": "rotate", "pool": exits}, verified=r.random() < 0.25)
            prof = self.masked(self.profile(r, a.tz), a.created)
            self.sessions(a, r, g, prof, self.lognorm_count(r, self.scale(med), 0.9), self.chat_chooser(0.8, 0.2),
                          per_sess=r.uniform(2, 5), gap=(20, 300))

    def p_power_user_multi(self, r, g, size, med):
        cc = wchoice(r, BENIGN_COUNTRIES)
        home = self.infra.res_exit(r, cc)
        pay = "pm_" + hexid(self.seed, "pum", r.random(), n=16)
        dom = r.choice(WEBMAIL)
        ua = self.infra.sdk_ua(r, "chat")
        for i in range(size):
            a = self.new_acct("power_user_multi", r, country=cc, payment=pay, email=dom if r.random() < 0.7 else None,
                              ua=ua if r.random() < 0.7 else None, form="chat" if r.random() < 0.7 else None,
                              net={"mode": "home", "exits": [home, self.infra.res_exit(r, cc)], "p0": 0.85},
                              created=self.start - r.uniform(5, 500) * DAY, verified=r.random() < 0.6, shift=self._early(r, 0.4))
            prof = self.masked(self.profile(r, a.tz), a.created)
            self.sessions(a, r, g, prof, self.lognorm_count(r, self.scale(med), 0.8), self.chat_chooser(0.5, 0.3, 0.2),
                          per_sess=r.uniform(3, 8), gap=(10, 200))

    def p_student_coursework(self, r, g, size, med):
        course = r.choice(sorted(COURSES))
        cc = wchoice(r, BENIGN_COUNTRIES)
        dom = self.infra.uni_domain(r)
        campus = self.infra.own_block(r, cc)
        t_course = self.start - r.uniform(-4, 40) * DAY
        deadlines = sorted(self.start + r.uniform(1.5, self.D - 0.2) * DAY for _ in range(r.randint(1, 2)))
        n_assign = r.randint(1, 6)
        for i in range(size):
            created = t_course + r.uniform(0, 5) * DAY
            browser = r.random() < 0.45
            a = self.new_acct("student_coursework", r, country=cc, email=dom, signup="education", created=created,
                              verified=r.random() < 0.2, form="chat" if r.random() < 0.8 else None,
                              ua=self.infra.browser_ua(r) if browser else self.infra.sdk_ua(r, "chat", "py"),
                              net={"mode": "home", "exits": [self.infra.block_host(campus, r), self.infra.res_exit(r, cc)], "p0": r.uniform(0.4, 0.8)},
                              models=[("atlas-2-mini", 7), ("atlas-2", 3)], extra={"course": course, "assign": n_assign})
            n = self.lognorm_count(r, self.scale(med), 0.9)
            base = self.masked(self.profile(r, a.tz), created)
            if base is None:
                continue
            n_dead = int(n * r.uniform(0.4, 0.8))
            self.sessions(a, r, g, base, n - n_dead, lambda rr: ("student", None), per_sess=3, gap=(30, 400))
            for d in deadlines:
                p = self.masked(base, max(created, d - 2 * DAY), d)
                self.sessions(a, r, g, p, n_dead // len(deadlines), lambda rr: ("student", None), per_sess=5, gap=(20, 300))

    def p_hackathon_cohort(self, r, g, size, med):
        cc = wchoice(r, BENIGN_COUNTRIES)
        venue = self.infra.own_block(r, cc)
        t0 = self.start + r.uniform(0.5, max(0.6, self.D - 2.5)) * DAY
        path = r.choice(["startup_program", "education", "self_serve"])
        teams = [f"team-{hexid(self.seed, 'team', t0, k, n=4)}" for k in range(max(1, size // 3))]
        for i in range(size):
            created = t0 + r.uniform(0, 2) * 3600
            a = self.new_acct("hackathon_cohort", r, country=cc, created=created, signup=path, verified=False,
                              email=r.choice(WEBMAIL) if r.random() < 0.6 else self.infra.company_domain(r),
                              ua=self.infra.sdk_ua(r, "chat", r.choice(["py", "js"])), form=r.choice(["chat", "chat", "responses", "messages"]),
                              net={"mode": "home", "exits": [self.infra.block_host(venue, r), self.infra.res_exit(r, cc)], "p0": 0.85},
                              extra={"team": teams[i % len(teams)]})
            n = self.lognorm_count(r, self.scale(med) * 14 / max(self.D, 1), 0.8)
            p = self.hours_profile([1.0] * 24, created, created + 1.6 * DAY)
            self.sessions(a, r, g, p, n, lambda rr: ("hack", None), per_sess=4, gap=(5, 120))
            if r.random() < 0.2:
                p2 = self.masked(self.profile(r, a.tz), created + 2 * DAY)
                self.sessions(a, r, g, p2, self.lognorm_count(r, 6), self.chat_chooser(0.5, 0.5), per_sess=3)

    def p_enterprise_seats(self, r, g, size, med):
        cc = wchoice(r, BENIGN_COUNTRIES)
        dom = self.infra.company_domain(r)
        pay = "pm_" + hexid(self.seed, "ent", dom, r.random(), n=16)
        org = "org_" + hexid(self.seed, "entorg", dom, r.random(), n=10)
        if r.random() < 0.6:
            egress = [self.infra.dc_exit(r, cidr=c) for c in r.sample(self.c.dc, 2)]
        else:
            blk = self.infra.own_block(r, cc)
            egress = [self.infra.block_host(blk, r) for _ in range(2)]
        sysp = r.choice(ENTERPRISE_SYSTEMS)
        sysp = sysp.replace("{co}", dom.split(".")[0].capitalize()) if sysp else None
        form = wchoice(r, [("chat", 5), ("responses", 3), ("messages", 3)])
        ua = self.infra.sdk_ua(r, form)
        early = self._early(r, 0.25)
        created0 = self.start - r.uniform(20, 600) * DAY
        for i in range(size):
            a = self.new_acct("enterprise_seats", r, country=cc, email=dom, payment=pay, org=org,
                              signup="enterprise" if size >= 8 else r.choice(["enterprise", "self_serve"]), verified=True,
                              created=created0 + r.uniform(0, 60) * DAY, form=form if r.random() < 0.8 else None,
                              ua=ua if r.random() < 0.7 else self.infra.browser_ua(r, desktop=True),
                              net={"mode": "rotate", "pool": egress}, shift=early, extra={"sys": sysp})
            prof = self.hours_profile(self.workday(a.tz), a.created, weekend=0.1)
            self.sessions(a, r, g, prof, self.lognorm_count(r, self.scale(med), 1.0), lambda rr: ("ent", None),
                          per_sess=r.uniform(2, 6), gap=(30, 600))

    def p_batch_pipeline(self, r, g, size, med):
        dom = self.infra.company_domain(r)
        pay = "pm_" + hexid(self.seed, "batch", dom, r.random(), n=16)
        cidr = r.choice(self.c.dc)
        hosts = [self.infra.dc_exit(r, cidr=cidr) for _ in range(r.randint(1, 4))]
        sys_i = r.randrange(len(BATCH_SYSTEMS))
        ua = r.choice(self.infra.ua_http) if r.random() < 0.4 else self.infra.sdk_ua(r, "chat", "py")
        cc = wchoice(r, BENIGN_COUNTRIES)
        hour = r.randint(0, 23)
        total = self.lognorm_count(r, self.scale(med) * size, 0.7, lo=50)
        shares = [1.0, 0.12, 0.03][:size]
        for i in range(size):
            a = self.new_acct("batch_pipeline", r, country=cc, email=dom, payment=pay, signup=r.choice(["self_serve", "enterprise"]),
                              verified=True, ua=ua, form="chat", net={"mode": "rotate", "pool": hosts},
                              models=[("atlas-2-mini", 1)], style={"temperature": 0.0, "top_p": None, "max_out": r.choice([256, 512, 1024]),
                                                                   "max_field": "max_tokens", "stream_p": 0.0, "json_p": 0.8 if sys_i != 3 else 0.0},
                              extra={"sys": sys_i}, shift=(self.release_ts + r.uniform(3, 8) * DAY, 0.5) if r.random() < 0.2 else None)
            n_acc = int(total * shares[i] / sum(shares))
            days = [d for d in range(self.D) if r.random() < (0.9 if i == 0 else 0.4)] or [0]
            per = max(1, n_acc // len(days))
            for d in days:
                t = self.start + d * DAY + ((hour - a.tz) % 24) * 3600 + r.uniform(0, 300)
                step = r.uniform(0.3, 2.5)
                for _ in range(per):
                    self.emit(a, t, "batch", r)
                    t += step * r.uniform(0.7, 1.3)

    def p_eval_runner(self, r, g, size, med):
        dom = self.infra.company_domain(r) if r.random() < 0.6 else self.infra.uni_domain(r)
        pay = "pm_" + hexid(self.seed, "eval", dom, r.random(), n=16)
        cidr = r.choice(self.c.dc)
        hosts = [self.infra.dc_exit(r, cidr=cidr) for _ in range(3)]
        form = wchoice(r, [("chat", 6), ("responses", 2), ("messages", 2)])
        for i in range(size):
            a = self.new_acct("eval_runner", r, email=dom, payment=pay, signup=r.choice(["research_program", "enterprise", "self_serve"]),
                              verified=True, form=form, ua=self.infra.sdk_ua(r, form, "py"), net={"mode": "rotate", "pool": hosts},
                              models=self._models(r, "research"),
                              style={"temperature": 0.0, "top_p": None, "max_out": r.choice([None, 256, 1024]), "max_field": "max_tokens", "stream_p": 0.0, "json_p": 0.0})
            budget = self.lognorm_count(r, self.scale(med), 0.6, lo=100)
            jobs = []
            # a battery on the new model within hours of release
            if r.random() < 0.8:
                jobs.append((self.release_ts + r.uniform(0.5, 10) * 3600, NEW_MODEL, int(budget * r.uniform(0.3, 0.6))))
            rest = budget - sum(j[2] for j in jobs)
            for _ in range(r.randint(2, 6)):
                jobs.append((self.start + r.uniform(0, self.D) * DAY, r.choice(OLD_MODELS + ([NEW_MODEL] if r.random() < 0.5 else [])), rest // 4))
            for t, model, n in jobs:
                if model == NEW_MODEL and t < self.release_ts:
                    t = self.release_ts + r.uniform(1, 48) * 3600
                rate = r.uniform(0.5, 6)
                while n > 0:
                    if r.random() < 0.15 and self.c.by_kind.get("agent_task"):
                        k = min(n, r.randint(20, 80))
                        for _ in range(k):
                            if r.random() < 0.5:
                                self.emit(a, t, "tau2_user", r, (model,))
                            else:
                                sd = r.getrandbits(48)
                                for s in range(self.content.traj_steps(sd, "support")):
                                    self.emit(a, t + s * r.uniform(2, 8), "traj", r, (sd, s, "support", model))
                            t += r.expovariate(rate)
                        n -= k
                        continue
                    suite = r.choice(self.c.suites)
                    rows = self.c.by_suite[suite]
                    reps = r.choice([1, 1, 1, 2, 3])
                    for rep in range(reps):
                        for j in range(len(rows)):
                            self.emit(a, t, "eval", r, (suite, j, model, reps))
                            t += r.expovariate(rate)
                    n -= len(rows) * reps
                    t += r.uniform(30, 3600)

    def p_judge_researcher(self, r, g, size, med):
        dom = self.infra.uni_domain(r)
        cc = wchoice(r, BENIGN_COUNTRIES)
        blk = self.infra.own_block(r, cc)
        tmpl = r.choice(self.content.t_alpaca_eval)["id"]
        pay = "pm_" + hexid(self.seed, "lab", dom, r.random(), n=16)
        for i in range(size):
            a = self.new_acct("judge_researcher", r, country=cc, email=dom, signup="research_program", verified=True,
                              payment=pay if r.random() < 0.7 else None, form="chat", ua=self.infra.sdk_ua(r, "chat", "py"),
                              net={"mode": "home", "exits": [self.infra.block_host(blk, r), self.infra.dc_exit(r)], "p0": 0.7},
                              models=[("atlas-2-pro", 1)], extra={"tmpl": tmpl},
                              style={"temperature": 0.0, "top_p": None, "max_out": 100, "max_field": "max_tokens", "stream_p": 0.0, "json_p": 0.0})
            n = self.lognorm_count(r, self.scale(med), 0.5, lo=50)
            jobs = r.randint(1, 3)
            for j in range(jobs):
                t = self.start + r.uniform(0, self.D) * DAY
                model = None
                if j == 0 and r.random() < 0.4:
                    t = self.release_ts + r.uniform(2, 40) * 3600
                    model = NEW_MODEL
                for _ in range(n // jobs):
                    self.emit(a, t, "judge_bench", r, (model,))
                    t += r.uniform(0.3, 3.0)
            self.sessions(a, r, g, self.masked(self.profile(r, a.tz), a.created), self.lognorm_count(r, 10), self.chat_chooser(0.6, 0.4), per_sess=3)

    def _cloud_product(self, r, persona, size, signup, form=None):
        dom = self.infra.company_domain(r)
        pay = "pm_" + hexid(self.seed, persona, dom, r.random(), n=16)
        cc = wchoice(r, BENIGN_COUNTRIES[:12])
        hosts = [self.infra.dc_exit(r, cidr=c) for c in r.sample(self.c.dc, r.randint(1, 3)) for _ in range(r.randint(1, 4))]
        form = form or wchoice(r, [("chat", 4), ("responses", 3), ("messages", 3)])
        ua = self.infra.sdk_ua(r, form)
        accts = []
        for i in range(size):
            accts.append(self.new_acct(persona, r, country=cc, email=dom, payment=pay, signup=signup, verified=r.random() < 0.8,
                                       form=form, ua=ua, net={"mode": "rotate", "pool": hosts}, nkeys=r.randint(1, 4),
                                       created=self.start - r.uniform(10, 400) * DAY))
        return accts

    def p_agent_product(self, r, g, size, med):
        accts = self._cloud_product(r, "agent_product", size, r.choice(["startup_program", "self_serve", "enterprise"]))
        for k, a in enumerate(accts):
            a.shift = self._early(r, 0.5, (0.5, 4), (0.2, 0.5))
            prof = self.profile(r, a.tz)
            steps = self.lognorm_count(r, self.scale(med) * (1.0 if k == 0 else 0.1), 0.6, lo=20)
            n_conv = max(1, steps // 5)
            wins = g.choice(self.W, size=n_conv, p=prof)
            for w in wins:
                t = self.start + (w + r.random()) * 600
                sd = r.getrandbits(48)
                system, tools, turns, pos, cat = self.content.trajectory(sd, "support")
                prev = 0
                for s, p in enumerate(pos):
                    human = sum(1 for x in turns[prev:p] if x[0] == "user")
                    t += human * r.uniform(8, 60) + r.uniform(0.5, 4)
                    self.emit(a, t, "traj", r, (sd, s, "support", None))
                    prev = p

    def p_coding_tool(self, r, g, size, med):
        accts = self._cloud_product(r, "coding_tool", size, r.choice(["startup_program", "self_serve"]))
        for k, a in enumerate(accts):
            a.shift = self._early(r, 0.5, (0.3, 3), (0.3, 0.7))
            prof = self.profile(r, a.tz)
            n = self.lognorm_count(r, self.scale(med) * (1.0 if k == 0 else 0.15), 0.6, lo=20)
            n_agent = int(n * r.uniform(0.1, 0.4))
            self.sessions(a, r, g, prof, n - n_agent, lambda rr: ("code", None), per_sess=6, gap=(2, 60))
            n_conv = max(1, n_agent // 5)
            for w in g.choice(self.W, size=n_conv, p=prof):
                t = self.start + (w + r.random()) * 600
                sd = r.getrandbits(48)
                for s in range(self.content.traj_steps(sd, "ide")):
                    t += r.uniform(1, 15)
                    self.emit(a, t, "traj", r, (sd, s, "ide", None))

    def p_reseller_gateway(self, r, g, size, med):
        accts = self._cloud_product(r, "reseller_gateway", size, "reseller")
        for k, a in enumerate(accts):
            a.verified = True
            a.ua = None
            a.extra["ua_pool"] = [self.infra.sdk_ua(r, f) for f in ("chat", "messages", "responses") for _ in range(4)] + \
                                 [r.choice(self.infra.ua_http) for _ in range(4)]
            a.shift = (self.release_ts + r.uniform(0.5, 6) * 3600, r.uniform(0.25, 0.45))
            prof = self.profile(r, a.tz)
            n = self.lognorm_count(r, self.scale(med) * (1.0 if k == 0 else 0.3), 0.5, lo=50)
            self.sessions(a, r, g, prof, n, lambda rr: (wchoice(rr, [("chat", 5), ("code", 2), ("dev", 2), ("role", 1)]), None),
                          per_sess=2, gap=(1, 90))

    def p_edtech_tutor(self, r, g, size, med):
        accts = self._cloud_product(r, "edtech_tutor", size, r.choice(["startup_program", "education", "self_serve"]))
        for k, a in enumerate(accts):
            a.extra["sys"] = r.randrange(len(TUTOR_SYSTEMS))
            a.extra["reason"] = r.choice(["medium", "high", "low"])
            prof = self.hours_profile([1.0 if 15 <= (h + a.tz) % 24 < 23 else 0.15 for h in range(24)], weekend=0.6)
            n = self.lognorm_count(r, self.scale(med) * (1.0 if k == 0 else 0.2), 0.6, lo=20)
            self.sessions(a, r, g, prof, n, lambda rr: ("tutor", None), per_sess=3, gap=(20, 200))

    def p_catalog_rewriter(self, r, g, size, med):
        accts = self._cloud_product(r, "catalog_rewriter", size, r.choice(["self_serve", "enterprise"]), form="chat")
        for a in accts:
            a.extra["sys"] = r.randrange(len(CATALOG_SYSTEMS))
            a.style["temperature"] = r.choice([0.7, 0.8, 1.0])
            n = self.lognorm_count(r, self.scale(med), 0.6, lo=20)
            days = [d for d in range(self.D) if (d % 7) < 5 and r.random() < 0.8] or [0]
            hour = (r.randint(8, 11) - a.tz) % 24
            for d in days:
                t = self.start + d * DAY + hour * 3600 + r.uniform(0, 1800)
                for _ in range(n // len(days)):
                    self.emit(a, t, "catalog", r)
                    t += r.uniform(1.0, 6.0)

    def p_localization_agency(self, r, g, size, med):
        dom = self.infra.company_domain(r)
        pay = "pm_" + hexid(self.seed, "l10n", dom, r.random(), n=16)
        cc = wchoice(r, BENIGN_COUNTRIES)
        blk = self.infra.own_block(r, cc)
        ua = self.infra.sdk_ua(r, "chat")
        for i in range(size):
            a = self.new_acct("localization_agency", r, country=cc, email=dom, payment=pay, verified=True, form="chat", ua=ua,
                              net={"mode": "home", "exits": [self.infra.block_host(blk, r)], "p0": 1.0},
                              extra={"lang": r.choice(["German", "French", "Japanese", "Spanish", "Portuguese", "Korean", "Italian"])},
                              created=self.start - r.uniform(5, 300) * DAY)
            prof = self.hours_profile(self.workday(a.tz), a.created, weekend=0.05)
            self.sessions(a, r, g, prof, self.lognorm_count(r, self.scale(med), 0.8), lambda rr: ("translate", None),
                          per_sess=8, gap=(5, 60))

    def p_ci_smoke_tests(self, r, g, size, med):
        dom = self.infra.company_domain(r)
        pay = "pm_" + hexid(self.seed, "ci", dom, r.random(), n=16)
        pool = [self.infra.dc_exit(r) for _ in range(r.randint(5, 40))]
        ua = r.choice(self.infra.ua_http)
        for i in range(size):
            a = self.new_acct("ci_smoke_tests", r, email=dom, payment=pay, verified=True, ua=ua,
                              form=r.choice(["chat", "messages", "responses"]), net={"mode": "rotate", "pool": pool},
                              style={"temperature": 0.0, "top_p": None, "max_out": 16, "max_field": "max_tokens", "stream_p": 0.0, "json_p": 0.0})
            period = r.choice([15, 30, 60, 60, 120, 240]) * 60
            models = r.sample(OLD_MODELS, r.randint(1, 2))
            t = self.start + r.uniform(0, period)
            while t < self.end:
                ms = models + ([NEW_MODEL] if t > self.release_ts + 1800 else [])
                for m in ms:
                    self.emit(a, t + r.uniform(0, 3), "ci", r, (m,))
                t += period + r.uniform(-4, 4)

    def p_redteam_safety(self, r, g, size, med):
        dom = self.infra.uni_domain(r) if r.random() < 0.5 else self.infra.company_domain(r)
        cc = wchoice(r, BENIGN_COUNTRIES)
        blk = self.infra.own_block(r, cc)
        for i in range(size):
            a = self.new_acct("redteam_safety", r, country=cc, email=dom, signup="research_program", verified=True,
                              net={"mode": "home", "exits": [self.infra.block_host(blk, r), self.infra.dc_exit(r)], "p0": 0.7},
                              models=[("atlas-2", 1), ("atlas-2-pro", 1)], shift=(self.release_ts + r.uniform(1, 24) * 3600, 0.6),
                              extra={"v": r.randint(1, 9)})
            prof = self.hours_profile(self.workday(a.tz), a.created, weekend=0.2)
            self.sessions(a, r, g, prof, self.lognorm_count(r, self.scale(med), 0.7), lambda rr: ("redteam", None),
                          per_sess=10, gap=(3, 60))

    # ================================================================== campaigns
    def plan_campaigns(self):
        """Structural plan (sizes, chains) drawn independently of --evasive; returns total accounts."""
        rp = random.Random(h64(self.seed, "campaign-plan"))
        names = list(STRATEGIES) + rp.sample(EXTRA_STRATEGIES, rp.randint(1, 2))
        target = max(len(names) * 2, int(round(self.N * rp.uniform(0.06, 0.13))))
        raw = [rp.uniform(*STRATEGIES[s]["size"]) for s in names]
        # extra instances are smaller
        for i in range(len(STRATEGIES), len(names)):
            raw[i] *= rp.uniform(0.3, 0.6)
        k = target / sum(raw)
        plan = []
        for i, s in enumerate(names):
            size = max(2, int(round(raw[i] * k)))
            plan.append({"strategy": s, "size": size, "plan_seed": rp.getrandbits(48)})
        for i, p in enumerate(plan):
            p["name"] = f"op{i + 1:02d}-{hexid(self.seed, 'cname', i, n=6)}"
        self.campaign_plan = plan
        return sum(p["size"] for p in plan)

    def build_campaigns(self):
        for p in self.campaign_plan:
            self.build_campaign(p)

    def build_campaign(self, p):
        S = dict(STRATEGIES[p["strategy"]])
        rp = random.Random(p["plan_seed"])
        r, g = self.rngs("campaign", p["name"], "ev" if self.evasive else "std")
        n = p["size"]
        ev = self.evasive
        camp = {"name": p["name"], "strategy": p["strategy"], "n_accounts": n, "evasive": ev}
        # ---- structure (plan rng: identical with and without --evasive)
        a0_day = rp.uniform(0, max(0.1, min(3.5, self.D * 0.3)))
        if p["strategy"] in ("censor_rewrite", "roleplay_magpie") and rp.random() < 0.5:
            dur = rp.uniform(3, max(3.5, self.D * 0.6))
        else:
            dur = self.D - a0_day
        a0 = self.start + a0_day * DAY
        a1 = min(self.end, a0 + dur * DAY)
        if p["strategy"] == "pivot_sft":
            a0 = min(a0, self.release_ts - 2 * DAY)
            a0 = max(a0, self.start)
            a1 = self.end
        rate = rp.uniform(*S["rate"]) * 0.7  # calibration: default world ~250-330k exchanges
        # ---- behaviour knobs
        para = S.get("para", 0.0)
        cfgvar = 0.0
        hydra = S["hydra"]
        exit_mode = S["exit"]
        pay = S["pay"]
        email = S["email"]
        creation = S["creation"]
        timing = S["timing"]
        hours = S["hours"]
        ua_mode = S["ua"]
        forms = S["forms"]
        filler = S["filler"]
        aging = S.get("aging")
        shift = S.get("shift")
        throttle = 1.0
        if ev:
            para = max(para, r.uniform(0.6, 0.95))
            cfgvar = r.uniform(0.5, 0.9)
            hydra = "res" if r.random() < 0.8 else "mixed"
            exit_mode = "sticky"
            pay = "none" if r.random() < 0.75 else "few"
            email = r.choice(["webmail", "webmail", "startup"])
            creation = "staggered" if creation != "chain" else "chain"
            timing = "humanlike" if r.random() < 0.7 else "independent"
            hours = "always"
            ua_mode = r.choice(["sdk_varied", "sdk_varied", "mixed"])
            forms = [("chat", 5), ("responses", 2), ("messages", 3)]
            filler = min(0.5, filler + r.uniform(0.15, 0.35))
            aging = aging or (3, 12)
            throttle = r.uniform(0.45, 0.75)
            if shift:
                shift = (shift[0] + 0.5, shift[1] + 1.5, shift[2] * 0.6)
        camp.update({"rate_per_account_day": round(rate * throttle, 2), "filler_ratio": round(filler, 3), "paraphrase": round(para, 2),
                     "config_variation": round(cfgvar, 2), "hydra": hydra, "exit_mode": exit_mode, "payment_sharing": pay,
                     "email_style": email, "creation": creation, "timing": timing, "hours": hours, "ua_style": ua_mode,
                     "aging_days": aging, "active_from": iso(a0), "active_to": iso(a1), "content_mix": S["mix"],
                     "new_model_shift": None})
        # ---- infrastructure: the hydra cluster
        hname = "hydra-" + hexid(self.seed, p["name"], hydra, n=6)
        if hydra == "dc":
            cidrs = r.sample(self.c.dc, r.randint(2, 6))
            pool = [self.infra.dc_exit(r, cidr=rr) for rr in cidrs for _ in range(r.randint(3, 12))]
        elif hydra == "dc_single":
            cidr = r.choice([c for c in self.c.dc if c[1] >= 20] or self.c.dc)
            pool = [self.infra.dc_exit(r, cidr=cidr) for _ in range(r.randint(2, 6))]
        elif hydra == "vpn":
            pool = r.sample(self.shared_vpn, 12) + [self.infra.dc_exit(r, vpn=True) for _ in range(r.randint(10, 40))]
        elif hydra == "res":
            ccs = [wchoice(r, BENIGN_COUNTRIES) for _ in range(r.randint(3, 10))]
            pool = [self.infra.res_exit(r, r.choice(ccs), v6=r.random() < 0.05) for _ in range(max(40, n * r.randint(3, 8)))]
        else:  # mixed
            pool = [self.infra.dc_exit(r) for _ in range(r.randint(20, 60))] + r.sample(self.shared_vpn, 8) + \
                   [self.infra.res_exit(r, wchoice(r, BENIGN_COUNTRIES)) for _ in range(r.randint(20, 80))]
        camp["hydra_name"] = hname
        camp["hydra_exits"] = len(pool)
        # ---- identity
        cards = ["pm_" + hexid(self.seed, p["name"], "card", i, n=16) for i in range(max(2, n // r.randint(5, 12)))]
        if email == "disposable":
            doms = r.sample(self.infra.disposable, r.randint(2, 4))
        elif email == "edu":
            doms = [self.infra.uni_domain(r) for _ in range(r.randint(1, 2))]
        elif email == "startup":
            doms = [self.infra.company_domain(r) for _ in range(r.randint(2, 6))]
        else:
            doms = None
        decl = [wchoice(r, ATTACK_COUNTRIES) for _ in range(r.randint(1, 3))]
        http_ua = r.choice(self.infra.ua_http)
        sdk_idx = r.randrange(20)
        # creation times
        created = []
        if creation == "burst":
            tb = a0 - rp.uniform(0.2, 3) * DAY
            created = [tb + rp.uniform(0, 6) * 3600 for _ in range(n)]
        elif creation == "waves":
            waves = [a0 - rp.uniform(0.2, 4) * DAY + k * rp.uniform(1.5, 3) * DAY for k in range(rp.randint(2, 4))]
            created = [rp.choice(waves) + rp.uniform(0, 3) * 3600 for _ in range(n)]
        elif creation == "staggered":
            created = [a0 - rp.uniform(1, 35) * DAY for _ in range(n)]
        chains = None
        if creation == "chain":
            slots = max(2, n // rp.randint(3, 5))
            chains = [[] for _ in range(slots)]
            for i in range(n):
                chains[i % slots].append(i)
        # ---- templates chosen by the operator (a subset each)
        cont = self.content
        tsel = {
            "reason": [t["id"] for t in rp.sample(cont.t_reason, min(len(cont.t_reason), rp.randint(2, 4)))],
            "rubric": [t["id"] for t in rp.sample(cont.t_rubric + cont.t_judge, rp.randint(3, 7))],
            "synth": [t["id"] for t in rp.sample(cont.t_synth_nomagpie, rp.randint(4, 10))],
            "evol": [t["id"] for t in rp.sample(cont.t_evol, rp.randint(3, 8))],
            "tool": [t["id"] for t in cont.t_tool],
            "code": [t["id"] for t in cont.t_code],
            "role": [t["id"] for t in rp.sample(cont.t_role, rp.randint(2, len(cont.t_role)))],
            "magpie": [t["id"] for t in cont.t_magpie],
            "cot_sys": rp.sample(range(len(COT_SYSTEMS)), 2),
            "censor": rp.sample(range(len(CENSOR_TEMPLATES)), rp.randint(2, 4)),
        }
        if p["strategy"] == "churn_replace":
            qs = [t["id"] for t in cont.t_rubric if "quality-scorer" in t["id"] or "complexity" in t["id"]]
            tsel["rubric"] = qs or tsel["rubric"]
        camp["templates"] = {k: v for k, v in tsel.items() if k in ("reason", "rubric", "synth", "evol", "role")}
        base_style = {"temperature": 0.0 if p["strategy"] == "rubric_reward" else r.choice([0.7, 1.0, None]),
                      "top_p": r.choice([None, 1.0, 0.95]), "max_out": r.choice([2048, 4096, 8192]),
                      "max_field": r.choice(["max_tokens", "max_completion_tokens"]), "stream_p": r.choice([0.0, 0.0, 1.0]), "json_p": 0.0}
        accts = []
        for i in range(n):
            ra = random.Random(h64(self.seed, p["name"], i, "acct", ev))
            form = wchoice(ra, forms)
            if ua_mode == "http":
                ua = http_ua
            elif ua_mode == "sdk":
                ua = self.infra.sdk_ua(ra, form, "py", sdk_idx)
            elif ua_mode == "sdk_varied":
                ua = self.infra.sdk_ua(ra, form)
            else:
                ua = self.infra.browser_ua(ra, desktop=True) if ra.random() < 0.4 else self.infra.sdk_ua(ra, form)
            if pay == "one":
                card = cards[0]
            elif pay == "few":
                card = cards[i % len(cards)]
            else:
                card = None
            dom = ra.choice(doms) if doms else ra.choice(WEBMAIL)
            if exit_mode == "rotate":
                net = {"mode": "rotate", "pool": pool}
            else:
                k = ra.randint(1, 3)
                net = {"mode": "sticky", "exits": [ra.choice(pool) for _ in range(k)], "period": ra.choice([3600 * 6, DAY, 2 * DAY])}
            style = dict(base_style)
            if cfgvar > 0:
                style = self.default_style(ra, temp=ra.choice([0.0, 0.3, 0.6, 0.8, 1.0, None]) if ra.random() < cfgvar else base_style["temperature"])
                style["max_out"] = ra.choice([None, 1024, 2048, 4096, 8192])
            ctime = created[i] if created else None
            a = self.new_acct("operator_" + p["strategy"], ra, campaign=p["name"], country=ra.choice(decl), email=dom,
                              payment=card, signup=wchoice(ra, S["signup"]), verified=ra.random() < (0.6 if ev else 0.15),
                              form=form, ua=ua, tls_salt="" if ev or ua_mode != "http" else p["name"], net=net,
                              models=[("atlas-2-pro", 6), ("atlas-2", 3), ("atlas-2-mini", 1)] if p["strategy"] != "churn_replace" else [("atlas-2", 1)],
                              style=style, para=Paraphraser(ra, para), created=ctime if ctime is not None else a0 - ra.uniform(0.1, 2) * DAY,
                              endpoint_on=ra.random() < 0.9, extra={"tsel": tsel, "strategy": p["strategy"]})
            accts.append(a)
        # new-model shift
        if shift:
            d = rp.uniform(shift[0], shift[1]) * DAY
            frac = shift[2]
            camp["new_model_shift"] = {"delay_hours": round(d / 3600, 2), "fraction": round(frac, 3)}
            for a in accts:
                a.shift = (self.release_ts + d + r.uniform(0, 3600), frac)
        # ---- chains (ban and replace)
        active = {}
        if chains:
            bans = []
            for ch in chains:
                t = a0 + rp.uniform(0, 6) * 3600
                for j, ai in enumerate(ch):
                    life = rp.uniform(1.5, 4) * DAY
                    a = accts[ai]
                    a.created = (t - rp.uniform(1, 10) * 3600) if j else (t - rp.uniform(0.5, 3) * DAY)
                    end = t + life if j < len(ch) - 1 else min(self.end, t + life * 2)
                    active[ai] = (t, min(end, self.end))
                    if j < len(ch) - 1 and end < self.end:
                        bans.append((a.id, iso(end)))
                        a.extra["banned_at"] = end
                    t = end + rp.uniform(1, 10) * 3600
                    if ev:
                        a.payment = "pm_" + hexid(self.seed, p["name"], "evcard", ai, n=16)
                    else:
                        a.payment = cards[chains.index(ch) % len(cards)]
            camp["bans"] = sorted(bans)
        else:
            for ai, a in enumerate(accts):
                t_on = a0
                if creation == "staggered" or aging:
                    t_on = max(a0, (a.created or a0) + (rp.uniform(*aging) * DAY if aging else 0))
                    if p["strategy"] == "sleeper_swarm":
                        t_on = max(a0, self.start + min(self.D * 0.45, 4) * DAY) + rp.uniform(0, 8) * 3600
                active[ai] = (t_on, a1)
        # ---- events
        mix = S["mix"]

        def pick_kind(rr):
            if rr.random() < filler:
                return ("chat", None)
            return (wchoice(rr, mix), None)

        hours_w = [1.0] * 24
        if hours == "shift":
            h0 = r.randint(0, 23)
            hours_w = [1.0 if (h - h0) % 24 < 14 else 0.08 for h in range(24)]
        for ai, a in enumerate(accts):
            t_on, t_off = active[ai]
            # aging filler before switching on
            if a.created is not None and a.created < t_on and (aging or creation == "staggered"):
                days = max(0.0, (t_on - max(a.created, self.start)) / DAY)
                if days > 0:
                    prof = self.masked(self.profile(r, COUNTRY_TZ.get(a.country, 0)), max(a.created, self.start), t_on)
                    self.sessions(a, r, g, prof, int(days * r.uniform(0.5, 3)), self.chat_chooser(0.8, 0.2), per_sess=2)
        per_acct = [max(0, rate * throttle * (active[ai][1] - active[ai][0]) / DAY) for ai in range(n)]
        if timing == "lockstep":
            order = list(range(n))
            r.shuffle(order)
            tot_rounds = int(max(per_acct) if per_acct else 0)
            prof = self.hours_profile(hours_w)
            if tot_rounds > 0:
                wins = np.sort(g.choice(self.W, size=tot_rounds, p=prof))
                delta = r.uniform(0.2, 2.0)
                for w in wins:
                    t = self.start + (w + r.random()) * 600
                    for j, ai in enumerate(order):
                        ts = t + j * delta + r.uniform(0, 0.3)
                        if active[ai][0] <= ts < active[ai][1]:
                            kind, arg = pick_kind(r)
                            self._emit_attack(accts[ai], ts, kind, r, arg)
        elif timing == "burst":
            prof = self.hours_profile(hours_w)
            for ai, a in enumerate(accts):
                pr = self.masked(prof, *active[ai])
                if pr is None:
                    continue
                nb = max(1, int(per_acct[ai] / 12))
                for w in g.choice(self.W, size=nb, p=pr):
                    t = self.start + (w + r.random()) * 600
                    for _ in range(r.randint(6, 18)):
                        kind, arg = pick_kind(r)
                        self._emit_attack(a, t, kind, r, arg)
                        t += r.uniform(0.5, 4)
        else:
            for ai, a in enumerate(accts):
                if timing == "humanlike":
                    pr = self.masked(self.profile(r, COUNTRY_TZ.get(a.country, 0)), *active[ai])
                else:
                    pr = self.masked(self.hours_profile(hours_w), *active[ai])
                if pr is None:
                    continue
                cnt = int(g.poisson(per_acct[ai]))
                if timing == "humanlike":
                    self.sessions(a, r, g, pr, cnt, pick_kind, per_sess=r.uniform(3, 8), gap=(4, 90))
                    continue
                wins = np.sort(g.choice(self.W, size=cnt, p=pr))
                for w in wins:
                    kind, arg = pick_kind(r)
                    self._emit_attack(a, self.start + (w + r.random()) * 600, kind, r, arg)
        # banned accounts keep knocking for a moment
        for a in accts:
            b = a.extra.get("banned_at")
            if b:
                t = b
                for _ in range(r.randint(2, 8)):
                    t += r.uniform(2, 90)
                    self.emit(a, t, "a_evol", r, ("banned",))
        camp["accounts"] = sorted(a.id for a in accts)
        camp["payment_fingerprints"] = sorted({a.payment for a in accts})
        camp["email_domains"] = sorted({a.email_domain for a in accts})
        self.campaigns.append(camp)

    def _emit_attack(self, a, ts, kind, r, arg):
        b = a.extra.get("banned_at")
        if b and ts >= b:
            return
        if kind == "a_traj":
            # a picked trajectory slot yields a whole multi-step conversation (~5 exchanges): keep ~1 in 4.5
            if r.random() > 0.22:
                return
            sd = r.getrandbits(48)
            t = ts
            for s in range(self.content.traj_steps(sd, "harvest")):
                self.emit(a, t, "traj", r, (sd, s, "harvest", None))
                t += r.uniform(1.5, 12)
            return
        self.emit(a, ts, kind, r, arg)

    # ================================================================== content kinds
    def k_chat(self, a, rnd, arg):
        C = self.content
        x = rnd.random()
        if x < 0.25 and C.mtbench:
            rec = rnd.choice(C.mtbench)
            turns = rec_turns(rec)
            fu = rec.get("extra", {}).get("followup_user_turns") or []
            if fu and rnd.random() < 0.5:
                turns = turns + [("assistant", C.prose(rnd, 200, 900)), ("user", fu[0])]
            return C.spec(None, turns, "chat")
        if x < 0.45 and C.roles:
            rec = rnd.choice(C.roles)
            if rnd.random() < 0.3:
                return C.spec(user_text(rec), [("user", C.instruction(rnd, 400))], "chat")
            return C.spec(None, [("user", user_text(rec))], "chat")
        if x < 0.6 and C.writing:
            return C.spec(None, [("user", user_text(rnd.choice(C.writing)))], "writing", out=("conv", 2.0))
        rec = rnd.choice(C.general_eval)
        return C.spec(None, [("user", user_text(rec))], "chat")

    def k_role(self, a, rnd, arg):
        rec = rnd.choice(self.content.roles)
        return self.content.spec(user_text(rec) if rnd.random() < 0.5 else None, [("user", self.content.instruction(rnd, 500))], "roleplay_user")

    def k_dev(self, a, rnd, arg):
        C = self.content
        x = rnd.random()
        if x < 0.4 and C.extract:
            rec = rnd.choice(C.extract)
            return C.spec(rec_system(rec) or "Return JSON only.", [("user", user_text(rec))], "dev", params={"json": True})
        if x < 0.6:
            sd = rnd.getrandbits(48)
            return C.traj_spec(sd, "support", 0)
        return C.spec(rnd.choice([None, "You are a helpful assistant.", "You are a helpful assistant. Answer briefly."]),
                      [("user", C.instruction(rnd, 900))], "dev")

    def k_code(self, a, rnd, arg):
        C = self.content
        lang = rnd.choice(["python", "python", "typescript", "go", "rust", "java"])
        if C.coding and rnd.random() < 0.6:
            src = user_text(rnd.choice(C.coding))
            msg = rnd.choice(["Complete this function:\n\n", "", "Fix the bug and explain briefly:\n\n", "Write tests for:\n\n"]) + src
        else:
            msg = "```" + lang + "\n" + C.prose(rnd, 100, 600) + "\n```\n" + rnd.choice(["Refactor this.", "Why does this fail?", "Add type hints.", "Explain this code."])
        return C.spec(CODE_TOOL_SYSTEM.replace("{lang}", lang), [("user", msg)], "coding_product", out=("code", 1.0))

    def k_student(self, a, rnd, arg):
        C = self.content
        course = a.extra.get("course", "logic")
        pool = [r for s in COURSES.get(course, []) for r in self.c.by_suite.get(s, [])] or C.general_eval
        rec = rnd.choice(pool)
        sysp = ASSIGN_SYSTEM.replace("{course}", course.upper()).replace("{n}", str(a.extra.get("assign", 1)))
        if rnd.random() < 0.3:
            sysp = None
        return C.spec(sysp, [("user", user_text(rec))], "student")

    def k_hack(self, a, rnd, arg):
        C = self.content
        sysp = HACK_SYSTEM.replace("{team}", a.extra.get("team", "team"))
        rec = rnd.choice(C.chatlike)
        return C.spec(sysp, [("user", _cap(user_text(rec), 1500))], "hackathon")

    def k_ent(self, a, rnd, arg):
        C = self.content
        x = rnd.random()
        sysp = a.extra.get("sys")
        if x < 0.4 and C.writing:
            return C.spec(sysp, [("user", user_text(rnd.choice(C.writing)))], "enterprise", out=("conv", 2.0))
        if x < 0.55:
            return self.k_code(a, rnd, arg)
        return C.spec(sysp, [("user", C.instruction(rnd, 1200))], "enterprise")

    def k_batch(self, a, rnd, arg):
        C = self.content
        rec = rnd.choice(C.extract or C.general_eval)
        return C.spec(BATCH_SYSTEMS[a.extra.get("sys", 0)], [("user", user_text(rec))], "batch", out=("conv", 0.3),
                      params={"json": a.style.get("json_p", 0) > 0.5})

    def k_eval(self, a, rnd, arg):
        suite, j, model, reps = arg
        rows = self.c.by_suite[suite]
        rec = rows[j % len(rows)]
        params = {"temperature": 0.0 if reps == 1 else 1.0}
        if reps > 1 and rnd.random() < 0.3:
            params["n"] = reps
        return self.content.spec(rec_system(rec), rec_turns(rec), "eval", out=("conv", 0.4), params=params, model=model)

    def k_tau2_user(self, a, rnd, arg):
        rec = rnd.choice(self.content.tau2)
        return self.content.spec(rec_system(rec), rec_turns(rec), "eval_agent", out=("conv", 0.3), params={"temperature": 0.0},
                                 model=arg[0] if arg else None)

    def k_traj(self, a, rnd, arg):
        sd, step, mode, model = arg
        s = self.content.traj_spec(sd, mode if mode != "ide" else "harvest", step)
        if mode == "ide":
            s["system"] = CODE_TOOL_SYSTEM.replace("{lang}", "python") + " Agent mode: you may call tools."
            s["cat"] = "coding_product"
        if model:
            s["model"] = model
        if mode == "harvest":
            s = self._attack_wrap(a, s, rnd)
            s["reason"] = "medium" if rnd.random() < 0.5 else None
        return s

    def k_judge_bench(self, a, rnd, arg):
        C = self.content
        t = self.c.tmpl_by_id[a.extra["tmpl"]]
        src = rnd.choice(C.mtbench + C.writing[:100]) if rnd.random() < 0.7 else rnd.choice(C.chatlike)
        s = C.from_template(t, rnd, "judge_research", fill={"instruction": _cap(user_text(src), 1500)})
        s["params"]["temperature"] = 0.0
        if arg and arg[0]:
            s["model"] = arg[0]
        return s

    def k_tutor(self, a, rnd, arg):
        C = self.content
        rec = rnd.choice(C.math or C.general_eval)
        return C.spec(TUTOR_SYSTEMS[a.extra.get("sys", 0)], [("user", user_text(rec))], "tutoring", reason=a.extra.get("reason"),
                      out=("conv", 1.5))

    def k_catalog(self, a, rnd, arg):
        C = self.content
        pool = self.c.by_suite.get("product-matching") or C.writing
        text = user_text(rnd.choice(pool)) if rnd.random() < 0.6 else C.prose(rnd, 200, 700)
        return C.spec(CATALOG_SYSTEMS[a.extra.get("sys", 0)], [("user", _cap(text, 2000))], "catalog", out=("conv", 0.8))

    def k_translate(self, a, rnd, arg):
        C = self.content
        text = user_text(rnd.choice(C.writing)) if C.writing and rnd.random() < 0.4 else C.prose(rnd, 150, 1200)
        msg = TRANSLATE_TEMPLATE.replace("{lang}", a.extra.get("lang", "German")).replace("{text}", _cap(text, 2500))
        return C.spec(None, [("user", msg)], "translation", out=("conv", 1.2))

    def k_ci(self, a, rnd, arg):
        return self.content.spec(None, [("user", rnd.choice(CI_PROMPTS[:2]) if rnd.random() < 0.8 else rnd.choice(CI_PROMPTS))],
                                 "ci", out=("conv", 0.01), params={"temperature": 0.0, "max_out": 16}, model=arg[0])

    def k_redteam(self, a, rnd, arg):
        C = self.content
        if C.safety and rnd.random() < 0.6:
            rec = rnd.choice(C.safety)
            return C.spec(REDTEAM_SYSTEM.replace("{v}", str(a.extra.get("v", 1))), rec_turns(rec), "redteam")
        q = rnd.choice(CENSOR_QUESTIONS).replace("{t}", rnd.choice(CENSOR_TOPICS))
        return C.spec(REDTEAM_SYSTEM.replace("{v}", str(a.extra.get("v", 1))), [("user", q)], "redteam")

    # ---- attack content
    def _attack_wrap(self, a, s, rnd):
        if a.para and a.para.strength > 0:
            if s.get("system"):
                s["system"] = a.para.apply(s["system"], rnd)
            for i in range(len(s["turns"]) - 1, -1, -1):
                if s["turns"][i][0] == "user":
                    s["turns"][i] = ("user", a.para.apply(s["turns"][i][1], rnd))
                    break
            if a.para.strength > 0.5 and s.get("system") and rnd.random() < 0.3 and len(s["turns"]) == 1:
                s["turns"] = [("user", s["system"] + "\n\n" + s["turns"][0][1])]
                s["system"] = None
        return s

    def _tmpl(self, a, key, rnd):
        return self.c.tmpl_by_id[rnd.choice(a.extra["tsel"][key])]

    def k_a_cot(self, a, rnd, arg):
        C = self.content
        ts = a.extra["tsel"]
        if rnd.random() < 0.35:
            t = self._tmpl(a, "reason", rnd)
            fill = {}
            if "instruction" in t.get("slots", []):
                fill["instruction"] = user_text(rnd.choice(C.math))
            s = C.from_template(t, rnd, "reasoning_elicitation", fill=fill, reason="high", out=("conv", 2.5))
        else:
            sysp = COT_SYSTEMS[rnd.choice(ts["cot_sys"])]
            rec = rnd.choice(C.math)
            s = C.spec(sysp, [("user", user_text(rec))], "reasoning_elicitation", reason="high", out=("conv", 2.5))
        return self._attack_wrap(a, s, rnd)

    def k_a_rubric(self, a, rnd, arg):
        C = self.content
        t = self._tmpl(a, "rubric", rnd)
        s = C.from_template(t, rnd, "rubric_grading" if t["family"] == "rubric_grading" else "judge", out=("conv", 0.5))
        if a.extra["strategy"] == "rubric_reward" and a.para.strength == 0:
            s["params"]["temperature"] = 0.0
        return self._attack_wrap(a, s, rnd)

    def k_a_tooltmpl(self, a, rnd, arg):
        s = self.content.from_template(self._tmpl(a, "tool", rnd), rnd, "tool_use", out=("code", 1.5))
        return self._attack_wrap(a, s, rnd)

    def k_a_code(self, a, rnd, arg):
        C = self.content
        x = rnd.random()
        if x < 0.5:
            s = C.from_template(self._tmpl(a, "code", rnd), rnd, "coding", out=("code", 2.0))
        else:
            src = user_text(rnd.choice(C.coding)) if C.coding else C.instruction(rnd)
            s = C.spec("You are an expert programmer. Provide a complete, well-commented solution, explain your approach step by step, and include unit tests.",
                       [("user", src)], "coding", out=("code", 2.0), reason="medium")
        return self._attack_wrap(a, s, rnd)

    def k_a_sft(self, a, rnd, arg):
        s = self.content.from_template(self._tmpl(a, "synth", rnd), rnd, "synthetic_data", out=("conv", 2.0))
        return self._attack_wrap(a, s, rnd)

    def k_a_evol(self, a, rnd, arg):
        s = self.content.from_template(self._tmpl(a, "evol", rnd), rnd, "synthetic_data", out=("conv", 1.2))
        s = self._attack_wrap(a, s, rnd)
        if arg and arg[0] == "banned":
            s["status"] = 403
        return s

    def k_a_censor(self, a, rnd, arg):
        C = self.content
        ts = a.extra["tsel"]
        topic = rnd.choice(CENSOR_TOPICS)
        q = rnd.choice(CENSOR_QUESTIONS).replace("{t}", topic)
        tmpl = CENSOR_TEMPLATES[rnd.choice(ts["censor"])]
        msg = tmpl.replace("{region}", rnd.choice(CENSOR_REGIONS)).replace("{topic}", topic).replace("{q}", q)
        msg = msg.replace("{a}", C.prose(rnd, 150, 700)).replace("{{", "{").replace("}}", "}")
        s = C.spec(None if rnd.random() < 0.7 else "You are a careful content-policy assistant.", [("user", msg)],
                   "censorship_rewrite", out=("conv", 1.0))
        return self._attack_wrap(a, s, rnd)

    def k_a_roleplay(self, a, rnd, arg):
        s = self.content.from_template(self._tmpl(a, "role", rnd), rnd, "roleplay", out=("conv", 2.0))
        return self._attack_wrap(a, s, rnd)

    def k_a_magpie(self, a, rnd, arg):
        s = self.content.from_template(self._tmpl(a, "magpie", rnd), rnd, "synthetic_data", out=("conv", 0.6))
        s["params"]["temperature"] = 1.0
        return s

    # ================================================================== rendering
    def pick_ip(self, a, ts, rnd):
        net = a.net
        m = net["mode"]
        if m == "rotate":
            return rnd.choice(net["pool"])
        if m == "sticky":
            ex = net["exits"]
            return ex[int((ts - self.start) // net.get("period", DAY)) % len(ex)]
        ex = net["exits"]
        return ex[0] if rnd.random() < net.get("p0", 0.8) or len(ex) == 1 else rnd.choice(ex[1:])

    def pick_model(self, a, ts, rnd, forced):
        if forced:
            return forced
        if a.shift and ts >= a.shift[0] and rnd.random() < a.shift[1]:
            return NEW_MODEL
        return wchoice(rnd, a.models)

    def record(self, ev):
        ts, ai, kind, eseed, arg = ev
        a = self.accounts[ai]
        rnd = random.Random(eseed)
        spec = self.kinds[kind](a, rnd, arg)
        form = a.form
        if kind == "chat" and a.extra.get("ua_pool"):
            form = rnd.choice(["chat", "chat", "responses", "messages"])
        model = self.pick_model(a, ts, rnd, spec.get("model"))
        st = a.style
        p = spec["params"]
        temp = p.get("temperature", st.get("temperature"))
        top_p = p.get("top_p", st.get("top_p"))
        max_out = p.get("max_out", st.get("max_out"))
        stream = rnd.random() < st.get("stream_p", 0)
        json_mode = p.get("json") or (rnd.random() < st.get("json_p", 0))
        reason = spec.get("reason")
        system, turns, tools = spec["system"], spec["turns"], spec["tools"]
        body = {"model": model}
        if form == "chat":
            msgs = [{"role": "system", "content": system}] if system else []
            for t in turns:
                if t[0] == "user":
                    msgs.append({"role": "user", "content": t[1]})
                elif t[0] == "assistant":
                    msgs.append({"role": "assistant", "content": t[1]})
                elif t[0] == "call":
                    msgs.append({"role": "assistant", "content": None, "tool_calls": [
                        {"id": t[1], "type": "function", "function": {"name": t[2], "arguments": json.dumps(t[3], sort_keys=True)}}]})
                else:
                    msgs.append({"role": "tool", "tool_call_id": t[1], "content": t[3]})
            body["messages"] = msgs
            if tools:
                body["tools"] = [{"type": "function", "function": tl} for tl in tools]
            if max_out:
                body[st.get("max_field", "max_tokens")] = max_out
            if temp is not None:
                body["temperature"] = temp
            if top_p is not None:
                body["top_p"] = top_p
            for k in ("n", "logprobs", "top_logprobs", "stop", "frequency_penalty", "presence_penalty"):
                if k in p:
                    body[k] = p[k]
            if json_mode:
                body["response_format"] = {"type": "json_object"}
            if reason:
                body["reasoning_effort"] = reason
            if stream:
                body["stream"] = True
        elif form == "responses":
            if system:
                body["instructions"] = system
            if len(turns) == 1 and turns[0][0] == "user" and rnd.random() < 0.6:
                body["input"] = turns[0][1]
            else:
                items = []
                for t in turns:
                    if t[0] == "user":
                        items.append({"role": "user", "content": [{"type": "input_text", "text": t[1]}]})
                    elif t[0] == "assistant":
                        items.append({"role": "assistant", "content": [{"type": "output_text", "text": t[1]}]})
                    elif t[0] == "call":
                        items.append({"type": "function_call", "call_id": t[1], "name": t[2], "arguments": json.dumps(t[3], sort_keys=True)})
                    else:
                        items.append({"type": "function_call_output", "call_id": t[1], "output": t[3]})
                body["input"] = items
            if tools:
                body["tools"] = [dict({"type": "function"}, **tl) for tl in tools]
            if max_out:
                body["max_output_tokens"] = max_out
            if temp is not None:
                body["temperature"] = temp
            if top_p is not None:
                body["top_p"] = top_p
            if reason:
                body["reasoning"] = {"effort": reason, "summary": rnd.choice(["auto", "detailed"])}
            if json_mode:
                body["text"] = {"format": {"type": "json_object"}}
            if stream:
                body["stream"] = True
        else:
            if system:
                body["system"] = system if rnd.random() < 0.8 else [{"type": "text", "text": system}]
            msgs = []
            for t in turns:
                if t[0] == "user":
                    msgs.append({"role": "user", "content": t[1]})
                elif t[0] == "assistant":
                    msgs.append({"role": "assistant", "content": t[1]})
                elif t[0] == "call":
                    msgs.append({"role": "assistant", "content": [{"type": "tool_use", "id": t[1], "name": t[2], "input": t[3]}]})
                else:
                    msgs.append({"role": "user", "content": [{"type": "tool_result", "tool_use_id": t[1], "content": t[3]}]})
            body["messages"] = msgs
            if tools:
                body["tools"] = [{"name": tl["name"], "description": tl["description"], "input_schema": tl["parameters"]} for tl in tools]
            body["max_tokens"] = max_out or 4096
            if temp is not None:
                body["temperature"] = min(1.0, temp)
            if top_p is not None and temp is None:
                body["top_p"] = top_p
            if "stop" in p:
                body["stop_sequences"] = p["stop"]
            if reason:
                body["thinking"] = {"type": "enabled", "budget_tokens": {"low": 2048, "medium": 8192, "high": 24000}[reason]} \
                    if rnd.random() < 0.75 else {"type": "adaptive"}
                if rnd.random() < 0.3:
                    body["output_config"] = {"effort": reason}
            if json_mode:
                body["output_config"] = dict(body.get("output_config", {}), format={"type": "json_schema", "schema": {"type": "object"}})
            if stream:
                body["stream"] = True
        # ---- usage and response
        chars = len(system or "") + sum(len(t[1]) if t[0] in ("user", "assistant") else len(t[3]) if t[0] == "result" else 40 for t in turns)
        if tools:
            chars += 120 * len(tools)
        in_tok = max(1, int(chars / rnd.uniform(3.4, 4.2)) + 4 * len(turns))
        src, sc = spec["out"]
        dec = self.c.azure[src][2]
        out_tok = max(1, int(dec[rnd.randrange(len(dec))] * sc * rnd.uniform(0.6, 1.4)))
        cap = max_out or 8192
        finish_len = out_tok > cap
        out_tok = min(out_tok, cap)
        reason_tok = int(out_tok * rnd.uniform(1.5, 6)) if reason else 0
        if reason == "low":
            reason_tok //= 3
        status = spec.get("status") or 200
        x = rnd.random()
        if status == 200:
            if x < 0.004:
                status = 400
            elif x < 0.007:
                status = rnd.choice([500, 503, 529 if form == "messages" else 503])
            elif x < (0.03 if a.campaign else 0.012):
                status = 429
        rec = {"request_id": "req_" + hexid(self.seed, eseed, ai, n=24), "ts": iso(ts), "account_id": a.id,
               "api_key_id": a.keys[0] if len(a.keys) == 1 else rnd.choice(a.keys), "org_id": a.org}
        ip, asn, cc = self.pick_ip(a, ts, rnd)
        ua = a.ua or rnd.choice(a.extra.get("ua_pool") or ["python-requests/2.31.0"])
        client = {"ip": ip}
        if rnd.random() > 0.02:
            client["asn"] = asn
        client["country"] = cc
        client["user_agent"] = ua
        if rnd.random() > 0.2:
            client["tls_fingerprint"] = a.tls if a.ua else self.infra.tls_for(ua)
        rec["client"] = client
        rec["model"] = model
        if a.endpoint_on:
            rec["endpoint"] = ENDPOINTS[form]
        rec["request"] = body
        if status == 200:
            resp = {}
            r_call = spec["respond"]
            if r_call[0] == "call":
                resp["content"] = ""
                resp["tool_calls"] = [{"id": r_call[1], "type": "function", "name": r_call[2], "arguments": json.dumps(r_call[3], sort_keys=True)}]
                fin = {"chat": "tool_calls", "responses": "tool_calls", "messages": "tool_use"}[form]
            else:
                resp["content"] = self.content.bank.prose(rnd, min(1600, max(2, out_tok * 4)))
                fin = ("length" if form != "messages" else "max_tokens") if finish_len else ("stop" if form != "messages" else "end_turn")
            if reason:
                resp["reasoning"] = self.content.bank.prose(rnd, min(1200, max(20, reason_tok * 4)))
            resp["finish_reason"] = fin
            rec["response"] = resp
            usage = {"input_tokens": in_tok, "output_tokens": out_tok + reason_tok}
            if reason:
                usage["reasoning_tokens"] = reason_tok
            rec["usage"] = usage
            lat = rnd.lognormvariate(math.log(350), 0.5) + in_tok * 0.02 + (out_tok + reason_tok) * rnd.uniform(8, 25)
        else:
            rec["usage"] = {"input_tokens": in_tok if status != 429 else 0, "output_tokens": 0}
            lat = rnd.uniform(5, 60) if status in (429, 403, 400) else rnd.uniform(200, 30000)
        rec["latency_ms"] = round(lat, 1)
        rec["status"] = status
        return rec, spec["cat"]


def _cap(text, n):
    return text if len(text) <= n else text[:n]


def write_world(w, out, t_start):
    os.makedirs(os.path.join(out, "exchanges"), exist_ok=True)
    ev = w.events
    ev.sort(key=lambda e: (e[0], e[1], e[3]))
    stats = {}
    cat_counts = {}
    per_camp = {}
    seen_accounts = set()
    n_written = 0
    n_dup = 0
    day_idx = 0
    i = 0
    while i < len(ev):
        d = int((ev[i][0] - w.start) // DAY)
        j = i
        while j < len(ev) and int((ev[j][0] - w.start) // DAY) == d:
            j += 1
        name = time.strftime("%Y-%m-%d", time.gmtime(w.start + d * DAY)) + ".jsonl.gz"
        path = os.path.join(out, "exchanges", name)
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=4) as gz:
            buf = []
            for e in ev[i:j]:
                rec, cat = w.record(e)
                line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"))
                buf.append(line)
                if e[3] % 1500 == 7:
                    buf.append(line)  # duplicate delivery of the same exchange
                    n_dup += 1
                a = w.accounts[e[1]]
                seen_accounts.add(a.idx)
                n_written += 1
                key = a.campaign or ("benign:" + a.persona)
                stats[key] = stats.get(key, 0) + 1
                cat_counts.setdefault(key, {})
                cat_counts[key][cat] = cat_counts[key].get(cat, 0) + 1
                if a.campaign:
                    pc = per_camp.setdefault(a.campaign, {"first": rec["ts"], "last": rec["ts"], "n": 0, "models": {}})
                    pc["last"] = rec["ts"]
                    pc["n"] += 1
                    pc["models"][rec["model"]] = pc["models"].get(rec["model"], 0) + 1
                if len(buf) >= 2000:
                    gz.write(("\n".join(buf) + "\n").encode("utf-8"))
                    buf = []
            if buf:
                gz.write(("\n".join(buf) + "\n").encode("utf-8"))
        day_idx += 1
        i = j
    # accounts / labels / events / truth
    accts = sorted(w.accounts, key=lambda a: a.id)
    with open(os.path.join(out, "accounts.jsonl"), "w", encoding="utf-8") as f:
        for a in accts:
            f.write(json.dumps({"account_id": a.id, "created_at": iso(a.created), "email_domain": a.email_domain,
                                "payment_fingerprint": a.payment, "country": a.country, "signup_path": a.signup_path,
                                "verified": bool(a.verified)}, separators=(",", ":")) + "\n")
    with open(os.path.join(out, "labels.jsonl"), "w", encoding="utf-8") as f:
        for a in accts:
            f.write(json.dumps({"account_id": a.id, "campaign": a.campaign, "persona": a.persona}, separators=(",", ":")) + "\n")
    events = [{"type": "model_release", "model": "atlas-2", "ts": iso(w.start - 150 * DAY + 61200)},
              {"type": "model_release", "model": "atlas-2-mini", "ts": iso(w.start - 120 * DAY + 57600)},
              {"type": "model_release", "model": "atlas-2-pro", "ts": iso(w.start - 60 * DAY + 61200)},
              {"type": "model_release", "model": NEW_MODEL, "ts": iso(w.release_ts)}]
    with open(os.path.join(out, "events.jsonl"), "w", encoding="utf-8") as f:
        for e in sorted(events, key=lambda x: x["ts"]):
            f.write(json.dumps(e, separators=(",", ":")) + "\n")
    camps = []
    for c in sorted(w.campaigns, key=lambda x: x["name"]):
        pc = per_camp.get(c["name"], {"first": None, "last": None, "n": 0, "models": {}})
        c = dict(c)
        c["description"] = STRATEGIES[c["strategy"]]["desc"]
        c["exchanges"] = pc["n"]
        c["first_seen"] = pc["first"]
        c["last_seen"] = pc["last"]
        c["models"] = dict(sorted(pc["models"].items()))
        c["categories"] = dict(sorted(cat_counts.get(c["name"], {}).items()))
        c["accounts_with_traffic"] = sum(1 for a in w.accounts if a.campaign == c["name"] and a.idx in seen_accounts)
        camps.append(c)
    personas = {}
    for a in w.accounts:
        if not a.campaign:
            pr = personas.setdefault(a.persona, {"accounts": 0, "exchanges": 0, "description": PERSONAS[a.persona][0]})
            pr["accounts"] += 1
    for k, v in stats.items():
        if k.startswith("benign:"):
            personas[k[7:]]["exchanges"] = v
    truth = {"generator": "blind4", "seed": w.seed, "evasive": w.evasive, "accounts": len(w.accounts), "days": w.D,
             "window": [iso(w.start), iso(w.end)], "new_model": NEW_MODEL, "new_model_release": iso(w.release_ts),
             "exchanges": n_written, "duplicate_deliveries": n_dup,
             "campaign_accounts": sum(c["n_accounts"] for c in camps),
             "campaigns": camps, "personas": dict(sorted(personas.items())),
             "notes": "Simulated orchestration and metadata; prompt texts are corpus texts (shared/data) or written for this generator. "
                      "Worlds are for measuring only: nothing in a detector may be tuned on them."}
    with open(os.path.join(out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1, sort_keys=False)
        f.write("\n")
    return n_written, n_dup


def main(argv=None):
    here_checkout = os.path.abspath(os.path.join(HERE, "..", ".."))
    ap = argparse.ArgumentParser(description="blind4 synthetic world generator (measurement only)")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--evasive", action="store_true")
    ap.add_argument("--data", default=os.path.join(here_checkout, "..", "shared", "data"))
    args = ap.parse_args(argv)
    if args.accounts < 50 or args.days < 2:
        print("generate.py: error: --accounts must be >= 50 and --days >= 2", file=sys.stderr)
        return 2
    try:
        corpus = Corpus(os.path.abspath(args.data))
    except CorpusError as e:
        print(f"generate.py: error: {e}", file=sys.stderr)
        return 2
    t0 = time.time()
    w = World(corpus, args.seed, args.accounts, args.days, args.evasive)
    n_camp = w.plan_campaigns()
    w.plan_benign(args.accounts - n_camp)
    w.build_campaigns()
    n, dup = write_world(w, args.out, t0)
    print(f"blind4 seed={args.seed} evasive={args.evasive}: {len(w.accounts)} accounts ({n_camp} in {len(w.campaigns)} campaigns), "
          f"{n} exchanges (+{dup} duplicate deliveries) in {time.time() - t0:.1f}s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
