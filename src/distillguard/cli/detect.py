"""`distillguard detect`: the data contract's detection command (section 4)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out, show_progress
from distillguard.cli._progress import stage_progress
from distillguard.cli.quarantine import MAX_QUARANTINE_PCT, check_share, print_unreadable, reasons_text


def register(app: typer.Typer) -> None:
    app.command("detect")(detect_cmd)


@handle_errors
def detect_cmd(
    exchanges: list[Path] = typer.Argument(..., help="Files or folders of exchange records (JSONL, .gz, .zst, Parquet)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for accounts.csv and campaigns.json."),
    accounts: list[Path] = typer.Option([], "--accounts", help="Account records (JSONL, CSV, Parquet)."),
    events: list[Path] = typer.Option([], "--events", help="Event records (JSONL), e.g. model releases."),
    log_format: str = typer.Option("contract", "--format", help="Log format of the exchange files: contract, auto, "
                                   "litellm, litellm-spendlogs (also a postgresql:// URL), otel, mapping:FILE.yaml "
                                   "(see docs/ingest.md)."),
    account_fields: list[str] = typer.Option([], "--account-field", help="Source field holding the account, for "
                                             "--format litellm/litellm-spendlogs/otel (repeat: first non-empty wins)."),
    until: str = typer.Option(None, "--until", help="Use only exchanges before this RFC 3339 time."),
    store: Path = typer.Option(None, "--store", help="Keep the ingested store here (default: a temporary folder; "
                                                     "the quarantine is then kept in OUT/quarantine)."),
    infra: Path = typer.Option(None, "--infra", metavar="DIR",
                               help="Your own infrastructure lists (datacenter_ipv4.txt, vpn_ipv4.txt, hosting_asns.txt, "
                                    "disposable_domains.txt; see docs/infra.md); files absent there use the shipped "
                                    "lists."),
    max_quarantine: float = typer.Option(MAX_QUARANTINE_PCT, "--max-quarantine", metavar="PCT", min=0, max=100,
                                         help="Exit 3 (after writing the outputs) when more than this percentage of "
                                              "the records is quarantined."),
    strict: bool = typer.Option(False, "--strict", help="Stop at a file that cannot be read to its end (a truncated "
                                                         ".gz/.zst, a damaged Parquet file) instead of keeping what "
                                                         "was read and going on."),
    turn_text: bool = typer.Option(False, "--turn-text", help="Keep every turn's text in the store (detection reads "
                                                              "only the system prompt and the last user turn, which "
                                                              "the store always keeps)."),
    account_model: Path = typer.Option(None, "--account-model",
                                       help="Supervised account model (default: the shipped one, if it matches "
                                            "the installed scikit-learn; see `distillguard train accounts`)."),
    unsupervised: bool = typer.Option(False, "--unsupervised", help="Ignore any account model: no labels anywhere."),
    classify_per_account: int = typer.Option(None, "--classify-per-account", min=0, show_default=False,
                                             help="Classify at most about this many exchanges of one account "
                                                  "(a deterministic sample; default: the policy's, 64); "
                                                  "0: every exchange."),
    config: Path = typer.Option(None, "--config", help="Detection settings (TOML, the shape of the shipped "
                                                       "settings.toml; keys left out keep their defaults)."),
    partner_matches: Path = typer.Option(None, "--partner-matches",
                                         help="partner_sightings.csv from `distillguard match`: accounts carrying a "
                                              "partner's indicators (evidence DG-EVD-0100, docs/sharing.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Find distillation campaigns: write accounts.csv (every account) and campaigns.json."""
    from distillguard import progress
    from distillguard.decisions import Policy
    from distillguard.fingerprints._infra import use_infra
    from distillguard.pipeline import detect
    from distillguard.settings import load_settings

    with stage_progress(show_progress(quiet)) as bars, use_infra(infra):
        result = detect(exchanges, out_dir, accounts=accounts, events=events, until=until, store=store,
                        turn_text=turn_text, strict=strict, partner_matches=partner_matches,
                        fmt=log_format, account_fields=account_fields,
                        policy=Policy.from_settings(load_settings(config), account_model=account_model,
                                                    use_account_model=not unsupervised,
                                                    **_sample(classify_per_account)),
                        on_stage=bars.stage if bars else None, on_rows=lambda n: progress.advance("ingest", n))
    rep = result.ingest
    if rep.rows_quarantined:
        err.print(f"{rep.rows_quarantined:,} of {rep.rows_read:,} records were quarantined ({reasons_text(rep)}); "
                  f"list them with `distillguard quarantine --store {result.quarantine.parent}`", markup=False)
    print_unreadable(rep)
    if as_json:
        out.print_json(orjson.dumps(result.to_dict()).decode())
    elif not quiet:
        err.print(f"{result.accounts:,} accounts, {result.flagged:,} flagged, {result.campaigns} campaign(s); "
                  f"wrote {out_dir}/accounts.csv and {out_dir}/campaigns.json", markup=False)
    check_share(rep, max_quarantine, result.quarantine.parent, "the outputs were written")


def _sample(per_account: int | None) -> dict:
    """Policy argument for --classify-per-account: absent keeps the policy's default, 0 means all."""
    if per_account is None:
        return {}
    return {"classify_per_account": per_account or None}
