"""What a run did, record by record: the outcomes that become ledger entries and artifacts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import FieldChange
from mkmw_flows.state import LedgerEntry, Outcome, StateStore, StoreTransaction
from mkmw_flows.sync.reasons import Reason


@dataclass
class RecordResult:
    """The outcome of one record.

    Attributes:
        entity: product, variant, category, stock, order, customer, ...
        key: The record's key as a shop owner knows it (SKU, order number, e-mail).
        outcome: created, updated, unchanged, skipped or failed.
        reason: A reason code for skipped and failed records (and notable successes).
        message: Plain language: what happened and what to do.
        changes: Field changes written (or planned, in a dry run).
        source: What was read from the source (kept in the ledger until the retention period).
        sent: What was sent to the target.
        personal: True when source/sent hold personal data (customers, addresses).
        hold: True when a later run should take the record again.
    """

    entity: str
    key: str
    outcome: Outcome
    reason: Reason | None = None
    message: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    source: dict[str, Any] | None = None
    sent: dict[str, Any] | None = None
    personal: bool = False
    hold: bool = False


@dataclass
class RunReport:
    """Every record's result in one run of one flow for one integration."""

    flow: str
    integration: str
    run_id: str
    dry_run: bool = False
    results: list[RecordResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, result: RecordResult) -> RecordResult:
        """Record one result (and return it)."""
        self.results.append(result)
        return result

    def extend(self, results: Iterable[RecordResult]) -> None:
        """Record several results."""
        self.results.extend(results)

    def counts(self) -> dict[str, int]:
        """Records per outcome, every outcome listed."""
        counted = Counter(r.outcome.value for r in self.results)
        return {o.value: counted.get(o.value, 0) for o in Outcome}

    def reasons(self, outcome: Outcome | None = None) -> dict[str, int]:
        """Records per reason code (optionally of one outcome)."""
        return dict(
            Counter(
                r.reason.value
                for r in self.results
                if r.reason is not None and (outcome is None or r.outcome == outcome)
            )
        )

    def problems(self) -> list[RecordResult]:
        """Skipped and failed records."""
        return [r for r in self.results if r.outcome in (Outcome.SKIPPED, Outcome.FAILED)]

    def ledger_entries(self) -> list[LedgerEntry]:
        """The results as ledger models."""
        return [LedgerEntry(**row) for row in self.ledger_rows()]

    def ledger_rows(self) -> list[dict[str, Any]]:
        """The results as ledger rows (plain dicts: cheap to build and to insert in bulk)."""
        return [
            {
                "integration": self.integration,
                "run_id": self.run_id,
                "flow": self.flow,
                "entity": r.entity,
                "record_key": r.key[:200],
                "outcome": r.outcome,
                "reason_code": r.reason.value if r.reason else None,
                "message": r.message[:2000],
                "source_data": _jsonable(r.source),
                "sent_data": _jsonable(r.sent),
                "personal_data": r.personal,
            }
            for r in self.results
        ]


def record_outcomes(store: StateStore, report: RunReport, results: list[RecordResult]) -> None:
    """Write the ledger rows of `results` and hold or release their records, in one transaction.

    Flows that must commit bindings and a cursor with the same batch use
    :meth:`StateStore.transaction` directly and call :func:`write_outcomes` inside it.
    """
    with store.transaction() as tx:
        write_outcomes(tx, report, results)


def write_outcomes(tx: StoreTransaction, report: RunReport, results: list[RecordResult]) -> None:
    """Inside an open transaction: ledger rows, and hold or release each record."""
    if report.dry_run:
        return
    sub = RunReport(report.flow, report.integration, report.run_id, results=results)
    tx.add_ledger(sub.ledger_rows())
    done: list[str] = []
    for r in results:
        if r.hold and r.reason is not None:
            tx.hold(report.integration, report.flow, r.key, r.reason.value, r.message)
        elif r.outcome in (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED):
            done.append(r.key)
    tx.release_many(report.integration, report.flow, done)


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    return str(value)
