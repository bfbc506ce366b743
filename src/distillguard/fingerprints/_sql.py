"""Set-based fingerprint queries, one per feature group, over the temp views prepared by `build.py`.

Views: ``_fp_x`` (exchanges before `until`, missing optional columns as typed nulls, plus
``t_us`` epoch microseconds and ``ua_family``), ``_fp_et`` (exchange_templates restricted to
``_fp_x``), ``_fp_t`` (templates), optional ``_fp_cls`` (classifier output), ``_fp_ip`` (IP flags),
``_fp_acct`` (accounts, one row each), ``_fp_rel`` (model releases: ``rmodel``, ``r_us``).

Portable SQL subset: GROUP BY aggregates, LAG/ROW_NUMBER windows, ``percentile_cont ... WITHIN
GROUP``, ``hour()``, ``CAST(ts AS DATE)``, ``date_trunc('hour', ts)``, ``ln``; no lambdas, no
DuckDB-only list functions. Time arithmetic is done on epoch microseconds.

Same input, same bytes: a parallel engine adds floating-point values in whatever order its
threads finish, so the last bits of a sum of doubles change from run to run. Every mean or
standard deviation of non-integer values is therefore built from exact sums (`exact_sum`:
DECIMAL(38,0) of integers, or of values fixed to `FIXED` decimal places) and turned into a
double once, at the end.
"""

from __future__ import annotations


FIXED = 9  # decimal places kept of a non-integer value before it is summed exactly


def share(cond: str) -> str:
    return f"avg(CASE WHEN {cond} THEN 1.0 ELSE 0.0 END)"


def _fixed(expr: str, scale: int) -> str:
    """`expr` times 10^scale, rounded to an integer, as DECIMAL(38,0)."""
    return f"CAST({expr if scale == 0 else f'round(({expr}) * 1e{scale})'} AS DECIMAL(38,0))"


def exact_sum(expr: str, scale: int = 0) -> str:
    """Order-independent sum: `expr` (times 10^scale, rounded to an integer) summed as DECIMAL(38,0)."""
    return f"sum({_fixed(expr, scale)})"


def exact_sum_sq(expr: str, scale: int = 0) -> str:
    """Like `exact_sum`, of the squares."""
    return f"sum({_fixed(expr, scale)} * {_fixed(expr, scale)})"


def exact_fsum(expr: str) -> str:
    """Order-independent sum of a non-integer `expr`, as a double (kept to FIXED places)."""
    return f"CAST({exact_sum(expr, FIXED)} AS DOUBLE) / 1e{FIXED}"


def exact_mean(expr: str) -> str:
    """Order-independent mean of the non-null values of `expr` (kept to FIXED places; NULL when none)."""
    return f"{exact_fsum(expr)} / nullif(count({expr}), 0)"


def exact_sd(n: str, s1: str, s2: str, scale: int = 0) -> str:
    """Sample standard deviation from a count and exact sums of values and of squares (NULL below 2)."""
    return (f"CASE WHEN {n} >= 2 THEN sqrt(CAST({n} * {s2} - {s1} * {s1} AS DOUBLE) / ({n} * ({n} - 1)))"
            f"{'' if scale == 0 else f' / 1e{scale}'} END")


BASIC = f"""
SELECT account_id,
  count(*) AS exchanges, min(ts) AS first_seen, max(ts) AS last_seen,
  count(DISTINCT CAST(ts AS DATE)) AS active_days,
  count(DISTINCT date_trunc('hour', ts)) AS active_hours,
  CAST(count(*) AS DOUBLE) / count(DISTINCT date_trunc('hour', ts)) AS rate_per_active_hour,
  count(DISTINCT hour(ts)) / 24.0 AS hours_of_day_share,
  CASE WHEN count(n_messages) = 0 THEN NULL ELSE {share('n_messages <= 1')} END AS single_turn_share,
  avg(n_user_turns) AS mean_user_turns,
  CASE WHEN count(status) = 0 THEN NULL ELSE {share('status = 429')} END AS rate_limited_share,
  {exact_mean('temperature')} AS temperature_mean,
  {share('temperature IS NOT NULL')} AS temperature_given_share,
  {share('n > 1')} AS n_gt1_share,
  {share('logprobs OR top_logprobs > 0')} AS logprobs_share,
  {share('tools_json IS NOT NULL')} AS tools_share,
  count(DISTINCT tools_json) AS tool_schemas,
  {share('stream')} AS stream_share,
  {share("thinking_budget_tokens > 0 OR thinking_mode IN ('enabled', 'adaptive') OR reasoning_effort IS NOT NULL")} AS thinking_share,
  {share("lower(response_format) LIKE 'json%'")} AS json_format_share,
  CAST(sum(output_tokens) AS DOUBLE) / nullif(sum(input_tokens), 0) AS output_input_ratio,
  avg(output_tokens) AS mean_output_tokens,
  CAST(sum(reasoning_tokens) AS DOUBLE) / nullif(sum(output_tokens), 0) AS reasoning_token_share,
  sum(output_tokens) AS total_output_tokens,
  count(DISTINCT client_ip) AS distinct_ips,
  CAST(count(DISTINCT client_ip) AS DOUBLE) / count(*) AS ip_churn,
  count(DISTINCT client_asn) AS distinct_asns,
  count(DISTINCT client_country) AS distinct_client_countries,
  count(DISTINCT client_user_agent) AS distinct_user_agents,
  count(DISTINCT ua_family) AS ua_families,
  CASE WHEN count(ua_family) = 0 THEN NULL ELSE {share("ua_family = 'browser'")} END AS browser_ua_share,
  count(DISTINCT client_tls_fingerprint) AS distinct_tls_fingerprints,
  count(DISTINCT api_key_id) AS distinct_api_keys
FROM _fp_x GROUP BY account_id
"""

