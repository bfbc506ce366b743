"""The classifier artefact: linear heads over hashed + dense features, calibrated, with explanations.

One weight matrix holds every head: columns ``0..9`` are the category logits (softmax with a
fitted temperature), column ``10`` the harvest logit (Platt-scaled sigmoid). Inference is one
sparse (exchanges x dim) by (dim x 11) product per token block plus one small dense product: no
Python work per exchange except the explanation strings (``explain=True`` only).

Artefact on disk (``model/`` beside this module): ``weights.npz`` (float16 weights) and
``model.json`` (version, categories, feature config, calibration, training inputs and their
hashes; no dates, so the same inputs give byte-identical files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.signals.classifier import _features as fx

CATEGORIES: tuple[str, ...] = (
    "reasoning_elicitation", "rubric_grading", "tool_use", "coding", "computer_use", "vision",
    "synthetic_data", "censorship_rewrite", "roleplay", "other",
)
K = len(CATEGORIES)
HARVEST_COL = K
FORMAT_VERSION = 1
MODEL_DIR = Path(__file__).with_name("model")
CHUNK_BYTES = 1 << 20  # text bytes featurised at once: bounds the working set

OUTPUT_SCHEMA = pa.schema(
    [pa.field("exchange_id", pa.string())]
    + [pa.field(f"p_{c}", pa.float32()) for c in CATEGORIES]
    + [pa.field("category", pa.string()), pa.field("harvest", pa.float32()), pa.field("explanation", pa.string())]
)

# dense features that may appear in an explanation (the rest are shape/normalisers)
_EXPLAINABLE = np.array([name in fx.DENSE_PHRASE for name in fx.DENSE_NAMES])


@dataclass
class Model:
    """Weights, calibration and metadata of one trained classifier."""

    dim: int
    w_text: np.ndarray            # (dim, K + 1) float32
    w_dense: np.ndarray           # (len(DENSE_NAMES), K + 1) float32
    bias: np.ndarray              # (K + 1,) float32
    temperature: float = 1.0      # category softmax temperature
    platt_a: float = 1.0          # harvest = sigmoid(platt_a * logit + platt_b)
    platt_b: float = 0.0
    harvest_threshold: float = 0.5
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ inference
    def raw_logits(self, feats: fx.Features) -> np.ndarray:
        """Uncalibrated logits (n, K + 1) of featurised rows."""
        out = feats.dense @ self.w_dense
        for block in feats.block_csr():      # sparse (rows x dim) @ (dim x K+1): one pass over the tokens
            out += block @ self.w_text
        out += self.bias
        return out

    def calibrate(self, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Category probabilities (n, K) and harvest scores (n,) from raw logits."""
        z = logits[:, :K] / np.float32(self.temperature)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        h = 1.0 / (1.0 + np.exp(-(self.platt_a * logits[:, HARVEST_COL] + self.platt_b)))
        return probs, h.astype(np.float32)

    def predict_batch(self, batch: pa.RecordBatch | pa.Table, *, explain: bool = True) -> pa.RecordBatch:
        """Classify one batch of canonical exchange rows (see `classify`)."""
        n = batch.num_rows
        probs = np.zeros((n, K), np.float32)
        harvest = np.zeros(n, np.float32)
        expl: list[str] = [""] * n
        for lo, hi in _chunks(batch):
            part = batch.slice(lo, hi - lo)
            feats = fx.featurize(part, self.dim, keep_spans=explain)
            logits = self.raw_logits(feats)
            p, h = self.calibrate(logits)
            probs[lo:hi], harvest[lo:hi] = p, h
            if explain:
                expl[lo:hi] = self.explain(feats, p, h)
        ids = fx.column(batch, "exchange_id", pa.string())
        cats = np.asarray(CATEGORIES, dtype=object)[probs.argmax(axis=1)] if n else np.zeros(0, object)
        arrays = [ids] + [pa.array(probs[:, j], pa.float32()) for j in range(K)]
        arrays += [pa.array(cats, pa.string()), pa.array(harvest, pa.float32()), pa.array(expl, pa.string())]
        return pa.RecordBatch.from_arrays(arrays, schema=OUTPUT_SCHEMA)

    # ------------------------------------------------------------------ explanations
    def explain(self, feats: fx.Features, probs: np.ndarray, harvest: np.ndarray, top: int = 3) -> list[str]:
        """Up to `top` drivers per row: the strongest word/bigram span and the strongest named cues.

        The head explained is the harvest score when it is at or above its threshold, otherwise
        the most likely category; the string starts with that head's name.
        """
        n = feats.n
        use_h = harvest >= self.harvest_threshold
        col = np.where(use_h, HARVEST_COL, probs.argmax(axis=1) if n else 0)
        dense_c = feats.dense * self.w_dense.T[col]          # (n, D) contributions to the head
        dense_c[:, ~_EXPLAINABLE] = 0.0
        best_tok, best_val = self._best_tokens(feats, col)
        k_dense = min(top, dense_c.shape[1])
        top_idx = np.argsort(-dense_c, axis=1)[:, :k_dense]
        names = fx.DENSE_NAMES
        heads = ["harvest"] + list(CATEGORIES)
        data = feats.text_data
        out: list[str] = []
        for i in range(n):
            items: list[tuple[float, str]] = []
            t = best_tok[i]
            if t >= 0 and best_val[i] > 0 and data is not None:
                span = bytes(data[feats.span_start[t]:feats.span_end[t]]).decode("utf-8", "replace")
                items.append((float(best_val[i]), f'"{" ".join(span.split())[:60]}"'))
            for j in top_idx[i]:
                v = float(dense_c[i, j])
                if v > 0.05:
                    items.append((v, fx.DENSE_PHRASE[names[j]]))
            items.sort(key=lambda x: -x[0])
            head = heads[0] if use_h[i] else heads[1 + col[i]]
            out.append(f"{head}: " + "; ".join(s for _, s in items[:top]) if items else "")
        return out

    def _best_tokens(self, feats: fx.Features, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, the unigram/bigram with the largest contribution to head `col[row]` (first one on
        ties, unigrams before bigrams) and that contribution; -1 / 0 for rows without tokens."""
        n = feats.n
        best_tok = np.full(n, -1, dtype=np.int64)
        best_val = np.full(n, -np.inf, dtype=np.float32)
        if not feats.rows.size or feats.kinds is None:
            return best_tok, np.zeros(n, np.float32)
        lo = 0
        for hi in (feats.blocks or (feats.rows.size,))[:2]:        # unigram block, bigram block (row-sorted)
            r = feats.rows[lo:hi]
            if r.size:
                c = self.w_text[feats.slots[lo:hi], col[r]] * feats.scale[r]
                starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
                row_max = np.maximum.reduceat(c, starts)
                at_max = np.flatnonzero(c == np.repeat(row_max, np.diff(np.r_[starts, r.size])))
                first = at_max[np.r_[True, r[at_max][1:] != r[at_max][:-1]]]
                rows_f = r[first]
                better = c[first] > best_val[rows_f]
                best_tok[rows_f[better]] = lo + first[better]
                best_val[rows_f[better]] = c[first][better]
            lo = hi
        best_val[best_tok < 0] = 0.0
        return best_tok, best_val

    # ------------------------------------------------------------------ artefact
    def save(self, directory: Path) -> None:
        """Write weights.npz + model.json (deterministic bytes for the same model)."""
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / "weights.npz.tmp"
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, w_text=self.w_text.astype(np.float16),
                                w_dense=self.w_dense.astype(np.float32), bias=self.bias.astype(np.float32))
        _fix_zip_times(tmp)
        tmp.replace(directory / "weights.npz")
        meta = {
            "format_version": FORMAT_VERSION, "categories": list(CATEGORIES), "dim": self.dim,
            "dense_features": list(fx.DENSE_NAMES), "temperature": self.temperature,
            "platt_a": self.platt_a, "platt_b": self.platt_b, "harvest_threshold": self.harvest_threshold,
            **self.meta,
        }
        (directory / "model.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> Model:
        meta = json.loads((directory / "model.json").read_text())
        if meta.get("format_version") != FORMAT_VERSION or tuple(meta["categories"]) != CATEGORIES \
                or tuple(meta["dense_features"]) != fx.DENSE_NAMES:
            from distillguard.errors import ConfigError
            raise ConfigError(f"classifier artefact in {directory} does not match this code version",
                              hint="rebuild it with `distillguard train classifier`")
        with np.load(directory / "weights.npz") as z:
            w_text = z["w_text"].astype(np.float32)
            w_dense, bias = z["w_dense"].astype(np.float32), z["bias"].astype(np.float32)
        keep = {k: v for k, v in meta.items() if k not in ("format_version", "categories", "dim", "dense_features",
                                                           "temperature", "platt_a", "platt_b", "harvest_threshold")}
        return cls(int(meta["dim"]), w_text, w_dense, bias, float(meta["temperature"]), float(meta["platt_a"]),
                   float(meta["platt_b"]), float(meta["harvest_threshold"]), keep)


def _fix_zip_times(path: Path) -> None:
    """Rewrite a zip so every member has a fixed timestamp (reproducible artefact bytes)."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, payload in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, payload)


def _chunks(batch: pa.RecordBatch | pa.Table) -> list[tuple[int, int]]:
    """Row ranges whose (cut) prompt text stays under CHUNK_BYTES."""
    n = batch.num_rows
    if n == 0:
        return []
    est = np.zeros(n, np.int64) + 2
    for name, cap in (("system_prompt", fx.SYS_HEAD + fx.SYS_TAIL), ("last_user_text", fx.USER_HEAD + fx.USER_TAIL)):
        if name in batch.schema.names:
            lens = pc.fill_null(pc.binary_length(fx.column(batch, name, pa.string())), 0).to_numpy(zero_copy_only=False)
            est += np.minimum(lens, 4 * cap)
    cum = np.cumsum(est)
    bounds = [0]
    while bounds[-1] < n:
        base = cum[bounds[-1] - 1] if bounds[-1] else 0
        nxt = int(np.searchsorted(cum, base + CHUNK_BYTES, side="right"))
        bounds.append(min(n, max(nxt, bounds[-1] + 1)))
    return list(zip(bounds[:-1], bounds[1:]))
