"""Tool catalogue and simulated agent trajectories (tool calls, arguments, results)."""

from __future__ import annotations

from functools import lru_cache

from distillguard.simulate.ids import hash_int

# name -> (description, [(param, json type, description, enum or None)], required)
CATALOGUE: dict[str, tuple[str, list[tuple[str, str, str, list[str] | None]], list[str]]] = {
    "bash": ("Run a shell command in the repository and return stdout and stderr.",
             [("command", "string", "The command to run.", None)], ["command"]),
    "read_file": ("Read a file from the workspace.",
                  [("path", "string", "Path relative to the repository root.", None)], ["path"]),
    "write_file": ("Create or overwrite a file.",
                   [("path", "string", "Target path.", None), ("content", "string", "Full file content.", None)],
                   ["path", "content"]),
    "str_replace": ("Replace one exact occurrence of old_str with new_str in a file.",
                    [("path", "string", "File to edit.", None), ("old_str", "string", "Text to replace.", None),
                     ("new_str", "string", "Replacement text.", None)], ["path", "old_str", "new_str"]),
    "search_code": ("Search the codebase with a regular expression.",
                    [("query", "string", "Regex to search for.", None), ("path", "string", "Folder to search.", None)],
                    ["query"]),
    "run_tests": ("Run the test suite or a subset of it.",
                  [("path", "string", "Test file or folder.", None)], []),
    "computer": ("Control the computer: take screenshots, move the mouse, click and type.",
                 [("action", "string", "The action to perform.",
                   ["screenshot", "left_click", "type", "key", "scroll", "mouse_move"]),
                  ("coordinate", "array", "x, y pixel coordinate.", None),
                  ("text", "string", "Text to type or key to press.", None)], ["action"]),
    "web_search": ("Search the web and return the top results.",
                   [("query", "string", "Search query.", None)], ["query"]),
    "fetch_url": ("Fetch a web page and return its text.", [("url", "string", "Absolute URL.", None)], ["url"]),
    "get_user_details": ("Get the details of a customer.", [("user_id", "string", "Customer id.", None)], ["user_id"]),
    "get_reservation_details": ("Get a reservation.",
                                [("reservation_id", "string", "Reservation id.", None)], ["reservation_id"]),
    "search_flights": ("Search direct flights between two airports on a date.",
                       [("origin", "string", "IATA code.", None), ("destination", "string", "IATA code.", None),
                        ("date", "string", "YYYY-MM-DD.", None)], ["origin", "destination", "date"]),
    "cancel_reservation": ("Cancel a reservation.",
                           [("reservation_id", "string", "Reservation id.", None),
                            ("reason", "string", "Why.", ["change_of_plan", "airline_cancelled", "other"])],
                           ["reservation_id", "reason"]),
    "transfer_to_human_agents": ("Transfer the user to a human agent.",
                                 [("summary", "string", "Summary of the issue.", None)], ["summary"]),
}
TOOLSETS = {
    "coding": ["bash", "read_file", "write_file", "str_replace", "search_code", "run_tests"],
    "coding_min": ["bash", "read_file", "str_replace"],
    "computer": ["computer"],
    "web": ["web_search", "fetch_url"],
    "service": ["get_user_details", "get_reservation_details", "search_flights", "cancel_reservation",
                "transfer_to_human_agents"],
}
PARAM_TYPES = {p: t for _d, ps, _r in CATALOGUE.values() for p, t, _x, _e in ps}

_PATHS = ["src/app/main.py", "src/app/utils.py", "tests/test_api.py", "README.md", "pkg/server/handler.go",
          "web/src/components/UserList.tsx", "lib/cache.py", "cli.py", "setup.cfg", "src/parser/date.py"]
_COMMANDS = ["ls -la", "git status", "pytest -x -q", "grep -rn 'TODO' src", "python -m build", "npm test",
             "cat pyproject.toml", "go test ./...", "git diff --stat", "pip install -e ."]
