"""The feed's next page is read while the caller works on the current one, in order."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator

import pytest

from mkmw_flows.sync.readahead import read_ahead

RUN = contextvars.ContextVar("RUN", default="none")


def test_items_come_in_order_and_all_of_them() -> None:
    assert list(read_ahead(iter(range(7)))) == list(range(7))
    assert list(read_ahead([])) == []


def test_the_next_page_is_read_while_the_caller_holds_the_current() -> None:
    second_read = threading.Event()

    def feed() -> Iterator[int]:
        yield 1
        second_read.set()
        yield 2

    pages = read_ahead(feed())
    assert next(pages) == 1
    # the caller is still on page 1: without read-ahead nothing would read page 2 now
    assert second_read.wait(5), "page 2 was not read while page 1 was being worked on"
    assert next(pages) == 2


def test_a_failing_read_raises_where_its_page_is_asked_for() -> None:
    def feed() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("MplusKASSA is down")

    pages = read_ahead(feed())
    assert [next(pages), next(pages)] == [1, 2]
    with pytest.raises(ConnectionError, match="MplusKASSA is down"):
        next(pages)


def test_the_callers_context_goes_with_each_read() -> None:
    seen: list[str] = []

    def feed() -> Iterator[int]:
        for page in range(2):
            seen.append(RUN.get())
            yield page

    token = RUN.set("run-42")
    try:
        assert list(read_ahead(feed())) == [0, 1]
    finally:
        RUN.reset(token)
    assert seen == ["run-42", "run-42"]


def test_a_caller_that_stops_early_does_not_wait_and_leaves_one_page_read() -> None:
    reads: list[int] = []
    slow = threading.Event()
    read_one = threading.Event()

    def feed() -> Iterator[int]:
        for page in range(100):
            if page == 1:
                slow.wait(10)  # the API is slow (or down, with retries) on page 1
            reads.append(page)
            if page == 1:
                read_one.set()
            yield page

    pages = read_ahead(feed())
    assert next(pages) == 0
    started = time.perf_counter()
    pages.close()  # the page failed: the run ends without waiting for page 1
    assert time.perf_counter() - started < 1.0
    assert reads == [0]
    slow.set()  # the read in flight runs out on its own, and no other page is read
    assert read_one.wait(5)
    time.sleep(0.05)
    assert reads == [0, 1]
