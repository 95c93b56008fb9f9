"""The state store: bindings, cursors, the ledger, held records, repairs and claims.

SQLite by default (a file the user can choose), PostgreSQL by URL (:mod:`.database`). Writes
that belong together (the bindings of a batch and the cursor that covers them) go through
:meth:`StateStore.transaction`, so they land together or not at all. Each kind of state has its
own module holding both halves: what :class:`StateStore` reads (or writes on its own) and what
a :class:`StoreTransaction` writes (:mod:`.bindings`, :mod:`.cursors`, :mod:`.ledger`,
:mod:`.held`, :mod:`.repairs`, :mod:`.claims`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlmodel import Session

from mkmw_flows.state.bindings import BindingStore, BindingTransaction
from mkmw_flows.state.claims import ClaimStore
from mkmw_flows.state.cursors import CursorStore, CursorTransaction
from mkmw_flows.state.database import default_database_url, normalise_url, open_engine
from mkmw_flows.state.held import HeldStore, HeldTransaction
from mkmw_flows.state.ledger import LedgerStore, LedgerTransaction
from mkmw_flows.state.repairs import RepairStore, RepairTransaction


class StateStore(BindingStore, CursorStore, LedgerStore, HeldStore, RepairStore, ClaimStore):
    """Bindings, cursors, ledger and held records of every integration.

    Args:
        url: Database URL or SQLite file path; defaults to :func:`default_database_url`.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url or default_database_url())
        self.engine = open_engine(self.url)

    def __repr__(self) -> str:
        return f"StateStore({make_url(self.url).render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[StoreTransaction]:
        """Group writes: everything inside lands together, or nothing does.

        Yields:
            A :class:`StoreTransaction` to write bindings, cursors and ledger entries.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield StoreTransaction(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise


class StoreTransaction(
    BindingTransaction, CursorTransaction, LedgerTransaction, HeldTransaction, RepairTransaction
):
    """Writes inside one database transaction (see :meth:`StateStore.transaction`)."""

    def __init__(self, session: Session) -> None:
        self.session = session
