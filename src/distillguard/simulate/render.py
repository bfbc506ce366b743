"""Render one plan row into a request body (OpenAI or Anthropic form), a response and truth.

Rendering is a pure function of the row's integers and the account, so any chunk of a plan can
be rendered on its own, in any process, with the same bytes.
"""

from __future__ import annotations

import orjson

from distillguard.simulate import _builtin as B
from distillguard.simulate import plans as P
from distillguard.simulate import playbook_render as PR
from distillguard.simulate import tools as TL
from distillguard.simulate.campaigns import AGENT_MIX
from distillguard.simulate.corpus import Corpus, Template
from distillguard.simulate.ids import hash_int
from distillguard.simulate.text import Texts

MAX_OUT = (32000, 16000, 64000)
CAMPAIGN_TOOLSETS = {"tool": "service", "coding": "coding", "computer": "computer"}
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _image_data(key: int) -> str:
    h = hash_int(key, 99)
    tail = "".join(_B64[(h >> (6 * i)) & 63] for i in range(10))
    return "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" + tail + "AAAADUlEQVR42mNk"


def _frac(*k: int) -> float:
    return (hash_int(*k) % 1_000_000) / 1_000_000


class Renderer:
    def __init__(self, corpus: Corpus, texts: Texts, models: tuple[str, str, str], campaign_knobs: dict,
                 blocks_only: bool = False, playbooks: tuple | list = ()) -> None:
        self.c, self.t, self.models = corpus, texts, models
        self.judge = corpus.templates_of("judge", "rubric_grading") or corpus.templates
        self.rubric = corpus.templates_of("rubric_grading", "judge") or corpus.templates
        self.cot = corpus.templates_of("reasoning_elicitation", "evol_rewrite") or corpus.templates
        self.synth = corpus.templates_of("synthetic_data", "evol_rewrite") or corpus.templates
        self.stealth = corpus.templates_of("reasoning_elicitation", "synthetic_data", "rubric_grading", "coding")
        self.knobs = campaign_knobs
        self.playbooks = {pb.index: pb for pb in playbooks}
        self.blocks_only = blocks_only   # Parquet: every content is a list of blocks
        self._sessions: dict[int, list] = {}
        self._traj: dict[int, list] = {}

    # ---------------------------------------------------------------- body assembly
    def body(self, form: int, strc: bool, mct: bool, system: str | None, msgs: list[dict],
             tools: str | None, params: dict, cache: list | None = None) -> dict:
        """Assemble a request body; `cache` holds converted messages of this session's earlier turns."""
        if form:
            req: dict = {}
            if system:
                req["system"] = system
            req["messages"] = self._convert(msgs, form, strc, cache)
            if tools:
                req["tools"] = TL.tool_defs(tools, 1)
            req["max_tokens"] = params["max_tokens"]
            if params.get("thinking"):
                req["thinking"] = {"type": "enabled", "budget_tokens": params["thinking"]}
            elif "temperature" in params:
                req["temperature"] = params["temperature"]
            if "top_p" in params and not params.get("thinking"):
                req["top_p"] = params["top_p"]
            if params.get("stream"):
                req["stream"] = True
            return req
        out = [{"role": "system", "content": [{"type": "text", "text": system}] if self.blocks_only else system}] \
            if system else []
        out.extend(self._convert(msgs, form, strc, cache))
        req = {"messages": out}
        if tools:
            req["tools"] = TL.tool_defs(tools, 0)
        req["max_completion_tokens" if mct else "max_tokens"] = params["max_tokens"]
        for k in ("temperature", "top_p", "n", "logprobs", "top_logprobs"):
            if k in params:
                req[k] = params[k]
        if params.get("json"):
            req["response_format"] = {"type": "json_object"}
        if params.get("thinking"):
            req["reasoning_effort"] = "high" if params["thinking"] > 8000 else "medium"
        if params.get("stream"):
            req["stream"] = True
        return req

    def _convert(self, msgs: list[dict], form: int, strc: bool, cache: list | None) -> list[dict]:
        conv = cache if cache is not None else []
        strc = strc and not self.blocks_only
        for m in msgs[len(conv):]:
            conv.append([self._anthropic_msg(m, strc)] if form else self._openai_msgs(m, strc))
        if len(conv) > len(msgs):
            conv = conv[: len(msgs)]
        return [x for group in conv[: len(msgs)] for x in group]

    def session_cache(self, sess: int) -> list:
        c = self._sessions.get(sess)
        if c is None:
            if len(self._sessions) > 3000:   # a few hundred conversations are open at once
                self._sessions.clear()
            c = self._sessions[sess] = []
        return c

    @staticmethod
    def _anthropic_msg(m: dict, strc: bool) -> dict:
        role = m["role"]
        if role == "tool":
            blocks = [{"type": "tool_result", "tool_use_id": cid, "content": txt} for cid, txt in m["results"]]
            blocks += [{"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                    "data": _image_data(k)}} for k in m.get("images", ())]
            return {"role": "user", "content": blocks}
        if role == "assistant" and m.get("calls"):
            blocks = [{"type": "text", "text": m["text"]}] if m.get("text") else []
            blocks += [{"type": "tool_use", "id": cid, "name": n, "input": args} for cid, n, args in m["calls"]]
            return {"role": "assistant", "content": blocks}
        if m.get("images"):
            blocks = [{"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                   "data": _image_data(k)}} for k in m["images"]]
            return {"role": role, "content": blocks + [{"type": "text", "text": m["text"]}]}
        return {"role": role, "content": m["text"] if strc else [{"type": "text", "text": m["text"]}]}

    @staticmethod
    def _openai_msgs(m: dict, strc: bool) -> list[dict]:
        role = m["role"]
        if role == "tool":
            out = [{"role": "tool", "tool_call_id": cid, "content": txt} for cid, txt in m["results"]]
            if m.get("images"):
                out.append({"role": "user", "content": [
                    {"type": "image_url", "image_url": {"url": f"https://img.example.net/s/{k:x}.png"}}
                    for k in m["images"]]})
            return out
        if role == "assistant" and m.get("calls"):
            return [{"role": "assistant", "content": m.get("text") or "", "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": n, "arguments": orjson.dumps(args).decode()}}
                for cid, n, args in m["calls"]]}]
        if m.get("images"):
            return [{"role": role, "content": [{"type": "text", "text": m["text"]}] + [
                {"type": "image_url", "image_url": {"url": f"https://img.example.net/u/{k:x}.png"}}
                for k in m["images"]]}]
        return [{"role": role, "content": m["text"] if strc else [{"type": "text", "text": m["text"]}]}]

    # ---------------------------------------------------------------- content per kind
    def content(self, kind: int, sess: int, turn: int, nturns: int, a: int, b: int, c: int, fix: int,
                camp: int):
        """Return (system, msgs, tools, params, reply, truth); reply = (text, calls, reasoning?)."""
        t = self.t
        if kind in (P.CHAT, P.JAIL, P.MUNDANE):
            return self._chat(kind, sess, turn, a, b)
        if kind == P.DEV:
            systems = self.c.product_systems
            sys_i = fix % len(systems)
            return (systems[sys_i], [{"role": "user", "text": self._chat_pick(a)[1]}], None,
                    {"max_tokens": (512, 1024, 2048)[fix % 3], "temperature": (0.2, 0.7, 1.0)[fix % 3]},
                    (t.response(b), None, False), ("other", f"product:{sys_i}"))
        if kind == P.EVAL:
            suite = self.c.suites[a % len(self.c.suites)]
            system, user = suite.rows[b % len(suite.rows)]
            cot = c == 1
            if cot:
                user = user + "\n\n" + B.COT_SUFFIXES[hash_int(a, 3) % len(B.COT_SUFFIXES)]
            params = {"max_tokens": 1024 if cot else 256, "temperature": 0}
            return (system, [{"role": "user", "text": user}], None, params, (t.response(sess + b), None, False),
                    ("reasoning_elicitation" if cot else "other", f"suite:{suite.name}"))
        if kind == P.JUDGE:
            tpl = self.judge[a % len(self.judge)]
            return self._template(tpl, hash_int(sess, b), tpl.params, "rubric_grading", judge=True)
        if kind == P.BATCH:
            tid, text = B.BATCH_TEMPLATES[a % len(B.BATCH_TEMPLATES)]
            doc = t.instruction(b)
            return (None, [{"role": "user", "text": text.format(doc=doc)}], None,
                    {"max_tokens": 300, "temperature": 0, "json": True},
                    ('{"label": "other", "confidence": 0.81}', None, False), ("other", tid))
        if kind == P.RESEARCH:
            if c % 10 < 3:
                tpl = self.synth[(fix + c // 10) % len(self.synth)]
                return self._template(tpl, hash_int(sess, b), {"temperature": 1.0}, "synthetic_data")
            if c % 10 == 3:
                return self._vision(sess, a, b, "other")
            user = t.instruction(a) + "\n\n" + B.COT_SUFFIXES[c % len(B.COT_SUFFIXES)]
            think = (16000, 32000)[c % 2] if c % 10 < 8 else 0
            return (None, [{"role": "user", "text": user}], None,
                    {"max_tokens": 64000 if think else 4096, "thinking": think, "logprobs": bool(c % 5 == 4)},
                    (t.response(b), None, bool(think)), ("reasoning_elicitation", None))
        if kind == P.AGENT:
            toolset = "coding"
            out = self._trajectory(sess, turn, nturns, a, b, toolset, fix % 2, "coding", None)
            if fix >= B.INTERNAL_HARNESS:   # a company's own harness: the public prompt plus its guidelines
                out = (out[0] + B.INTERNAL_GUIDELINES.format(team=f"{(fix - B.INTERNAL_HARNESS) >> 1:x}"),) + out[1:]
            return out
        if kind == P.C_REASON:
            return self._reasoning(sess, a, b, c)
        if kind == P.C_AGENT:
            name = "agentic" if camp == 1 else "high_volume"
            pct = c % 100
            for upper, cat in AGENT_MIX[name]:
                if pct < upper:
                    break
            if cat == "vision":
                return self._vision(sess, a, b, "vision", key="vision:describe")
            category = {"tool": "tool_use", "coding": "coding", "computer": "computer_use"}[cat]
            sys_i = {"coding": 1, "tool": 2, "computer": 3}[cat]
            return self._trajectory(sess, turn, nturns, a, b, CAMPAIGN_TOOLSETS[cat], sys_i, category,
                                    f"agent:{cat}")
        if kind == P.C_PLAY:
            return PR.content(self, self.playbooks[camp], sess, turn, nturns, a, b, c, fix)
        if kind == P.C_STEALTH:
            pool = self.stealth or self.cot
            tpl = pool[(fix + c % 2) % len(pool)]
            strength = self.knobs["stealth"].paraphrase_strength if "stealth" in self.knobs else 0.8
            parts = t.paraphrased(tpl, fix, strength)
            cat = {"reasoning_elicitation": "reasoning_elicitation", "rubric_grading": "rubric_grading",
                   "coding": "coding"}.get(tpl.family, "synthetic_data")
            msgs = []
            for k in range(turn + 1):   # a follow-up stays in the same conversation
                if k:
                    msgs.append({"role": "assistant", "text": t.response(hash_int(sess, k, 2))})
                msgs.append({"role": "user", "text": t.fill(tpl, hash_int(sess, k), parts)})
            return (tpl.system, msgs, None, {"max_tokens": 4096, "temperature": 0.7},
                    (t.response(hash_int(sess, turn)), None, False), (cat, tpl.id))
        raise ValueError(f"unknown kind {kind}")

    def _chat_pick(self, key: int) -> tuple[str | None, str, str | None]:
        return self.c.chat[key % len(self.c.chat)]

    def _chat(self, kind, sess, turn, a, b):
        t = self.t
        system, first, follow = self._chat_pick(a)
        tkey = None
        cat = "other"
        if kind == P.JAIL:
            w = b % len(B.JAILBREAK_WRAPPERS)
            ask = B.JAILBREAK_ASKS[a % len(B.JAILBREAK_ASKS)]
            first, system, tkey, cat = B.JAILBREAK_WRAPPERS[w].format(q=ask), None, f"jailbreak:{w}", "roleplay"
        msgs = [{"role": "user", "text": first}]
        for k in range(1, turn + 1):
            msgs.append({"role": "assistant", "text": t.response(hash_int(sess, k))})
            nxt = follow if (k == 1 and follow) else B.FOLLOWUPS[hash_int(sess, k, 1) % len(B.FOLLOWUPS)]
            msgs.append({"role": "user", "text": nxt})
        refuse = kind == P.JAIL and b % 3 != 0
        reply = B.REFUSALS[b % 2] if refuse else t.response(hash_int(sess, turn + 1))
        params = {"max_tokens": 4096, "temperature": 1.0, "stream": kind != P.MUNDANE}
        return system, msgs, None, params, (reply, None, False), (cat, tkey)

    def _template(self, tpl: Template, key: int, params: dict, category: str, judge: bool = False,
                  parts: list[str] | None = None):
        text = self.t.fill(tpl, key, parts)
        p = {"max_tokens": int(params.get("max_tokens", 2048)), "temperature": params.get("temperature", 1.0)}
        for k in ("top_p", "logprobs", "top_logprobs"):
            if k in params:
                p[k] = params[k]
        reply = "Output (a)" if judge and p["max_tokens"] <= 20 else \
            "Helpfulness: 4\nCorrectness: 5\nOverall: 4\nRationale: " + self.t.response(key) \
            if category == "rubric_grading" else self.t.response(key)
        return tpl.system, [{"role": "user", "text": text}], None, p, (reply, None, False), (category, tpl.id)

    def _reasoning(self, sess, a, b, c):
        t = self.t
        which = c % 100
        if which < 45:
            if c % 2 and self.cot:
                tpl = self.cot[a % len(self.cot)]
                out = self._template(tpl, hash_int(sess), {"max_tokens": 32000}, "reasoning_elicitation")
                return out[0], out[1], None, {**out[3], "thinking": 16000}, (out[4][0], None, True), out[5]
            suffix = B.COT_SUFFIXES[c % len(B.COT_SUFFIXES)]
            return (None, [{"role": "user", "text": t.instruction(a) + "\n\n" + suffix}], None,
                    {"max_tokens": 32000, "thinking": 16000 if c % 3 else 0, "temperature": 0.6},
                    (t.response(b), None, bool(c % 3)), ("reasoning_elicitation", f"cot-suffix:{c % len(B.COT_SUFFIXES)}"))
        if which < 80:
            tpl = self.rubric[a % len(self.rubric)]
            return self._template(tpl, hash_int(sess, 7), {"max_tokens": 32000, "temperature": 0}, "rubric_grading")
        tid, wrapper = B.CENSOR_WRAPPERS[a % len(B.CENSOR_WRAPPERS)]
        q = B.SENSITIVE_QUESTIONS[b % len(B.SENSITIVE_QUESTIONS)]
        return (None, [{"role": "user", "text": wrapper.format(q=q)}], None,
                {"max_tokens": 32000, "temperature": 0.7, "thinking": 8000 if c % 2 else 0},
                (t.response(b), None, bool(c % 2)), ("censorship_rewrite", tid))

    def _vision(self, sess, a, b, category, key=None):
        q = B.VISION_QUESTIONS[a % len(B.VISION_QUESTIONS)]
        return (None, [{"role": "user", "text": q, "images": [hash_int(sess, 1)]}], None,
                {"max_tokens": 4096, "temperature": 0.2}, (self.t.response(b), None, False), (category, key))

    def _trajectory(self, sess, turn, nturns, a, b, toolset, sys_i, category, tkey):
        c = self.c
        systems = c.agent_systems
        system = systems[sys_i % len(systems)]
        if toolset == "coding":
            task = c.coding[a % len(c.coding)]
        elif toolset == "computer":
            task = "Using the computer, complete this task: " + self.t.instruction(a)[:300]
        else:
            task = self._chat_pick(a)[1]
        hist = self._traj.get(sess)
        if len(self._traj) > 3000:
            self._traj.clear()
        if hist is None or hist[0]["text"] != task:
            hist = self._traj[sess] = [{"role": "user", "text": task}]
        for k in range((len(hist) - 1) // 2, turn):
            cid, name, args = TL.step_call(toolset, sess, k)
            hist.append({"role": "assistant", "calls": [(cid, name, args)]})
            res = {"role": "tool", "results": [(cid, TL.step_result(sess, k))]}
            if toolset == "computer":
                res["images"] = [hash_int(sess, k, 5)]
            hist.append(res)
        msgs = hist[: 1 + 2 * turn]
        tools = toolset
        params = {"max_tokens": (8192, 16384)[b % 2], "temperature": (0.0, 1.0)[a % 2], "stream": bool(b % 3)}
        if turn + 1 < nturns:
            reply = (None, [TL.step_call(toolset, sess, turn)], False)
        else:
            reply = ("Done. " + self.t.response(hash_int(sess, turn)), None, False)
        return system, msgs, tools, params, reply, (category, tkey)
