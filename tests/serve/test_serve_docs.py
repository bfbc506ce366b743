"""docs/serve.md quotes the LiteLLM configs the e2e test runs, and names every policy field."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from distillguard.serve.policy import Policy

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "serve.md").read_text(encoding="utf-8")
CONFIGS = Path(__file__).parent / "litellm"


def test_yaml_and_python_snippets_are_the_tested_files() -> None:
    files = {p.name: p.read_text(encoding="utf-8") for p in CONFIGS.iterdir() if p.suffix in (".yaml", ".py")}
    blocks = re.findall(r"```(yaml|python)\n(.*?)```", DOC, flags=re.S)
    assert len(blocks) >= 3
    for _, block in blocks:
        lines = [ln for ln in block.splitlines() if ln.strip()]
        assert any(all(ln in text.splitlines() for ln in lines) for text in files.values()), \
            f"snippet not found verbatim in tests/serve/litellm/: {lines[:3]}"


def test_every_policy_field_is_named_in_the_doc() -> None:
    def walk(model: type[BaseModel]) -> set[str]:
        out = set()
        for name, f in model.model_fields.items():
            out.add(name)
            ann = f.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                out |= walk(ann)
        return out

    missing = sorted(n for n in walk(Policy) if n not in DOC)
    assert not missing, f"docs/serve.md does not mention: {missing}"
