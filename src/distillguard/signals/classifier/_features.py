"""Features of a canonical exchange: hashed words of the prompt plus named structural cues.

Two blocks, both computed for a whole Arrow batch at once:

* **text** - word unigrams and bigrams of ``system_prompt`` + ``last_user_text`` (each cut to
  its head and tail, so the cost per exchange is bounded) and the offered ``tool_names``,
  hashed into ``dim`` slots. Each occurrence weighs ``1/sqrt(tokens in the row + 1)``, so a
  linear model over them is a sum of per-token weights (what makes inference a gather).
* **dense** - ``DENSE_NAMES``: request parameters (max_tokens at a cap, n > 1, logprobs, thinking
  budget...), content kinds (image, tool results...), response shape (reasoning present,
  output/input token ratio), prompt layout (numbered / "Label:" lines, placeholders) and phrase
  cues matched on the token hashes (``_cues.py``: step by step, boxed answer, rubric/score,
  strict output format, batch of N items, and the structural "production" cues). All are
  bounded to about [0, 1.5].

Missing columns are treated as nulls; nulls become the neutral value of each feature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from distillguard.signals.classifier import _hashing as hs
from distillguard.signals.classifier._cues import WS_OR_BRACES, CueMatcher, ws_after
from distillguard.signals.classifier._phrases import (
    _TOPIC_CUES, BATCH_NOUNS, BATCH_QUANTITIES, BATCH_VERBS, CUE_NAMES, CUE_PHRASE, PHRASES,
)

SYS_HEAD, SYS_TAIL = 1536, 512
USER_HEAD, USER_TAIL = 2048, 1024
SALT_UNI, SALT_BI, SALT_TOOL = 0x51, 0xB1, 0x70

# common output caps (tokens): asking for exactly one of these, or more than 16k, reads as "give me everything"
MAX_TOKEN_CAPS = (4096, 8000, 8192, 16000, 16384, 32000, 32768, 64000, 65536, 100000, 128000)
COMPUTER_TOOLS = ("computer", "computer_use", "screenshot", "click", "left_click", "double_click", "mouse_move",
                  "type", "type_text", "key", "keypress", "scroll", "drag", "browser", "navigate", "bash",
                  "str_replace_editor", "str_replace_based_edit_tool", "open_url", "goto", "cursor_position")

DENSE_NAMES: tuple[str, ...] = (
    "bias_text", "sys_len", "user_len", "no_system", "n_messages", "multi_turn",
    "has_image", "has_audio", "has_file", "has_tool_call", "has_tool_result", "has_thinking_part",
    "n_tools", "computer_tools", "max_tokens_log", "max_tokens_null", "max_tokens_at_cap",
    "temperature_zero", "temperature_high", "top_p_below_1", "n_gt_1", "logprobs", "top_logprobs",
    "json_response_format", "stream", "thinking_budget", "reasoning_effort_high", "response_has_reasoning",
    "response_len", "output_input_ratio", "reasoning_tokens", "response_tool_calls", "finish_length",
    "numbered_lines", "label_lines", "placeholders", "elided_lines", "open_turn", "cue_count", *CUE_NAMES,
)
DENSE_INDEX = {n: i for i, n in enumerate(DENSE_NAMES)}

# how a dense cue reads in an explanation
DENSE_PHRASE: dict[str, str] = {
    "max_tokens_at_cap": "max_tokens at cap", "n_gt_1": "n > 1 choices", "logprobs": "requests logprobs",
    "top_logprobs": "requests top_logprobs", "json_response_format": "JSON response_format",
    "thinking_budget": "thinking budget set (or adaptive thinking)", "reasoning_effort_high": "reasoning_effort high",
    "response_has_reasoning": "response carries reasoning", "has_image": "image content",
    "has_audio": "audio content", "has_file": "file content", "has_tool_call": "tool calls in history",
    "has_tool_result": "tool results in history", "n_tools": "tools offered", "computer_tools": "computer-use tools",
    "numbered_lines": "numbered list", "label_lines": "labelled fields",
    "placeholders": "template placeholders", "elided_lines": "output skeleton with '...' lines",
    "open_turn": "ends on an empty turn header",
    "cue_count": "several production cues", "temperature_zero": "temperature 0", "temperature_high": "temperature >= 1",
    "multi_turn": "multi-turn", "output_input_ratio": "long output for its input",
    "response_len": "long response", "reasoning_tokens": "many reasoning tokens", "finish_length": "hit the length limit",
    "top_p_below_1": "top_p < 1", "sys_len": "long system prompt", "user_len": "long prompt",
    **CUE_PHRASE,
}

# the exchange columns the classifier reads (callers may project to these; the rest is ignored)
INPUT_COLUMNS: tuple[str, ...] = (
    "exchange_id", "system_prompt", "last_user_text", "tool_names", "content_kinds", "n_messages", "n_user_turns",
    "max_tokens", "temperature", "top_p", "n", "logprobs", "top_logprobs", "response_format", "stream",
    "thinking_budget_tokens", "thinking_mode", "reasoning_effort", "response_reasoning", "response_text", "output_tokens",
    "input_tokens", "reasoning_tokens", "response_tool_calls", "finish_reason",
)

def _chars(batch: pa.RecordBatch | pa.Table, name: str) -> np.ndarray:
    """Characters in text column `name`; a caller may pass only the count, as `<name>_chars`
    (the response texts are long and only their length is used)."""
    if name + "_chars" in batch.schema.names:
        return _np(column(batch, name + "_chars", pa.int64()), 0)
    return _np(pc.utf8_length(column(batch, name, pa.string())), 0)


_NUMBERED = np.zeros(256, dtype=bool)
_NUMBERED[ord("0"):ord("9") + 1] = True


@dataclass
class Features:
    """Features of n rows: hashed text as (row, slot) pairs with per-row scale, plus dense cues.

    The pairs come in three blocks (unigrams, bigrams, tool tokens), each sorted by row;
    ``blocks`` holds the end offset of each block in ``rows`` / ``slots``.
    """

    n: int
    rows: np.ndarray          # int64; one entry per token occurrence, non-decreasing within each block
    slots: np.ndarray         # int64 in [0, dim)
    scale: np.ndarray         # float32 (n,): weight of each occurrence in that row
    dense: np.ndarray         # float32 (n, len(DENSE_NAMES))
    dim: int
    blocks: tuple[int, ...] = ()
    # for explanations: token spans into `text_data` (unigram i spans start[i]:end[i])
    kinds: np.ndarray | None = None     # 0 unigram, 1 bigram, 2 tool token (aligned with rows/slots)
    span_start: np.ndarray | None = None
    span_end: np.ndarray | None = None
    text_data: np.ndarray | None = None

    def block_csr(self) -> list[sp.csr_matrix]:
        """One (n, dim) CSR matrix per block, values = occurrence weight (built without sorting)."""
        out = []
        lo = 0
        for hi in self.blocks or (self.rows.size,):
            r = self.rows[lo:hi]
            indptr = np.zeros(self.n + 1, np.int64)
            np.cumsum(np.bincount(r, minlength=self.n), out=indptr[1:])
            out.append(sp.csr_matrix((self.scale[r], self.slots[lo:hi], indptr), shape=(self.n, self.dim)))
            lo = hi
        return out

    def to_csr(self) -> sp.csr_matrix:
        """Sparse design matrix [text slots | dense], for training."""
        vals = self.scale[self.rows].astype(np.float64)
        text = sp.csr_matrix((vals, (self.rows, self.slots)), shape=(self.n, self.dim))
        text.sum_duplicates()
        return sp.hstack([text, sp.csr_matrix(self.dense.astype(np.float64))], format="csr")


def column(batch: pa.RecordBatch | pa.Table, name: str, type_: pa.DataType) -> pa.Array:
    """Return column `name` as one array of `type_`, or all nulls when the batch lacks it."""
    n = batch.num_rows
    if name not in batch.schema.names:
        return pa.nulls(n, type_)
    arr = batch.column(name)
    if isinstance(arr, pa.ChunkedArray):
        arr = pa.concat_arrays(arr.chunks) if arr.num_chunks else pa.nulls(0, arr.type)
    if arr.type != type_:
        try:
            arr = arr.cast(type_)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return pa.nulls(n, type_)
    return arr


def _np(arr: pa.Array, fill: float, dtype=np.float64) -> np.ndarray:
    if pa.types.is_boolean(arr.type):
        fill = bool(fill)
    return pc.fill_null(arr, fill).to_numpy(zero_copy_only=False).astype(dtype, copy=False)


def _cut(arr: pa.Array, head: int, tail: int) -> pa.Array:
    """Keep the first `head` and last `tail` characters of long strings (bounds the cost)."""
    arr = pc.fill_null(arr, "")
    length = pc.utf8_length(arr)
    long = pc.greater(length, head + tail)
    if not pc.any(long).as_py():
        return arr
    joined = pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, head),
                                         pc.utf8_slice_codeunits(arr, -tail), "\n")
    return pc.if_else(long, joined, arr)


def prompt_text(batch: pa.RecordBatch | pa.Table) -> pa.Array:
    """System prompt and last user text, each cut to head + tail, joined by a newline."""
    sys_ = _cut(column(batch, "system_prompt", pa.string()), SYS_HEAD, SYS_TAIL)
    user = _cut(column(batch, "last_user_text", pa.string()), USER_HEAD, USER_TAIL)
    return pc.binary_join_element_wise(sys_, user, "\n")


def _has_kind(kinds: pa.Array, kind: str) -> np.ndarray:
    n = len(kinds)
    flat = pc.list_flatten(kinds)
    if len(flat) == 0:
        return np.zeros(n, np.float32)
    parents = pc.list_parent_indices(kinds).to_numpy()
    hit = pc.fill_null(pc.equal(flat, kind), False).to_numpy(zero_copy_only=False)
    out = np.zeros(n, np.float32)
    out[parents[hit]] = 1.0
    return out


def featurize(batch: pa.RecordBatch | pa.Table, dim: int, *, keep_spans: bool = False) -> Features:
    """Compute the features of every row of `batch` (canonical exchange columns, any subset)."""
    n = batch.num_rows
    text = prompt_text(batch)
    tok = hs.tokenize(text)
    bi_first, bi_hash = hs.bigrams(tok)
    tools = pc.fill_null(pc.binary_join(column(batch, "tool_names", pa.list_(pa.string())), " "), "")
    ttok = hs.tokenize(tools)

    mask = np.uint64(dim - 1)
    uni_slots = (hs.salted(tok.hash, SALT_UNI) & mask).astype(np.int64)
    bi_slots = (hs.salted(bi_hash, SALT_BI) & mask).astype(np.int64)
    tool_slots = (hs.salted(ttok.hash, SALT_TOOL) & mask).astype(np.int64)
    rows = np.concatenate([tok.row, tok.row[bi_first], ttok.row])
    slots = np.concatenate([uni_slots, bi_slots, tool_slots])
    blocks = (uni_slots.size, uni_slots.size + bi_slots.size, slots.size)
    counts = np.bincount(rows, minlength=n).astype(np.float32)
    scale = (1.0 / np.sqrt(counts + 1.0)).astype(np.float32)

    dense = _dense(batch, text, tok)
    feats = Features(n, rows, slots, scale, dense, dim, blocks)
    if keep_spans:
        feats.kinds = np.concatenate([np.zeros(uni_slots.size, np.int8), np.ones(bi_slots.size, np.int8),
                                      np.full(tool_slots.size, 2, np.int8)])
        feats.span_start = np.concatenate([tok.start, tok.start[bi_first], np.full(ttok.row.size, -1)])
        feats.span_end = np.concatenate([tok.end, tok.end[bi_first + 1], np.full(ttok.row.size, -1)])
        feats.text_data = tok.data
    return feats


def _dense(batch: pa.RecordBatch | pa.Table, text: pa.Array, tok: hs.Tokens) -> np.ndarray:
    n = batch.num_rows
    d = np.zeros((n, len(DENSE_NAMES)), dtype=np.float32)
    f = DENSE_INDEX
    d[:, f["bias_text"]] = 1.0
    sys_len = _np(pc.utf8_length(column(batch, "system_prompt", pa.string())), 0)
    user_len = _np(pc.utf8_length(column(batch, "last_user_text", pa.string())), 0)
    d[:, f["sys_len"]] = np.log1p(sys_len) / 10
    d[:, f["user_len"]] = np.log1p(user_len) / 10
    d[:, f["no_system"]] = sys_len == 0
    n_msg = _np(column(batch, "n_messages", pa.int32()), 1)
    d[:, f["n_messages"]] = np.minimum(np.log1p(n_msg) / 4, 1.5)
    d[:, f["multi_turn"]] = _np(column(batch, "n_user_turns", pa.int32()), 1) > 1
    kinds = column(batch, "content_kinds", pa.list_(pa.string()))
    for name, kind in (("has_image", "image"), ("has_audio", "audio"), ("has_file", "file"),
                       ("has_tool_call", "tool_call"), ("has_tool_result", "tool_result"),
                       ("has_thinking_part", "thinking")):
        d[:, f[name]] = _has_kind(kinds, kind)
    tool_names = column(batch, "tool_names", pa.list_(pa.string()))
    d[:, f["n_tools"]] = np.minimum(np.log1p(_np(pc.list_value_length(tool_names), 0)) / 3, 1.5)
    flat = pc.list_flatten(tool_names)
    if len(flat):
        hit = pc.fill_null(pc.is_in(pc.utf8_lower(flat), pa.array(COMPUTER_TOOLS)), False).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(tool_names).to_numpy()
        d[parents[hit], f["computer_tools"]] = 1.0
    mt_arr = column(batch, "max_tokens", pa.int64())
    mt = _np(mt_arr, 0)
    d[:, f["max_tokens_log"]] = np.log1p(np.maximum(mt, 0)) / 12
    d[:, f["max_tokens_null"]] = _np(pc.is_null(mt_arr), 0)
    d[:, f["max_tokens_at_cap"]] = np.isin(mt, MAX_TOKEN_CAPS) | (mt > 16384)
    temp_arr = column(batch, "temperature", pa.float64())
    temp = _np(temp_arr, -1)
    d[:, f["temperature_zero"]] = temp == 0
    d[:, f["temperature_high"]] = temp >= 1
    d[:, f["top_p_below_1"]] = (_np(column(batch, "top_p", pa.float64()), 1) < 1)
    d[:, f["n_gt_1"]] = _np(column(batch, "n", pa.int32()), 1) > 1
    d[:, f["logprobs"]] = _np(column(batch, "logprobs", pa.bool_()), 0)
    d[:, f["top_logprobs"]] = _np(column(batch, "top_logprobs", pa.int32()), 0) > 0
    rf = pc.fill_null(column(batch, "response_format", pa.string()), "")
    d[:, f["json_response_format"]] = pc.match_substring(rf, "json").to_numpy(zero_copy_only=False)
    d[:, f["stream"]] = _np(column(batch, "stream", pa.bool_()), 0)
    tb = _np(column(batch, "thinking_budget_tokens", pa.int64()), 0)
    # Adaptive thinking has no budget: the model may think up to max_tokens, so that stands in.
    adaptive = pc.fill_null(pc.equal(column(batch, "thinking_mode", pa.string()), "adaptive"), False)
    tb = np.where(adaptive.to_numpy(zero_copy_only=False), mt, tb)
    d[:, f["thinking_budget"]] = np.log1p(np.maximum(tb, 0)) / 12
    effort = pc.fill_null(column(batch, "reasoning_effort", pa.string()), "")
    d[:, f["reasoning_effort_high"]] = pc.is_in(effort, pa.array(["high", "xhigh", "max"])).to_numpy(zero_copy_only=False)
    rlen = _chars(batch, "response_reasoning")
    d[:, f["response_has_reasoning"]] = rlen > 0
    resp_len = _chars(batch, "response_text")
    d[:, f["response_len"]] = np.log1p(resp_len) / 10
    out_tok = _np(column(batch, "output_tokens", pa.int64()), 0)
    in_tok = _np(column(batch, "input_tokens", pa.int64()), 0)
    ratio = np.where((out_tok > 0) & (in_tok > 0), np.log((out_tok + 1) / (in_tok + 1)), 0.0)
    d[:, f["output_input_ratio"]] = np.clip(ratio / 4, -1.5, 1.5)
    d[:, f["reasoning_tokens"]] = np.log1p(np.maximum(_np(column(batch, "reasoning_tokens", pa.int64()), 0), 0)) / 12
    d[:, f["response_tool_calls"]] = _np(column(batch, "response_tool_calls", pa.int32()), 0) > 0
    fr = pc.fill_null(column(batch, "finish_reason", pa.string()), "")
    d[:, f["finish_length"]] = pc.is_in(fr, pa.array(["length", "max_tokens"])).to_numpy(zero_copy_only=False)
    d[:, f["numbered_lines"]] = np.minimum(np.log1p(_numbered_lines(tok)) / 3, 1.5)
    labels, holes = _layout(tok)
    d[:, f["label_lines"]] = np.minimum(np.log1p(labels) / 3, 1.5)
    d[:, f["placeholders"]] = np.minimum(np.log1p(holes) / 2, 1.5)
    d[:, f["elided_lines"]] = np.minimum(_elided_lines(tok), 2) / 2
    d[:, f["open_turn"]] = _open_turn(tok)
    cues = phrase_cues(tok)
    d[:, f[CUE_NAMES[0]]:f[CUE_NAMES[0]] + len(CUE_NAMES)] = cues
    counted = [i for i, name in enumerate(CUE_NAMES) if name not in _TOPIC_CUES]
    d[:, f["cue_count"]] = np.minimum(cues[:, counted].sum(axis=1), 6) / 4
    return d


_MATCHER: list[CueMatcher] = []
_LIST_GAP = WS_OR_BRACES.copy()      # between a quantity and its noun: also "new, unique questions"
_LIST_GAP[ord(",")] = True


def phrase_cues(tok: hs.Tokens) -> np.ndarray:
    """(rows, len(CUE_NAMES)) float32 0/1 matrix of the phrase cues of tokenised prompt text."""
    if not _MATCHER:
        _MATCHER.append(CueMatcher({k: v[0] for k, v in PHRASES.items()}))
        _MATCHER.append(CueMatcher({"verb": BATCH_VERBS, "quantity": BATCH_QUANTITIES, "noun": BATCH_NOUNS}))
    n_rows = tok.offsets.size - 1
    out = np.zeros((n_rows, len(CUE_NAMES)), np.float32)
    out[:, :len(PHRASES)] = _MATCHER[0].match(tok)
    out[:, len(PHRASES)] = _batch_requests(tok, _MATCHER[1], n_rows)
    return out


def _batch_requests(tok: hs.Tokens, words: CueMatcher, n_rows: int) -> np.ndarray:
    """Rows with a verb, then within 4 tokens a quantity (a number, a {slot}, "several"...), then
    within 4 tokens an item noun ("generate 20 diverse questions", "come up with a set of tasks",
    "write 10 new, unique trivia questions": adjectives before the noun may be comma-separated)."""
    hit = np.zeros(n_rows, bool)
    h = tok.hash
    if h.size < 3:
        return hit
    kind = words.token_kinds(tok)              # (tokens,) bitmask: 1 verb, 2 quantity, 4 noun
    first = tok.data[tok.start]
    before = tok.data[np.maximum(tok.start - 1, 0)]
    kind |= (((first >= 48) & (first <= 57)) | (before == ord("{"))).astype(np.uint8) * 2
    verbs = np.flatnonzero(kind & 1)
    last = h.size - 1
    # gap after each token within 7 of a verb is whitespace only (a batch request is one clause)
    reach = np.ones(verbs.size, dtype=bool)
    for d in range(1, 5):
        reach &= ws_after(tok, np.minimum(verbs + d - 1, last), WS_OR_BRACES)
        q = np.minimum(verbs + d, last)
        sel = reach & ((kind[q] & 2) > 0)
        qs = q[sel]
        reach_q = np.ones(qs.size, dtype=bool)
        for e in range(1, 5):
            reach_q &= ws_after(tok, np.minimum(qs + e - 1, last), _LIST_GAP)
            m = np.minimum(qs + e, last)
            ok = reach_q & ((kind[m] & 4) > 0)
            hit[tok.row[m[ok]]] = True
    return hit


def _layout(tok: hs.Tokens) -> tuple[np.ndarray, np.ndarray]:
    """Per row: lines opening with a short "Label:" field and placeholder-like tokens ({name}, <name>,
    [name]) - the scaffolding of a filled-in template."""
    data, offsets = tok.data, tok.offsets
    n_rows = offsets.size - 1
    zero = np.zeros(n_rows)
    if data.size < 2 or tok.hash.size == 0:
        return zero, zero.copy()
    start, end = tok.start, tok.end
    prev = data[np.maximum(start - 1, 0)]
    nxt = data[np.minimum(end, data.size - 1)]
    short = (end - start) <= 24
    label = short & ((prev == 10) | (start == 0)) & (nxt == ord(":"))
    hole = short & (((prev == ord("{")) & (nxt == ord("}"))) | ((prev == ord("<")) & (nxt == ord(">")))
                    | ((prev == ord("[")) & (nxt == ord("]"))))
    labels = np.bincount(tok.row[label], minlength=n_rows).astype(np.float64)
    holes = np.bincount(tok.row[hole], minlength=n_rows).astype(np.float64)
    return labels, holes


def _elided_lines(tok: hs.Tokens) -> np.ndarray:
    """Per row: lines that are only an ellipsis ("..." or "\u2026") - the skeleton of an output format
    whose pattern is to be repeated ("1. <item>" / "2. <item>" / "...")."""
    data, offsets = tok.data, tok.offsets
    n_rows = offsets.size - 1
    size = data.size
    if size < 3:
        return np.zeros(n_rows)
    # candidates first (one pass each, few hits), then the line checks on those positions only
    dot = np.flatnonzero(data[:-2] == 46)
    dot = dot[(data[dot + 1] == 46) & (data[dot + 2] == 46)]
    ell = np.flatnonzero(data[:-2] == 0xE2)
    ell = ell[(data[ell + 1] == 0x80) & (data[ell + 2] == 0xA6)]
    pos = np.concatenate([dot, ell])
    rows = np.searchsorted(offsets, pos, side="right") - 1
    opens = (pos == offsets[rows]) | (data[np.maximum(pos - 1, 0)] == 10)
    after = pos + 3
    closes = (after == offsets[rows + 1]) | np.isin(data[np.minimum(after, size - 1)], (10, 13))
    ok = opens & closes & (after <= offsets[rows + 1])
    return np.bincount(rows[ok], minlength=n_rows).astype(np.float64)


# speaker / output words that head a turn in raw transcripts and completion-style templates
_TURN_WORDS = ("user", "assistant", "human", "ai", "gpt", "bot", "model", "response", "output")
_TURN_HASHES: list[np.ndarray] = []
_SPECIAL = re.compile(rb"<\|[a-z0-9_]{1,24}\|>")   # a chat-template special token ("<|end_header_id|>")
_WORDS = re.compile(rb"[a-z0-9\x80-\xff]+")
# the last line naming a turn word, then only markup / special tokens / whitespace to the end (text is lower-cased)
_OPEN_TURN = re.compile(rb"(?:^|\n)([^\n]*?)(?<![a-z0-9\x80-\xff])(?:" + b"|".join(w.encode() for w in _TURN_WORDS)
                        + rb")((?:<\|[a-z0-9_]{1,24}\|>|[ \t\r\n#*\[\]<>|:()])*)\Z")


def _open_turn(tok: hs.Tokens) -> np.ndarray:
    """Per row: 1 when the prompt *ends* on an empty turn header - a short last line naming a speaker
    or the output ("# Assistant:", "[[[User]]]", "### Response:", "<|im_start|>assistant",
    "<|start_header_id|>user<|end_header_id|>", "# Output") with nothing after it: a completion-style
    prompt that leaves the next turn for the model to write, the way base-model and
    transcript-continuation data generation works."""
    n_rows = tok.offsets.size - 1
    out = np.zeros(n_rows, np.float32)
    if tok.hash.size == 0:
        return out
    if not _TURN_HASHES:
        _TURN_HASHES.append(np.sort(hs.tokenize(pa.array(list(_TURN_WORDS), pa.string())).hash))
    turn = _TURN_HASHES[0]
    data, offsets = tok.data, tok.offsets
    last = np.flatnonzero(np.r_[tok.row[1:] != tok.row[:-1], True])      # last token of each row with tokens
    pos = np.minimum(np.searchsorted(turn, tok.hash[last]), turn.size - 1)
    closing = data[np.minimum(tok.end[last], data.size - 1)] == ord("|")  # "...<|end_header_id|>": look behind it
    for r in tok.row[last[(turn[pos] == tok.hash[last]) | closing]].tolist():   # few rows: checked one by one
        lo, hi = int(offsets[r]), int(offsets[r + 1])
        window = data[max(lo, hi - 200):hi].tobytes()
        m = _OPEN_TURN.search(window)
        if m is None or (m.start() == 0 and hi - 200 > lo):       # no header, or a line longer than the window
            continue
        head, tail = m.group(1), m.group(2)
        if len(head) > 80 or len(_SPECIAL.sub(b" ", tail)) > 24:
            continue
        # the header is marked ("#", "[", "<", "*" before it or ":", "]", ">", "|" after it); other words on
        # its line (at most 2, special tokens aside) must sit inside markup ("<|im_start|>assistant"), so
        # "the user:" is no header
        words = len(_WORDS.findall(_SPECIAL.sub(b" ", head)))
        head_mark = any(c in head for c in b"#[<*")
        tail_mark = any(c in tail for c in b":]>|")
        if (words == 0 and (head_mark or tail_mark)) or (words <= 2 and head_mark):
            out[r] = 1.0
    return out


def _numbered_lines(tok: hs.Tokens) -> np.ndarray:
    """Per row: lines that start with a number and '.' or ')' (a numbered list)."""
    data, offsets = tok.data, tok.offsets
    n_rows = offsets.size - 1
    if data.size < 3:
        return np.zeros(n_rows)
    nl = np.flatnonzero(data[:-2] == 10)
    hit = nl[_NUMBERED[data[nl + 1]] & ((data[nl + 2] == ord(".")) | (data[nl + 2] == ord(")")))]
    rows = np.searchsorted(offsets, hit, side="right") - 1
    return np.bincount(rows, minlength=n_rows).astype(np.float64)
