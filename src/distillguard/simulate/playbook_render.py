"""Content of playbook rows (kind `C_PLAY`): the harvesting family under the campaign's wrapper.

- `exact`: every account sends the campaign's own wrapper text (two templates per family,
  chosen by the playbook's `template_key`) with the family's usual decoding parameters.
- `paraphrase`: each account rewords the wrapper (the simulator's paraphrase lexicon, openers and
  closers), reorders its paragraphs, and moves text between the system and the user turn; its
  decoding parameters are its own (not at the model cap).
- `raw`: no wrapper; the bare problem (agentic families use the public harness prompt or none).

Like the rest of rendering, a pure function of the row's integers and the account.
"""

from __future__ import annotations

from distillguard.simulate import _builtin as B
from distillguard.simulate.corpus import Template
from distillguard.simulate.ids import hash_int
from distillguard.simulate.playbooks import Playbook

CATEGORY = {"reasoning": "reasoning_elicitation", "rubric": "rubric_grading", "synthetic": "synthetic_data",
            "censorship": "censorship_rewrite", "agentic_tool": "tool_use", "coding": "coding",
            "computer_use": "computer_use", "vision": "vision"}
TOOLSET = {"agentic_tool": "service", "coding": "coding", "computer_use": "computer"}
MAX_TOKENS = (2048, 4096, 8192, 16000)
THINKING = (4000, 8000, 12000, 16000)
TEMPERATURE = (0.3, 0.6, 0.7, 1.0)


def _split_q(tid: str, text: str) -> Template:
    pre, _, post = text.partition("{q}")
    return Template(tid, "censorship_rewrite", None, [pre, "question", post], {})


def _reorder(text: str, fix: int) -> str:
    paras = text.split("\n\n")
    if len(paras) < 2 or hash_int(fix, 31) % 2 == 0:
        return text
    k = 1 + hash_int(fix, 32) % (len(paras) - 1)
    return "\n\n".join(paras[k:] + paras[:k])


def _move(system: str | None, user: str, fix: int) -> tuple[str | None, str]:
    """Per account: keep, fold the system prompt into the user turn, or lift the user text up."""
    how = hash_int(fix, 33) % 3
    if how == 1 and system:
        return None, system + "\n\n" + user
    if how == 2 and not system:
        head, sep, rest = user.partition("\n\n")
        if sep and rest:
            return head, rest
    return system, user


def content(r, pb: Playbook, sess: int, turn: int, nturns: int, a: int, b: int, c: int, fix: int):
    """Return (system, msgs, tools, params, reply, truth) like `Renderer.content`."""
    family = pb.families[(c & 15) % len(pb.families)]
    wrapper = pb.choices["wrapper"]
    t = r.t
    own = wrapper != "exact"
    cap = {"max_tokens": 32000} if not own else {"max_tokens": MAX_TOKENS[hash_int(fix, 41) % 4]}
    temp = 0.7 if not own else TEMPERATURE[hash_int(fix, 42) % 4]
    cat = CATEGORY[family]
    if family in TOOLSET:
        sys_i = pb.template_key if wrapper == "exact" else fix % 2   # raw: the public harness prompt
        tkey = f"agent:{pb.name}" if wrapper == "exact" else None
        out = list(r._trajectory(sess, turn, nturns, a, b, TOOLSET[family], sys_i, cat, tkey))
        if wrapper == "raw" and family != "coding":
            out[0] = None
        elif wrapper == "paraphrase":
            tpl = Template(f"sys:{sys_i}", family, None, [out[0]], {})
            out[0] = _reorder(t.paraphrased(tpl, fix, 1.0)[0], fix)
        return tuple(out)
    if family == "vision":
        vq = B.VISION_QUESTIONS
        q = vq[(pb.template_key if wrapper == "exact" else a) % len(vq)]
        out = list(r._vision(sess, a, b, "vision", key=f"vision:{pb.name}" if wrapper == "exact" else None))
        if wrapper == "paraphrase":
            q = t.paraphrased(Template("vision", "vision", None, [q], {}), fix, 1.0)[0]
        out[1] = [{**out[1][0], "text": q}]
        return tuple(out)
    if family == "censorship":
        q = B.SENSITIVE_QUESTIONS[b % len(B.SENSITIVE_QUESTIONS)]
        if wrapper == "raw":
            return (None, [{"role": "user", "text": q}], None, {**cap, "temperature": temp},
                    (t.response(b), None, False), (cat, None))
        tid, text = B.CENSOR_WRAPPERS[(pb.template_key + (c >> 4) % 2) % len(B.CENSOR_WRAPPERS)]
        tpl = _split_q(tid, text)
        parts = t.paraphrased(tpl, fix, 1.0) if own else tpl.parts
        user = _reorder(parts[0] + q + parts[2], fix) if own else parts[0] + q + parts[2]
        system, user = _move(None, user, fix) if own else (None, user)
        return (system, [{"role": "user", "text": user}], None, {**cap, "temperature": temp},
                (t.response(b), None, False), (cat, tid))
    pool = {"reasoning": r.cot, "rubric": r.rubric, "synthetic": r.synth}[family]
    think = {"thinking": 16000 if not own else THINKING[hash_int(fix, 43) % 4]} if family == "reasoning" else {}
    if wrapper == "raw":
        if family == "synthetic":
            seeds = r.c.seeds
            text = seeds[a % len(seeds)]
        elif family == "rubric":   # no open unwrapped grading text: the judge template without its system
            tpl = pool[a % len(pool)]
            return (None, [{"role": "user", "text": t.fill(tpl, hash_int(sess, 7))}], None,
                    {**cap, "temperature": 0}, ("Overall: 4\nRationale: " + t.response(b), None, False),
                    (cat, None))
        else:
            text = t.instruction(a)
        return (None, [{"role": "user", "text": text}], None, {**cap, "temperature": temp, **think},
                (t.response(b), None, bool(think)), (cat, None))
    tpl = pool[(pb.template_key + (c >> 4) % 2) % len(pool)]
    parts = t.paraphrased(tpl, fix, 1.0) if own else None
    user = t.fill(tpl, hash_int(sess, turn), parts)
    system = tpl.system
    if own:
        system, user = _move(system, _reorder(user, fix), fix)
    msgs = []
    for k in range(turn):   # a follow-up stays in the same conversation
        msgs += [{"role": "user", "text": user if k == 0 else B.FOLLOWUPS[hash_int(sess, k) % len(B.FOLLOWUPS)]},
                 {"role": "assistant", "text": t.response(hash_int(sess, k, 2))}]
    msgs.append({"role": "user", "text": user if turn == 0 else B.FOLLOWUPS[hash_int(sess, turn) % len(B.FOLLOWUPS)]})
    params = {**cap, "temperature": 0 if family == "rubric" else temp, **think}
    reply = ("Helpfulness: 4\nCorrectness: 5\nOverall: 4\nRationale: " + t.response(b)) if family == "rubric" \
        else t.response(b)
    return system, msgs, None, params, (reply, None, bool(think)), (cat, tpl.id)
