"""Read an OpenAI Responses API `input` (a string or a list of items) into canonical turns.

Items map onto the turns the Chat Completions form would have sent for the same conversation:
a message item is a turn of its role (system / developer ones join the system prompt); the
model's own items that follow one another (`reasoning`, an assistant message, `function_call`,
`custom_tool_call`, other `*_call` items) make one assistant turn, as one Chat Completions
assistant message with `tool_calls` would; each `*_call_output` item is a `tool` turn (a
computer-use screenshot counts as an image). Item and call ids are not kept.
"""

from __future__ import annotations

from typing import Any

from distillguard.ingest._fields import Rejected, strip_nulls
from distillguard.ingest._turns import PART_KINDS, Conversation, call_args, canonical, parts

RESPONSES_ROLES = frozenset(("user", "assistant", "system", "developer"))
ITEM_KEYS = frozenset(("type", "role", "content", "id", "status", "call_id", "name", "arguments", "input",
                       "output", "action", "summary", "encrypted_content", "pending_safety_checks",
                       "acknowledged_safety_checks"))


def read_input(inp: Any, conv: Conversation, extra: dict[str, Any]) -> None:
    """Add the turns of a Responses `input` to `conv`; raise `Rejected` for a malformed item."""
    if isinstance(inp, str):
        conv.add("user", inp, ["text"], inp, None, True)
        return
    if not isinstance(inp, list):
        raise Rejected("bad_message", f"request.input is {type(inp).__name__}, expected string or list")
    for i, item in enumerate(inp):
        where = f"request.input[{i}]"
        if not isinstance(item, dict):
            raise Rejected("bad_message", f"{where} is not an object")
        for k in item.keys() - ITEM_KEYS:
            if item[k] is not None:
                extra[f"{where}.{k}"] = strip_nulls(item[k])
        itype = item.get("type")
        if itype is None or itype == "message":
            role = item.get("role")
            if role not in RESPONSES_ROLES:
                raise Rejected("bad_message", f"{where}.role is {str(role)[:30]!r}")
            text, kinds, own, _, has_text = parts(item.get("content"), where, extra)
            if role in ("system", "developer"):
                conv.system.append(text)
                conv.prev_tool = False
            elif role == "assistant":
                _assistant(conv, text, kinds)
            else:
                conv.add(role, text, kinds, own, None, has_text)
        elif not isinstance(itype, str):
            raise Rejected("bad_message", f"{where}.type is {type(itype).__name__}, expected string")
        elif itype.endswith("_call_output"):
            text, kinds = _output(item.get("output"), where, extra)
            conv.add("tool", text, ["tool_result", *(k for k in kinds if k != "text")], text, None, False)
        elif itype == "reasoning":
            _assistant(conv, "", ["thinking"])  # the summary / encrypted reasoning is the model's own
        elif itype.endswith("_call"):
            if itype == "function_call":
                arg = call_args(item.get("arguments"))
            elif isinstance(item.get("input"), str):
                arg = item["input"]  # custom tool: free text
            else:
                arg = canonical(item.get("action") if item.get("action") is not None else item.get("input"))
            _assistant(conv, arg, ["tool_call"])
        else:  # item_reference, mcp_list_tools, ...: kept as a kind of the assistant turn
            _assistant(conv, "", [itype])


def _assistant(conv: Conversation, text: str, kinds: list[str]) -> None:
    """Add to the assistant turn in progress, or start one."""
    turns = conv.turns
    if turns and turns[-1]["role"] == "assistant":
        last = turns[-1]
        if text:
            last["text"] = f"{last['text']}\n{text}" if last["text"] else text
        last["part_kinds"] = last["part_kinds"] + kinds
        return
    conv.add("assistant", text, kinds, text, None, bool(text))


def _output(out: Any, where: str, extra: dict[str, Any]) -> tuple[str, list[str]]:
    """Text and part kinds of a tool output: a string, a list of input parts, or a screenshot."""
    if isinstance(out, str):
        return out, []
    if isinstance(out, list):
        text, kinds, _, _, _ = parts(out, where + ".output", extra)
        return text, kinds
    if isinstance(out, dict):
        otype = out.get("type")
        kind = "image" if otype == "computer_screenshot" else PART_KINDS.get(otype, str(otype) if otype else "unknown")
        return "", [kind]
    if out is None:
        return "", []
    raise Rejected("bad_message", f"{where}.output is {type(out).__name__}, expected string, list or object")
