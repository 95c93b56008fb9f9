"""Orders of different customers written at once; one customer's orders one after the other.

``orders.write_concurrency`` orders are taken at a time (a thread pool per page). The orders
of one customer form one unit of work, so a new customer is created once and its orders reach
MplusKASSA in the shop's order; the run cache of customers and the claims are shared by the
threads. Real emulators on loopback with latency, so the writes really overlap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CUSTOMER, ORDER
from mkmw_flows.sync.orders.run import FLOW, run_shop_to_mplus

from .helpers import add_order, bind_articles, clear_demo_orders, context, integration, person

#: The shop's orders by customer, in the order they are placed (interleaved below).
CUSTOMERS = {
    "een@example.nl": 3,
    "twee@example.nl": 2,
    "drie@example.nl": 1,
    "vier@example.nl": 1,
    "vijf@example.nl": 1,
}


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    slow = FaultConfig(latency_ms=60)
    with EmulatorPair(mplus_faults=slow, shop_faults=FaultConfig(latency_ms=5)) as started:
        clear_demo_orders(started)
        yield started


class InFlight:
    """Wraps ``create_order``: how many were in flight at once, overall and per relation."""

    def __init__(self, create: Callable[..., Any]) -> None:
        self.create = create
        self.lock = threading.Lock()
        self.now: Counter[int] = Counter()
        self.most = 0
        self.most_per_relation = 0

    def __call__(self, order: Any, **kwargs: Any) -> Any:
        relation = order.relation_number
        with self.lock:
            self.now[relation] += 1
            self.most = max(self.most, sum(self.now.values()))
            self.most_per_relation = max(self.most_per_relation, self.now[relation])
        try:
            return self.create(order, **kwargs)
        finally:
            with self.lock:
                self.now[relation] -= 1


def _place_orders(pair: EmulatorPair) -> dict[str, list[int]]:
    """The orders, interleaved by customer (een, twee, drie, een, twee, vier, een, vijf)."""
    left = dict(CUSTOMERS)
    numbers: dict[str, list[int]] = {email: [] for email in CUSTOMERS}
    while any(left.values()):
        for email, count in left.items():
            if count:
                order = add_order(pair, email, address=person(f"Klant {email.split('@')[0]}"))
                numbers[email].append(order.number)
                left[email] = count - 1
    return numbers


def _run(pair: EmulatorPair, tmp_path: Path, concurrency: int) -> tuple[SyncContext, InFlight]:
    ctx = context(integration(pair, tmp_path, write_concurrency=concurrency))
    bind_articles(pair, ctx.store, ctx.name)
    watch = InFlight(ctx.mplus.create_order)
    ctx.mplus.create_order = watch  # type: ignore[method-assign]
    run_shop_to_mplus(ctx)
    return ctx, watch


def test_orders_of_different_customers_are_written_at_once_one_customer_in_turn(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    numbers = _place_orders(pair)
    ctx, watch = _run(pair, tmp_path, concurrency=4)

    results = {r.key: r for r in ctx.report.results if r.entity == "order"}
    assert {r.outcome for r in results.values()} == {Outcome.CREATED}, [
        r.message for r in results.values()
    ]
    assert len(results) == sum(CUSTOMERS.values())
    # writes overlapped, but never two of one customer
    assert watch.most > 1
    assert watch.most_per_relation == 1

    backend = pair.mplus.backend
    relations = Counter(r.get("email") for r in backend.relations.values())
    for email, placed in numbers.items():
        assert relations[email] == 1, f"{email} has {relations[email]} relations"
        created = [backend.orders_by_ext_id(f"MW-{n}") for n in placed]
        assert all(len(c) == 1 for c in created), created
        orders = [c[0] for c in created]
        # every order of the customer on its one relation, created in the shop's order
        assert len({o["relationNumber"] for o in orders}) == 1
        sequence = [o["orderNumber"]["number"] for o in orders]
        assert sequence == sorted(sequence), (email, sequence)
        binding = ctx.bindings(CUSTOMER).find(shop_key=email)
        assert binding is not None and binding.mplus_key == str(orders[0]["relationNumber"])
        for number in placed:
            assert ctx.bindings(ORDER).find(shop_key=str(number)) is not None
    # the first order of a customer creates it; the others find it in the run cache
    new = [r for r in results.values() if "new customer" in r.message]
    assert len(new) == len(CUSTOMERS)
    # the page released every claim it took (orders and customers)
    assert ctx.store.claims(ctx.name, FLOW) == []


def test_write_concurrency_one_writes_one_order_at_a_time(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    _place_orders(pair)
    ctx, watch = _run(pair, tmp_path, concurrency=1)
    created = [r for r in ctx.report.results if r.outcome == Outcome.CREATED]
    assert len(created) == sum(CUSTOMERS.values())
    assert watch.most == 1
    emails = Counter(r.get("email") for r in pair.mplus.backend.relations.values())
    assert all(emails[email] == 1 for email in CUSTOMERS), emails
