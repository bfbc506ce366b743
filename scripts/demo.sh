#!/usr/bin/env bash
# The main job end to end: simulate a world, detect campaigns in it, write the HTML report.
#   scripts/demo.sh BIN DATA OUT [SCALE]
# Uses the real public corpus in DATA (../shared/data) when it exists, the built-in one otherwise.
set -euo pipefail
BIN=$1; DATA=$2; OUT=$3; SCALE=${4:-small}
DG="$BIN/distillguard"
rm -rf "$OUT"; mkdir -p "$OUT"
CORPUS=()
if [ -d "$DATA" ]; then CORPUS=(--corpus "$DATA"); echo "using the real corpus in $DATA"; else echo "no $DATA: using the built-in corpus"; fi
"$DG" simulate --scale "$SCALE" --seed 7 --out "$OUT/world" "${CORPUS[@]}"
"$DG" detect "$OUT/world/exchanges" --accounts "$OUT/world/accounts.jsonl" --events "$OUT/world/events.jsonl" \
    --out "$OUT/results" --store "$OUT/store"
"$DG" report --results "$OUT/results" --store "$OUT/store" --out "$OUT/report"
"$BIN/python" - "$OUT" <<'PY'
import csv, json, sys
out = sys.argv[1]
camps = json.load(open(f"{out}/results/campaigns.json"))
rows = list(csv.DictReader(open(f"{out}/results/accounts.csv")))
print(f"\n{len(rows):,} accounts, {sum(r['flagged'] == 'true' for r in rows):,} flagged, {len(camps)} campaign(s):")
for c in camps:
    print(f"- {c['campaign_id']}: {len(c['accounts'])} accounts, {c['exchanges']:,} exchanges, risk {c['risk']:.2f}")
    print(f"  {c['summary'][:300]}")
print(f"\nreport: {out}/report/index.html   (open it in a browser; it works offline)")
PY
