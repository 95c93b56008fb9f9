"""The ledger: one row per record per run, with its outcome, reason and what was sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session, col, delete, select, update

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import LedgerEntry, Outcome, utcnow

_LEDGER: Table = LedgerEntry.__table__  # type: ignore[attr-defined]


class LedgerStore(StoreBase):
    """Appending to, reading and purging the ledger."""

    def append_ledger(self, entries: Sequence[LedgerEntry]) -> None:
        """Append ledger entries in one transaction."""
        with self.transaction() as tx:
            tx.add_ledger(entries)

    def ledger(
        self,
        *,
        integration: str | None = None,
        run_id: str | None = None,
        reason_code: str | None = None,
        record_key: str | None = None,
        flow: str | None = None,
        outcome: Outcome | None = None,
        limit: int | None = None,
    ) -> list[LedgerEntry]:
        """Ledger entries matching every given filter, newest first."""
        query = select(LedgerEntry)
        filters: dict[str, Any] = {
            "integration": integration,
            "run_id": run_id,
            "reason_code": reason_code,
            "record_key": record_key,
            "flow": flow,
            "outcome": outcome,
        }
        for name, value in filters.items():
            if value is not None:
                query = query.where(getattr(LedgerEntry, name) == value)
        query = query.order_by(col(LedgerEntry.id).desc())
        if limit:
            query = query.limit(limit)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query))

    def purge(
        self, integration: str, older_than_days: int, *, now: datetime | None = None
    ) -> tuple[int, int]:
        """Apply one integration's retention period to its own ledger.

        Entries of ``integration`` older than the period are deleted; personal data (what was
        read and sent) is erased from the rest of those entries first, so none outlives the
        period. Other integrations sharing the database keep their entries (each has its own
        period), and held records are never touched: they wait to be taken again.

        Args:
            integration: The integration whose ledger is purged.
            older_than_days: The retention period in days.
            now: The reference time (aware UTC); defaults to now.

        Returns:
            (entries deleted, entries whose personal data was erased).
        """
        if not isinstance(integration, str) or not integration:
            raise TypeError("purge needs the integration's name: retention is per integration")
        cutoff = (now or utcnow()) - timedelta(days=older_than_days)
        old = (
            col(LedgerEntry.integration) == integration,
            col(LedgerEntry.created_at) < cutoff,
        )
        with self.transaction() as tx:
            erased = tx.session.exec(
                update(LedgerEntry)  # type: ignore[call-overload]
                .where(*old, col(LedgerEntry.personal_data))
                .values(source_data=None, sent_data=None, personal_data=False)
            ).rowcount
            deleted = tx.session.exec(
                delete(LedgerEntry).where(*old)  # type: ignore[call-overload]
            ).rowcount
        return int(deleted or 0), int(erased or 0)


class LedgerTransaction(TransactionBase):
    """Appending to the ledger inside a transaction."""

    def add_ledger(self, entries: Iterable[LedgerEntry | dict[str, Any]]) -> None:
        """Append ledger entries (models, or plain dicts of their columns: much faster in bulk)."""
        rows = [e if isinstance(e, dict) else _ledger_row(e) for e in entries]
        now = utcnow()
        for row in rows:
            row.setdefault("created_at", now)
        if rows:
            # one executemany on the transaction's connection (no ORM bulk machinery per row)
            self.session.connection().execute(insert(_LEDGER), rows)


def _ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    row = {c.name: getattr(entry, c.name) for c in _LEDGER.columns}
    if row.get("id") is None:
        row.pop("id", None)
    return row
