"""One shop order followed from the shop feed to ``createOrderV3``, line by line.

The orders wing reads like the process it runs: the steps object's methods are entered in the
template's order (skip -> dependencies -> build -> write -> bind -> outcome), and the code
visits each helper module of the wing once, from the steps module (the spine), never coming
back to a module it left. The trace covers every line the wing runs for the order, from the
moment the feed's page reaches the steps until the order's outcome is settled.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import mkmw_flows.sync.orders as wing
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.mplus.operations import orders as mplus_orders
from mkmw_flows.state import Outcome
from mkmw_flows.sync.keys import CUSTOMER, ORDER
from mkmw_flows.sync.orders import feed, steps
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from orders.helpers import add_order, bind_articles, clear_demo_orders, context, integration

WING = Path(wing.__file__).parent
STEPS = Path(steps.__file__).name
STEP_NAMES = {"prepare", "skip", "dependencies", "build", "planned", "write", "bind", "outcome"}


class Trace:
    """What a run did: the steps entered (and the feed and createOrderV3), the wing's lines."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.files: list[str] = []  # the wing file of every line run, from prepare on
        self.started = False
        self.ended = False

    def call(self, frame: FrameType, event: str, arg: Any) -> Any:
        code = frame.f_code
        where = Path(code.co_filename)
        if event == "call" and not self.ended:
            # the first page's read; the feed is resumed again (read ahead, in another
            # thread) for the next page while this one is taken
            first = "feed" not in self.events
            if where == Path(feed.__file__) and code.co_name == "feed_pages" and first:
                self.events.append("feed")
            if where == Path(mplus_orders.__file__) and code.co_name == "create_order":
                self.events.append("createOrderV3")
            if (
                where.name == STEPS
                and isinstance(frame.f_locals.get("self"), steps.OrderSteps)
                and code.co_name in STEP_NAMES
            ):
                self.events.append(code.co_name)
                self.started = True
        if where.parent == WING:
            return self.line
        return None

    def line(self, frame: FrameType, event: str, arg: Any) -> Any:
        if self.started and not self.ended:
            if event == "line":
                self.files.append(Path(frame.f_code.co_filename).name)
            if event == "return" and frame.f_code.co_name == "outcome":
                self.ended = True
        return self.line

    def collapsed(self) -> list[str]:
        """The files visited, consecutive repeats collapsed into one."""
        out: list[str] = []
        for name in self.files:
            if not out or out[-1] != name:
                out.append(name)
        return out


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


def test_one_order_goes_through_the_steps_in_order_and_never_back_to_a_module(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    order = add_order(pair, "nieuw@example.nl")  # a new customer: its relation is created
    ctx = context(integration(pair, tmp_path, status_write_back={"imported": 2}))
    bind_articles(pair, ctx.store, ctx.name)
    trace = Trace()
    # the write threads too (orders.write_concurrency): a page may be taken in a thread pool
    threading.settrace(trace.call)
    sys.settrace(trace.call)
    try:
        run_shop_to_mplus(ctx)
    finally:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]

    # the order is in MplusKASSA, for the relation created for it (never relation 0)
    [result] = [r for r in ctx.report.results if r.key == str(order.number)]
    assert result.outcome == Outcome.CREATED, result.message
    [created] = pair.mplus.backend.orders_by_ext_id(f"MW-{order.number}")
    relation = pair.mplus.backend.relations[created["relationNumber"]]
    assert relation["email"] == "nieuw@example.nl"
    customer = ctx.bindings(CUSTOMER).find(mplus_key=str(created["relationNumber"]))
    assert customer is not None
    assert ctx.bindings(ORDER).find(shop_key=str(order.number)) is not None

    # (a) the feed, then the template's steps in order, createOrderV3 inside write
    assert trace.events == [
        "feed",
        "prepare",
        "skip",
        "dependencies",
        "build",
        "write",
        "createOrderV3",
        "bind",
        "outcome",
    ]

    # (b) each module left is never come back to, except the steps module (the spine)
    visited = trace.collapsed()
    assert visited[0] == STEPS and visited[-1] == STEPS
    helpers = [name for name in visited if name != STEPS]
    again = sorted({name for name in helpers if helpers.count(name) > 1})
    assert not again, f"came back to {again}: {' -> '.join(visited)}"
    # every part of the wing a new order needs was visited (the trace is not empty)
    assert set(helpers) == {
        "feed.py",
        "record.py",
        "check.py",
        "articles.py",
        "lines.py",
        "customers.py",
        "build.py",
        "status.py",
    }, visited
