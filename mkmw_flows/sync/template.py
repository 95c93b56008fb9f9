"""The one step sequence every record-level sync follows, as code.

A sync is a subclass of :class:`RecordSteps` that fills in the steps; :func:`run_page` takes
a page of source records through them in a fixed order::

    prepare (the page's lookups, once)
    for each record:  skip? -> dependencies -> build -> write -> bind -> outcome
    commit: bindings + outcomes + the page's cursors, in one transaction

With ``parallel`` above 1 the records of a page are taken that many at a time in a thread
pool. Records that must not overlap (two orders of one customer) share a :meth:`~RecordSteps.group`
key: a group is one unit of work, its records taken one after the other in page order.
Results are reported in page order either way.

A record is the unit that is written once: one order, one product, or one shop article with
its variants (stock writes every variant of an article in one call), so a record's steps may
give one result or several (one per variant). A dry run is the same path without ``write``
(``planned`` gives the record's result instead) and without the commit. Any step may end a
record early by raising :class:`Stop` with the record's result (a skip, a hold, a failure),
optionally with bindings to keep (a record found already written by an earlier run is bound,
not written again).

Cursors are declared: a sync lists the :class:`CursorSpec` it advances, a page says where
each of them stands once it is committed, and the template moves them inside the page's
transaction, so a crash never leaves a cursor ahead of the records behind it.
"""

from __future__ import annotations

import threading
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from mkmw_flows.state.binder import Bind, scoped_transaction
from mkmw_flows.sync.report import RecordResult, write_outcomes

if TYPE_CHECKING:
    from mkmw_flows.sync.context import SyncContext

Source = TypeVar("Source")
Deps = TypeVar("Deps")
Built = TypeVar("Built")
Written = TypeVar("Written")

#: What a step settles a record with: one result, or one per variant.
Results = RecordResult | list[RecordResult]


def as_list(results: Results) -> list[RecordResult]:
    """One result or several, as a list."""
    return results if isinstance(results, list) else [results]


#: One record taken: its results and the bindings to commit with its page.
_Taken = tuple[list[RecordResult], list[Bind]]


@dataclass(frozen=True)
class CursorSpec:
    """A cursor a sync declares: its stored name and what its value means.

    Attributes:
        name: The name in the state store (``shop.orders.changed``, ...).
        meaning: What the value is (for ``mkmw cursors`` and the docs).
    """

    name: str
    meaning: str


@dataclass
class Page(Generic[Source]):
    """One page of source records and where the declared cursors stand after it.

    Attributes:
        records: The records, in source order.
        cursors: Cursor name -> value to store once the page is committed.
    """

    records: list[Source]
    cursors: dict[str, str] = field(default_factory=dict)


class Stop(Exception):  # noqa: N818 - a control signal, not an error
    """Ends one record's steps with its result (skipped, held, failed, found already done).

    Args:
        result: The record's result (or one per variant).
        binds: Bindings to write anyway (e.g. a record an earlier run had written).
    """

    def __init__(self, result: Results, binds: Sequence[Bind] = ()) -> None:
        self.results = as_list(result)
        super().__init__("; ".join(r.message for r in self.results))
        self.binds = list(binds)


class RecordSteps(ABC, Generic[Source, Deps, Built, Written]):
    """The steps of one sync; :func:`run_page` calls them in order.

    Attributes:
        cursors: The cursors this sync advances (pages may only move these).
        parallel: Units of work of a page taken at once (their writes overlap); 1 = in order.
    """

    cursors: ClassVar[tuple[CursorSpec, ...]] = ()
    parallel: int = 1

    def prepare(self, records: list[Source]) -> None:  # noqa: B027 - optional step
        """The page's shared lookups, done once (bindings, existing records, articles)."""

    def group(self, record: Source) -> Hashable | None:
        """The key of the records that are taken one after the other (None: on its own).

        Called after :meth:`prepare`. Records with the same key form one unit of work: with
        ``parallel`` above 1 different units overlap, the records of one unit never do.
        """
        return None

    def skip(self, record: Source) -> Results | None:
        """The result of a record that is not taken (filters, unchanged), or None.

        Raise :class:`Stop` with bindings to settle a record another way (found already
        written by an earlier run: bound, not written again).
        """
        return None

    @abstractmethod
    def dependencies(self, record: Source) -> Deps:
        """What the record needs to exist first (customer, products, option lists)."""

    @abstractmethod
    def build(self, record: Source, deps: Deps) -> Built:
        """What is to be written, built from the record and its dependencies."""

    @abstractmethod
    def planned(self, record: Source, built: Built) -> Results:
        """The dry run's result: what ``write`` would do, field by field."""

    @abstractmethod
    def write(self, record: Source, built: Built) -> Written:
        """Create or update the record in the target system."""

    def bind(self, record: Source, built: Built, written: Written) -> list[Bind]:
        """The bindings that link the record to what was written."""
        return []

    @abstractmethod
    def outcome(self, record: Source, built: Built, written: Written) -> Results:
        """The record's result after the write."""

    def committed(self, results: list[RecordResult]) -> None:  # noqa: B027 - optional hook
        """Called after a page is committed (run-level bookkeeping); nothing by default."""


