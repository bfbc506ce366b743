"""Text helpers for the blind4 world generator: template rendering, paraphrase, filler text.

Standard library only. Everything here is deterministic given the random.Random passed in.
"""
import re
from types import SimpleNamespace

# ---------------------------------------------------------------------------------------------
# A very small Jinja2 subset: {{ expr }}, {% for a in b %}..{% endfor %}, {% if c %}..{% endif %}.
# Enough for the distilabel templates in the corpus; anything it cannot evaluate renders as ''.

_TOK = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})", re.S)


def _expr(src):
    s = src.strip().strip("-").strip()
    s = re.sub(r"\|\s*length", ".__len__()", s)
    s = re.sub(r"\|\s*capitalize", ".capitalize()", s)
    s = s.replace(" is not none", " is not None").replace(" is none", " is None")
    return s


def _parse(tokens, i, stop):
    out = []
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("{%"):
            body = t[2:-2].strip().strip("-").strip()
            head = body.split()[0] if body else ""
            if head in stop:
                return out, i, head
            if head == "for":
                m = re.match(r"for\s+(\w+)\s+in\s+(.+)$", body, re.S)
                kids, i, _ = _parse(tokens, i + 1, ("endfor",))
                out.append(("for", m.group(1), _expr(m.group(2)), kids))
            elif head == "if":
                kids, i, _ = _parse(tokens, i + 1, ("endif",))
                out.append(("if", _expr(body[2:]), kids))
            # unknown statements are dropped
        elif t.startswith("{{"):
            out.append(("expr", _expr(t[2:-2])))
        else:
            out.append(("text", t))
        i += 1
    return out, i, None


def _ev(expr, env):
    try:
        return eval(expr, {"__builtins__": {}, "range": range, "len": len, "None": None}, env)  # noqa: S307 - corpus templates only
    except Exception:
        return ""


def _run(nodes, env, parts):
    for n in nodes:
        if n[0] == "text":
            parts.append(n[1])
        elif n[0] == "expr":
            v = _ev(n[1], env)
            parts.append("" if v is None else str(v))
        elif n[0] == "if":
            if _ev(n[1], env):
                _run(n[2], env, parts)
        elif n[0] == "for":
            seq = _ev(n[2], env) or []
            try:
                seq = list(seq)
            except TypeError:
                seq = []
            for k, item in enumerate(seq):
                e2 = dict(env)
                e2[n[1]] = item
                e2["loop"] = SimpleNamespace(index=k + 1, index0=k, first=k == 0, last=k == len(seq) - 1)
                _run(n[3], e2, parts)


_JCACHE = {}


def render_jinja(template, env):
    tree = _JCACHE.get(template)
    if tree is None:
        tree = _parse(_TOK.split(template), 0, ())[0]
        _JCACHE[template] = tree
    parts = []
    _run(tree, env, parts)
    return "".join(parts)


def render_format(template, values):
    """Python str.format-style slots, replaced literally (templates hold other braces too)."""
    out = template
    for k, v in values.items():
        out = out.replace("{" + k + "}", str(v))
    return out


# ---------------------------------------------------------------------------------------------
# Paraphrase: per-account stable rewording of the framing text, plus light per-request noise.

