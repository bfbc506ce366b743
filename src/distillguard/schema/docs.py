"""Render every table schema as Markdown: `python -m distillguard.schema.docs > docs/schema.md`."""

from __future__ import annotations

from distillguard.ingest.quarantine import REASONS


def render() -> str:
    from distillguard.schema import TABLES

    parts = ["# Tables", "", "Generated from `src/distillguard/schema` by `python -m distillguard.schema.docs`; "
             "`tests/test_docs.py` fails when this page is stale.", ""]
    for name in sorted(TABLES):
        parts += [TABLES[name].markdown(), ""]
    parts += ["## Quarantine reasons", "", "| reason | meaning |", "|---|---|"]
    parts += [f"| `{k}` | {v} |" for k, v in REASONS.items()]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
