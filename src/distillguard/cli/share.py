"""`distillguard export stix`, `import stix` and `match`: indicator sharing between providers (docs/sharing.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import typer

from distillguard.cli._common import err, handle_errors, out

export_app = typer.Typer(help="Export detected campaigns for other tools.", no_args_is_help=True)
import_app = typer.Typer(help="Import a partner's indicators.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
    app.command("match")(match_cmd)


def _key(path: Path | None) -> bytes | None:
    from distillguard.sharing.keyed import load_key

    return load_key(path) if path is not None else None


_TAXII_PASSWORD_ENV = "DISTILLGUARD_TAXII_PASSWORD"


@export_app.command("stix")
@handle_errors
def export_stix_cmd(
    results: Path = typer.Option(..., "--results", help="Folder `distillguard detect` wrote (campaigns.json)."),
    store: Path = typer.Option(..., "--store", help="The store `detect --store` kept."),
    out_file: Path = typer.Option(..., "--out", help="Bundle file to write (JSON)."),
    share_key: Path = typer.Option(None, "--share-key", help="Key file shared with partners: values travel as "
                                                              "HMAC-SHA256, Bloom filters and keyed MinHash sketches. "
                                                              "Without it only counts, ASNs and --include-raw kinds leave."),
    include_raw: str = typer.Option("", "--include-raw", help="Comma-separated kinds to share raw: ip, ip_prefix, "
                                    "user_agent, tls_fingerprint, configuration, payment, email_domain, account, prompt."),
    tlp: str = typer.Option("amber", "--tlp", help="TLP 2.0 marking: clear, green, amber, amber+strict, red."),
    producer: str = typer.Option("distillguard producer", "--producer", help="Name of the producing organisation."),
    taxii: str = typer.Option(None, "--taxii", help="Also push the bundle to this TAXII 2.1 API root URL."),
    collection: str = typer.Option(None, "--collection", help="TAXII collection id (with --taxii)."),
    user: str = typer.Option(None, "--user", help=f"TAXII user (password from ${_TAXII_PASSWORD_ENV})."),
    taxii_skip: str = typer.Option("", "--taxii-skip", help="Comma-separated object types not to push (e.g. "
                                   "extension-definition, for servers that cannot store it: medallion 3.0)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Write the campaigns of one detect run as a STIX 2.1 bundle (private values keyed by default)."""
    from distillguard.sharing.export import export_stix, parse_raw_kinds

    if taxii and not collection:
        from distillguard.errors import ConfigError

        raise ConfigError("--taxii needs --collection")
    rep = export_stix(results, store, out_file, key=_key(share_key), include_raw=parse_raw_kinds(include_raw),
                      tlp=tlp, producer=producer)
    doc = rep.to_dict()
    if taxii:
        from distillguard.sharing.taxii import push

        doc["taxii"] = push(json.loads(out_file.read_text()), taxii, collection, user=user,
                            password=os.environ.get(_TAXII_PASSWORD_ENV),
                            skip_types=tuple(t.strip() for t in taxii_skip.split(",") if t.strip()))
    if as_json:
        out.print_json(orjson.dumps(doc).decode())
    else:
        err.print(f"{rep.campaigns} campaign(s), {rep.operators} operator(s), {rep.objects} objects, "
                  f"{rep.bytes:,} bytes -> {rep.out}" + ("" if rep.keyed else " (no --share-key: nothing keyed)"),
                  markup=False)


@import_app.command("stix")
@handle_errors
def import_stix_cmd(
    bundle: Path = typer.Argument(None, help="A STIX 2.1 bundle file (or use --taxii)."),
    taxii: str = typer.Option(None, "--taxii", help="Pull from this TAXII 2.1 API root URL instead."),
    collection: str = typer.Option(None, "--collection", help="TAXII collection id (with --taxii)."),
    user: str = typer.Option(None, "--user", help=f"TAXII user (password from ${_TAXII_PASSWORD_ENV})."),
    out_file: Path = typer.Option(Path("partner-indicators.json"), "--out", help="Indicators file for `match`."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Read a partner's bundle (file or TAXII collection) into an indicators file `match` uses."""
    from distillguard.errors import ConfigError
    from distillguard.sharing.importing import from_bundle, read_bundle_file

    if (bundle is None) == (taxii is None):
        raise ConfigError("give a bundle FILE or --taxii URL --collection ID (one of them)")
    if taxii:
        if not collection:
            raise ConfigError("--taxii needs --collection")
        from distillguard.sharing.taxii import pull

        doc = pull(taxii, collection, user=user, password=os.environ.get(_TAXII_PASSWORD_ENV))
    else:
        doc = read_bundle_file(bundle)
    ind = from_bundle(doc)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.name + ".tmp")
    tmp.write_text(json.dumps(ind.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out_file)
    summary = {"out": str(out_file), "producer": ind.producer,
               "campaigns": sum(c.tier == "campaign" for c in ind.campaigns),
               "flagged_tier": sum(c.tier == "flagged" for c in ind.campaigns),
               "objects": len(doc.get("objects", [])),
               "keyed_sets": sum(len(c.keyed) for c in ind.campaigns),
               "template_sketches": sum(len(c.sketches.get("sketches") or []) for c in ind.campaigns)}
    if as_json:
        out.print_json(orjson.dumps(summary).decode())
    else:
        tier = " and its lower-confidence tier" if summary["flagged_tier"] else ""
        err.print(f"{summary['campaigns']} partner campaign(s){tier}, {summary['keyed_sets']} keyed set(s), "
                  f"{summary['template_sketches']} template sketch(es) -> {out_file}", markup=False)


@handle_errors
def match_cmd(
    store: Path = typer.Option(..., "--store", help="Your own store (from `detect --store` or `ingest`)."),
    indicators: Path = typer.Option(..., "--indicators", help="A partner bundle or the file `import stix` wrote."),
    share_key: Path = typer.Option(..., "--share-key", help="The key file shared with that partner."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for partner_sightings.csv."),
    until: str = typer.Option(None, "--until", help="Use only exchanges before this RFC 3339 time."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    """Find the partner's indicators in your own store; write partner_sightings.csv for `detect --partner-matches`."""
    from distillguard.pipeline import parse_until
    from distillguard.sharing.importing import load_indicators
    from distillguard.sharing.match import match_store, summarise, write_sightings

    ind = load_indicators(indicators)
    rows = match_store(store, ind, _key(share_key), until_us=parse_until(until))  # type: ignore[arg-type]
    path = write_sightings(rows, out_dir)
    rep = summarise(rows, ind, path)
    if as_json:
        out.print_json(orjson.dumps(rep.to_dict()).decode())
    else:
        kinds = ", ".join(f"{k}={n}" for k, n in rep.by_kind.items()) or "none"
        err.print(f"{rep.accounts} account(s) carry indicators of {rep.partner_campaigns} partner campaign(s) "
                  f"({kinds}) -> {path}", markup=False)
