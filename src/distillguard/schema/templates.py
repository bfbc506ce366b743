"""The template-mining tables: `exchange_templates` (one row per exchange) and `templates`.

A *template* is the fixed wrapper of a prompt: the system prompt plus the stable parts of the
user turn around its variable ("slot") content. See docs/templates.md for how ids are mined.
"""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

EXCHANGE_TEMPLATES = table(
    "exchange_templates",
    col("exchange_id", pa.string(), "Joins to exchanges.exchange_id."),
    col("account_id", pa.string(), "Account of the exchange (copied for cheap per-account grouping)."),
    col("template_id", pa.string(), "Template of the exchange: 'tpl-<16 hex>' for a mined wrapper, "
        "'txt-<16 hex>' for free-form text (no shared wrapper; equal only for near-exact repeats)."),
    col("slot_hash", pa.uint64(), "Hash of the exchange's variable (slot) content; equal slot hashes in one "
        "template mean the same content was sent again."),
)

TEMPLATES = table(
    "templates",
    col("template_id", pa.string(), "Template id, as in exchange_templates."),
    col("kind", pa.string(), "'template': fixed wrapper text around variable slots (or several merged "
        "skeletons); 'repeat': one exact skeleton with no slot, the same prompt resent (numbers aside); "
        "'free_form': no shared wrapper, grouped only with near-exact repeats."),
    col("exchanges", pa.int64(), "Exchanges assigned to the template."),
    col("accounts", pa.int64(), "Distinct accounts that sent it."),
    col("top_account_share", pa.float64(), "Share of its exchanges sent by its busiest account (1.0 = one account)."),
    col("first_seen", pa.timestamp("us", tz="UTC"), "Earliest exchange ts."),
    col("last_seen", pa.timestamp("us", tz="UTC"), "Latest exchange ts."),
    col("skeleton", pa.string(), "Readable skeleton: the fixed text with each run of variable content shown as "
        "'{…}' (numbers <n>, quoted text <q>, URLs <url>, code <code>), from a representative exchange; "
        "truncated to 2,000 characters. '{free-form text}' for free_form rows."),
    col("slot_diversity", pa.float64(), "Distinct slot contents / exchanges, in (0, 1]: near 1 = every call fills "
        "the wrapper with new content (a sweep); near 0 = the same content resent (retries, re-runs)."),
    col("variants", pa.int64(), "Distinct exact skeletons merged into this template by MinHash LSH "
        "(paraphrased or reordered wrappers); 1 = no merge."),
    col("fixed_chars", pa.int64(), "Characters of fixed (non-slot) text in the representative skeleton."),
)

EXCHANGE_TEMPLATES_SCHEMA = EXCHANGE_TEMPLATES.schema
TEMPLATES_SCHEMA = TEMPLATES.schema
