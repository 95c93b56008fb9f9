"""What a run did, record by record: the outcomes that become ledger entries and artifacts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from mkmw_flows.mapping import FieldChange
from mkmw_flows.state import HeldRecord, Outcome, StateStore, StoreTransaction
from mkmw_flows.sync.reasons import Reason

#: At most this many reason codes are named in a run's state message.
MESSAGE_REASONS = 8


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
    #: ``(flow, reason code)`` pairs with held records when the run started (None: unknown).
    held_before: set[tuple[str, str]] | None = None

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

    def per_record(self) -> list[RecordResult]:
        """Each record's last result in this run.

        A record can be met twice in one run (a held product taken again first, then met in
        the feed too); the run's state and its alerts count it once, by how it ended.
        """
        return list({(r.entity, r.key): r for r in self.results}.values())

    def problems(self) -> list[RecordResult]:
        """Skipped and failed records."""
        return [r for r in self.results if r.outcome in (Outcome.SKIPPED, Outcome.FAILED)]

    def attention(self) -> list[RecordResult]:
        """Records someone should look at: failed ones, and ones held for a later run."""
        return [r for r in self.results if r.outcome == Outcome.FAILED or r.hold]

    def verdict(self) -> tuple[str | None, str]:
        """The run's state name and message as the Prefect runs list shows them.

        Returns:
            ``(None, message)`` for a clean run (plain Completed); ``("Held", ...)`` when
            every record needing attention is held for a later run; ``("Partly failed", ...)``
            when some failed without being held; ``("Dry run", ...)`` for a plan. The message
            names the count per entity and each reason code, e.g.
            ``5 of 6 orders held: PAYMENT_UNMAPPED ×5``.
        """
        records = self.per_record()
        problems = [r for r in records if r.outcome == Outcome.FAILED or r.hold]
        held = all(r.hold for r in problems)
        if self.dry_run:
            counts = {k: v for k, v in self.counts().items() if v}
            plan = ", ".join(f"{n} {outcome}" for outcome, n in counts.items()) or "no records"
            text = f"Plan only, nothing written; planned: {plan}"
            if problems:
                text += "; " + _problem_text(records, problems, "would be held")
            return "Dry run", text
        if not problems:
            return None, ""
        if held:
            return "Held", _problem_text(records, problems, "held")
        return "Partly failed", _problem_text(records, problems, "failed or held")

    def new_held_reasons(self) -> dict[str, list[RecordResult]]:
        """Held records per reason code that had no held record of this flow before the run.

        Empty for a dry run, or when :attr:`held_before` was not read.
        """
        if self.dry_run or self.held_before is None:
            return {}
        found: dict[str, list[RecordResult]] = {}
        for r in self.per_record():
            if (
                r.hold
                and r.reason is not None
                and (self.flow, r.reason.value) not in (self.held_before)
            ):
                found.setdefault(r.reason.value, []).append(r)
        return found

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


def _plural(entity: str, n: int) -> str:
    if n == 1:
        return entity
    if entity == "stock":
        return "stock levels"
    if entity.endswith("y"):
        return entity[:-1] + "ies"
    return entity + "s"


def _problem_text(results: list[RecordResult], problems: list[RecordResult], verb: str) -> str:
    """``5 of 6 orders held: PAYMENT_UNMAPPED ×5`` (per entity, reasons by count)."""
    totals = Counter(r.entity for r in results)
    per_entity = Counter(r.entity for r in problems)
    parts = [
        f"{n} of {totals[entity]} {_plural(entity, totals[entity])}"
        for entity, n in per_entity.most_common()
    ]
    reasons = Counter(r.reason.value if r.reason else "NO_REASON" for r in problems)
    shown = [f"{code} ×{n}" for code, n in reasons.most_common(MESSAGE_REASONS)]
    if len(reasons) > MESSAGE_REASONS:
        shown.append(f"{len(reasons) - MESSAGE_REASONS} more reasons")
    return f"{', '.join(parts)} {verb}: {', '.join(shown)}"


def held_reasons(store: StateStore, integration: str) -> set[tuple[str, str]]:
    """The ``(flow, reason code)`` pairs that have held records for an integration now."""
    query = (
        select(HeldRecord.flow, HeldRecord.reason_code)
        .where(HeldRecord.integration == integration)
        .distinct()
    )
    with Session(store.engine) as session:
        return {(flow, code) for flow, code in session.exec(query)}


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
