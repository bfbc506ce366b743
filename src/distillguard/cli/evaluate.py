"""`distillguard evaluate --world DIR`: run detect on a simulated world and score it against labels."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from distillguard.cli._common import err, fail, handle_errors, out, show_progress
from distillguard.cli._progress import stage_progress


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_cmd)


@handle_errors
def evaluate_cmd(
    world: Path = typer.Option(..., "--world", help="A folder written by `distillguard simulate`."),
    out_dir: Path = typer.Option(None, "--out", help="Where detect outputs and evaluation.json go (default WORLD/eval)."),
    early: bool = typer.Option(True, "--early/--no-early", help="Also measure recall 24 h after each campaign starts."),
    unsupervised: bool = typer.Option(False, "--unsupervised", help="Ignore any account model: no labels anywhere."),
    as_json: bool = typer.Option(False, "--json", help="Print the evaluation JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Score detection on a simulated world: precision, recall, FPR, AUCs, per campaign and persona."""
    from distillguard.decisions import Policy
    from distillguard.evaluation import campaign_starts, early_until, read_labels, score_outputs
    from distillguard.pipeline import detect

    labels_path = world / "labels.jsonl"
    if not labels_path.exists():
        fail(f"{labels_path} not found: --world must be a folder written by `distillguard simulate`", 2)
    out_dir = out_dir or world / "eval"
    labels = read_labels(labels_path)
    acc = [p for p in (world / "accounts.jsonl",) if p.exists()]
    ev = [p for p in (world / "events.jsonl",) if p.exists()]
    from distillguard import progress

    policy = Policy(use_account_model=not unsupervised)
    with stage_progress(show_progress(quiet)) as bars:
        full = detect([world / "exchanges"], out_dir / "full", accounts=acc, events=ev,
                      on_stage=bars.stage if bars else None, policy=policy,
                      on_rows=lambda n: progress.advance("ingest", n))
    result = {"world": str(world), "account_model": not unsupervised, "full": score_outputs(out_dir / "full", labels),
              "seconds": full.to_dict()["seconds"]}
    if early:
        result["early"] = _early(world, out_dir, labels, acc, ev, campaign_starts(world, labels), early_until, policy)
    (out_dir / "evaluation.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    if as_json:
        out.print(json.dumps(result, indent=2, default=str), markup=False)
    else:
        print_summary(result)
        err.print(f"wrote {out_dir / 'evaluation.json'}")


def _early(world, out_dir, labels, acc, ev, starts, early_until, policy):  # type: ignore[no-untyped-def]
    import duckdb

    from distillguard.evaluation import read_accounts_csv
    from distillguard.pipeline import detect

    res = {}
    for name, start in sorted(starts.items()):
        until = early_until(start)
        d = out_dir / f"early-{name}"
        detect([world / "exchanges"], d, accounts=acc, events=ev, until=until, policy=policy)
        flagged = read_accounts_csv(d / "accounts.csv")
        members = [a for a, lab in labels.items() if lab.get("campaign") == name]
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # its bar writes to stdout
        glob = str(world / "exchanges" / "*")
        fmt = "read_parquet" if any((world / "exchanges").glob("*.parquet")) else "read_json_auto"
        active = {r[0] for r in con.sql(
            f"SELECT DISTINCT account_id FROM {fmt}('{glob}') WHERE CAST(ts AS TIMESTAMPTZ) < CAST('{until}' AS TIMESTAMPTZ)"
        ).fetchall()}
        act = [a for a in members if a in active]
        hit = [a for a in act if flagged.get(a, {}).get("flagged")]
        benign_active = [a for a, lab in labels.items() if not lab.get("campaign") and a in active]
        fp = [a for a in benign_active if flagged.get(a, {}).get("flagged")]
        res[name] = {"until": until, "accounts": len(members), "active_by_then": len(act),
                     "recall_of_active": len(hit) / max(len(act), 1), "recall_of_all": len(hit) / max(len(members), 1),
                     "benign_fpr": len(fp) / max(len(benign_active), 1)}
    return res


def print_summary(result: dict) -> None:  # type: ignore[type-arg]
    f = result["full"]
    t = Table(title="account level", title_justify="left")
    for c in ("accounts", "flagged", "precision", "recall", "FPR", "ROC-AUC", "PR-AUC", "recall@0.1%FPR"):
        t.add_column(c, justify="right")
    t.add_row(f"{f['accounts']:,}", f"{f['flagged']:,}", f"{f['precision']:.3f}", f"{f['recall']:.3f}",
              f"{f['fpr']:.4f}", f"{f.get('roc_auc', float('nan')):.4f}", f"{f.get('pr_auc', float('nan')):.4f}",
              f"{f.get('recall_at_0.1pct_fpr', float('nan')):.3f}")
    out.print(t)
    t = Table(title="per campaign", title_justify="left")
    for c in ("campaign", "accounts", "recall", "completeness", "recall 24h (active)"):
        t.add_column(c, justify="right" if c != "campaign" else "left")
    for name, v in f["recall_per_campaign"].items():
        e = result.get("early", {}).get(name, {})
        t.add_row(name, str(v["accounts"]), f"{v['recall']:.3f}", f"{f['completeness_per_campaign'].get(name, 0):.3f}",
                  f"{e['recall_of_active']:.3f}" if e else "-")
    out.print(t)
    t = Table(title=f"benign personas (purity of detected campaigns {f['purity']:.3f})", title_justify="left")
    for c in ("persona", "accounts", "FPR"):
        t.add_column(c, justify="right" if c != "persona" else "left")
    for name, v in f["fpr_per_persona"].items():
        t.add_row(name, str(v["accounts"]), f"{v['fpr']:.4f}")
    out.print(t)
