"""Prompt-template mining: which fixed wrapper each exchange was sent with, across accounts.

`mine_templates(engine)` returns ``(exchange_templates, templates)``; see docs/templates.md.
"""

from distillguard.templates.mine import mine_templates, skeleton_hashes

__all__ = ["mine_templates", "skeleton_hashes"]
