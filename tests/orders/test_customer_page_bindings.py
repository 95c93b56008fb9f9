"""The customer bindings of a page of orders are read in one query, not one per order.

The page's customers are claimed together at its first customer step, and the bindings of the
customers just claimed are read then, in one query (``Customers.page_bindings``); each order's
customer is resolved from that map. Reading after the claim matters: a binding another run
commits before this page's claim is in the map, so its relation is used even where a lookup by
e-mail would not find it. Real emulators and a real SQLite store; the store's queries are
counted at the SQL level.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CUSTOMER
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.orders.steps import OrderSteps

from .helpers import add_order, again, clear_demo_orders, person
from .rules_helpers import make, only_order, result

#: Customers of the page (more than ``write_concurrency``, so orders are taken in parallel).
EMAILS = [f"klant{i}@example.nl" for i in range(8)]


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


class CustomerQueries:
    """The lookups of customer bindings by shop key (e-mail), with their parameters."""

    def __init__(self, ctx: SyncContext) -> None:
        self.seen: list[tuple[Any, ...]] = []
        event.listen(ctx.store.engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        values = tuple(params.values()) if isinstance(params, dict) else tuple(params or ())
        text = " ".join(statement.split()).lower()
        read = text.startswith("select") and f"from {Binding.__tablename__} " in text
        # a lookup by shop key (the commit's lookup by MplusKASSA key is not one)
        if read and "shop_key" in text.partition(" where ")[2] and CUSTOMER in values:
            self.seen.append(values)


def _orders(pair: EmulatorPair) -> list[int]:
    return [
        add_order(pair, email, address=person(f"Klant {n}")).number
        for n, email in enumerate(EMAILS)
    ]


def test_a_page_of_returning_customers_reads_their_bindings_in_one_query(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    ctx = make(pair, tmp_path, write_concurrency=4)
    first = _orders(pair)
    run_shop_to_mplus(ctx, order_numbers=first)
    relations = {n: only_order(pair, n)["relationNumber"] for n in first}
    assert len(set(relations.values())) == len(EMAILS)

    ctx2 = again(ctx)
    queries = CustomerQueries(ctx2)
    finds = pair.mplus.counters.calls["findRelationV2"]
    second = _orders(pair)
    run_shop_to_mplus(ctx2, order_numbers=second)

    assert len(queries.seen) == 1, f"{len(queries.seen)} customer binding queries for one page"
    assert set(EMAILS) <= set(queries.seen[0])
    assert pair.mplus.counters.calls["findRelationV2"] == finds  # every customer was bound
    for before, after in zip(first, second, strict=True):
        assert result(ctx2, after).outcome == Outcome.CREATED
        assert only_order(pair, after)["relationNumber"] == relations[before]


def test_default_debtor_reads_no_customer_binding(pair: EmulatorPair, tmp_path: Path) -> None:
    ctx = make(pair, tmp_path, default_debtor=1)
    queries = CustomerQueries(ctx)
    numbers = _orders(pair)
    run_shop_to_mplus(ctx, order_numbers=numbers)
    assert queries.seen == []
    assert {only_order(pair, n)["relationNumber"] for n in numbers} == {1}


def test_a_binding_another_run_commits_before_the_claim_is_used(
    pair: EmulatorPair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = pair.mplus.backend
    email = "laat@example.nl"
    order = add_order(pair, email, address=person("Laat Binder"))
    ctx = make(pair, tmp_path)
    made: list[int] = []
    prepare = OrderSteps.prepare

    def then_another_run_binds(self: OrderSteps, records: Any) -> None:
        prepare(self, records)
        # between this page's prepare and its customer claim, another run creates the
        # relation (its e-mail not kept in MplusKASSA, so no lookup by e-mail finds it),
        # commits its binding and releases its claim
        number = backend.add_relation({"name": "Laat Binder"})["relationNumber"]
        with ctx.store.transaction() as tx:
            tx.put_binding(ctx.name, CUSTOMER, mplus_key=str(number), shop_key=email)
        made.append(number)

    monkeypatch.setattr(OrderSteps, "prepare", then_another_run_binds)
    relations = len(backend.relations)
    run_shop_to_mplus(ctx, order_numbers=[order.number])

    assert result(ctx, order.number).outcome == Outcome.CREATED
    assert only_order(pair, order.number)["relationNumber"] == made[0]
    # the other run's relation is the customer's only one: none was created or looked up
    assert len(backend.relations) == relations + 1
    assert pair.mplus.counters.writes["createRelation"] == 0
    assert pair.mplus.counters.calls["findRelationV2"] == 0
    binding = ctx.store.find_binding(ctx.name, CUSTOMER, shop_key=email)
    assert binding is not None and binding.mplus_key == str(made[0])
