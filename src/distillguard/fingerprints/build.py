"""Build the per-account behavioural fingerprint table (`schema.fingerprints.FINGERPRINTS`).

Set-based work is portable SQL (`_sql.py`), run per feature group; Python only joins the
groups, turns hour histograms into profiles, and summarises classifier category mixes, all
vectorised or per account (never per exchange).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from distillguard.engine.base import Engine
from distillguard.fingerprints import _sql
from distillguard.fingerprints._infra import UA_FAMILY_SQL, disposable_domains, infra_dir, ip_flags
from distillguard.schema.exchanges import EXCHANGES
from distillguard.schema.fingerprints import FINGERPRINTS

_X_COLUMNS = ("exchange_id", "ts", "account_id", "api_key_id", "client_ip", "client_asn", "client_country",
              "client_user_agent", "client_tls_fingerprint", "model", "n_messages", "n_user_turns", "tools_json",
              "max_tokens", "temperature", "top_p", "n", "logprobs", "top_logprobs", "response_format", "stream",
              "thinking_budget_tokens", "thinking_mode", "reasoning_effort", "input_tokens", "output_tokens", "reasoning_tokens",
              "status")
_SQL_TYPES = {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER", pa.float64(): "DOUBLE",
              pa.bool_(): "BOOLEAN"}
_VIEWS = ("_fp_x", "_fp_ua", "_fp_et", "_fp_t", "_fp_cls", "_fp_ip", "_fp_acct", "_fp_rel", "_fp_disp")


def _columns(engine: Engine, table: str) -> set[str]:
    return set(engine.sql(f"SELECT * FROM {table} LIMIT 0").schema.names)


def _select_list(present: set[str]) -> str:
    types = {c.name: c.type for c in EXCHANGES.columns}
    out = []
    for name in _X_COLUMNS:
        if name in present:
            out.append(name)
        else:
            out.append(f"CAST(NULL AS {_SQL_TYPES.get(types[name], 'VARCHAR')}) AS {name}")
    return ", ".join(out)


def build_fingerprints(
    engine: Engine,
    exchange_templates: pa.Table,
    templates: pa.Table,
    classified: pa.Table | None = None,
    *,
    until_us: int | None = None,
    infra: Path | str | None = None,
) -> pa.Table:
    """Compute one fingerprint row per account seen in ``exchanges``.

    Parameters
    ----------
    engine
        Engine with ``exchanges`` (and optionally ``accounts``, ``events``) views.
    exchange_templates, templates
        Output of `distillguard.templates.mine_templates`.
    classified
        Optional classifier output (``exchange_id``, ``category``, ``harvest``); joined on exchange_id.
    until_us
        Only exchanges (and release events) before this epoch-microsecond time.
    infra
        Folder with datacenter/VPN CIDR lists and disposable domains (see `_infra.infra_dir`).

    Returns
    -------
    pa.Table
        Schema `FINGERPRINTS`, sorted by account_id; the row order of the inputs does not matter.
    """
    present = _columns(engine, "exchanges")
    where = "" if until_us is None else f"WHERE epoch_us(ts) < {int(until_us)}"
    # Each distinct user agent's family, looked up by a join: its fifteen pattern tests per exchange cost
    # about 7 s at seed scale in each query that reads the family (21M rows, ~4k distinct user agents).
    if "client_user_agent" in present:
        engine.register("_fp_ua", engine.sql(
            f"SELECT ua, {UA_FAMILY_SQL.format(ua='ua')} AS ua_family FROM (SELECT DISTINCT client_user_agent AS ua "
            "FROM exchanges WHERE client_user_agent IS NOT NULL) d"))
        family, join = "u.ua_family", "LEFT JOIN _fp_ua u ON u.ua = s.client_user_agent"
    else:
        family, join = "CAST(NULL AS VARCHAR)", ""
    engine.sql(f"""CREATE OR REPLACE TEMP VIEW _fp_x AS
        SELECT s.*, epoch_us(ts) AS t_us, {family} AS ua_family
        FROM (SELECT {_select_list(present)} FROM exchanges {where}) s {join}""")
    try:
        return _build(engine, exchange_templates, templates, classified, until_us, infra_dir(infra))
    finally:
        for v in _VIEWS:
            _drop(engine, v)


def _drop(engine: Engine, name: str) -> None:
    con = getattr(engine, "con", None)
    try:
        engine.sql(f"DROP VIEW IF EXISTS {name}")
    except Exception:  # noqa: BLE001 - registered Arrow tables are not views
        pass
    if con is not None:
        try:
            con.unregister(name)
        except Exception:  # noqa: BLE001
            pass


def _build(engine: Engine, et: pa.Table, tpl: pa.Table, classified: pa.Table | None, until_us: int | None,
           folder: Path | None) -> pa.Table:
    engine.register("_fp_et_raw", et.select(["exchange_id", "account_id", "template_id", "slot_hash"]))
    if until_us is None:
        engine.sql("CREATE OR REPLACE TEMP VIEW _fp_et AS SELECT * FROM _fp_et_raw")
    else:
        engine.sql("CREATE OR REPLACE TEMP VIEW _fp_et AS SELECT e.* FROM _fp_et_raw e "
                   "WHERE e.exchange_id IN (SELECT exchange_id FROM _fp_x)")
    engine.register("_fp_t", tpl.select(["template_id", "kind", "accounts", "slot_diversity", "fixed_chars"]))

    parts = [engine.sql(_sql.BASIC), engine.sql(_sql.GAPS), engine.sql(_sql.DAILY), engine.sql(_sql.TEMPLATES),
             engine.sql(_sql.PARAMS), _hour_features(engine.sql(_sql.HOURS))]

    # Accounts (lifecycle, billing country), one row per account.
    acct_cols = _columns(engine, "accounts")
    have_accounts = {"account_id", "created_at"} <= acct_cols
    if have_accounts:
        engine.sql("""CREATE OR REPLACE TEMP VIEW _fp_acct AS
            SELECT account_id, created_at, epoch_us(created_at) AS created_us, email_domain, payment_fingerprint,
                   country, signup_path, verified FROM (
              SELECT *, row_number() OVER (PARTITION BY account_id ORDER BY created_at, source_row) AS rk
              FROM accounts) a WHERE rk = 1""")
    else:
        engine.sql("""CREATE OR REPLACE TEMP VIEW _fp_acct AS SELECT CAST(NULL AS VARCHAR) AS account_id,
            CAST(NULL AS TIMESTAMPTZ) AS created_at, CAST(NULL AS BIGINT) AS created_us,
            CAST(NULL AS VARCHAR) AS email_domain, CAST(NULL AS VARCHAR) AS payment_fingerprint,
            CAST(NULL AS VARCHAR) AS country, CAST(NULL AS VARCHAR) AS signup_path,
            CAST(NULL AS BOOLEAN) AS verified WHERE 1 = 0""")
    parts.append(engine.sql(_sql.INFRA))
    disp = disposable_domains(folder)
    if disp is not None:
        engine.register("_fp_disp", disp)
        d_expr = ("CASE WHEN a.email_domain IS NULL THEN NULL WHEN lower(a.email_domain) IN "
                  "(SELECT domain FROM _fp_disp) THEN TRUE ELSE FALSE END")
    else:
        d_expr = "CAST(NULL AS BOOLEAN)"
    parts.append(engine.sql(_sql.LIFECYCLE.format(disposable=d_expr)))

    # Datacenter / VPN address share.
    ip_asn = engine.sql("SELECT client_ip, max(client_asn) AS asn FROM _fp_x WHERE client_ip IS NOT NULL "
                        "GROUP BY client_ip")
    ips = ip_asn.column(0).combine_chunks()
    flags = ip_flags(ips, folder, ip_asn.column(1).combine_chunks()) if len(ips) else None
    if flags is not None:
        engine.register("_fp_ip", flags)
        parts.append(engine.sql(_sql.IPS))

    # Model releases.
    ev_cols = _columns(engine, "events")
    if {"type", "model", "ts"} <= ev_cols:
        ev_where = "" if until_us is None else f"AND epoch_us(ts) < {int(until_us)}"
        engine.sql(f"""CREATE OR REPLACE TEMP VIEW _fp_rel AS SELECT DISTINCT model AS rmodel, epoch_us(ts) AS r_us
            FROM events WHERE type = 'model_release' AND model IS NOT NULL {ev_where}""")
        if engine.sql("SELECT count(*) FROM _fp_rel").column(0)[0].as_py():
            parts.append(engine.sql(_sql.RELEASE))

    # Classifier output.
    if classified is not None and "exchange_id" in classified.schema.names:
        cls = {"exchange_id": classified.column("exchange_id")}
        n = classified.num_rows
        cls["category"] = (classified.column("category").cast(pa.string()) if "category" in classified.schema.names
                           else pa.nulls(n, pa.string()))
        cls["harvest"] = (classified.column("harvest").cast(pa.float64()) if "harvest" in classified.schema.names
                          else pa.nulls(n, pa.float64()))
        engine.register("_fp_cls", pa.table(cls))
        parts.append(engine.sql(_sql.CLASSIFIED))
        parts.append(_category_features(engine.sql(_sql.CATEGORIES)))
    _drop(engine, "_fp_et_raw")
    return _join(engine, parts)


def _hour_features(h: pa.Table) -> pa.Table:
    acc = h.column("account_id").combine_chunks().dictionary_encode()
    idx = acc.indices.to_numpy()
    names = acc.dictionary
    m = np.zeros((len(names), 24), dtype=np.float64)
    np.add.at(m, (idx, h.column("h").to_numpy().astype(np.int64)), h.column("c").to_numpy().astype(np.float64))
    tot = m.sum(axis=1, keepdims=True)
    p = m / np.where(tot > 0, tot, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = np.clip(-(np.where(p > 0, p * np.log(p), 0.0)).sum(axis=1) / np.log(24), 0.0, 1.0)
    profile = pa.FixedSizeListArray.from_arrays(pa.array(p.astype(np.float32).ravel()), 24).cast(
        pa.list_(pa.float32()))
    return pa.table({"account_id": names, "hour_entropy": ent, "hour_profile": profile})


def _category_features(c: pa.Table) -> pa.Table:
    per: dict[str, dict[str, int]] = {}
    for a, cat, n in zip(c.column("account_id").to_pylist(), c.column("category").to_pylist(),
                         c.column("n").to_pylist(), strict=True):
        per.setdefault(a, {})[cat] = n
    accts, top, top_share, ent, mix = [], [], [], [], []
    for a in sorted(per):
        d = per[a]
        tot = sum(d.values())
        best = min(d, key=lambda k: (-d[k], k))
        p = np.array([d[k] / tot for k in sorted(d)])   # one order, one sum: same bytes every run
        accts.append(a)
        top.append(best)
        top_share.append(d[best] / tot)
        ent.append(float(-(p * np.log(p)).sum() / np.log(len(p))) if len(p) > 1 else 0.0)
        mix.append(orjson.dumps({k: round(d[k] / tot, 4) for k in sorted(d)}).decode())
    return pa.table({"account_id": pa.array(accts, pa.string()), "category_top": pa.array(top, pa.string()),
                     "category_top_share": pa.array(top_share, pa.float64()),
                     "category_entropy": pa.array(ent, pa.float64()), "category_mix": pa.array(mix, pa.string())})


def _join(engine: Engine, parts: list[pa.Table]) -> pa.Table:
    """Left-join the feature groups onto the account list (part 0) by account_id, in the engine."""
    names = []
    taken = {"account_id"}
    select = ["p0.account_id"]
    for k, p in enumerate(parts):
        name = f"_fp_part{k}"
        engine.register(name, p)
        names.append(name)
        for c in p.schema.names:
            if c not in taken:
                taken.add(c)
                select.append(f"p{k}.{c}")
    joins = " ".join(f"LEFT JOIN {n} p{k} ON p{k}.account_id = p0.account_id" for k, n in enumerate(names) if k)
    base = engine.sql(f"SELECT {', '.join(select)} FROM {names[0]} p0 {joins} ORDER BY p0.account_id")
    for n in names:
        _drop(engine, n)
    cols = []
    for c in FINGERPRINTS.columns:
        if c.name in base.schema.names:
            arr = base.column(c.name)
            if arr.type != c.type:
                arr = _cast(arr, c.type)
            cols.append(arr)
        else:
            cols.append(pa.nulls(base.num_rows, c.type))
    return pa.Table.from_arrays(cols, schema=FINGERPRINTS.schema)


def _cast(arr: pa.ChunkedArray, typ: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_timestamp(typ) and pa.types.is_timestamp(arr.type):
        return arr.cast(pa.timestamp("us", tz="UTC"))
    if pa.types.is_floating(typ) and pa.types.is_decimal(arr.type):
        return pc.cast(arr, typ)
    return arr.cast(typ, safe=False)
