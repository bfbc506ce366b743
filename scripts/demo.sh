#!/usr/bin/env bash
# The main job on sample data: make a sample of contract records, ingest it, show the store.
set -euo pipefail
BIN=$1; DATA=$2; OUT=$3
rm -rf "$OUT"; mkdir -p "$OUT"
"$BIN/python" -m distillguard.testing "$OUT/sample.jsonl" 5000
"$BIN/distillguard" ingest "$OUT/sample.jsonl" --store "$OUT/store"
echo "store written to $OUT/store"
