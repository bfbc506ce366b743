"""Read a conversation into canonical turns: Chat Completions / Messages `messages`, Responses `input`.

One pass over the turns gives what detection reads: the text and part kinds of each turn, the
system prompt, the person's last prompt (`last_user_text`) apart from the last tool output, and
the counts. Tool output is never a person's turn: a Chat Completions `tool` / `function`
message, a Responses `*_call_output` item, an Anthropic user turn made only of `tool_result`
blocks (and the images beside them), and a user turn with no text right after tool output (the
screenshot a computer-use agent sends back as a user message).

Nested fields without a column go to `extra_json` under their dotted path
(`request.messages[2].content[0].cache_control`); the fields in `DROPPED_*` are deliberately
not kept (opaque ids, signatures, base64 payloads, earlier thinking text).
"""

from __future__ import annotations

from typing import Any

import orjson

from distillguard.ingest._fields import Rejected, strip_nulls

VALID_ROLES = frozenset(("system", "developer", "user", "assistant", "tool", "function"))
TOOL_ROLES = ("tool", "function")

# Content-part type (any API form) -> canonical kind.
PART_KINDS = {
    "text": "text", "input_text": "text", "output_text": "text",
    "image": "image", "image_url": "image", "input_image": "image",
    "input_audio": "audio", "audio": "audio",
    "file": "file", "document": "file", "input_file": "file",
    "tool_use": "tool_call", "tool_result": "tool_result", "server_tool_use": "tool_call",
    "thinking": "thinking", "redacted_thinking": "thinking",
}
# Part types that only the Anthropic Messages form uses (OpenAI says image_url, tool role, ...).
ANTHROPIC_ONLY_PARTS = frozenset(("image", "tool_use", "tool_result", "document", "thinking", "redacted_thinking"))

# Keys read (or deliberately dropped) on a message and on a content part; any other key with a
# value goes to extra_json. Dropped: ids that only pair a call with its result, thinking
# signatures and text of earlier turns, base64 payloads (their kind is kept), audio/file bytes.
MESSAGE_KEYS = frozenset(("role", "content", "tool_calls", "tool_call_id", "function_call", "type"))
PART_KEYS = frozenset(("type", "text", "image_url", "source", "id", "name", "input", "tool_use_id", "content",
                       "input_audio", "file", "file_id", "file_data", "filename", "signature", "thinking",
                       "data", "call_id", "arguments", "output", "status", "image_url_detail"))
DROPPED_NESTED = ("tool_call_id", "id", "tool_use_id", "call_id", "signature", "thinking", "data",
                  "source", "file_data", "input_audio", "encrypted_content")


def canonical(value: Any) -> str:
    """JSON with keys sorted and nulls dropped, as tool inputs and tool definitions are stored."""
    return orjson.dumps(strip_nulls(value), option=orjson.OPT_SORT_KEYS).decode()


def call_args(arguments: Any) -> str:
    """A tool call's arguments as stored: a JSON text is canonicalised, anything else kept as text."""
    if isinstance(arguments, str):
        try:
            return canonical(orjson.loads(arguments))
        except orjson.JSONDecodeError:
            return arguments
    return canonical(arguments)


def _nested_extra(part: dict, path: str, extra: dict[str, Any]) -> None:
    for k in part.keys() - PART_KEYS:
        v = part[k]
        if v is not None and v != [] and v != {}:  # an empty list of annotations says nothing
            extra[f"{path}.{k}"] = strip_nulls(v)
    iu = part.get("image_url")
    if isinstance(iu, dict) and iu.get("detail") is not None:
        extra[f"{path}.image_url.detail"] = iu["detail"]


def parts(content: Any, where: str, extra: dict[str, Any]) -> tuple[str, list[str], str, str | None, bool]:
    """Read a content (string or list of parts, any form).

    Returns (text, kinds, person text, last tool output, has a text part): `text` joins every
    text, tool input and tool output in order; the person text leaves tool output out.
    """
    if isinstance(content, str):
        return content, ["text"], content, None, True
    if content is None:
        return "", [], "", None, False
    if not isinstance(content, list):
        raise Rejected("bad_message", f"{where}.content is {type(content).__name__}, expected string or list")
    texts: list[str] = []
    own: list[str] = []
    kinds: list[str] = []
    tool_out = None
    has_text = False
    for j, part in enumerate(content):
        if isinstance(part, str):
            texts.append(part)
            own.append(part)
            kinds.append("text")
            has_text = True
            continue
        if not isinstance(part, dict):
            raise Rejected("bad_message", f"{where}.content has a {type(part).__name__} part")
        ptype = part.get("type")
        if len(part) > 2 or ptype == "image_url":
            _nested_extra(part, f"{where}.content[{j}]", extra)
        kind = PART_KINDS.get(ptype, str(ptype) if ptype else "unknown")
        kinds.append(kind)
        if kind == "text":
            has_text = True
            t = part.get("text")
            if isinstance(t, str):
                texts.append(t)
                own.append(t)
        elif kind == "tool_result":
            inner, inner_kinds, _, _, _ = parts(part.get("content"), f"{where}.content[{j}]", extra)
            kinds.extend(k for k in inner_kinds if k != "text")  # a screenshot inside a tool result
            tool_out = inner
            if inner:
                texts.append(inner)
        elif kind == "tool_call":
            texts.append(canonical(part.get("input")))
        elif ptype == "document":
            src = part.get("source")
            if isinstance(src, dict) and src.get("type") == "text" and isinstance(src.get("data"), str):
                texts.append(src["data"])  # a plain-text document is text the person sent
                own.append(src["data"])
    return "\n".join(texts), kinds, "\n".join(own), tool_out, has_text


