"""Held records: failed records waiting to be taken again by a later run."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, delete, select, update

from mkmw_flows.state.database import StoreBase, TransactionBase
from mkmw_flows.state.models import HeldRecord, utcnow


class HeldStore(StoreBase):
    """Reading held records and asking for their retry."""

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


class HeldTransaction(TransactionBase):
    """Holding and releasing records inside a transaction."""

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
