"""Labelled training exchanges from ``../shared/data`` (and simulated worlds).

* Attack side: every template of ``templates/attack.jsonl`` is rendered several times with its
  slots filled (seeds from ``attack_seeds.jsonl``, instructions and answers from benign prompts,
  numbers and languages drawn at random), in OpenAI or Anthropic form, as a contract record.
  Family -> category: judge/rubric_grading -> rubric_grading; synthetic_data/evol_rewrite ->
  synthetic_data; roleplay, reasoning_elicitation, tool_use, coding as themselves. Harvest = 1.
* Benign side: ``prompts/benign.jsonl.gz`` as sent (system prompts kept), harvest = 0;
  category ``other`` except HumanEval -> coding, tau2 -> tool_use (plus agent-side calls built
  from ``tau2_agent_system.jsonl`` with tools), role prompts and MT-bench roleplay -> roleplay,
  MT-bench coding -> coding.
* Synthetic side (``_synthetic.py``): hand-written sets for censorship_rewrite, computer_use,
  vision and reasoning harvest wrappers, filled with benign prompts.

Request parameters are drawn from one *neutral* distribution for every example, so they carry
no label by themselves; in ``mode="train"`` a template's documented parameters are applied half
the time and harvest examples get the cues the threat model names (max_tokens at a cap, n > 1,
logprobs) more often than benign ones (a documented modelling assumption, see docs/classifier.md).
``mode="neutral"`` (the benchmark's test renderings) applies neither.

Everything is seeded: the same inputs and seed give the same examples in the same order.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import xxhash

from distillguard.signals.classifier import _synthetic as syn

FAMILY_CATEGORY = {
    "judge": "rubric_grading", "rubric_grading": "rubric_grading", "synthetic_data": "synthetic_data",
    "evol_rewrite": "synthetic_data", "roleplay": "roleplay", "reasoning_elicitation": "reasoning_elicitation",
    "tool_use": "tool_use", "coding": "coding",
}
CORPUS_FILES = ("templates/attack.jsonl", "templates/attack_seeds.jsonl", "prompts/benign.jsonl.gz",
                "prompts/tau2_agent_system.jsonl")
MAX_TOKEN_CAPS = (4096, 8192, 16384, 32000, 32768, 64000)
TAU2_TOOLS = {
    "airline": ("get_user_details", "get_reservation_details", "search_direct_flight", "search_onestop_flight",
                "book_reservation", "cancel_reservation", "update_reservation_flights", "send_certificate",
                "transfer_to_human_agents", "calculate"),
    "retail": ("find_user_id_by_email", "find_user_id_by_name_zip", "get_order_details", "get_product_details",
               "cancel_pending_order", "exchange_delivered_order_items", "return_delivered_order_items",
               "modify_pending_order_address", "transfer_to_human_agents", "calculate"),
    "telecom": ("get_customer_by_phone", "get_details_by_id", "suspend_line", "resume_line", "get_bills_for_customer",
                "send_payment_request", "enable_roaming", "refuel_data", "transfer_to_human_agents"),
    "banking_knowledge": ("grep", "read_document", "get_account", "list_transactions", "transfer_to_human_agents"),
}
TOPICS = ("history", "biology", "cooking", "astronomy", "personal finance", "music theory", "gardening",
          "software engineering", "medieval literature", "climate science", "chess", "travel", "law", "economics",
          "mathematics", "psychology", "architecture", "sports", "film", "linguistics")
LANGUAGES = ("English",) * 6 + ("Spanish", "French", "German", "Chinese")
FLESCH = ("The output should be written in such a way as to have a Flesch-Kincaid readability score of roughly "
          "{s}, i.e. {d}.")
RUBRICS = (
    "[Is the response factually accurate and complete?]\nScore 1: The response is mostly wrong.\nScore 2: The response "
    "has major errors.\nScore 3: The response is partly correct.\nScore 4: The response is correct with minor gaps.\n"
    "Score 5: The response is fully correct and complete.",
    "[Does the response follow the instruction's constraints?]\nScore 1: Ignores the constraints.\nScore 3: Follows "
    "some constraints.\nScore 5: Follows every constraint.",
    "[How helpful is the answer to the user?]\nScore 1: Not helpful at all.\nScore 2: Slightly helpful.\nScore 3: "
    "Somewhat helpful.\nScore 4: Helpful.\nScore 5: Extremely helpful.",
)
_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class Example:
    """One labelled exchange: a contract record plus its labels and split group."""

    record: dict[str, Any]
    category: str
    harvest: int                 # 1 harvest, 0 use, -1 not used for the harvest model
    group: str                   # split unit (suite / template / lineage), never a row
    kind: str                    # attack | benign | synthetic | world
    family: str | None = None
    template_id: str | None = None
    lineage: str | None = None


@dataclass
class Corpus:
    """The parts of ../shared/data the classifier trains on."""

    templates: list[dict[str, Any]]
    seeds: dict[str, list[dict[str, Any]]]
    benign: list[dict[str, Any]]
    tau2_systems: dict[str, str]
    hashes: dict[str, str] = field(default_factory=dict)


def missing_files(data_dir: Path) -> list[str]:
    return [f for f in CORPUS_FILES if not (data_dir / f).is_file()]


def load_corpus(data_dir: Path) -> Corpus:
    """Read the training inputs (the caller checks `missing_files` first)."""
    hashes = {f: hashlib.sha256((data_dir / f).read_bytes()).hexdigest() for f in CORPUS_FILES}
    templates = [json.loads(x) for x in (data_dir / CORPUS_FILES[0]).read_text().splitlines() if x.strip()]
    seeds: dict[str, list[dict[str, Any]]] = {}
    for x in (data_dir / CORPUS_FILES[1]).read_text().splitlines():
        if x.strip():
            r = json.loads(x)
            seeds.setdefault(r["for_template"], []).append(r)
    with gzip.open(data_dir / CORPUS_FILES[2], "rt", encoding="utf-8") as fh:
        benign = [json.loads(x) for x in fh if x.strip()]
    tau2 = {}
    for x in (data_dir / CORPUS_FILES[3]).read_text().splitlines():
        if x.strip():
            r = json.loads(x)
            tau2[r["domain"]] = r["system"]
    return Corpus(templates, seeds, benign, tau2, hashes)


def _h(key: str) -> int:
    return xxhash.xxh64_intdigest(key.encode("utf-8"))


def benign_group(row: dict[str, Any]) -> str:
    """Split unit of a benign prompt: its suite (shared system prompts stay together), else a bucket."""
    if row.get("suite"):
        return "suite:" + row["suite"]
    return f"{row['kind']}:{_h(row['id']) % 16}"


def split_of(group: str, salt: str = "distillguard-classifier-v1", fractions=(0.6, 0.2)) -> str:
    """Deterministic fit / cal / test assignment of a split group."""
    u = (_h(salt + "|" + group) % 10_000) / 10_000
    return "fit" if u < fractions[0] else "cal" if u < fractions[0] + fractions[1] else "test"


def _user_text(row: dict[str, Any]) -> str:
    users = [m["content"] for m in row["messages"] if m.get("role") == "user" and isinstance(m.get("content"), str)]
    return users[-1] if users else ""


class Fillers:
    """Slot fillers drawn from benign prompts (instructions) and eval answers (responses)."""

    def __init__(self, benign: list[dict[str, Any]]) -> None:
        self.prompts = [t for t in (_user_text(r) for r in benign) if 10 <= len(t) <= 1500]
        answers = [str((r.get("extra") or {}).get("ideal")) for r in benign if (r.get("extra") or {}).get("ideal")]
        self.answers = [a for a in answers if 1 <= len(a) <= 1500] or ["Yes."]
        self.long = [t for t in self.prompts if len(t) > 200] or self.prompts

    def prompt(self, rng: random.Random) -> str:
        return rng.choice(self.prompts) if self.prompts else "Explain photosynthesis."

    def answer(self, rng: random.Random) -> str:
        # a mix of short eval answers and longer prose, like real model outputs
        return rng.choice(self.answers) if rng.random() < 0.5 else rng.choice(self.long)


_NUMBER_SLOTS = {"batch_size": (3, 20), "number": (3, 20), "num_instructions": (5, 20), "no_texts": (2, 4),
                 "task_count": (3, 20), "input_count": (1, 5), "question_count": (3, 12), "word_count": (100, 800),
                 "num_words": (50, 300), "threshold": (2, 4), "high_score": (3, 5), "low_score": (1, 2),
                 "query_length": (5, 40), "next_year": (2024, 2027)}
_RESPONSE_SLOTS = {"output_1", "output_2", "generation", "response", "<RESPONSE>", "text_1", "text_2", "text_3",
                   "text_4", "student_solution", "reference", "world_knowledge", "execution_result", "answers",
                   "content", "reference_texts", "context", "func_call"}
_LIST_SLOTS = {"generations", "responses", "instructions"}


def fill_value(slot: str, rng: random.Random, fillers: Fillers, seeds: list[dict[str, Any]]) -> Any:
    """A plausible value for one template slot."""
    own = [s["seed"] for s in seeds if s["slot"] == slot]
    if own:
        return rng.choice(own)
    if slot in _NUMBER_SLOTS:
        lo, hi = _NUMBER_SLOTS[slot]
        return rng.randint(lo, hi)
    if slot in ("language", "source_language", "target_language"):
        return rng.choice(LANGUAGES)
    if slot == "flesch":
        s = rng.choice((30, 50, 70))
        return FLESCH.format(s=s, d={30: "college level", 50: "high school level", 70: "easy to read"}[s])
    if slot == "topic_avoidance":
        return rng.choice(("", "Avoid any tasks that would be related to climate change, COVID, or politics."))
    if slot in ("topics", "topic", "related_software", "languages", "styles", "unit", "difficulty", "clarity",
                "query_type", "question_type", "task_display_style", "target_selection", "format_task", "third",
                "skip", "include_source", "style_extra", "options"):
        return rng.choice(TOPICS)
    if slot == "rubric":
        return rng.choice(RUBRICS)
    if slot in _LIST_SLOTS:
        return [fillers.answer(rng) if slot != "instructions" else fillers.prompt(rng) for _ in range(rng.randint(2, 4))]
    if slot == "messages":
        return [{"role": "user", "content": fillers.prompt(rng)}]
    if slot in _RESPONSE_SLOTS:
        return fillers.answer(rng)
    if slot in ("name", "character", "characters"):
        return rng.choice(("Ada", "Captain Reyes", "Professor Lin", "Mara the innkeeper"))
    return fillers.prompt(rng)


def render_template(t: dict[str, Any], rng: random.Random, fillers: Fillers,
                    seeds: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, str]]]:
    """Return (system, messages) of one rendering of an attack template."""
    extra = t.get("extra") or {}
    syntax = extra.get("slot_syntax")
    values = {s: fill_value(s, rng, fillers, seeds) for s in t.get("slots") or []}

    def fill(text: str) -> str:
        if not text:
            return text
        if syntax == "jinja2":
            return _jinja(text, values)
        if syntax == "literal_marker":
            for k, v in values.items():
                text = text.replace(k, str(v))
            return text
        if syntax == "python_format":
            return _SLOT_RE.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
        return text

    if syntax == "appended_blocks":
        pool = [s["seed"] for s in seeds] or [json.dumps({"instruction": fillers.prompt(rng)})]
        user = t["template"] + "\n"
        for i in range(3):
            seed = rng.choice(pool)
            try:
                task = json.loads(seed) if isinstance(seed, str) else seed
            except ValueError:
                task = {"instruction": str(seed)}
            if not isinstance(task, dict):
                task = {"instruction": str(task)}
            ins = " ".join(str(task.get("instruction", "")).split()).rstrip(":")
            inp = (task.get("instances") or [{}])[0].get("input") if task.get("instances") else task.get("input")
            out = (task.get("instances") or [{}])[0].get("output") if task.get("instances") else task.get("output")
            user += f"###\n{i + 1}. Instruction: {ins}\n{i + 1}. Input:\n{inp or '<noinput>'}\n{i + 1}. Output:\n{out or ''}\n"
        user += "###\n4. Instruction:"
        return None, [{"role": "user", "content": user}]
    chat = extra.get("chat_template")
    if isinstance(chat, list) and chat:
        msgs = [{"role": m.get("role", "user"), "content": fill(str(m.get("content", "")))} for m in chat]
        system = "\n\n".join(m["content"] for m in msgs if m["role"] == "system") or None
        return system, [m for m in msgs if m["role"] != "system"] or [{"role": "user", "content": ""}]
    system = fill(t.get("system") or "") or None
    if syntax == "none" and extra.get("multi_turn_system") and rng.random() < 0.5:
        system = extra["multi_turn_system"]
    return system, [{"role": "user", "content": fill(t["template"])}]


_JINJA_ENV = None


def _jinja(text: str, values: dict[str, Any]) -> str:
    global _JINJA_ENV
    try:
        import jinja2

        if _JINJA_ENV is None:
            _JINJA_ENV = jinja2.Environment(undefined=jinja2.ChainableUndefined, autoescape=False)
        return _JINJA_ENV.from_string(text).render(**values)
    except Exception:  # a template our fillers cannot drive: substitute simple slots, drop control tags
        text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
        return re.sub(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)[^}]*\}\}",
                      lambda m: str(values.get(m.group(1), "")), text)


def neutral_params(rng: random.Random) -> dict[str, Any]:
    """Request parameters from one distribution shared by every class."""
    p: dict[str, Any] = {}
    if rng.random() < 0.7:
        p["max_tokens"] = rng.choice((256, 512, 1024, 1024, 2048, 4096))
    t = rng.choice((None, 0.0, 0.2, 0.7, 1.0))
    if t is not None:
        p["temperature"] = t
    if rng.random() < 0.2:
        p["top_p"] = rng.choice((1.0, 0.9, 0.95))
    if rng.random() < 0.3:
        p["stream"] = rng.random() < 0.5
    return p


def _template_params(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    mt = params.get("max_tokens", params.get("max_new_tokens", params.get("max_tokens_to_sample")))
    if isinstance(mt, int) and mt > 0:
        out["max_tokens"] = mt
    for k, typ in (("temperature", (int, float)), ("top_p", (int, float)), ("n", int), ("logprobs", bool),
                   ("top_logprobs", int)):
        v = params.get(k)
        if isinstance(v, typ) and not (typ is int and isinstance(v, bool)):
            out[k] = float(v) if k in ("temperature", "top_p") else v
    return out


def request_params(rng: random.Random, harvest: int, mode: str, template_params: dict[str, Any] | None = None
                   ) -> dict[str, Any]:
    p = neutral_params(rng)
    if mode != "train":
        return p
    if template_params and rng.random() < 0.5:
        p.update(_template_params(template_params))
    cue = 0.25 if harvest == 1 else 0.03
    if rng.random() < cue:
        p["max_tokens"] = rng.choice(MAX_TOKEN_CAPS)
    if rng.random() < cue / 3:
        p["n"] = rng.choice((2, 4, 8))
    if rng.random() < cue / 5:
        p["logprobs"] = True
        p["top_logprobs"] = 5
    return p


def make_record(rid: str, system: str | None, messages: list[dict[str, Any]], params: dict[str, Any],
                rng: random.Random, tools: Iterable[str] = (), images: bool = False) -> dict[str, Any]:
    """A contract exchange record in OpenAI or Anthropic form (no response: prompts only)."""
    anthropic = rng.random() < 0.4
    msgs = [dict(m) for m in messages]
    if images:
        last = msgs[-1]
        if anthropic:
            img = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}
        else:
            img = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
        last["content"] = [{"type": "text", "text": last["content"]}, img]
    req: dict[str, Any] = {}
    if anthropic:
        if system:
            req["system"] = system
        req["messages"] = msgs
    else:
        req["messages"] = ([{"role": "system", "content": system}] if system else []) + msgs
    tools = list(tools)
    if tools:
        if anthropic:
            req["tools"] = [{"name": t, "description": t.replace("_", " "), "input_schema": {"type": "object"}}
                            for t in tools]
        else:
            req["tools"] = [{"type": "function", "function": {"name": t, "parameters": {"type": "object"}}}
                            for t in tools]
    req.update(params)
    if anthropic:
        req.pop("n", None), req.pop("logprobs", None), req.pop("top_logprobs", None)
        req.setdefault("max_tokens", 1024)
    return {"request_id": rid, "ts": "2026-03-02T00:00:00Z", "account_id": "acct-train", "model": "model-a",
            "request": req}


def _crop(text: str, rng: random.Random, p_drop: float = 0.3) -> str:
    """Drop whole paragraphs at random (keeps at least one): the model must rely on many cues."""
    paras = text.split("\n\n")
    if len(paras) < 3:
        return text
    kept = [x for x in paras if rng.random() >= p_drop]
    return "\n\n".join(kept or [rng.choice(paras)])


def render_attacks(corpus: Corpus, templates: list[dict[str, Any]], per_template: int, seed: int, mode: str,
                   fillers: Fillers, crop: bool = True) -> list[Example]:
    """`per_template` renderings of each template (harvest = 1, category from the family).

    In ``mode="train"`` half the renderings lose random paragraphs (``crop``), an augmentation
    that spreads the weight over many cues instead of a few template-specific phrases.
    """
    out = []
    for t in templates:
        rng = random.Random(_h(f"{seed}|attack|{t['id']}"))
        seeds = corpus.seeds.get(t["id"], [])
        for i in range(per_template):
            system, msgs = render_template(t, rng, fillers, seeds)
            if mode == "train" and crop and rng.random() < 0.5:
                msgs = [{**m, "content": _crop(m["content"], rng)} for m in msgs]
            if system and rng.random() < 0.2:  # some clients paste the instructions into the user turn
                msgs = [{"role": "user", "content": system + "\n\n" + msgs[0]["content"]}] + msgs[1:]
                system = None
            params = request_params(rng, 1, mode, t.get("params"))
            rec = make_record(f"atk-{_h(t['id']) % 10**8}-{i}", system, msgs, params, rng)
            out.append(Example(rec, FAMILY_CATEGORY[t["family"]], 1, "tpl:" + t["id"], "attack", t["family"], t["id"],
                               t.get("lineage")))
    return out


def benign_category(row: dict[str, Any]) -> str:
    kind = row["kind"]
    if kind == "coding":
        return "coding"
    if kind == "agent_task":
        return "tool_use"
    if kind == "role_prompt":
        return "roleplay"
    if kind == "chat":
        cat = (row.get("extra") or {}).get("category")
        return {"roleplay": "roleplay", "coding": "coding"}.get(cat, "other")
    return "other"


def benign_examples(rows: list[dict[str, Any]], seed: int, mode: str) -> list[Example]:
    """Benign prompts as sent (harvest = 0)."""
    out = []
    for row in rows:
        rng = random.Random(_h(f"{seed}|benign|{row['id']}"))
        system = "\n\n".join(m["content"] for m in row["messages"]
                             if m.get("role") == "system" and isinstance(m.get("content"), str)) or None
        msgs = [{"role": m["role"], "content": m["content"]} for m in row["messages"]
                if m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)]
        if not msgs:
            continue
        follow = (row.get("extra") or {}).get("followup_user_turns")
        if follow and rng.random() < 0.4:
            msgs = msgs + [{"role": "assistant", "content": "Sure - here is my answer."},
                           {"role": "user", "content": follow[0]}]
        if system and row["kind"] == "eval" and rng.random() < 0.3:  # many clients send no system prompt
            msgs = [{"role": "user", "content": system + "\n\n" + msgs[0]["content"]}] + msgs[1:]
            system = None
        if row["kind"] == "role_prompt" and rng.random() < 0.3:
            system, msgs = msgs[0]["content"], [{"role": "user", "content": "Let's begin."}]
        rec = make_record("bn-" + row["id"], system, msgs, request_params(rng, 0, mode), rng)
        out.append(Example(rec, benign_category(row), 0, benign_group(row), "benign"))
    return out


def tau2_agent_examples(corpus: Corpus, rows: list[dict[str, Any]], seed: int, mode: str) -> list[Example]:
    """Agent-side tau2 calls: the domain's agent system prompt, its tools, a user opening (tool_use)."""
    out = []
    for row in rows:
        if row["kind"] != "agent_task":
            continue
        domain = row["suite"].removeprefix("tau2-") if row.get("suite") else "airline"
        system = corpus.tau2_systems.get(domain)
        if not system:
            continue
        rng = random.Random(_h(f"{seed}|tau2agent|{row['id']}"))
        scenario = row["messages"][0]["content"]
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", scenario[-1500:]) if 20 < len(s.strip()) < 300]
        opening = rng.choice(sentences) if sentences else "Hi, I need help with my account."
        msgs: list[dict[str, Any]] = [{"role": "user", "content": opening}]
        if rng.random() < 0.5:
            msgs += [{"role": "assistant", "content": "Let me look that up for you."},
                     {"role": "user", "content": "My user id is " + f"user_{rng.randrange(10**5)}" + "."}]
        rec = make_record("t2a-" + row["id"], system, msgs, request_params(rng, 0, mode), rng,
                          tools=TAU2_TOOLS.get(domain, ("lookup",)))
        out.append(Example(rec, "tool_use", 0, benign_group(row), "benign"))
    return out


