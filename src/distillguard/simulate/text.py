"""Text assembly: template slot filling, per-account paraphrases, simulated response text."""

from __future__ import annotations

import re

import numpy as np

from distillguard.simulate import _builtin as B
from distillguard.simulate.corpus import Corpus, Template
from distillguard.simulate.ids import hash_int

INSTRUCTION_SLOTS = {"instruction", "input", "question", "prompt", "<PROMPT>", "task", "query", "text",
                     "topic", "context", "document", "problem", "user_input", "inputs", "instructions"}
RESPONSE_SLOTS = {"response", "output", "output_1", "output_2", "generation", "generations", "completion",
                  "text_1", "text_2", "text_3", "text_4", "<RESPONSE>", "student_solution", "answer",
                  "responses", "output_a", "output_b", "reference", "completions", "model_output"}
FIXED_SLOTS = {"batch_size": "5", "language": "English", "flesch": "a Flesch reading ease score of 60 or higher",
               "topic_avoidance": "", "threshold": "3", "system_prompt": "You are a helpful assistant.",
               "num_words": "50", "n": "5", "num": "5", "criteria": "helpfulness and honesty"}


class Texts:
    """Pools and caches; every choice is a pure function of integer keys, so rendering is stateless."""

    def __init__(self, corpus: Corpus, seed: int) -> None:
        self.c = corpus
        rng = np.random.default_rng([seed, 7001])
        self.responses = [_compose(rng, B.RESPONSE_SENTENCES, 1, 7) for _ in range(512)]
        self.reasoning = [_compose(rng, B.REASONING_SENTENCES, 3, 10) for _ in range(512)]
        self._para: dict[tuple[str, int, int], list[str]] = {}

    def instruction(self, key: int) -> str:
        pool = self.c.instructions
        return pool[key % len(pool)]

    def response(self, key: int) -> str:
        return self.responses[key % 512]

    def reasoning_text(self, key: int) -> str:
        return self.reasoning[key % 512]

    def fill(self, t: Template, key: int, parts: list[str] | None = None) -> str:
        """Fill every slot of a template from the pools, choosing by `key`."""
        parts = parts if parts is not None else t.parts
        if len(parts) == 1:
            return parts[0]
        out = []
        for i, p in enumerate(parts):
            if i % 2 == 0:
                out.append(p)
                continue
            out.append(self.slot(p, key, i))
        return "".join(out)

    def slot(self, name: str, key: int, i: int) -> str:
        if name in FIXED_SLOTS:
            return FIXED_SLOTS[name]
        if name in RESPONSE_SLOTS or name.startswith(("output", "text_", "generation", "response")):
            return self.response(hash_int(key, i))
        if name in ("seeds", "example", "examples", "seed_tasks"):
            seeds = self.c.seeds
            return "\n".join(f"{j + 1}. {seeds[hash_int(key, i, j) % len(seeds)]}" for j in range(3))
        return self.instruction(hash_int(key, 1))

    def paraphrased(self, t: Template, variant: int, strength: float) -> list[str]:
        """Template parts reworded for one account: each lexicon hit is swapped with P = strength."""
        # keyed by the text too: callers build ad hoc templates under one id (every vision question is
        # "vision"), and a key without it handed each worker process whichever question it met first
        k = (t.id, tuple(t.parts), variant, int(strength * 100))
        hit = self._para.get(k)
        if hit is not None:
            return hit
        parts = list(t.parts)
        for i in range(0, len(parts), 2):
            txt = parts[i]
            for j, (word, alts) in enumerate(B.PARAPHRASE):
                if word in txt and (hash_int(variant, j, 5) % 1000) / 1000 < strength:
                    txt = re.sub(re.escape(word), alts[hash_int(variant, j) % len(alts)], txt)
            parts[i] = txt
        if (hash_int(variant, 77) % 1000) / 1000 < strength:
            parts[0] = B.PARAPHRASE_OPENERS[hash_int(variant, 78) % len(B.PARAPHRASE_OPENERS)] + parts[0]
            parts[-1] = parts[-1] + B.PARAPHRASE_CLOSERS[hash_int(variant, 79) % len(B.PARAPHRASE_CLOSERS)]
        self._para[k] = parts
        return parts


def _compose(rng: np.random.Generator, sentences: list[str], lo: int, hi: int) -> str:
    n = int(rng.integers(lo, hi + 1))
    return " ".join(sentences[int(i)] for i in rng.integers(0, len(sentences), n))
