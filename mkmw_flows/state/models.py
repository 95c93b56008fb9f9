"""SQLModel tables of the state store: bindings, cursors, the ledger, held records, repairs."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now in UTC (the store keeps aware UTC times on every database)."""
    return datetime.now(UTC)


class Outcome(StrEnum):
    """What happened to one record in one run."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


class Binding(SQLModel, table=True):
    """The link between one MplusKASSA record and one MijnWebwinkel record.

    A shop variant has no SKU of its own, so it is identified by the shop article id
    (``shop_key``) plus its option combination (``variant_key``).
    """

    __tablename__ = "mkmw_binding"
    __table_args__ = (
        UniqueConstraint("integration", "entity", "mplus_key", name="uq_binding_mplus"),
        UniqueConstraint(
            "integration", "entity", "shop_key", "variant_key", name="uq_binding_shop"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    integration: str = Field(max_length=100)
    entity: str = Field(max_length=40, description="product, variant, category, customer, order")
    mplus_key: str = Field(max_length=200)
    shop_key: str = Field(max_length=200)
    variant_key: str = Field(default="", max_length=400)
    field_hashes: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    synced_at: datetime = Field(default_factory=utcnow)


class Cursor(SQLModel, table=True):
    """A change-feed position (syncMarker, stockId, date) per integration and feed."""

    __tablename__ = "mkmw_cursor"

    integration: str = Field(primary_key=True, max_length=100)
    name: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


class LedgerEntry(SQLModel, table=True):
    """One record's outcome in one run, with a reason a shop owner understands."""

    __tablename__ = "mkmw_ledger"
    __table_args__ = (
        Index("ix_ledger_run", "integration", "run_id"),
        Index("ix_ledger_reason", "integration", "reason_code"),
        Index("ix_ledger_record", "integration", "flow", "record_key"),
        Index("ix_ledger_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    integration: str = Field(max_length=100)
    run_id: str = Field(max_length=64)
    flow: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    record_key: str = Field(max_length=200)
    outcome: Outcome
    reason_code: str | None = Field(default=None, max_length=60)
    message: str = Field(default="", max_length=2000)
    source_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    sent_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    personal_data: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class HeldRecord(SQLModel, table=True):
    """A record that failed and waits to be taken again by a later run (or by `mkmw retry`)."""

    __tablename__ = "mkmw_held"

    integration: str = Field(primary_key=True, max_length=100)
    flow: str = Field(primary_key=True, max_length=40)
    record_key: str = Field(primary_key=True, max_length=200)
    reason_code: str = Field(max_length=60)
    message: str = Field(default="", max_length=2000)
    attempts: int = Field(default=1)
    retry_requested: bool = Field(default=False)
    first_failed_at: datetime = Field(default_factory=utcnow)
    last_failed_at: datetime = Field(default_factory=utcnow)


class RepairOwed(SQLModel, table=True):
    """A write owed to one shop record because something we did changed it as a side effect.

    Written *before* the causing write (e.g. options added to an option list that other
    articles share: the shop offers them on every article using the list), and cleared only
    when the repair write went through, so a lost answer or a crash leaves the debt visible
    to the next run.
    """

    __tablename__ = "mkmw_repair_owed"

    integration: str = Field(primary_key=True, max_length=100)
    kind: str = Field(primary_key=True, max_length=40, description="what is owed, e.g. lists")
    shop_key: str = Field(primary_key=True, max_length=200)
    mplus_key: str = Field(max_length=200)
    detail: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
