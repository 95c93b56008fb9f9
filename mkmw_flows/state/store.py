"""The state store: bindings, cursors, the ledger and held records behind one small API.

SQLite by default (a file the user can choose), PostgreSQL by URL. Tables are created on
first use. Writes that belong together (the bindings of a batch and the cursor that covers
them) go through :meth:`StateStore.transaction`, so they land together or not at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, create_engine, delete, select, update

from mkmw_flows.state.claims import (
    DEFAULT_TTL_SECONDS,
    Claim,
    active_claims,
    claim_records,
    release_records,
)
from mkmw_flows.state.models import (
    Binding,
    Cursor,
    HeldRecord,
    LedgerEntry,
    Outcome,
    RepairOwed,
    utcnow,
)

DEFAULT_HOME_ENV = "MKMW_HOME"
DATABASE_URL_ENV = "MKMW_DATABASE_URL"


def default_database_url() -> str:
    """The default state database.

    ``$MKMW_DATABASE_URL`` when set, else SQLite in ``$MKMW_HOME/state.db`` (default ``~/.mkmw``).
    """
    if os.environ.get(DATABASE_URL_ENV):
        return os.environ[DATABASE_URL_ENV]
    home = Path(os.environ.get(DEFAULT_HOME_ENV, Path.home() / ".mkmw"))
    return f"sqlite:///{home / 'state.db'}"


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and file paths; pick the drivers we ship.

    Args:
        url: A SQLAlchemy URL, a ``postgresql://`` URL, or a path to a SQLite file.

    Returns:
        A SQLAlchemy URL using psycopg for PostgreSQL.
    """
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class StateStore:
    """Bindings, cursors, ledger and held records of every integration.

    Args:
        url: Database URL or SQLite file path; defaults to :func:`default_database_url`.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = normalise_url(url or default_database_url())
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        SQLModel.metadata.create_all(self.engine)

    def __repr__(self) -> str:
        return f"StateStore({make_url(self.url).render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # -- transactions -------------------------------------------------------------------

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

    # -- bindings -----------------------------------------------------------------------

    def find_binding(
        self,
        integration: str,
        entity: str,
        *,
        mplus_key: str | None = None,
        shop_key: str | None = None,
        variant_key: str = "",
    ) -> Binding | None:
        """Find a binding from either side.

        Args:
            integration: Integration name.
            entity: product, variant, category, customer, order, ...
            mplus_key: The MplusKASSA key (article number, relation number, order id).
            shop_key: The shop key (article id, category id, e-mail, order number).
            variant_key: With ``shop_key``: the option combination of a shop variant.

        Returns:
            The binding, or None.
        """
        if (mplus_key is None) == (shop_key is None):
            raise ValueError("give exactly one of mplus_key and shop_key")
        query = select(Binding).where(Binding.integration == integration, Binding.entity == entity)
        if mplus_key is not None:
            query = query.where(Binding.mplus_key == mplus_key)
        else:
            query = query.where(Binding.shop_key == shop_key, Binding.variant_key == variant_key)
        with Session(self.engine, expire_on_commit=False) as session:
            return session.exec(query).first()

    def bindings(
        self, integration: str, entity: str, *, shop_key: str | None = None
    ) -> list[Binding]:
        """All bindings of one entity type, optionally of one shop record (all its variants)."""
        query = select(Binding).where(Binding.integration == integration, Binding.entity == entity)
        if shop_key is not None:
            query = query.where(Binding.shop_key == shop_key)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(col(Binding.id))))

    def bindings_by_mplus_keys(
        self, integration: str, entity: str, mplus_keys: Iterable[str]
    ) -> dict[str, Binding]:
        """Bindings for many MplusKASSA keys in one query, keyed by mplus_key."""
        keys = list(dict.fromkeys(mplus_keys))
        found: dict[str, Binding] = {}
        with Session(self.engine, expire_on_commit=False) as session:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                query = select(Binding).where(
                    Binding.integration == integration,
                    Binding.entity == entity,
                    col(Binding.mplus_key).in_(chunk),
                )
                found.update({b.mplus_key: b for b in session.exec(query)})
        return found

    def bindings_by_shop_keys(
        self, integration: str, entity: str, shop_keys: Iterable[str]
    ) -> dict[str, Binding]:
        """Bindings (variant_key "") for many shop keys in one query, keyed by shop_key."""
        keys = list(dict.fromkeys(shop_keys))
        found: dict[str, Binding] = {}
        with Session(self.engine, expire_on_commit=False) as session:
            for start in range(0, len(keys), 500):
                query = select(Binding).where(
                    Binding.integration == integration,
                    Binding.entity == entity,
                    Binding.variant_key == "",
                    col(Binding.shop_key).in_(keys[start : start + 500]),
                )
                found.update({b.shop_key: b for b in session.exec(query)})
        return found

    # -- cursors ------------------------------------------------------------------------

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

    # -- ledger -------------------------------------------------------------------------

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

    # -- held records -------------------------------------------------------------------

    def held(
        self, integration: str, flow: str, *, reason_code: str | None = None
    ) -> list[HeldRecord]:
        """Records of a flow waiting to be taken again, oldest first."""
        query = select(HeldRecord).where(
            HeldRecord.integration == integration, HeldRecord.flow == flow
        )
        if reason_code is not None:
            query = query.where(HeldRecord.reason_code == reason_code)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(col(HeldRecord.first_failed_at))))

    def request_retry(
        self,
        integration: str,
        *,
        reason_code: str | None = None,
        record_key: str | None = None,
        flow: str | None = None,
    ) -> int:
        """Mark held records so the next run takes them again. Returns how many were marked."""
        if reason_code is None and record_key is None:
            raise ValueError("give a reason code or a record key")
        statement = update(HeldRecord).where(col(HeldRecord.integration) == integration)
        if reason_code is not None:
            statement = statement.where(col(HeldRecord.reason_code) == reason_code)
        if record_key is not None:
            statement = statement.where(col(HeldRecord.record_key) == record_key)
        if flow is not None:
            statement = statement.where(col(HeldRecord.flow) == flow)
        with self.transaction() as tx:
            result = tx.session.exec(statement.values(retry_requested=True))  # type: ignore[call-overload]
            return int(result.rowcount or 0)

    # -- repairs owed -------------------------------------------------------------------

    def repairs_owed(self, integration: str, kind: str) -> list[RepairOwed]:
        """The repair writes still owed to shop records of one kind, oldest first."""
        query = select(RepairOwed).where(
            RepairOwed.integration == integration, RepairOwed.kind == kind
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(query.order_by(col(RepairOwed.created_at))))

    # -- claims -------------------------------------------------------------------------

    def claim(
        self,
        integration: str,
        flow: str,
        record_key: str,
        owner: str,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> bool:
        """Claim one record for one run (see :mod:`mkmw_flows.state.claims`).

        Returns:
            True when `owner` holds the claim now; False while another run holds it.
        """
        return record_key in self.claim_many(integration, flow, [record_key], owner, ttl_seconds)

    def claim_many(
        self,
        integration: str,
        flow: str,
        record_keys: Iterable[str],
        owner: str,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> set[str]:
        """Claim a batch of records in one transaction; returns the keys `owner` holds."""
        with self.transaction() as tx:
            return claim_records(tx.session, integration, flow, record_keys, owner, ttl_seconds)

    def release_claims(
        self, integration: str, flow: str, record_keys: Iterable[str], owner: str
    ) -> int:
        """Release `owner`'s claims on `record_keys`; returns how many were released."""
        with self.transaction() as tx:
            return release_records(tx.session, integration, flow, record_keys, owner)

    def claims(self, integration: str, flow: str | None = None) -> list[Claim]:
        """The claims that hold right now (runs working on records), oldest first."""
        with Session(self.engine, expire_on_commit=False) as session:
            return active_claims(session, integration, flow)


