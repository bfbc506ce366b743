"""SQL pieces of the Parquet route: typed access to a file's schema, and turns, parts and tools.

Each piece computes what the record path (`_turns`, `_bodies`) computes for the shapes it
covers, and adds to the row's "bad" conditions whatever it does not cover (a nested field that
belongs in extra_json, a document block, a custom tool call...), so such rows take the record
path. A schema it cannot read at all raises `_Unsupported`: the file is read record by record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from distillguard.ingest._turns import ANTHROPIC_ONLY_PARTS, MESSAGE_KEYS, PART_KEYS, PART_KINDS, VALID_ROLES


def _in(values: Any) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values)) + ")"


TEXT_TYPES = tuple(k for k, v in PART_KINDS.items() if v == "text")
CALL_TYPES = tuple(k for k, v in PART_KINDS.items() if v == "tool_call")
# A part's kind: one IN per kind, the usual ones first (a CASE over each type apart costs ~4x).
_KIND_ORDER = ("text", "tool_call", "tool_result", "image", "thinking", "file", "audio")
if set(_KIND_ORDER) != set(PART_KINDS.values()):
    raise RuntimeError("_KIND_ORDER must name every kind in PART_KINDS")
_KIND_WHENS = " ".join(
    f"WHEN p.type IN {_in(k for k, v in PART_KINDS.items() if v == kind)} THEN '{kind}'" for kind in _KIND_ORDER)

# A message's letter: S system, T tool message, U tool output in a user turn (a tool_result,
# no text), M a person's turn that also carries a tool_result, P a person's turn, Q a user turn
# with neither (a person's turn unless it follows tool output: the query makes that one X), O assistant.
LETTER = ("CASE WHEN x.role IN ('tool', 'function') THEN 'T' WHEN x.role = 'user' THEN "
          "CASE WHEN list_contains(x.part_kinds, 'tool_result') THEN "
          "CASE WHEN list_contains(x.part_kinds, 'text') THEN 'M' ELSE 'U' END "
          "WHEN list_contains(x.part_kinds, 'text') THEN 'P' ELSE 'Q' END "
          "WHEN x.role IN ('system', 'developer') THEN 'S' ELSE 'O' END")


def _is_str(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_list(t: pa.DataType) -> bool:
    return pa.types.is_list(t) or pa.types.is_large_list(t)


def _fields(t: pa.DataType) -> dict[str, pa.DataType]:
    return {t.field(i).name: t.field(i).type for i in range(t.num_fields)}


def _present(t: pa.DataType | None) -> bool:
    return t is not None and not pa.types.is_null(t)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Unsupported(Exception):
    pass


class _Struct:
    """Typed access to a struct (or the top level): SQL for a member, NULL when absent."""

    def __init__(self, sql: str | None, fields: dict[str, pa.DataType]) -> None:
        self.sql = sql
        self.fields = fields

    def ref(self, name: str) -> str:
        return _q(name) if self.sql is None else f"{self.sql}.{_q(name)}"

    def has(self, name: str) -> bool:
        return _present(self.fields.get(name))

    def get(self, name: str, kind: str) -> str:
        """SQL for member `name` that must be of `kind` (str, int, num, bool); NULL when absent."""
        t = self.fields.get(name)
        if t is None or pa.types.is_null(t):
            return "NULL"
        ok = {"str": _is_str(t), "int": pa.types.is_integer(t),
              "num": pa.types.is_integer(t) or pa.types.is_floating(t), "bool": pa.types.is_boolean(t)}[kind]
        if not ok:
            raise _Unsupported(f"{name} is {t}")
        return self.ref(name)

    def sub(self, name: str) -> _Struct | None:
        t = self.fields.get(name)
        if t is None or pa.types.is_null(t):
            return None
        if not pa.types.is_struct(t):
            raise _Unsupported(f"{name} is {t}")
        return _Struct(self.ref(name), _fields(t))

    def present(self) -> str:
        return "FALSE" if self.sql in (None, "NULL") else f"{self.sql} IS NOT NULL"

    def unknown_null(self, known: frozenset[str]) -> list[str]:
        """Conditions that members outside `known` are null (they belong in extra_json)."""
        return [f"{self.ref(n)} IS NULL" for n, t in self.fields.items() if n not in known and not pa.types.is_null(t)]


def _int32_ok(expr: str) -> str:
    return f"({expr} IS NULL OR {expr} BETWEEN {-(2**31)} AND {2**31 - 1})"


@dataclass(frozen=True)
class MessagesSql:
    """SQL over the request's messages: `turn` is the per-message struct, the rest SQL over one message `m`.

    `turn` is {role, text, part_kinds}: the type of a stored turn, so the turns column is the
    non-system part of the list as it is. `text` joins the parts' text and the tool calls'
    arguments; without turn text it is NULL for assistant turns only (the query clears the
    turns' text itself; system, tool and user texts give system_prompt, last_tool_output and
    last_user_text). `own` (the person's text) and `tres` (the last tool_result's text) are
    evaluated for the one message each row needs, not per message.
    """

    msgs: str
    turn: str
    bad: str
    anthropic: str
    own: str
    tres: str


def messages_sql(request: _Struct, turn_text: bool) -> MessagesSql:
    """The messages' SQL pieces; raises `_Unsupported` for a messages schema the query cannot read."""
    msgs_t = request.fields["messages"]
    if not _is_list(msgs_t) or not pa.types.is_struct(msgs_t.value_type):
        raise _Unsupported("request.messages is not a list of objects")
    mf = _fields(msgs_t.value_type)
    msgs = request.ref("messages")
    role_t = mf.get("role")
    if role_t is None or not _is_str(role_t):
        raise _Unsupported("messages have no string role")
    bad = ["m IS NULL", "m.role IS NULL", f"m.role NOT IN {_in(VALID_ROLES)}"]
    bad += [f"m.{_q(n)} IS NOT NULL" for n, t in mf.items() if n not in MESSAGE_KEYS and _present(t)]
    if _present(mf.get("function_call")):
        bad.append("m.function_call IS NOT NULL")  # a legacy call: the record path reads it
    calls_t = mf.get("tool_calls")
    args = None
    if not _present(calls_t):
        n_calls = "0"
    elif _is_list(calls_t) and pa.types.is_struct(calls_t.value_type):
        n_calls = "coalesce(len(m.tool_calls), 0)"
        cf = _fields(calls_t.value_type)
        if _present(cf.get("custom")):
            bad.append("len(list_filter(m.tool_calls, lambda c: c.custom IS NOT NULL)) > 0")
        fn_t = cf.get("function")
        arg = "'null'"
        if _present(fn_t):
            if not pa.types.is_struct(fn_t):
                raise _Unsupported("tool call function is not an object")
            a_t = _fields(fn_t).get("arguments")
            if _present(a_t) and not _is_str(a_t):
                raise _Unsupported("tool call arguments are not a string")
            a = "c.function.arguments" if _present(a_t) else "NULL"
            arg = f"CASE WHEN c IS NULL OR c.function IS NULL THEN 'null' ELSE dg_call_args({a}) END"
        args = f"list_aggr(list_transform(m.tool_calls, lambda c: {arg}), 'string_agg', chr(10))"
    else:
        raise _Unsupported("message tool_calls is not a list of objects")
    content_t = mf.get("content")
    if not _present(content_t):
        text, own, tres, kinds, anthropic = "''", "''", "NULL", "[]::VARCHAR[]", "FALSE"
    elif _is_str(content_t):
        text = own = "coalesce(m.content, '')"
        tres = "NULL"
        kinds = "CASE WHEN m.content IS NULL THEN []::VARCHAR[] ELSE ['text'] END"
        anthropic = "FALSE"
    elif _is_list(content_t) and pa.types.is_struct(content_t.value_type):
        pf = _fields(content_t.value_type)
        if "type" not in pf or not _is_str(pf["type"]):
            raise _Unsupported("content parts have no string type")
        part_text = _part_text_sql(pf)
        kind = f"CASE {_KIND_WHENS} ELSE coalesce(nullif(p.type, ''), 'unknown') END"
        # string_agg skips NULL (parts that add no text) and gives NULL when all are: ''.
        # (array_to_string would evaluate the part texts twice: it is a macro over its argument.)
        text = f"coalesce(list_aggr(list_transform(m.content, lambda p: {part_text}), 'string_agg', chr(10)), '')"
        own_part = f"CASE WHEN p.type IN {_in(TEXT_TYPES)} THEN p.text END" if _present(pf.get("text")) else "NULL"
        own = f"coalesce(list_aggr(list_transform(m.content, lambda p: {own_part}), 'string_agg', chr(10)), '')"
        inner = "coalesce(p.content, '')" if _present(pf.get("content")) else "''"
        tres = f"(list_transform(list_filter(m.content, lambda p: p.type = 'tool_result'), lambda p: {inner}))[-1]"
        kinds = f"coalesce(list_transform(m.content, lambda p: {kind}), []::VARCHAR[])"
        anthropic = f"list_contains(list_transform(m.content, lambda p: p.type IN {_in(ANTHROPIC_ONLY_PARTS)}), TRUE)"
        bad.append("len(list_filter(m.content, lambda p: p IS NULL OR p.type = 'document')) > 0")
        nested = [f"p.{_q(n)} IS NOT NULL" for n, t in pf.items() if n not in PART_KEYS and _present(t)]
        iu = pf.get("image_url")
        if _present(iu) and pa.types.is_struct(iu) and _present(_fields(iu).get("detail")):
            nested.append("p.image_url.detail IS NOT NULL")
        if nested:
            bad.append(f"len(list_filter(m.content, lambda p: {' OR '.join(nested)})) > 0")
    else:
        raise _Unsupported(f"message content is {content_t}")
    base = kinds if n_calls == "0" else f"list_concat({kinds}, repeat(['tool_call'], {n_calls}))"
    kinds = (f"CASE WHEN m.role IN ('tool', 'function') THEN list_concat(['tool_result'], "
             f"list_filter({base}, lambda k: k <> 'text')) ELSE {base} END")
    # The parts' text is computed once: concat_ws skips the NULL of an empty text.
    if args is not None:
        text = (f"CASE WHEN {n_calls} > 0 AND m.role NOT IN ('system', 'developer') "
                f"THEN concat_ws(chr(10), nullif({text}, ''), {args}) ELSE {text} END")
    if not turn_text:
        text = f"CASE WHEN m.role <> 'assistant' THEN {text} END"
    turn = f"{{'role': m.role, 'text': {text}, 'part_kinds': {kinds}}}"
    return MessagesSql(msgs, turn, " OR ".join(bad), anthropic, own, tres)