def synthetic_examples(fillers: Fillers, seed: int, mode: str, per_template: int = 40) -> list[Example]:
    """Hand-written sets for censorship_rewrite (and everyday rewrites), computer_use, vision, reasoning harvest."""
    out: list[Example] = []

    def add(tag: str, cat: str, system: str | None, user: str, harvest: int, i: int, rng: random.Random,
            tools: tuple[str, ...] = (), images: bool = False, params: dict[str, Any] | None = None) -> None:
        q, a = fillers.prompt(rng)[:800], fillers.answer(rng)[:800]
        text = user.format(q=q, a=a, topic=rng.choice(syn.CENSOR_TOPICS), n=rng.randint(3, 10))
        p = request_params(rng, harvest, mode)
        if params:
            p.update(params)
        rec = make_record(f"syn-{tag}-{i}", system, [{"role": "user", "content": text}], p, rng, tools, images)
        out.append(Example(rec, cat, harvest, "syn:" + tag, "synthetic", None, "syn:" + tag))

    for tag, cat, rows in (("censor", "censorship_rewrite", syn.CENSORSHIP_REWRITE),
                           ("censorq", "censorship_rewrite", syn.CENSORSHIP_QUERY_REWRITE),
                           ("rewrite", "other", syn.EVERYDAY_REWRITE)):
        for j, (system, user, harvest) in enumerate(rows):
            rng = random.Random(_h(f"{seed}|{tag}|{j}"))
            for i in range(per_template):
                add(f"{tag}{j}", cat, system, user, harvest, i, rng)
    for j, (system, user, harvest) in enumerate(syn.REASONING_HARVEST):
        rng = random.Random(_h(f"{seed}|reason|{j}"))
        for i in range(per_template):
            extra = {}
            if rng.random() < 0.3:
                extra = {"reasoning_effort": "high"} if rng.random() < 0.5 else {"max_tokens": 32768}
            add(f"reason{j}", "reasoning_elicitation", system, user, harvest, i, rng, params=extra)
    for j, (system, user, harvest) in enumerate(syn.VISION_PROMPTS):
        rng = random.Random(_h(f"{seed}|vision|{j}"))
        for i in range(per_template):
            add(f"vision{j}", "vision", system, user, harvest, i, rng, images=True)
    rng = random.Random(_h(f"{seed}|computer"))
    for i in range(per_template * 6):
        system = rng.choice(syn.COMPUTER_USE_SYSTEMS) if rng.random() < 0.8 else None
        add(f"computer{i % 6}", "computer_use", system, rng.choice(syn.COMPUTER_USE_TASKS), -1, i, rng,
            tools=rng.choice(syn.COMPUTER_TOOLSETS), images=rng.random() < 0.5)
    return out


def to_table(examples: list[Example]) -> pa.Table:
    """Canonical exchange table of the examples' records (via the ingest normaliser)."""
    from distillguard.ingest.normalise import normalise_exchange
    from distillguard.ingest.run import rows_to_table
    from distillguard.schema.exchanges import EXCHANGES

    schema = pa.schema(list(EXCHANGES.schema)[:-2])
    return rows_to_table([normalise_exchange(e.record) for e in examples], schema)