class StoreTransaction:
    """Writes inside one database transaction (see :meth:`StateStore.transaction`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put_binding(
        self,
        integration: str,
        entity: str,
        *,
        mplus_key: str,
        shop_key: str,
        variant_key: str = "",
        field_hashes: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Binding:
        """Create or update the binding of ``mplus_key`` (matched on the MplusKASSA side).

        Hashes and extra data given are merged into what the binding holds.
        """
        existing = self.session.exec(
            select(Binding).where(
                Binding.integration == integration,
                Binding.entity == entity,
                Binding.mplus_key == mplus_key,
            )
        ).first()
        binding = existing or Binding(
            integration=integration, entity=entity, mplus_key=mplus_key, shop_key=shop_key
        )
        binding.shop_key = shop_key
        binding.variant_key = variant_key
        if field_hashes:
            binding.field_hashes = {**binding.field_hashes, **field_hashes}
        if extra:
            binding.extra = {**binding.extra, **extra}
        binding.synced_at = utcnow()
        self.session.add(binding)
        self.session.flush()
        return binding

    def put_bindings(self, integration: str, entity: str, rows: Sequence[dict[str, Any]]) -> None:
        """Many :meth:`put_binding` calls of one entity in one query and one flush (batches).

        Args:
            integration: Integration name.
            entity: The entity of every row.
            rows: Keyword arguments of :meth:`put_binding` (``mplus_key``, ``shop_key``, ...).
        """
        keys = list(dict.fromkeys(str(row["mplus_key"]) for row in rows))
        existing: dict[str, Binding] = {}
        for start in range(0, len(keys), 500):
            query = select(Binding).where(
                Binding.integration == integration,
                Binding.entity == entity,
                col(Binding.mplus_key).in_(keys[start : start + 500]),
            )
            existing.update({b.mplus_key: b for b in self.session.exec(query)})
        now = utcnow()
        for row in rows:
            key = str(row["mplus_key"])
            binding = existing.get(key) or Binding(
                integration=integration, entity=entity, mplus_key=key, shop_key=row["shop_key"]
            )
            binding.shop_key = row["shop_key"]
            binding.variant_key = row.get("variant_key", "")
            if row.get("field_hashes"):
                binding.field_hashes = {**binding.field_hashes, **row["field_hashes"]}
            if row.get("extra"):
                binding.extra = {**binding.extra, **row["extra"]}
            binding.synced_at = now
            existing[key] = binding
            self.session.add(binding)
        self.session.flush()

    def delete_binding(self, integration: str, entity: str, mplus_key: str) -> None:
        """Remove the binding of ``mplus_key``, if any."""
        self.session.exec(
            delete(Binding).where(  # type: ignore[call-overload]
                col(Binding.integration) == integration,
                col(Binding.entity) == entity,
                col(Binding.mplus_key) == mplus_key,
            )
        )

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

    def add_ledger(self, entries: Iterable[LedgerEntry | dict[str, Any]]) -> None:
        """Append ledger entries (models, or plain dicts of their columns: much faster in bulk)."""
        rows = [e if isinstance(e, dict) else _ledger_row(e) for e in entries]
        now = utcnow()
        for row in rows:
            row.setdefault("created_at", now)
        if rows:
            self.session.execute(insert(LedgerEntry), rows)

    def hold(
        self, integration: str, flow: str, record_key: str, reason_code: str, message: str
    ) -> None:
        """Keep a failed record for a later run; count the attempt if it was held already."""
        row = self.session.get(HeldRecord, (integration, flow, record_key))
        now = utcnow()
        if row is None:
            row = HeldRecord(
                integration=integration,
                flow=flow,
                record_key=record_key,
                reason_code=reason_code,
                message=message,
                first_failed_at=now,
            )
        else:
            row.attempts += 1
            row.reason_code = reason_code
            row.message = message
        row.retry_requested = False
        row.last_failed_at = now
        self.session.add(row)
        self.session.flush()

    def release(self, integration: str, flow: str, record_key: str) -> None:
        """Forget a held record once it went through."""
        row = self.session.get(HeldRecord, (integration, flow, record_key))
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    def release_many(self, integration: str, flow: str, record_keys: Iterable[str]) -> None:
        """Forget the held records among `record_keys` (one statement per 500 keys)."""
        keys = list(dict.fromkeys(record_keys))
        for start in range(0, len(keys), 500):
            self.session.exec(
                delete(HeldRecord).where(  # type: ignore[call-overload]
                    col(HeldRecord.integration) == integration,
                    col(HeldRecord.flow) == flow,
                    col(HeldRecord.record_key).in_(keys[start : start + 500]),
                )
            )

    def owe_repairs(
        self, integration: str, kind: str, owed: dict[str, str], detail: str = ""
    ) -> None:
        """Record repair writes owed to shop records (``{shop_key: mplus_key}``).

        A record that already owes one keeps its first date (the detail is updated).
        """
        keys = list(owed)
        existing: dict[str, RepairOwed] = {}
        for start in range(0, len(keys), 500):
            query = select(RepairOwed).where(
                RepairOwed.integration == integration,
                RepairOwed.kind == kind,
                col(RepairOwed.shop_key).in_(keys[start : start + 500]),
            )
            existing.update({r.shop_key: r for r in self.session.exec(query)})
        for shop_key, mplus_key in owed.items():
            row = existing.get(shop_key) or RepairOwed(
                integration=integration, kind=kind, shop_key=shop_key, mplus_key=mplus_key
            )
            row.mplus_key = mplus_key
            row.detail = detail[:2000]
            self.session.add(row)
        self.session.flush()

    def clear_repairs(self, integration: str, kind: str, shop_keys: Iterable[str]) -> None:
        """Forget repairs once their write went through (one statement per 500 keys)."""
        keys = list(dict.fromkeys(shop_keys))
        for start in range(0, len(keys), 500):
            self.session.exec(
                delete(RepairOwed).where(  # type: ignore[call-overload]
                    col(RepairOwed.integration) == integration,
                    col(RepairOwed.kind) == kind,
                    col(RepairOwed.shop_key).in_(keys[start : start + 500]),
                )
            )


def _ledger_row(entry: LedgerEntry) -> dict[str, Any]:
    row = {c.name: getattr(entry, c.name) for c in LedgerEntry.__table__.columns}  # type: ignore[attr-defined]
    if row.get("id") is None:
        row.pop("id", None)
    return row


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