GAPS = f"""
WITH g0 AS (
  SELECT account_id,
    t_us - LAG(t_us) OVER (PARTITION BY account_id ORDER BY t_us, exchange_id) AS gap_us,
    LAG(status) OVER (PARTITION BY account_id ORDER BY t_us, exchange_id) AS prev_status
  FROM _fp_x
), g AS (
  SELECT account_id, gap_us, gap_us / 1000000.0 AS gap_s, prev_status,
    ln(CASE WHEN gap_us < 1000 THEN 0.001 ELSE gap_us / 1000000.0 END) AS log_gap
  FROM g0
), s AS (
  SELECT account_id, count(gap_us) AS n_gaps,
    {exact_sum('gap_us')} AS s1, {exact_sum_sq('gap_us')} AS s2,
    {exact_sum('log_gap', FIXED)} AS l1, {exact_sum_sq('log_gap', FIXED)} AS l2,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY gap_s) AS med,
    avg(CASE WHEN gap_s IS NULL THEN NULL WHEN gap_s < 1 THEN 1.0 ELSE 0.0 END) AS sub_second_gap_share,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN prev_status = 429 THEN gap_s END) AS med_after_429
  FROM g GROUP BY account_id
), m AS (
  SELECT account_id, n_gaps, med, sub_second_gap_share, med_after_429,
    CAST(s1 AS DOUBLE) / 1e6 / nullif(n_gaps, 0) AS mu,
    {exact_sd('n_gaps', 's1', 's2', 6)} AS sd,
    {exact_sd('n_gaps', 'l1', 'l2', FIXED)} AS log_sd
  FROM s
), near AS (
  SELECT g.account_id,
    avg(CASE WHEN abs(g.gap_s - m.med) <= 0.25 * m.med THEN 1.0 ELSE 0.0 END) AS gap_near_median_share
  FROM g JOIN m ON g.account_id = m.account_id WHERE g.gap_s IS NOT NULL GROUP BY g.account_id
), pb AS (
  SELECT account_id, floor(gap_s / 10) AS b, count(*) AS c FROM g
  WHERE gap_s >= 60 AND gap_s <= 1200 GROUP BY account_id, floor(gap_s / 10)
), pauses AS (
  SELECT account_id, sum(CASE WHEN c >= 2 THEN c ELSE 0 END) AS repeated, sum(c) AS total FROM pb GROUP BY account_id
)
SELECT m.account_id,
  CASE WHEN m.n_gaps >= 2 THEN m.med END AS gap_median_s,
  CASE WHEN m.n_gaps >= 2 AND m.mu > 0 THEN m.sd / m.mu END AS gap_cv,
  CASE WHEN m.n_gaps >= 2 THEN m.log_sd END AS gap_log_std,
  CASE WHEN m.n_gaps >= 2 AND m.sd + m.mu > 0 THEN (m.sd - m.mu) / (m.sd + m.mu) END AS burstiness,
  CASE WHEN m.n_gaps >= 2 THEN near.gap_near_median_share END AS gap_near_median_share,
  CASE WHEN m.n_gaps >= 2 THEN m.sub_second_gap_share END AS sub_second_gap_share,
  CASE WHEN m.med_after_429 IS NOT NULL AND m.med > 0 THEN m.med_after_429 / m.med END AS backoff_gap_ratio,
  CASE WHEN m.n_gaps >= 2 THEN CAST(coalesce(p.repeated, 0) AS DOUBLE) / m.n_gaps END AS long_pause_share
FROM m LEFT JOIN near ON near.account_id = m.account_id LEFT JOIN pauses p ON p.account_id = m.account_id
"""