SYNONYMS = {
    "Please": ["Kindly", "Could you please", "Please do"],
    "following": ["below", "subsequent", "given"],
    "response": ["answer", "reply", "output"],
    "question": ["query", "problem", "prompt"],
    "step-by-step": ["step by step", "one step at a time", "in numbered steps"],
    "Provide": ["Give", "Supply", "Write out"],
    "Evaluate": ["Assess", "Judge", "Grade"],
    "evaluate": ["assess", "judge", "grade"],
    "instruction": ["task", "request", "directive"],
    "instructions": ["tasks", "requests", "directives"],
    "generate": ["produce", "create", "write"],
    "Generate": ["Produce", "Create", "Write"],
    "explain": ["describe", "walk through", "justify"],
    "rating": ["score", "grade", "mark"],
    "Rating": ["Score", "Grade", "Mark"],
    "example": ["sample", "illustration", "instance"],
    "examples": ["samples", "illustrations", "instances"],
    "model": ["assistant", "system", "AI"],
    "output": ["result", "completion", "answer"],
    "helpful": ["useful", "constructive", "beneficial"],
    "detailed": ["thorough", "in-depth", "comprehensive"],
    "must": ["should", "need to", "are required to"],
    "Make sure": ["Ensure", "Be sure", "Double-check"],
    "reasoning": ["thinking", "rationale", "logic"],
    "final answer": ["conclusion", "end result", "answer at the end"],
    "However": ["But", "That said", "Still"],
    "task": ["job", "assignment", "exercise"],
}
PREFIXES = ["", "", "Hi! ", "Task:\n", "Hello, I need some help.\n\n", "### Request\n", "[job] ",
            "Context: internal data project.\n\n", "Quick one: ", "Please read carefully.\n\n"]
SUFFIXES = ["", "", "\n\nThanks!", "\n\nRespond in English.", "\n\nBe concise.", "\n\n(ref #{n})",
            "\n\nKeep the format exact.", "\n\nThank you in advance."]


class Paraphraser:
    """A per-account rewording style. strength 0 leaves text untouched."""

    def __init__(self, rnd, strength):
        self.strength = strength
        self.subs = []
        if strength <= 0:
            self.prefix = self.suffix = ""
            return
        keys = sorted(SYNONYMS)
        n = max(1, int(len(keys) * min(1.0, 0.25 + 0.6 * strength)))
        for k in rnd.sample(keys, n):
            self.subs.append((k, rnd.choice(SYNONYMS[k])))
        self.prefix = rnd.choice(PREFIXES) if rnd.random() < 0.4 + 0.5 * strength else ""
        self.suffix = rnd.choice(SUFFIXES) if rnd.random() < 0.3 + 0.6 * strength else ""
        self.collapse = rnd.random() < 0.5 * strength
        self.bullets = rnd.choice(["-", "*", "•"]) if rnd.random() < 0.4 * strength else None

    def apply(self, text, rnd):
        if self.strength <= 0 or not text:
            return text
        for a, b in self.subs:
            text = text.replace(a, b)
        if self.collapse:
            text = re.sub(r"\n{3,}", "\n\n", text).replace("\n\n", "\n")
        if self.bullets:
            text = text.replace("\n- ", "\n" + self.bullets + " ")
        suffix = self.suffix.replace("{n}", str(rnd.randint(100, 99999)))
        text = self.prefix + text + suffix
        # light per-request noise
        if rnd.random() < 0.3 * self.strength:
            text = text.rstrip() + rnd.choice([" ", "\n", "  ", " :)", "."])
        return text


# ---------------------------------------------------------------------------------------------
# Filler prose for simulated responses and grader inputs, built from corpus sentences.

class TextBank:
    def __init__(self, texts):
        sents = []
        for t in texts:
            for s in re.split(r"(?<=[.!?])\s+", t):
                s = " ".join(s.split())
                if 25 <= len(s) <= 240 and not s.startswith(("{", "[", "<")):
                    sents.append(s)
        # deterministic de-dup preserving order
        seen = set()
        self.sents = []
        for s in sents:
            if s not in seen:
                seen.add(s)
                self.sents.append(s)
        if not self.sents:
            self.sents = ["No text available."]

    def prose(self, rnd, nchars):
        out = []
        total = 0
        n = len(self.sents)
        i = rnd.randrange(n)
        while total < nchars:
            s = self.sents[i % n]
            out.append(s)
            total += len(s) + 1
            i += 1 + rnd.randrange(37)
            if rnd.random() < 0.12:
                out.append("\n\n")
        return " ".join(out)[: max(1, nchars)]
