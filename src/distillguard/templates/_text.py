"""Template key text: masking and segmentation, written once as SQL expressions.

The key text of an exchange is ``system_prompt + "\n§\n" + last_user_text``, each part cut to
its first `HEAD_CHARS` and last `TAIL_CHARS` characters (a harness's wrapper sits at the ends;
pasted content in the middle is slot content anyway). It is masked (numbers; and, only in texts
that contain them, quoted strings, URLs, e-mail addresses, fenced code) and cut into *segments*
at line breaks and at sentence punctuation followed by a space (``. ? ! ; :``). Each segment is
hashed to 64 bits; the lowest bit of the hash is replaced by a flag "the segment has at least
`ANCHOR_BYTES` bytes" (an *anchor-sized* segment, see `mine.py`). Long texts keep their first
`HEAD` and last `TAIL` segments. Case is kept here (lower-casing costs a full pass) and folded
only when distinct skeletons are compared for paraphrase merging.

The text work runs inside the engine (C++, all cores), so 16M prompts never become Python
strings; it uses plain ``replace`` wherever a regex is not needed, and guards the rare patterns
with ``contains`` because regex passes dominate the cost. DuckDB spelling; on Spark the same
expressions are ``regexp_replace`` (Java regex accepts these patterns), ``split``,
``transform`` and ``xxhash64``.
"""

from __future__ import annotations

HEAD = 32
TAIL = 16
HEAD_CHARS = 1024
TAIL_CHARS = 256
ANCHOR_BYTES = 20

# (guard substring or None, pattern, replacement), applied in order after lower-casing.
# A guard skips the regex for texts that cannot match (most texts have no URL, quote or code).
# Patterns avoid counted repetition: RE2 expands {m,n} into large automata.
_RULES = (
    ("```", r"```[\s\S]*?```", " <code> "),
    ("://", r"https?://[^\s)>\]]+", "<url>"),
    ("@", r"[\w.+-]+@[\w-]+\.[\w.-]+", "<email>"),
    ('"', r'"[^"\n]*"', "<q>"),
    ("“", r"“[^”\n]*”", "<q>"),
    (None, r"\d+(?:[.,:/]\d+)*", "<n>"),
)
# Plain (non-regex) replacements: normalise white space next to line breaks, so segments need no trim.
_PLAIN = (("\r", ""), ("\t", " "), (" \n", "\n"), ("\n ", "\n"), (" \n", "\n"), ("\n ", "\n"))
# Segment boundaries: sentence punctuation followed by a space, and line breaks (plain replace).
_BOUNDARIES = (". ", "? ", "! ", "; ", ": ", "\n")


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _truncated(expr: str) -> str:
    """Keep the first HEAD_CHARS and last TAIL_CHARS characters: the wrapper sits at the ends."""
    limit = HEAD_CHARS + TAIL_CHARS
    return (f"CASE WHEN length({expr}) > {limit} THEN left({expr}, {HEAD_CHARS}) || chr(10) || "
            f"right({expr}, {TAIL_CHARS}) ELSE {expr} END")


def key_text_steps(system: str = "system_prompt", user: str = "last_user_text") -> list[str]:
    """SQL expressions computing the masked key text in steps: the first from the columns, each
    later one from the previous value, named ``k``."""
    steps = [f"coalesce({_truncated(system)}, '') || chr(10) || '§' || chr(10) || coalesce({_truncated(user)}, '')"]
    for guard, pattern, repl in _RULES:
        rx = f"regexp_replace(k, {_sql_str(pattern)}, {_sql_str(repl)}, 'g')"
        steps.append(rx if guard is None else f"CASE WHEN contains(k, {_sql_str(guard)}) THEN {rx} ELSE k END")
    return steps


def _chain(source: str, extra_cols: str, where: str) -> str:
    """CTEs k0..kN over `source`; the last one holds `extra_cols` and the masked text `k`."""
    steps = key_text_steps()
    ctes = [f"k0 AS (SELECT {extra_cols}, {steps[0]} AS k FROM {source} {where})"]
    for n, step in enumerate(steps[1:], start=1):
        ctes.append(f"k{n} AS (SELECT * EXCLUDE (k), {step} AS k FROM k{n - 1})")
    return ",\n".join(ctes), f"k{len(steps) - 1}"


def _lit(s: str) -> str:
    return "chr(10)" if s == "\n" else ("chr(13)" if s == "\r" else ("chr(9)" if s == "\t" else _sql_str(s)))


def segments_sql(masked: str) -> str:
    """SQL expression: list of segments of a masked text (may contain empty strings; see EMPTY)."""
    expr = masked
    for a, b in _PLAIN:
        expr = f"replace({expr}, {_plain(a)}, {_plain(b)})"
    for b in _BOUNDARIES:
        end = b.rstrip(" ") if b != "\n" else ""
        expr = f"replace({expr}, {_plain(b)}, {_sql_str(end)} || chr(31))"
    return f"string_split({expr}, chr(31))"


def _plain(s: str) -> str:
    """SQL literal of a short string that may hold line breaks, tabs or carriage returns."""
    if s == "":
        return "''"
    parts = []
    for ch in s:
        parts.append(_lit(ch) if ch in "\n\r\t" else _sql_str(ch))
    return " || ".join(parts)


def capped_sql(segs: str) -> str:
    return (f"CASE WHEN len({segs}) > {HEAD + TAIL} THEN list_concat(list_slice({segs}, 1, {HEAD}), "
            f"list_slice({segs}, -{TAIL}, -1)) ELSE {segs} END")


def segment_hash_sql(seg: str) -> str:
    """SQL expression: 64-bit segment hash whose lowest bit flags an anchor-sized segment (>= ANCHOR_BYTES).

    Both operands of ``|`` are UBIGINT: with an INTEGER flag DuckDB widens to HUGEINT, which
    reaches Arrow as decimal128 and numpy as Python objects (2.5x slower mining).
    """
    return (f"(((hash({seg}) >> 1) << 1) | CASE WHEN strlen({seg}) >= {ANCHOR_BYTES} "
            f"THEN 1::UBIGINT ELSE 0::UBIGINT END)")


EMPTY_SQL = "SELECT " + segment_hash_sql("''") + " AS h"
"""Query giving the hash of the empty segment, which callers drop."""


def segments_query(source: str, extra_cols: str, where: str = "") -> str:
    """Query over `source` returning `extra_cols` plus `segs` (list of segment hashes)."""
    ctes, last = _chain(source, extra_cols, where)
    return f"""
WITH {ctes},
c AS (SELECT * EXCLUDE (k), {segments_sql('k')} AS segs0 FROM {last}),
d AS (SELECT * EXCLUDE (segs0), {capped_sql('segs0')} AS segs1 FROM c)
SELECT * EXCLUDE (segs1), list_transform(segs1, lambda s: {segment_hash_sql('s')}) AS segs FROM d
"""


def segments_text_query(source: str) -> str:
    """Like `segments_query`, but also returns the segment strings (`seg_text`) for rendering."""
    ctes, last = _chain(source, "exchange_id", "")
    return f"""
WITH {ctes},
c AS (SELECT exchange_id, {segments_sql('k')} AS segs0 FROM {last}),
d AS (SELECT exchange_id, {capped_sql('segs0')} AS seg_text FROM c)
SELECT exchange_id, seg_text, list_transform(seg_text, lambda s: {segment_hash_sql('s')}) AS segs FROM d
"""