def take_record(
    steps: RecordSteps[Source, Deps, Built, Written], record: Source, *, dry_run: bool
) -> tuple[list[RecordResult], list[Bind]]:
    """One record through the steps, in the template's order.

    Returns:
        The record's results and the bindings to commit with its page.
    """
    try:
        skipped = steps.skip(record)
        if skipped is not None:
            return as_list(skipped), []
        deps = steps.dependencies(record)
        built = steps.build(record, deps)
        if dry_run:
            return as_list(steps.planned(record, built)), []
        written = steps.write(record, built)
        binds = steps.bind(record, built, written)
        return as_list(steps.outcome(record, built, written)), binds
    except Stop as stop:
        return stop.results, stop.binds


def run_page(
    ctx: SyncContext,
    steps: RecordSteps[Source, Deps, Built, Written],
    page: Page[Source],
) -> list[RecordResult]:
    """Take one page through the steps and commit it (nothing is committed in a dry run).

    Returns:
        One result per record settled (also added to ``ctx.report``).
    """
    declared = {c.name for c in steps.cursors}
    undeclared = set(page.cursors) - declared
    if undeclared:
        raise ValueError(f"{type(steps).__name__} does not declare cursor(s) {sorted(undeclared)}")
    steps.prepare(page.records)
    results: list[RecordResult] = []
    binds: list[Bind] = []

    def unit(positions: list[int]) -> list[tuple[int, _Taken]]:
        return [(at, take_record(steps, page.records[at], dry_run=ctx.dry_run)) for at in positions]

    taken = _take_units(steps, _units(steps, page.records), unit)
    for at in range(len(page.records)):
        record_results, record_binds = taken[at]
        results.extend(record_results)
        binds.extend(record_binds)
    commit_page(ctx, results, binds, page.cursors)
    steps.committed(results)
    return results


def _take_units(
    steps: RecordSteps[Source, Deps, Built, Written],
    units: list[list[int]],
    unit: Callable[[list[int]], list[tuple[int, _Taken]]],
) -> dict[int, _Taken]:
    """Every unit of a page taken, ``steps.parallel`` at a time on the run's threads.

    Each thread takes the next unit as soon as it is through with one (no task per unit).
    Once a unit fails (or the page is interrupted: a time-out, a cancellation) no thread takes
    a new unit, the units under way are let finish, and only then is the first failure (in
    page order) raised: no write of the page is still running when the page ends, and none
    starts after it has failed.
    """
    taken: dict[int, _Taken] = {}
    if steps.parallel <= 1 or len(units) <= 1:
        for positions in units:
            taken.update(unit(positions))
        return taken
    lock = threading.Lock()
    queue = iter(enumerate(units))
    failures: dict[int, BaseException] = {}
    stopping = threading.Event()

    def work() -> None:
        while not stopping.is_set():
            with lock:
                item = next(queue, None)
            if item is None:
                return
            index, positions = item
            try:
                done = unit(positions)
            except BaseException as exc:  # noqa: BLE001 - raised below, once all are through
                with lock:
                    failures[index] = exc
                stopping.set()
                return
            with lock:
                taken.update(done)

    pool = _pool(steps)
    workers = [pool.submit(work) for _ in range(min(steps.parallel, len(units)))]
    try:
        for worker in workers:
            worker.result()
    finally:
        stopping.set()  # an interrupted wait: no new unit, and the ones under way finish
        futures.wait(workers)
    if failures:
        raise failures[min(failures)]
    return taken


def _pool(steps: RecordSteps[Source, Deps, Built, Written]) -> ThreadPoolExecutor:
    """The run's record threads, kept from page to page.

    A pool per page started its threads again for every page, each start waiting for the new
    thread to get the interpreter lock while the others run: idle slots at every page's start.
    The pool goes with the run's steps (its threads end once the steps are gone).
    """
    pool = _POOLS.get(steps)
    if pool is None:
        pool = ThreadPoolExecutor(max_workers=steps.parallel, thread_name_prefix="record")
        _POOLS[steps] = pool
    return pool


_POOLS: weakref.WeakKeyDictionary[RecordSteps, ThreadPoolExecutor] = weakref.WeakKeyDictionary()  # type: ignore[type-arg]


def _units(
    steps: RecordSteps[Source, Deps, Built, Written], records: list[Source]
) -> list[list[int]]:
    """The page's units of work: positions of records, grouped by key, in page order."""
    units: list[list[int]] = []
    grouped: dict[Hashable, list[int]] = {}
    for at, record in enumerate(records):
        key = steps.group(record) if steps.parallel > 1 else None
        if key is None:
            units.append([at])
        elif key in grouped:
            grouped[key].append(at)
        else:
            grouped[key] = [at]
            units.append(grouped[key])
    return units


def commit_page(
    ctx: SyncContext,
    results: list[RecordResult],
    binds: Sequence[Bind] = (),
    cursors: dict[str, str] | None = None,
) -> None:
    """Report a page's results and, unless a dry run, commit them with bindings and cursors."""
    ctx.report.extend(results)
    if ctx.dry_run:
        return
    with scoped_transaction(ctx.store, ctx.name) as tx:
        tx.bind(binds)
        write_outcomes(tx.tx, ctx.report, results)
        tx.advance(cursors or {})


#: Runs one page (the flow passes a Prefect task, one per batch); a direct call by default.
PageRunner = Callable[[Callable[[], list[RecordResult]]], list[RecordResult]]


def direct(work: Callable[[], list[RecordResult]]) -> list[RecordResult]:
    """Run a page's work in the calling thread (tests, the CLI without Prefect)."""
    return work()