def _part_text_sql(pf: dict[str, pa.DataType]) -> str:
    """A content part's contribution to its message text (NULL: none), as `_turns.parts` defines it."""
    text_t, inner_t, input_t = pf.get("text"), pf.get("content"), pf.get("input")
    cases = []
    if text_t is not None and _is_str(text_t):
        cases.append(f"WHEN p.type IN {_in(TEXT_TYPES)} THEN p.text")
    elif text_t is not None and not pa.types.is_null(text_t):
        raise _Unsupported("part text is not a string")
    if inner_t is not None and _is_str(inner_t):
        cases.append("WHEN p.type = 'tool_result' THEN nullif(p.content, '')")
    elif inner_t is not None and not pa.types.is_null(inner_t):
        raise _Unsupported("tool_result content is not a string")
    if input_t is not None and not pa.types.is_null(input_t):
        cases.append(f"WHEN p.type IN {_in(CALL_TYPES)} THEN coalesce(dg_canonical_json(to_json(p.input)), 'null')")
    else:
        cases.append(f"WHEN p.type IN {_in(CALL_TYPES)} THEN 'null'")
    return "CASE " + " ".join(cases) + " END"


def tools_sql(request: _Struct) -> tuple[str, str, str, str]:
    """(tools, tool names, is-bad, Anthropic tool shape) SQL; the record path's `tools_of`."""
    t = request.fields.get("tools")
    if t is None or pa.types.is_null(t):
        return "NULL", "NULL", "FALSE", "FALSE"
    if not _is_list(t) or not pa.types.is_struct(t.value_type):
        raise _Unsupported("request.tools is not a list of objects")
    tf = _fields(t.value_type)
    tools = request.ref("tools")
    fn_t = tf.get("function")
    fn_name = "NULL"
    fn_present = "FALSE"
    if fn_t is not None and not pa.types.is_null(fn_t):
        if not pa.types.is_struct(fn_t):
            raise _Unsupported("tools' function is not an object")
        ff = _fields(fn_t)
        fn_present = "x.function IS NOT NULL"
        if ff.get("name") is not None and not pa.types.is_null(ff["name"]):
            if not _is_str(ff["name"]):
                raise _Unsupported("tools' function name is not a string")
            fn_name = "x.function.name"
    name_t = tf.get("name")
    own_name = "NULL"
    if name_t is not None and not pa.types.is_null(name_t):
        if not _is_str(name_t):
            raise _Unsupported("tools' name is not a string")
        own_name = "x.name"
    name = f"CASE WHEN {fn_present} THEN {fn_name} ELSE {own_name} END"
    shapes = []
    if _present(tf.get("input_schema")):
        shapes.append("x.input_schema IS NOT NULL")
    type_t = tf.get("type")
    if _present(type_t):
        if not _is_str(type_t):
            raise _Unsupported("tools' type is not a string")
        shapes.append("regexp_matches(x.type, '_[0-9]{8}$')")
    anthropic = ("FALSE" if not shapes else
                 f"({tools} IS NOT NULL AND len(list_filter({tools}, lambda x: {' OR '.join(shapes)})) > 0)")
    # A tool without a name here (custom, hosted, MCP) is named by the record path.
    bad = f"coalesce(len(list_filter({tools}, lambda x: x IS NULL OR ({name}) IS NULL)), 0) > 0"
    return tools, f"list_transform({tools}, lambda x: {name})", bad, anthropic