_OUTPUTS = [
    "total 48\ndrwxr-xr-x  6 dev dev 4096 src\n-rw-r--r--  1 dev dev 1021 README.md\n-rw-r--r--  1 dev dev  734 setup.cfg",
    "FAILED tests/test_api.py::test_create_user - AssertionError: expected 201, got 400\n1 failed, 37 passed in 2.14s",
    "On branch main\nChanges not staged for commit:\n  modified:   src/app/utils.py",
    "src/app/main.py:42: # TODO handle timeouts\nsrc/app/utils.py:7: # TODO cache results",
    "38 passed in 2.31s",
    "def parse(value):\n    if not value:\n        return None\n    return datetime.fromisoformat(value)\n",
    "The file has been edited. Here's the result of running `cat -n` on a snippet.",
    "{\"user_id\": \"sara_doe_496\", \"membership\": \"gold\", \"reservations\": [\"8JX2WO\", \"ZFA04Y\"]}",
    "{\"reservation_id\": \"8JX2WO\", \"origin\": \"SFO\", \"destination\": \"JFK\", \"cabin\": \"economy\", \"status\": \"confirmed\"}",
    "[{\"flight\": \"HAT170\", \"depart\": \"08:05\", \"price\": 312}, {\"flight\": \"HAT271\", \"depart\": \"13:40\", \"price\": 287}]",
    "1. Example Domain - https://example.org/docs\n2. Reference manual - https://example.org/ref",
    "Screenshot taken (1280x800).",
]
_QUERIES = ["def parse", "class .*Cache", "TODO", "timeout", "import requests", "useEffect"]
_CODE = ["def parse(value):\n    if not value:\n        return None\n    return date.fromisoformat(value)\n",
         "for item in items:\n    if item.ok:\n        out.append(item)\n", "return sorted(set(xs))\n"]


def step_call(toolset: str, key: int, step: int) -> tuple[str, str, dict]:
    """The tool call an agent makes at `step` of trajectory `key`: (call id, tool name, arguments)."""
    names = TOOLSETS[toolset]
    h = hash_int(key, step, 17)
    name = names[h % len(names)] if step > 0 or toolset != "coding" else "bash"
    call_id = f"call_{hash_int(key, step, 3):016x}"[:21]
    r = h >> 8
    args: dict = {}
    for p, t, _d, enum in CATALOGUE[name][1]:
        if p not in CATALOGUE[name][2] and (r >> len(p)) % 2:
            continue
        if enum:
            args[p] = enum[r % len(enum)]
        elif t == "array":
            args[p] = [int(r % 1280), int((r >> 11) % 800)]
        elif p in ("path",):
            args[p] = _PATHS[r % len(_PATHS)]
        elif p == "command":
            args[p] = _COMMANDS[r % len(_COMMANDS)]
        elif p in ("query",):
            args[p] = _QUERIES[r % len(_QUERIES)]
        elif p in ("content", "new_str", "old_str"):
            args[p] = _CODE[(r >> (len(p) % 7)) % len(_CODE)]
        elif p == "url":
            args[p] = f"https://docs.example.org/page/{r % 997}"
        elif p in ("user_id", "reservation_id"):
            args[p] = f"{'ABCDEFGHJKLMNPQRSTUVWXYZ'[r % 24]}{r % 99991:05d}"
        elif p in ("origin", "destination"):
            args[p] = ["SFO", "JFK", "LHR", "CDG", "HND", "SIN", "ORD"][(r >> len(p)) % 7]
        elif p == "date":
            args[p] = f"2026-03-{1 + r % 28:02d}"
        else:
            args[p] = ["hello world", "Enter", "Refund request for order 5512"][r % 3]
    return call_id, name, args


def step_result(key: int, step: int) -> str:
    return _OUTPUTS[hash_int(key, step, 29) % len(_OUTPUTS)]


def schema_of(name: str) -> dict:
    desc, params, required = CATALOGUE[name]
    props = {}
    for p, t, d, enum in params:
        prop: dict = {"type": t, "description": d}
        if enum:
            prop["enum"] = enum
        if t == "array":
            prop["items"] = {"type": "integer"}
        props[p] = prop
    return {"type": "object", "properties": props, "required": list(required)}


@lru_cache(maxsize=None)
def tool_defs(toolset: str, form: int) -> list[dict]:
    """Tool definitions of a toolset in one request form (shared objects: never mutate)."""
    if form:
        return [{"name": n, "description": CATALOGUE[n][0], "input_schema": schema_of(n)} for n in TOOLSETS[toolset]]
    return [{"type": "function", "function": {"name": n, "description": CATALOGUE[n][0], "parameters": schema_of(n)}}
            for n in TOOLSETS[toolset]]