class Conversation:
    """Canonical turns built one message at a time, with the person/tool bookkeeping."""

    __slots__ = ("system", "turns", "n_user", "last_user", "last_tool", "prev_tool")

    def __init__(self) -> None:
        self.system: list[str] = []
        self.turns: list[dict[str, Any]] = []
        self.n_user = 0
        self.last_user: str | None = None
        self.last_tool: str | None = None
        self.prev_tool = False

    def add(self, role: str, text: str, kinds: list[str], own: str, tool_out: str | None, has_text: bool) -> None:
        """Add one non-system turn; `tool_out` is the tool output it carries (None: none)."""
        tool = False  # this turn is tool output in itself
        if role in TOOL_ROLES:
            tool = True
            self.last_tool = text
        elif role == "user":
            if tool_out is not None:
                self.last_tool = tool_out
                tool = not has_text
            # A user turn with no text right after tool output belongs to that output.
            if not tool and (has_text or not self.prev_tool):
                self.n_user += 1
                self.last_user = own
        self.prev_tool = tool
        self.turns.append({"role": role, "text": text, "part_kinds": kinds})


def read_messages(messages: list, conv: Conversation, extra: dict[str, Any]) -> bool:
    """Read a Chat Completions or Messages `messages` list; return whether an Anthropic-only part occurs.

    The hot loop of ingest: a plain `{"role", "content": str}` message takes the shortest way
    (no location string, no extra-field check); the bookkeeping is `Conversation.add` inlined.
    """
    anthropic = False
    system, turns = conv.system, conv.turns
    n_user, last_user, last_tool, prev_tool = conv.n_user, conv.last_user, conv.last_tool, conv.prev_tool
    for i, m in enumerate(messages):
        if m.__class__ is not dict:
            raise Rejected("bad_message", f"request.messages[{i}] is not an object")
        role = m.get("role")
        if role not in VALID_ROLES:
            raise Rejected("bad_message", f"request.messages[{i}].role is {str(role)[:30]!r}")
        content = m.get("content")
        if content.__class__ is str:
            text, kinds, own, tool_out, has_text = content, ["text"], content, None, True
        else:
            text, kinds, own, tool_out, has_text = parts(content, f"request.messages[{i}]", extra)
            if not anthropic and content and role not in ("system", "developer"):
                anthropic = any(isinstance(p, dict) and p.get("type") in ANTHROPIC_ONLY_PARTS for p in content)
        if len(m) > 2 or "content" not in m:
            for k in m.keys() - MESSAGE_KEYS:
                if m[k] is not None:
                    extra[f"request.messages[{i}].{k}"] = strip_nulls(m[k])
            if role not in ("system", "developer"):
                calls = m.get("tool_calls")
                fcall = m.get("function_call")
                if (isinstance(calls, list) and calls) or isinstance(fcall, dict):
                    args = [_chat_call(c) for c in calls] if isinstance(calls, list) else []
                    if isinstance(fcall, dict):
                        args.append(call_args(fcall.get("arguments")))
                    kinds = kinds + ["tool_call"] * len(args)
                    text = "\n".join([text, *args]) if text else "\n".join(args)
        tool = False  # this turn is tool output in itself
        if role == "user":
            if tool_out is not None:
                last_tool = tool_out
                tool = not has_text
            # A user turn with no text right after tool output belongs to that output.
            if not tool and (has_text or not prev_tool):
                n_user += 1
                last_user = own
        elif role in TOOL_ROLES:
            kinds = ["tool_result", *(k for k in kinds if k != "text")]
            tool = True
            last_tool = text
        elif role != "assistant":  # system, developer
            system.append(text)
            prev_tool = False
            continue
        prev_tool = tool
        turns.append({"role": role, "text": text, "part_kinds": kinds})
    conv.n_user, conv.last_user, conv.last_tool, conv.prev_tool = n_user, last_user, last_tool, prev_tool
    return anthropic


def _chat_call(call: Any) -> str:
    """A Chat Completions tool call's arguments (function) or input (custom tool) as text."""
    if not isinstance(call, dict):
        return "null"
    fn = call.get("function")
    if isinstance(fn, dict):
        return call_args(fn.get("arguments"))
    custom = call.get("custom")
    if isinstance(custom, dict):
        inp = custom.get("input")
        return inp if isinstance(inp, str) else canonical(inp)
    return "null"
