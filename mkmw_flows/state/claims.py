"""Claims: one run at a time per record, across processes and machines.

Two runs of the same flow for the same integration (a slow run still going when the next
one starts, a manual run beside the schedule, two workers) may read the same shop order.
Before a run takes a record it claims it: one row per (integration, flow, record key) in
``mkmw_claim``, guarded by the primary key. The insert is ``INSERT ... ON CONFLICT DO
NOTHING`` on SQLite and PostgreSQL alike, so exactly one of two racing runs gets the row.
A claim expires after its TTL, so a run that died (SIGKILL, a lost worker) never blocks a
record for good: the next run takes an expired claim over with a conditional ``UPDATE``,
which PostgreSQL re-checks under the row lock and SQLite serialises with its write lock.
An owner names its run, host and process (:func:`claim_owner`); a claim whose process is
gone from this host is taken over at once, without waiting for the TTL.

Expiry compares times written by the claiming processes, so the clocks of the machines that
run the flows should agree to well within the TTL (NTP does that).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Index
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, delete, select, update

from mkmw_flows.state.database import StoreBase
from mkmw_flows.state.models import utcnow

#: How long a claim holds when the claiming run neither releases nor renews it.
DEFAULT_TTL_SECONDS = 600


class Claim(SQLModel, table=True):
    """A record one run is working on right now."""

    __tablename__ = "mkmw_claim"
    __table_args__ = (Index("ix_claim_expires", "expires_at"),)

    integration: str = Field(primary_key=True, max_length=100)
    flow: str = Field(primary_key=True, max_length=40)
    record_key: str = Field(primary_key=True, max_length=200)
    owner: str = Field(max_length=100, description="The run holding the claim (flow run id).")
    claimed_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(default_factory=utcnow)


def claim_owner(run_id: str) -> str:
    """The owner string of a run in this process: ``run id|host|pid`` (at most 100 chars)."""
    return f"{run_id[:50]}|{socket.gethostname()[:40]}|{os.getpid()}"


def _dead_here(owner: str) -> bool:
    """True when `owner` is a process of this host that no longer runs."""
    parts = owner.rsplit("|", 2)
    if len(parts) != 3 or parts[1] != socket.gethostname()[:40] or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_records(
    session: Session,
    integration: str,
    flow: str,
    record_keys: Iterable[str],
    owner: str,
    ttl_seconds: float = DEFAULT_TTL_SECONDS,
    *,
    now: datetime | None = None,
) -> set[str]:
    """Claim records for `owner`; the caller commits the session.

    A record is claimed when nobody holds it, when its claim expired, when `owner` holds it
    already (the claim is then renewed), or when its holder is a process of this host that
    has gone (killed or crashed).

    Args:
        session: An open session (its transaction is committed by the caller).
        integration: Integration name.
        flow: The flow's short name.
        record_keys: The records to claim.
        owner: Who claims (a run id); at most 100 characters.
        ttl_seconds: How long the claim holds without a release.
        now: The current time (tests).

    Returns:
        The keys now held by `owner`.
    """
    keys = list(dict.fromkeys(str(k) for k in record_keys))
    if not keys:
        return set()
    moment = now or utcnow()
    expires = moment + timedelta(seconds=ttl_seconds)
    rows = [
        {
            "integration": integration,
            "flow": flow,
            "record_key": key,
            "owner": owner,
            "claimed_at": moment,
            "expires_at": expires,
        }
        for key in keys
    ]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    held: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        session.execute(insert(Claim).values(rows[start : start + 500]).on_conflict_do_nothing())
        session.execute(
            update(Claim)
            .where(
                col(Claim.integration) == integration,
                col(Claim.flow) == flow,
                col(Claim.record_key).in_(chunk),
                (col(Claim.expires_at) < moment) | (col(Claim.owner) == owner),
            )
            .values(owner=owner, claimed_at=moment, expires_at=expires)
        )
        mine = session.exec(
            select(Claim.record_key).where(
                Claim.integration == integration,
                Claim.flow == flow,
                col(Claim.record_key).in_(chunk),
                Claim.owner == owner,
            )
        )
        held.update(mine)
        if len(held) < len(keys):
            held |= _take_from_dead(session, integration, flow, chunk, owner, moment, expires)
    return held


def _take_from_dead(
    session: Session,
    integration: str,
    flow: str,
    keys: list[str],
    owner: str,
    moment: datetime,
    expires: datetime,
) -> set[str]:
    others = session.exec(
        select(Claim.owner)
        .where(
            Claim.integration == integration,
            Claim.flow == flow,
            col(Claim.record_key).in_(keys),
            Claim.owner != owner,
        )
        .distinct()
    )
    dead = [o for o in others if _dead_here(o)]
    if not dead:
        return set()
    # conditional on the dead owner: of two runs taking over, only the first one matches
    session.execute(
        update(Claim)
        .where(
            col(Claim.integration) == integration,
            col(Claim.flow) == flow,
            col(Claim.record_key).in_(keys),
            col(Claim.owner).in_(dead),
        )
        .values(owner=owner, claimed_at=moment, expires_at=expires)
    )
    return set(
        session.exec(
            select(Claim.record_key).where(
                Claim.integration == integration,
                Claim.flow == flow,
                col(Claim.record_key).in_(keys),
                Claim.owner == owner,
            )
        )
    )


def release_records(
    session: Session, integration: str, flow: str, record_keys: Iterable[str], owner: str
) -> int:
    """Drop `owner`'s claims on `record_keys` (claims of others stay). Returns how many."""
    keys = list(dict.fromkeys(str(k) for k in record_keys))
    released = 0
    for start in range(0, len(keys), 500):
        result = session.execute(
            delete(Claim).where(
                col(Claim.integration) == integration,
                col(Claim.flow) == flow,
                col(Claim.record_key).in_(keys[start : start + 500]),
                col(Claim.owner) == owner,
            )
        )
        released += int(getattr(result, "rowcount", 0) or 0)
    return released


def active_claims(
    session: Session, integration: str, flow: str | None = None, *, now: datetime | None = None
) -> list[Claim]:
    """Claims that have not expired, oldest first."""
    query = select(Claim).where(
        Claim.integration == integration, col(Claim.expires_at) >= (now or utcnow())
    )
    if flow is not None:
        query = query.where(Claim.flow == flow)
    return list(session.exec(query.order_by(col(Claim.claimed_at))))


class ClaimStore(StoreBase):
    """Claiming and releasing records for a run, and listing the claims that hold."""

    def claim(
        self,
        integration: str,
        flow: str,
        record_key: str,
        owner: str,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
    ) -> bool:
        """Claim one record for one run (see the module text).

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
