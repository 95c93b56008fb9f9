"""State layer: bindings, cursors, the ledger and held records (SQLite or PostgreSQL)."""

from mkmw_flows.state.claims import Claim
from mkmw_flows.state.database import default_database_url
from mkmw_flows.state.models import Binding, Cursor, HeldRecord, LedgerEntry, Outcome
from mkmw_flows.state.store import StateStore, StoreTransaction

__all__ = [
    "Binding",
    "Claim",
    "Cursor",
    "HeldRecord",
    "LedgerEntry",
    "Outcome",
    "StateStore",
    "StoreTransaction",
    "default_database_url",
]
