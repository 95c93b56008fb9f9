"""The step template: order of the steps, dry run, Stop, declared cursors, one commit per page."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, RunReport
from mkmw_flows.sync.template import CursorSpec, Page, RecordSteps, Stop, run_page

FEED = CursorSpec("test.feed", "the last number read")


class Doubler(RecordSteps[int, int, int, str]):
    """Writes twice each even number; odd numbers are skipped, 4 is found already written."""

    cursors: ClassVar[tuple[CursorSpec, ...]] = (FEED,)

    def __init__(self, fail_on: int | None = None) -> None:
        self.calls: list[str] = []
        self.written: list[int] = []
        self.fail_on = fail_on

    def prepare(self, records: list[int]) -> None:
        self.calls.append(f"prepare {records}")

    def skip(self, record: int) -> RecordResult | None:
        self.calls.append(f"skip {record}")
        if record == 4:
            raise Stop(
                RecordResult("n", "4", Outcome.UNCHANGED, Reason.ALREADY_EXISTS, "there"),
                [Bind("n", "4", "four")],
            )
        if record % 2:
            return RecordResult("n", str(record), Outcome.SKIPPED, message="odd")
        return None

    def dependencies(self, record: int) -> int:
        self.calls.append(f"dependencies {record}")
        return record

    def build(self, record: int, deps: int) -> int:
        self.calls.append(f"build {record}")
        return deps * 2

    def planned(self, record: int, built: int) -> RecordResult:
        return RecordResult("n", str(record), Outcome.CREATED, message=f"would write {built}")

    def write(self, record: int, built: int) -> str:
        self.calls.append(f"write {record}")
        if record == self.fail_on:
            raise RuntimeError("boom")
        self.written.append(built)
        return f"id-{built}"

    def bind(self, record: int, built: int, written: str) -> list[Bind]:
        return [Bind("n", written, str(record))]

    def outcome(self, record: int, built: int, written: str) -> RecordResult:
        return RecordResult("n", str(record), Outcome.CREATED, message=f"wrote {built}")


def _ctx(tmp_path: Path, *, dry_run: bool = False) -> SyncContext:
    store = StateStore(f"sqlite:///{tmp_path / 'state.db'}")
    report = RunReport(flow="test", integration="shop-a", run_id="r1", dry_run=dry_run)
    none: Any = None
    return SyncContext("shop-a", none, store, none, none, report, dry_run=dry_run)


def test_steps_run_in_order_and_the_page_commits_once(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    steps = Doubler()
    results = run_page(ctx, steps, Page([1, 2, 4], cursors={"test.feed": "4"}))
    assert [(r.key, r.outcome) for r in results] == [
        ("1", Outcome.SKIPPED),
        ("2", Outcome.CREATED),
        ("4", Outcome.UNCHANGED),
    ]
    assert steps.calls == [
        "prepare [1, 2, 4]",
        "skip 1",
        "skip 2",
        "dependencies 2",
        "build 2",
        "write 2",
        "skip 4",
    ]
    assert steps.written == [4]
    bound = ctx.bindings("n").by_mplus_keys(["id-4", "4"])
    assert {k: b.shop_key for k, b in bound.items()} == {"id-4": "2", "4": "four"}
    assert ctx.cursor("test.feed") == "4"
    assert sorted(e.record_key for e in ctx.store.ledger(integration="shop-a")) == ["1", "2", "4"]
    # scoped: another integration sees none of it
    assert ctx.store.bindings_by_mplus_keys("shop-b", "n", ["id-4"]) == {}


def test_dry_run_is_the_same_path_without_write_or_commit(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, dry_run=True)
    steps = Doubler()
    results = run_page(ctx, steps, Page([2], cursors={"test.feed": "2"}))
    assert results[0].message == "would write 4"
    assert "write 2" not in steps.calls and "build 2" in steps.calls
    assert ctx.cursor("test.feed") is None
    assert ctx.bindings("n").all() == []


def test_a_page_that_breaks_commits_nothing(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    with pytest.raises(RuntimeError, match="boom"):
        run_page(ctx, Doubler(fail_on=6), Page([2, 6], cursors={"test.feed": "6"}))
    assert ctx.cursor("test.feed") is None
    assert ctx.bindings("n").all() == []


def test_a_page_may_only_move_declared_cursors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not declare"):
        run_page(_ctx(tmp_path), Doubler(), Page([2], cursors={"other": "1"}))


class Grouped(Doubler):
    """Doubler taken two units at a time; numbers with the same tens digit form one group."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.parallel = 2
        self.barrier = barrier
        self.lock = threading.Lock()
        self.busy: set[int] = set()  # groups being written right now
        self.overlapped = False  # two records of one group written at once
        self.order: list[int] = []

    def group(self, record: int) -> int:
        return record // 10

    def write(self, record: int, built: int) -> str:
        with self.lock:
            self.overlapped |= record // 10 in self.busy
            self.busy.add(record // 10)
            self.order.append(record)
        if record in (10, 20):
            self.barrier.wait()  # the first of each group: only returns when both are here
        time.sleep(0.01)
        with self.lock:
            self.busy.discard(record // 10)
        return super().write(record, built)


def test_groups_overlap_but_the_records_of_one_group_never_do(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    steps = Grouped(threading.Barrier(2, timeout=10))
    page = [10, 20, 12, 22, 14, 24, 16]
    results = run_page(ctx, steps, Page(page, cursors={"test.feed": "24"}))
    # reported in page order, every record written once
    assert [r.key for r in results] == [str(n) for n in page]
    assert sorted(steps.written) == sorted(2 * n for n in page)
    # groups 1x and 2x were written at once (the barrier let 10 and 20 through together) ...
    assert not steps.barrier.broken
    # ... and each group's records one after the other, in page order
    assert not steps.overlapped
    assert [n for n in steps.order if n < 20] == [10, 12, 14, 16]
    assert [n for n in steps.order if n >= 20] == [20, 22, 24]
    assert len(ctx.bindings("n").all()) == len(page)


def test_one_at_a_time_calls_no_group_and_keeps_page_order(tmp_path: Path) -> None:
    class Ungrouped(Doubler):
        def group(self, record: int) -> int:
            raise AssertionError("group is only asked with parallel above 1")

    steps = Ungrouped()
    run_page(_ctx(tmp_path), steps, Page([2, 6, 8]))
    assert steps.written == [4, 12, 16]


class SlowAndFailing(Doubler):
    """Taken three at a time; 2 fails once the two records beside it have started."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.parallel = 3
        self.error = error
        self.both_started = threading.Barrier(3, timeout=10)
        self.started: list[int] = []
        self.finished: list[int] = []

    def write(self, record: int, built: int) -> str:
        self.started.append(record)
        if record in (2, 6, 8):
            self.both_started.wait()
        if record == 2:
            raise self.error
        time.sleep(0.1)
        written = super().write(record, built)
        self.finished.append(record)
        return written


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failing_record_ends_its_page_once_the_writes_under_way_are_through(
    tmp_path: Path, error: BaseException
) -> None:
    ctx = _ctx(tmp_path)
    steps = SlowAndFailing(error)
    page = [2, 6, 8, 10, 12, 14]
    with pytest.raises(type(error)):
        run_page(ctx, steps, Page(page, cursors={"test.feed": "14"}))
    # the two writes under way when 2 failed were through before the page ended ...
    assert sorted(steps.finished) == [6, 8]
    # ... and no record was started after the failure
    assert sorted(steps.started) == [2, 6, 8]
    # nothing of the page was committed
    assert ctx.cursor("test.feed") is None
    assert ctx.bindings("n").all() == []


def test_many_records_on_few_threads_are_each_taken_once_in_page_order(tmp_path: Path) -> None:
    steps = Doubler()
    steps.parallel = 4
    page = list(range(0, 400, 2))
    results = run_page(_ctx(tmp_path), steps, Page(page))
    assert [r.key for r in results] == [str(n) for n in page]
    assert sorted(steps.written) == sorted(2 * n for n in page if n != 4)
