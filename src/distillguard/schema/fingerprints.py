"""The `fingerprints` table (one row per account in exchanges) and `account_scores`.

Every column is documented here; docs/fingerprints.md is rendered from these descriptions.
A feature that cannot be computed (optional input missing, too few exchanges) is null.
"""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

F64 = pa.float64()
I64 = pa.int64()

FINGERPRINTS = table(
    "fingerprints",
    col("account_id", pa.string(), "Account (every account_id seen in exchanges gets one row)."),
    # --- volume and rate
    col("exchanges", I64, "[timing] Exchanges of the account (before `until`, when given)."),
    col("first_seen", pa.timestamp("us", tz="UTC"), "[timing] First exchange ts."),
    col("last_seen", pa.timestamp("us", tz="UTC"), "[timing] Last exchange ts."),
    col("active_days", I64, "[timing] Distinct UTC days with traffic."),
    col("active_hours", I64, "[timing] Distinct (day, hour) buckets with traffic."),
    col("rate_per_active_hour", F64, "[timing] Exchanges per active (day, hour) bucket."),
    col("max_daily_exchanges", I64, "[timing] Exchanges on the busiest UTC day."),
    col("daily_count_cv", F64, "[timing] Coefficient of variation of exchanges per active day (low = a flat "
        "scripted quota; null under 2 active days)."),
    # --- inter-arrival
    col("gap_median_s", F64, "[timing] Median seconds between consecutive exchanges (null under 3 exchanges)."),
    col("gap_cv", F64, "[timing] Coefficient of variation of the gaps (1 = Poisson; < 0.5 machine-regular)."),
    col("gap_log_std", F64, "[timing] Standard deviation of ln(gap seconds); small = clockwork timing even with jitter."),
    col("burstiness", F64, "[timing] Goh-Barabási burstiness (σ-μ)/(σ+μ) of the gaps, in [-1, 1]: -1 periodic, "
        "0 Poisson, toward 1 bursty (human sessions)."),
    col("gap_near_median_share", F64, "[timing] Share of gaps within ±25% of the account's median gap."),
    col("sub_second_gap_share", F64, "[timing] Share of gaps under one second (parallel workers)."),
    # --- diurnal
    col("hour_entropy", F64, "[timing] Normalised entropy of the hour-of-day histogram (UTC), 0..1; 1 = flat "
        "round-the-clock traffic, low = a human's waking hours."),
    col("hours_of_day_share", F64, "[timing] Share of the 24 hours of the day (UTC) with any traffic."),
    col("mean_hours_per_active_day", F64, "[timing] Mean distinct hours with traffic per active day (of 24)."),
    col("hour_profile", pa.list_(pa.float32()), "[timing] 24 shares of traffic per UTC hour of day."),
    # --- rate limits and back-off
    col("rate_limited_share", F64, "[timing] Share of exchanges answered 429 (null when status is absent)."),
    col("backoff_gap_ratio", F64, "[timing] Median gap after a 429 / median gap overall (> 1 = waits out rate "
        "limits; null without 429s)."),
    col("long_pause_share", F64, "[timing] Share of gaps between 1 and 20 minutes whose length repeats (same "
        "10-second bucket as another pause of the account): scripted back-off / quota waits."),
    # --- content
    col("templates_used", I64, "[content] Distinct template ids of the account."),
    col("top_template_id", pa.string(), "[content] The account's most used template (ties: smallest id)."),
    col("top_template_share", F64, "[content] Share of the account's exchanges on its top template."),
    col("top_template_kind", pa.string(), "[content] kind of the top template (template, repeat, free_form)."),
    col("top_template_accounts", I64, "[content] Distinct accounts (this one included) that used the top template."),
    col("top_template_slot_diversity", F64, "[content] slot_diversity of the top template across all accounts."),
    col("shared_template_share", F64, "[content] Share of exchanges on mined wrappers (kind template or repeat) "
        "with at least 60 characters of fixed text, used by at least 3 accounts (short generic follow-ups such as "
        "'Can you make it shorter?' do not count)."),
    col("wrapper_share", F64, "[content] Share of exchanges on a mined wrapper (kind template or repeat), any sharing."),
    col("template_entropy", F64, "[content] Normalised entropy of the account's template distribution, 0..1 "
        "(0 = one template; null under 2 exchanges)."),
    col("content_diversity", F64, "[content] Distinct (template, slot content) pairs / exchanges."),
    col("single_turn_share", F64, "[content] Share of exchanges with at most one non-system message."),
    col("mean_user_turns", F64, "[content] Mean user turns per exchange."),
    col("category_top", pa.string(), "[content] Most common classifier category (null without classifier output)."),
    col("category_top_share", F64, "[content] Share of that category."),
    col("category_entropy", F64, "[content] Normalised entropy of classifier categories: breadth of topics."),
    col("category_mix", pa.string(), "[content] JSON {category: share} from the classifier."),
    col("harvest_mean", F64, "[content] Mean classifier harvest score."),
    col("harvest_share", F64, "[content] Share of exchanges with harvest score >= 0.5."),
    # --- parameters
    col("max_tokens_cap_share", F64, "[parameters] Share of exchanges whose max_tokens is at the model's cap "
        "(>= 95% of the largest max_tokens any account requested for that model)."),
    col("max_tokens_mode_share", F64, "[parameters] Share of the account's most common max_tokens value."),
    col("max_tokens_mode", I64, "[parameters] The account's most common max_tokens value (ties: largest)."),
    col("temperature_mode", F64, "[parameters] The account's most common temperature (ties: largest)."),
    col("param_fixity", F64, "[parameters] Share of the most common (model, max_tokens, temperature, top_p, n, "
        "logprobs, stream) tuple: a harness sends one configuration."),
    col("temperature_mean", F64, "[parameters] Mean temperature requested (null when never given)."),
    col("temperature_given_share", F64, "[parameters] Share of exchanges that set temperature."),
    col("n_gt1_share", F64, "[parameters] Share of exchanges asking for n > 1 choices."),
    col("logprobs_share", F64, "[parameters] Share of exchanges asking for log-probabilities."),
    col("tools_share", F64, "[parameters] Share of exchanges offering tools."),
    col("tool_schemas", I64, "[parameters] Distinct tool-definition JSON documents offered."),
    col("stream_share", F64, "[parameters] Share of streaming requests."),
    col("thinking_share", F64, "[parameters] Share of requests enabling extended thinking (a budget or adaptive) or a reasoning effort."),
    col("json_format_share", F64, "[parameters] Share of requests with a JSON response_format."),
    # --- volume shape
    col("output_input_ratio", F64, "[volume] Total output tokens / total input tokens."),
    col("mean_output_tokens", F64, "[volume] Mean output tokens per exchange."),
    col("reasoning_token_share", F64, "[volume] Total reasoning tokens / total output tokens."),
    col("total_output_tokens", I64, "[volume] Output tokens billed in all."),
    # --- infrastructure
    col("distinct_ips", I64, "[infra] Distinct client IPs."),
    col("ip_churn", F64, "[infra] Distinct client IPs / exchanges (1 = a fresh address per call)."),
    col("distinct_asns", I64, "[infra] Distinct autonomous systems."),
    col("distinct_client_countries", I64, "[infra] Distinct geolocated countries."),
    col("datacenter_share", F64, "[infra] Share of exchanges from datacenter IPv4 ranges (null without the list)."),
    col("vpn_share", F64, "[infra] Share of exchanges from VPN IPv4 ranges (null without the list)."),
    col("country_mismatch_share", F64, "[infra] Share of geolocated exchanges whose country differs from the "
        "billing country (null without both)."),
    col("distinct_user_agents", I64, "[infra] Distinct User-Agent strings."),
    col("ua_family_top", pa.string(), "[infra] Most common User-Agent family: browser, python, node, sdk, cli, "
        "other."),
    col("ua_families", I64, "[infra] Distinct User-Agent families."),
    col("browser_ua_share", F64, "[infra] Share of exchanges with a browser User-Agent."),
    col("distinct_tls_fingerprints", I64, "[infra] Distinct TLS fingerprints."),
    col("distinct_api_keys", I64, "[infra] Distinct API keys used."),
    # --- lifecycle
    col("account_created_at", pa.timestamp("us", tz="UTC"), "[lifecycle] Sign-up time (null without accounts)."),
    col("age_at_first_use_h", F64, "[lifecycle] Hours from sign-up to the first exchange."),
    col("signup_path", pa.string(), "[lifecycle] Sign-up path from accounts."),
    col("verified", pa.bool_(), "[lifecycle] Identity verification passed."),
    col("email_domain", pa.string(), "[lifecycle] Sign-up e-mail domain."),
    col("disposable_email", pa.bool_(), "[lifecycle] E-mail domain is on the disposable-domain list (null without it)."),
    col("payment_shared_accounts", I64, "[lifecycle] Accounts (this one included) with the same payment fingerprint."),
    # --- model releases
    col("release_new_model_share", F64, "[release] Share of the account's traffic in the first 24 h after each "
        "model release that went to the released model (null when idle in those windows)."),
    col("release_population_share", F64, "[release] The same share over all accounts' traffic in those windows."),
    col("release_share_lift", F64, "[release] release_new_model_share - release_population_share."),
    col("hours_to_new_model", F64, "[release] Hours from a release to the account's first call on that model "
        "(minimum over releases; null when never used)."),
)

ACCOUNT_SCORES = table(
    "account_scores",
    col("account_id", pa.string(), "Account."),
    col("risk_unsupervised", F64, "Risk in [0, 1] from the fingerprint alone, no labels: weighted evidence of "
        "distillation behaviour (see docs/fingerprints.md), squashed by a logistic."),
    col("risk_percentile", F64, "Rank of risk_unsupervised among the scored accounts, in [0, 1]."),
    col("risk_supervised", F64, "Risk in [0, 1] from a model trained on labelled worlds; null without a model."),
    col("reasons", pa.string(), "Up to three short analyst phrases, ';'-separated, strongest first; empty if none."),
)