DAILY = f"""
WITH d AS (
  SELECT account_id, CAST(ts AS DATE) AS day, count(*) AS c, count(DISTINCT hour(ts)) AS hrs
  FROM _fp_x GROUP BY account_id, CAST(ts AS DATE)
), s AS (
  SELECT account_id, max(c) AS max_daily_exchanges, count(*) AS n, {exact_sum('c')} AS s1, {exact_sum_sq('c')} AS s2,
    avg(hrs) AS mean_hours_per_active_day
  FROM d GROUP BY account_id
)
SELECT account_id, max_daily_exchanges,
  CASE WHEN n >= 2 AND s1 > 0 THEN {exact_sd('n', 's1', 's2')} / (CAST(s1 AS DOUBLE) / n) END AS daily_count_cv,
  mean_hours_per_active_day
FROM s
"""

HOURS = "SELECT account_id, hour(ts) AS h, count(*) AS c FROM _fp_x GROUP BY account_id, hour(ts)"

TEMPLATES = f"""
WITH acct_tpl AS (
  SELECT account_id, template_id, count(*) AS c, count(DISTINCT slot_hash) AS slots
  FROM _fp_et GROUP BY account_id, template_id
), j AS (
  SELECT acct_tpl.*, t.kind, t.accounts, t.slot_diversity, t.fixed_chars,
    row_number() OVER (PARTITION BY acct_tpl.account_id ORDER BY acct_tpl.c DESC, acct_tpl.template_id) AS rk
  FROM acct_tpl LEFT JOIN _fp_t t ON t.template_id = acct_tpl.template_id
), tot AS (
  SELECT account_id, sum(c) AS n, count(*) AS k, sum(slots) AS pairs,
    sum(CASE WHEN kind IN ('template', 'repeat') AND accounts >= 3 AND fixed_chars >= 60 THEN c ELSE 0 END) AS shared,
    sum(CASE WHEN kind IN ('template', 'repeat') THEN c ELSE 0 END) AS wrapped,
    {exact_fsum('c * ln(c)')} AS clnc
  FROM j GROUP BY account_id
)
SELECT tot.account_id, tot.k AS templates_used, j.template_id AS top_template_id,
  CAST(j.c AS DOUBLE) / tot.n AS top_template_share, j.kind AS top_template_kind,
  j.accounts AS top_template_accounts, j.slot_diversity AS top_template_slot_diversity,
  CAST(tot.shared AS DOUBLE) / tot.n AS shared_template_share,
  CAST(tot.wrapped AS DOUBLE) / tot.n AS wrapper_share,
  -- rounded to FIXED places: one template gives 0, not the rounding left in clnc
  CASE WHEN tot.n >= 2 THEN round((ln(tot.n) - tot.clnc / tot.n) / ln(tot.n), {FIXED}) END AS template_entropy,
  CAST(tot.pairs AS DOUBLE) / tot.n AS content_diversity
FROM tot JOIN j ON j.account_id = tot.account_id AND j.rk = 1
"""

CLASSIFIED = f"""
SELECT x.account_id,
  {exact_mean('CAST(c.harvest AS DOUBLE)')} AS harvest_mean,
  avg(CASE WHEN c.harvest IS NULL THEN NULL WHEN CAST(c.harvest AS DOUBLE) >= 0.5 THEN 1.0 ELSE 0.0 END) AS harvest_share
FROM _fp_x x JOIN _fp_cls c ON c.exchange_id = x.exchange_id GROUP BY x.account_id
"""

CATEGORIES = """
SELECT x.account_id, c.category, count(*) AS n
FROM _fp_x x JOIN _fp_cls c ON c.exchange_id = x.exchange_id
WHERE c.category IS NOT NULL GROUP BY x.account_id, c.category
"""

PARAMS = """
WITH cap AS (
  SELECT model, max(max_tokens) AS cap FROM _fp_x WHERE max_tokens IS NOT NULL GROUP BY model
), mt AS (
  SELECT account_id, max_tokens, count(*) AS c FROM _fp_x GROUP BY account_id, max_tokens
), mtm AS (
  SELECT account_id, max_tokens AS max_tokens_mode,
    row_number() OVER (PARTITION BY account_id ORDER BY c DESC, max_tokens DESC NULLS LAST) AS rk FROM mt
), tm AS (
  SELECT account_id, temperature AS temperature_mode,
    row_number() OVER (PARTITION BY account_id ORDER BY count(*) DESC, temperature DESC NULLS LAST) AS rk
  FROM _fp_x GROUP BY account_id, temperature
), tup AS (
  SELECT account_id, count(*) AS c FROM _fp_x
  GROUP BY account_id, model, max_tokens, temperature, top_p, n, logprobs, stream
), capped AS (
  SELECT x.account_id,
    avg(CASE WHEN x.max_tokens IS NULL THEN 0.0 WHEN x.max_tokens >= 0.95 * cap.cap THEN 1.0 ELSE 0.0 END) AS s,
    count(x.max_tokens) AS given
  FROM _fp_x x LEFT JOIN cap ON cap.model = x.model GROUP BY x.account_id
), n AS (SELECT account_id, count(*) AS n FROM _fp_x GROUP BY account_id)
SELECT n.account_id,
  CASE WHEN capped.given > 0 THEN capped.s END AS max_tokens_cap_share,
  CAST((SELECT max(c) FROM mt WHERE mt.account_id = n.account_id) AS DOUBLE) / n.n AS max_tokens_mode_share,
  CAST((SELECT max(c) FROM tup WHERE tup.account_id = n.account_id) AS DOUBLE) / n.n AS param_fixity,
  mtm.max_tokens_mode, tm.temperature_mode
FROM n JOIN capped ON capped.account_id = n.account_id
LEFT JOIN mtm ON mtm.account_id = n.account_id AND mtm.rk = 1
LEFT JOIN tm ON tm.account_id = n.account_id AND tm.rk = 1
"""

