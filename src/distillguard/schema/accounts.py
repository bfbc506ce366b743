"""The `accounts` table: one row per billing account (contract section 2)."""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

ACCOUNTS = table(
    "accounts",
    col("account_id", pa.string(), "Joins to exchanges.account_id."),
    col("created_at", pa.timestamp("us", tz="UTC"), "Sign-up time, UTC."),
    col("email_domain", pa.string(), "Domain of the sign-up e-mail, lower case."),
    col("payment_fingerprint", pa.string(), "Stable token of the payment instrument."),
    col("country", pa.string(), "Declared billing country, ISO 3166-1 alpha-2, upper case."),
    col("signup_path", pa.string(), "self_serve, education, research_program, startup_program, enterprise, reseller, or another word."),
    col("verified", pa.bool_(), "Passed identity verification."),
    col("source", pa.string(), "File the record was read from."),
    col("source_row", pa.int64(), "1-based row in that file."),
)

SCHEMA = ACCOUNTS.schema
