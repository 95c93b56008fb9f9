"""The ``sync-orders`` Prefect flow: block loading, one task per batch, plan, report, reverse."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectAlreadyExists

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.flows.common import artifact_key
from mkmw_flows.flows.orders import sync_orders
from mkmw_flows.state import StateStore
from mkmw_flows.sync.keys import ORDER

from .helpers import BASE_SETTINGS, bind_articles
from .test_reverse import pos_order, shop_orders_for

pytestmark = pytest.mark.usefixtures("prefect_server")

SETTINGS = {
    **BASE_SETTINGS,
    "vat_codes": [
        {"rate": rate, "vat_code": code}
        for rate, code in ((21, 1), (9, 2), (0, 3), (6, 2), (19, 1))
    ],
}


def _saved(make_integration: Callable[..., Any], pair: EmulatorPair, **orders: Any) -> Any:
    """Save the block; a first save on a fresh server can race on block type registration."""
    try:
        return make_integration(pair, save=True, orders=orders)
    except ObjectAlreadyExists:
        return make_integration(pair, save=True, orders=orders)


async def _artifact(key: str) -> str:
    async with get_client() as client:
        found = await client.read_latest_artifacts()
    for artifact in found:
        if artifact.key == key:
            return str(artifact.data)
    return ""


def test_flow_plans_then_imports_the_demo_orders(
    emulators: EmulatorPair, make_integration: Callable[..., Any]
) -> None:
    name, block = _saved(make_integration, emulators, **SETTINGS)
    store = StateStore(block.state_database_url)
    bind_articles(emulators, store, name)

    plan = sync_orders(integration=name, dry_run=True)
    assert plan["dry_run"] is True and plan["counts"]["created"] == 9
    assert sum(emulators.mplus.counters.writes.values()) == 0
    markdown = asyncio.run(_artifact(artifact_key(name, "orders", "plan")))
    assert "order.ext_order_id" in markdown and "relation.email" in markdown

    summary = sync_orders(integration=name)
    assert summary["counts"]["created"] == 9  # the test order is left out
    assert summary["direction"] == "shop_to_mplus"
    assert summary["calls"]["mplus"] > 0
    mplus = emulators.mplus.backend
    assert len({o["extOrderId"] for o in mplus.orders.values()}) == 9
    assert len(store.bindings(name, ORDER)) == 9

    again = sync_orders(integration=name)
    assert again["counts"]["created"] == 0
    assert len(mplus.orders) == 9
    store.close()


def test_flow_reverse_direction(
    emulators: EmulatorPair, make_integration: Callable[..., Any]
) -> None:
    name, block = _saved(make_integration, emulators, **SETTINGS, direction="mplus_to_shop")
    store = StateStore(block.state_database_url)
    bind_articles(emulators, store, name)
    order_id = pos_order(emulators, 3, [(20033, 1)])
    summary = sync_orders(integration=name)
    assert summary["direction"] == "mplus_to_shop"
    assert summary["flow"] == "orders-reverse"
    assert summary["counts"]["created"] == 1
    assert len(shop_orders_for(emulators, order_id)) == 1
    sync_orders(integration=name)
    assert len(shop_orders_for(emulators, order_id)) == 1
    store.close()