INFRA = """
WITH fam AS (
  SELECT account_id, ua_family, count(*) AS c,
    row_number() OVER (PARTITION BY account_id ORDER BY count(*) DESC, ua_family) AS rk
  FROM _fp_x WHERE ua_family IS NOT NULL GROUP BY account_id, ua_family
), geo AS (
  SELECT x.account_id,
    avg(CASE WHEN x.client_country IS NULL OR a.country IS NULL THEN NULL
             WHEN upper(x.client_country) <> upper(a.country) THEN 1.0 ELSE 0.0 END) AS country_mismatch_share
  FROM _fp_x x JOIN _fp_acct a ON a.account_id = x.account_id GROUP BY x.account_id
)
SELECT n.account_id, fam.ua_family AS ua_family_top, geo.country_mismatch_share
FROM (SELECT DISTINCT account_id FROM _fp_x) n
LEFT JOIN fam ON fam.account_id = n.account_id AND fam.rk = 1
LEFT JOIN geo ON geo.account_id = n.account_id
"""

IPS = """
SELECT x.account_id,
  avg(CASE WHEN x.client_ip IS NULL THEN NULL WHEN ip.is_datacenter THEN 1.0 ELSE 0.0 END) AS datacenter_share,
  avg(CASE WHEN x.client_ip IS NULL THEN NULL WHEN ip.is_vpn THEN 1.0 ELSE 0.0 END) AS vpn_share
FROM _fp_x x LEFT JOIN _fp_ip ip ON ip.client_ip = x.client_ip GROUP BY x.account_id
"""

LIFECYCLE = """
WITH f AS (SELECT account_id, min(t_us) AS first_us FROM _fp_x GROUP BY account_id),
pay AS (
  SELECT payment_fingerprint, count(DISTINCT account_id) AS k FROM _fp_acct
  WHERE payment_fingerprint IS NOT NULL GROUP BY payment_fingerprint
)
SELECT f.account_id, a.created_at AS account_created_at,
  (f.first_us - a.created_us) / 3600000000.0 AS age_at_first_use_h,
  a.signup_path, a.verified, a.email_domain,
  {disposable} AS disposable_email,
  pay.k AS payment_shared_accounts
FROM f JOIN _fp_acct a ON a.account_id = f.account_id
LEFT JOIN pay ON pay.payment_fingerprint = a.payment_fingerprint
"""

RELEASE = """
WITH w AS (
  SELECT x.account_id, CASE WHEN x.model = r.rmodel THEN 1 ELSE 0 END AS on_new
  FROM _fp_x x JOIN _fp_rel r ON x.t_us >= r.r_us AND x.t_us < r.r_us + 86400000000
), acc AS (
  SELECT account_id, count(*) AS n_win, sum(on_new) AS n_new FROM w GROUP BY account_id
), pop AS (
  SELECT CAST(sum(n_new) AS DOUBLE) / nullif(sum(n_win), 0) AS pop_share FROM acc
), firstuse AS (
  SELECT x.account_id, min((x.t_us - r.r_us) / 3600000000.0) AS hours_to_new_model
  FROM _fp_x x JOIN _fp_rel r ON x.model = r.rmodel AND x.t_us >= r.r_us GROUP BY x.account_id
)
SELECT n.account_id,
  CAST(acc.n_new AS DOUBLE) / acc.n_win AS release_new_model_share,
  pop.pop_share AS release_population_share,
  CAST(acc.n_new AS DOUBLE) / acc.n_win - pop.pop_share AS release_share_lift,
  firstuse.hours_to_new_model
FROM (SELECT DISTINCT account_id FROM _fp_x) n CROSS JOIN pop
LEFT JOIN acc ON acc.account_id = n.account_id
LEFT JOIN firstuse ON firstuse.account_id = n.account_id
"""
