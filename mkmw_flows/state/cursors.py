"""Cursors: how far each feed of an integration has been read."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, select

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import Cursor, utcnow


class CursorStore(StoreBase):
    """Reading cursors, and setting or forgetting one on its own (rewind, backfill)."""

    def get_cursor(self, integration: str, name: str) -> str | None:
        """The stored value of a cursor, or None when the feed has not been read yet."""
        with Session(self.engine) as session:
            row = session.get(Cursor, (integration, name))
            return row.value if row else None

    def cursors(self, integration: str | None = None) -> list[Cursor]:
        """All cursors, optionally of one integration."""
        query = select(Cursor)
        if integration is not None:
            query = query.where(Cursor.integration == integration)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(Cursor.integration, Cursor.name)))

    def set_cursor(self, integration: str, name: str, value: str) -> None:
        """Set a cursor on its own (rewind, backfill). Batches use :meth:`transaction`."""
        with self.transaction() as tx:
            tx.set_cursor(integration, name, value)

    def delete_cursor(self, integration: str, name: str) -> bool:
        """Forget a cursor so the next run starts from the beginning. True if it existed."""
        with self.transaction() as tx:
            result = tx.session.exec(
                delete(Cursor).where(  # type: ignore[call-overload]
                    col(Cursor.integration) == integration, col(Cursor.name) == name
                )
            )
            return bool(result.rowcount)


class CursorTransaction(TransactionBase):
    """Committing a cursor with the page it covers."""

    def set_cursor(self, integration: str, name: str, value: str) -> None:
        """Commit a cursor position together with the rest of the transaction.

        An upsert, so two runs setting a new cursor at once (two workers) do not collide.
        """
        now = utcnow()
        dialect = self.session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = upsert(Cursor).values(
            integration=integration, name=name, value=value, updated_at=now
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["integration", "name"], set_={"value": value, "updated_at": now}
            )
        )
        row = self.session.identity_map.get(self.session.identity_key(Cursor, (integration, name)))
        if row is not None:
            self.session.refresh(row)
