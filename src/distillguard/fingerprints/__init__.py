"""Per-account behavioural fingerprints, signatures and risk.

- `build_fingerprints(engine, exchange_templates, templates, classified=None, until_us=None)`
  -> the documented `fingerprints` table (schema.fingerprints.FINGERPRINTS).
- `signatures(fingerprints, exchange_templates, templates=None)` -> (account_ids, uint32 matrix);
  `similarity(a, b)` in [0, 1], >= 0.5 means "same harness" (see signature.py).
- `score_accounts(fingerprints, model=None)` -> account_scores (risk_unsupervised, reasons,
  risk_supervised); `train_supervised(fingerprints, labels)`, `save_model`, `load_model`.
"""

from distillguard.fingerprints.build import build_fingerprints
from distillguard.fingerprints.score import (RULES, load_model, predict_supervised, save_model, score_accounts,
                                             train_supervised)
from distillguard.fingerprints.signature import signatures, similarity

__all__ = ["RULES", "build_fingerprints", "load_model", "predict_supervised", "save_model", "score_accounts",
           "signatures", "similarity", "train_supervised"]
