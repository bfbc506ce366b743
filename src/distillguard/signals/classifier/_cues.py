"""Phrase cues matched on the token hashes the tokeniser already computed (no regex pass).

A cue is a list of *phrases*. A phrase is a sequence of words, matched as consecutive tokens of
one row (``_hashing.tokenize`` semantics: ASCII case is ignored, any run of non-word bytes
separates words). Whitespace and hyphens between the words of a phrase match any separator
("step by step" also matches "Step-by-step"); any other punctuation in a phrase is *strict* and
must appear byte for byte ("3/5", "instruction:", "[[a]]", "### response").

Matching costs one table look-up per token (is it the first word of any phrase?) plus a few
vector operations on the few candidate positions, so all cues together cost about as much as
tokenising, where eleven case-insensitive regex passes cost ~1.5 ns a byte each.

A phrase made only of punctuation (``````` ``` ```````) is matched as a literal byte substring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from distillguard._arrays import unique
from distillguard.signals.classifier import _hashing as hs

_LUT_BITS = 16
_MAX_WORDS = 6
_FREE_GAP = re.compile(r"^[\s\-]*$")
# words too frequent to anchor a phrase on (any other word of the phrase is looked up instead)
_COMMON = frozenset(b"a an the to of in on is are be it this that you your i we do not and or for with as at by s t"
                    .split())
_WORD_RE = re.compile(rb"[A-Za-z0-9\x80-\xff]+")


def _ngram(hashes: list[np.ndarray]) -> np.ndarray:
    """Order-sensitive hash of a sequence of token hashes (elementwise over arrays)."""
    with np.errstate(over="ignore"):
        g = hashes[0].copy()
        for h in hashes[1:]:
            g = hs.mix64(g * np.uint64(0x9E3779B97F4A7C15) + h)
    return g


@dataclass(frozen=True)
class _Phrase:
    cue: int
    words: tuple[bytes, ...]
    gaps: tuple[bytes | None, ...]   # len(words) + 1: before, between..., after; None = free


def _parse(text: str, cue: int) -> _Phrase:
    raw = text.encode("utf-8").lower()
    spans = [(m.start(), m.end()) for m in _WORD_RE.finditer(raw)]
    if not spans:
        raise ValueError(f"phrase without words: {text!r}")
    if len(spans) > _MAX_WORDS:
        raise ValueError(f"phrase longer than {_MAX_WORDS} words: {text!r}")
    cuts = [0] + [x for s in spans for x in s] + [len(raw)]
    gaps = []
    for k in range(len(spans) + 1):
        g = raw[cuts[2 * k]:cuts[2 * k + 1]]
        gaps.append(None if _FREE_GAP.match(g.decode("utf-8", "replace")) else g)
    return _Phrase(cue, tuple(raw[s:e] for s, e in spans), tuple(gaps))


class CueMatcher:
    """Compiled phrase lists: ``match(tokens)`` -> (rows, cues) bool matrix."""

    def __init__(self, cues: dict[str, tuple[str, ...]]):
        self.names = tuple(cues)
        self.literals: list[tuple[int, bytes]] = []
        phrases: list[_Phrase] = []
        for ci, name in enumerate(self.names):
            for text in cues[name]:
                if not _WORD_RE.search(text.encode("utf-8")):
                    self.literals.append((ci, text.encode("utf-8")))
                else:
                    phrases.append(_parse(text, ci))
        self.phrases = phrases
        words = sorted({w for p in phrases for w in p.words})
        wh = hs.tokenize(pa.array([w.decode("utf-8") for w in words], pa.string())).hash
        assert wh.size == len(words)
        word_hash = dict(zip(words, wh))
        self.lut = np.zeros(1 << _LUT_BITS, dtype=bool)
        # phrases are found through an *anchor* word (their longest, so rarely "the" or "a"); per
        # (length, anchor offset): sorted n-gram hashes -> phrase index, and the sorted anchor hashes
        self.groups: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        grams: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
        anchors = []
        for pi, p in enumerate(phrases):
            hashes = [np.array([word_hash[w]], np.uint64) for w in p.words]
            a = max(range(len(p.words)), key=lambda k: (p.words[k] not in _COMMON and not p.words[k].isdigit(),
                                                        p.words[k] not in _COMMON, len(p.words[k]), k))
            anchors.append(int(hashes[a][0]))
            grams.setdefault((len(p.words), a), []).append((int(_ngram(hashes)[0]), pi, int(hashes[a][0])))
        for key, items in sorted(grams.items()):
            items.sort()
            self.groups[key] = (np.array([g for g, _, _ in items], np.uint64), np.array([i for _, i, _ in items], np.int64),
                                np.unique(np.array([x for _, _, x in items], np.uint64)))
        self.lut[_lut_key(np.array(anchors, np.uint64))] = True
        self.lut2 = np.zeros(1 << _LUT_BITS, dtype=bool)      # second 16 bits: fewer false candidates
        self.lut2[_lut_key(np.array(anchors, np.uint64), 1)] = True
        # anchor word -> which groups it anchors (one search per candidate, not one per group)
        self.anchor_words = np.unique(np.array(anchors, np.uint64))
        self.anchor_groups = np.zeros((self.anchor_words.size, len(self.groups)), dtype=bool)
        for gi, (_, _, anchor_h) in enumerate(self.groups.values()):
            self.anchor_groups[np.searchsorted(self.anchor_words, anchor_h), gi] = True
        self.strict = np.array([any(g is not None for g in p.gaps) for p in phrases], dtype=bool)
        self.cue_of = np.array([p.cue for p in phrases], dtype=np.int64)
        self.free_gap = np.zeros((len(phrases), _MAX_WORDS + 1), dtype=bool)
        for pi, p in enumerate(phrases):
            self.free_gap[pi, :len(p.gaps)] = [g is None for g in p.gaps]

    def match(self, tok: hs.Tokens) -> np.ndarray:
        """Return a (rows, cues) bool matrix: does row r contain a phrase of cue c?"""
        n_rows = tok.offsets.size - 1
        out = np.zeros((n_rows, len(self.names)), dtype=bool)
        h = tok.hash
        if h.size:
            cand = np.flatnonzero(self.lut[_lut_key(h)])
            cand = cand[self.lut2[_lut_key(h[cand], 1)]]
            hc = h[cand]
            aid = np.minimum(np.searchsorted(self.anchor_words, hc), self.anchor_words.size - 1)
            known = self.anchor_words[aid] == hc
            cand, in_group = cand[known], self.anchor_groups[aid[known]]
            for gi, ((length, a), (keys, pidx, _)) in enumerate(self.groups.items()):
                c = cand[in_group[:, gi]] - a
                c = c[(c >= 0) & (c + length - 1 < h.size)]
                if length > 1:
                    c = c[tok.row[c + length - 1] == tok.row[c]]
                if not c.size:
                    continue
                g = _ngram([h[c + k] for k in range(length)])
                pos = np.minimum(np.searchsorted(keys, g), keys.size - 1)
                hit = keys[pos] == g
                c, pi = c[hit], pidx[pos[hit]]
                if not c.size:
                    continue
                ok = np.ones(c.size, dtype=bool)
                for k in range(length - 1):     # free gaps: only whitespace / hyphens between the words
                    ok &= ws_after(tok, c + k) | ~self.free_gap[pi, k + 1]
                strict = self.strict[pi]
                for q in unique(pi[strict]):
                    sel = np.flatnonzero(pi == q)
                    ok[sel] &= _gaps_ok(tok, c[sel], self.phrases[int(q)])
                out[tok.row[c[ok]], self.cue_of[pi[ok]]] = True
        for ci, lit in self.literals:
            out[_rows_with_literal(tok, lit), ci] = True
        return out

    def token_kinds(self, tok: hs.Tokens) -> np.ndarray:
        """Per token, a uint8 bitmask of the cues (at most 8) having it as a one-word phrase (bit i = cue i)."""
        out = np.zeros(tok.hash.size, np.uint8)
        keys, pidx, _ = self.groups.get((1, 0), (np.zeros(0, np.uint64), np.zeros(0, np.int64), None))
        if not tok.hash.size or not keys.size:
            return out
        if not hasattr(self, "_kind_keys"):    # one bitmask per distinct word: a word may belong to several cues
            bits = np.array([1 << self.phrases[int(i)].cue for i in pidx], np.uint8)
            ukeys, inv = np.unique(keys, return_inverse=True)
            self._kind_keys, self._kind_bits = ukeys, np.zeros(ukeys.size, np.uint8)
            np.bitwise_or.at(self._kind_bits, inv, bits)
        keys, kbits = self._kind_keys, self._kind_bits
        h = tok.hash
        cand = np.flatnonzero(self.lut[_lut_key(h)])
        g = _ngram([h[cand]])
        pos = np.minimum(np.searchsorted(keys, g), keys.size - 1)
        hit = keys[pos] == g
        out[cand[hit]] = kbits[pos[hit]]
        return out

_WS = np.zeros(256, dtype=bool)
_WS[[ord(x) for x in " \t\n\r-"]] = True
WS_OR_BRACES = _WS.copy()          # also lets a {slot} sit inside a phrase
WS_OR_BRACES[[ord("{"), ord("}")]] = True


def ws_after(tok: hs.Tokens, idx: np.ndarray, gap_bytes: np.ndarray = _WS) -> np.ndarray:
    """Is token idx followed, in the same row, by token idx + 1 with only whitespace / hyphens between
    (or the bytes `gap_bytes` marks)?"""
    last = tok.hash.size - 1
    nxt = np.minimum(idx + 1, last)
    s, e = tok.end[idx], tok.start[nxt]
    ok = (idx < last) & (tok.row[nxt] == tok.row[idx]) & (e > s)
    data = tok.data
    ok[ok] = gap_bytes[data[s[ok]]]                  # first byte of the gap (most gaps are one byte)
    length = e - s
    for k in range(1, 4):                            # bytes 2-4 of longer gaps, vectorised
        more = np.flatnonzero(ok & (length > k))
        ok[more] = gap_bytes[data[s[more] + k]]
    for j in np.flatnonzero(ok & (length > 4)):      # gaps over 4 bytes are rare: check them one by one
        ok[j] = bool(gap_bytes[data[s[j]:e[j]]].all())
    return ok


def _lut_key(h: np.ndarray, part: int = 0) -> np.ndarray:
    """Bits 48-63 (part 0) or 32-47 (part 1) of each uint64 hash, as a strided view (no arithmetic pass)."""
    h = np.ascontiguousarray(h, dtype=np.uint64)
    k = 3 - part if np.little_endian else part
    return h.view(np.uint16)[k::4]


def _bytes_equal(data: np.ndarray, pos: np.ndarray, lit: bytes) -> np.ndarray:
    """data[pos:pos + len(lit)] == lit for each pos (positions must be in range)."""
    ok = np.ones(pos.size, dtype=bool)
    for k, b in enumerate(lit):
        ok &= data[pos + k] == b
    return ok


def _gaps_ok(tok: hs.Tokens, c: np.ndarray, p: _Phrase) -> np.ndarray:
    """Do the strict gaps of phrase `p` hold at candidate positions `c` (its words already matched)?"""
    data = tok.data
    n = len(p.words)
    lo, hi = tok.offsets[tok.row[c]], tok.offsets[tok.row[c] + 1]
    ok = np.ones(c.size, dtype=bool)
    for k, g in enumerate(p.gaps):
        if not g:
            continue
        if k == 0:
            s = tok.start[c] - len(g)
            inside = s >= lo
        elif k == n:
            s = tok.end[c + n - 1]
            inside = s + len(g) <= hi
        else:
            s = tok.end[c + k - 1]
            inside = s + len(g) == tok.start[c + k]
        ok &= inside
        ok[ok] &= _bytes_equal(data, s[ok], g)
    return ok


def _rows_with_literal(tok: hs.Tokens, lit: bytes) -> np.ndarray:
    """Rows whose (lower-cased) bytes contain `lit` (a short punctuation-only literal)."""
    data = tok.data
    m = len(lit)
    if data.size < m:
        return np.zeros(0, np.int64)
    pos = np.flatnonzero(data[: data.size - m + 1] == lit[0])     # one pass, then only the few hits
    for k in range(1, m):
        pos = pos[data[pos + k] == lit[k]]
    return unique(np.searchsorted(tok.offsets, pos, side="right") - 1)
