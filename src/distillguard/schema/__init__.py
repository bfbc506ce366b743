"""Table schemas: one module per table; every field carries a description."""

from distillguard.schema.accounts import ACCOUNTS
from distillguard.schema.events import EVENTS
from distillguard.schema.exchanges import EXCHANGES
from distillguard.schema.quarantine import QUARANTINE

TABLES = {t.name: t for t in (EXCHANGES, ACCOUNTS, EVENTS, QUARANTINE)}

__all__ = ["ACCOUNTS", "EVENTS", "EXCHANGES", "QUARANTINE", "TABLES"]
