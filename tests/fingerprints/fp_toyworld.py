"""A tiny, seeded world of canonical tables for fingerprint tests (not the simulator).

Benign humans chat in daytime sessions with free text; two benign eval runners each replay
their own template; a hydra campaign of many accounts runs one harness (two shared wrappers
with varying slot content, fixed parameters, clockwork timing, rotating datacenter addresses).
"""

from __future__ import annotations

import random

import pyarrow as pa

from distillguard.engine import open_engine
from distillguard.schema import ACCOUNTS, EVENTS, EXCHANGES

T0 = 1_772_409_600_000_000  # 2026-03-02T00:00:00Z in µs
H = 3_600_000_000
WORDS = ("river mountain cooking recipe python error budget travel visa garden tomato essay history rome "
         "battery phone laptop music guitar chord poem love weather rain tax form school exam").split()
QUESTIONS = ["What is the derivative of x^{n}?", "Prove that {n} is not a perfect square.",
             "How many primes are below {n}?", "Explain why the sum of {n} odd numbers is a square.",
             "Find the area of a circle of radius {n}.", "Is {n} divisible by 7? Explain."]
HARNESS = [
    ("You are an expert tutor.", "Solve the following problem. Think step by step and show all of your "
     "reasoning before giving the final answer.\n\nProblem: {q}\n\nEnd your reply with 'Final answer:' "
     "followed by the answer."),
    (None, "I will give you a question. Write a detailed, rigorous solution as a numbered list of steps, then "
     "grade your own solution on a scale of 1 to 10.\nQuestion: {q}\nRespond in JSON with keys steps and grade."),
]
EVAL_TEMPLATES = ["The following is a multiple choice question about {w}. Choose the correct option and answer "
                  "with the letter only.\n{q}\nA) {n}\nB) {m}\nC) none of these",
                  "Translate the following sentence into French and keep the formatting exactly as it is.\n{q}"]


def _text(rng: random.Random, k: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "?"


def make_world(seed: int = 0, n_benign: int = 40, n_campaign: int = 20) -> dict[str, pa.Table]:
    rng = random.Random(seed)
    rows: list[dict] = []
    accounts: list[dict] = []
    labels: dict[str, str | None] = {}

    def add(acct: str, t: int, sp: str | None, user: str, **kw: object) -> None:
        rows.append({"exchange_id": f"x{len(rows):06d}-{seed}", "ts": t, "account_id": acct,
                     "system_prompt": sp, "last_user_text": user, "n_messages": kw.pop("n_messages", 1),
                     "n_user_turns": kw.pop("n_user_turns", 1), "input_tokens": len(user) // 4,
                     "output_tokens": kw.pop("output_tokens", rng.randint(50, 600)), **kw})

    for i in range(n_benign):
        acct = f"ben-{i:03d}"
        labels[acct] = None
        accounts.append({"account_id": acct, "created_at": T0 - rng.randint(30, 900) * 24 * H,
                         "country": "US", "signup_path": "self_serve", "verified": rng.random() < 0.7,
                         "email_domain": "example.com", "payment_fingerprint": f"pay-b{i}"})
        ip = f"73.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for day in range(3):
            for _s in range(rng.randint(0, 3)):
                t = T0 + day * 24 * H + rng.randint(8, 21) * H + rng.randrange(H)
                for _ in range(rng.randint(1, 8)):
                    t += int(rng.expovariate(1 / 90) * 1e6) + 1_000_000
                    turns = rng.randint(1, 4)
                    add(acct, t, None if rng.random() < 0.7 else "You are helpful.", _text(rng, rng.randint(4, 30)),
                        model=rng.choice(["nova-pro", "nova-lite"]), max_tokens=rng.choice([None, 512, 1024, 2048]),
                        temperature=rng.choice([None, 0.7, 1.0]), n_messages=2 * turns - 1, n_user_turns=turns,
                        client_ip=ip, client_country="US", status=200,
                        client_user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/135.0")
    for i, tpl in enumerate(EVAL_TEMPLATES):
        acct = f"eval-{i}"
        labels[acct] = None
        accounts.append({"account_id": acct, "created_at": T0 - 400 * 24 * H, "country": "DE",
                         "signup_path": "enterprise", "verified": True, "email_domain": "corp.example",
                         "payment_fingerprint": f"pay-e{i}"})
        t = T0 + 10 * H
        for _ in range(80):
            t += int(rng.uniform(1, 3) * 1e6)
            add(acct, t, None, tpl.format(w=rng.choice(WORDS), q=_text(rng, 12), n=rng.randint(1, 99),
                                          m=rng.randint(1, 99)),
                model="nova-pro", max_tokens=16, temperature=0.0, client_ip="18.4.4.4", client_country="DE",
                client_user_agent="python-httpx/0.28", status=200, output_tokens=rng.randint(1, 5))
    for i in range(n_campaign):
        acct = f"hyd-{i:03d}"
        labels[acct] = "hydra"
        created = T0 - rng.randint(1, 20) * H
        accounts.append({"account_id": acct, "created_at": created, "country": "US", "signup_path": "self_serve",
                         "verified": False, "email_domain": "mailinator.com",
                         "payment_fingerprint": f"pay-h{i // 5}"})
        t = T0 + rng.randint(0, 4) * H
        period = rng.uniform(2000, 2600) * 1e6
        for _ in range(rng.randint(50, 90)):
            t += int(period + rng.gauss(0, 5e6))
            sp, tpl = HARNESS[rng.randrange(2)]
            q = rng.choice(QUESTIONS).format(n=rng.randint(2, 10_000))
            new = t >= T0 + 24 * H
            add(acct, t, sp, tpl.format(q=q), model="nova-pro-new" if new and rng.random() < 0.8 else "nova-pro",
                max_tokens=8192, temperature=1.0, logprobs=True,
                client_ip=f"3.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                client_country=rng.choice(["US", "SG", "NL"]), client_user_agent="python-requests/2.32",
                status=429 if rng.random() < 0.05 else 200, output_tokens=rng.randint(1500, 4000),
                reasoning_tokens=rng.randint(500, 2000))
    return {"exchanges": _table(EXCHANGES, rows), "accounts": _table(ACCOUNTS, accounts),
            "events": _table(EVENTS, [{"type": "model_release", "model": "nova-pro-new", "ts": T0 + 24 * H}]),
            "labels": pa.table({"account_id": list(labels), "campaign": list(labels.values())})}


def _table(spec, rows: list[dict]) -> pa.Table:  # type: ignore[no-untyped-def]
    cols = {}
    for c in spec.columns:
        vals = [r.get(c.name) for r in rows]
        if pa.types.is_timestamp(c.type):
            cols[c.name] = pa.array(vals, pa.int64()).cast(c.type)
        else:
            cols[c.name] = pa.array(vals, c.type)
    return pa.table(cols, schema=spec.schema)


def engine_for(world: dict[str, pa.Table], **replace: pa.Table):  # type: ignore[no-untyped-def]
    """In-memory engine whose exchanges/accounts/events views are the world's tables."""
    eng = open_engine(None)
    for name in ("exchanges", "accounts", "events"):
        eng.register(name, replace.get(name, world[name]))
    return eng
