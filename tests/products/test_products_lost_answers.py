"""Lost answers inside one products run: a product met twice in a run is created once."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from drills.soak import fast_context

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.products import sync_products
from mkmw_flows.state import StateStore
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.reasons import Reason

pytestmark = pytest.mark.usefixtures("prefect_server")

Make = Callable[..., tuple[str, Integration]]


def test_a_held_product_whose_create_answer_is_lost_is_not_created_again_in_the_same_run(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(option_lists={})  # new variant products wait
    sync_products(name)
    store = StateStore(block.state_database_url)
    held = {h.record_key: h.reason_code for h in store.held(name, "products")}
    waiting = [int(k) for k, why in held.items() if why == Reason.OPTION_LIST_MISSING.value]
    number = min(waiting)
    # The merchant sets the lists up (with the options of every waiting product, so the run
    # adds none), and one product changes again: the run meets it in the batch of held
    # records and again in the feed.
    shop, mplus = emulators.shop.backend, emulators.mplus.backend
    articles = [mplus.articles[n] for p in waiting for n in mplus.product_articles[p]]
    lists = {}
    for name_, field in (("Kleur", "colour"), ("Maat", "size")):
        list_id = max(lid for lid, lst in shop.lists.items() if lst.name == name_)
        values = dict.fromkeys(str(a[field]) for a in articles if a.get(field))
        shop.add_list_options(list_id, [(v, Decimal(0)) for v in values])
        lists[name_] = list_id
    block.products.option_lists = lists
    articles = [mplus.articles[n] for n in mplus.product_articles[number]]
    mplus.set_price(articles[0]["articleNumber"], Decimal("54.95"))

    faults = emulators.shop.faults
    faults.reconfigure(FaultConfig(commit_then_drop_rate=1.0))  # every write lands unanswered
    ctx = fast_context(block, name, "products", store=store)
    try:
        engine = ProductSync(ctx)
        batches = 0
        for products, cursor in engine.batches():
            batches += any(p.product_number == number for p in products)
            engine.run_page(products, cursor)
    finally:
        ctx.close()
        faults.reconfigure(FaultConfig())

    assert batches == 2  # met twice in the run
    same = [a for a in shop.articles.values() if a.sku == str(number)]
    assert len(same) == 1, [a.id for a in same]
    sync_products(name, block=block)  # answers are back: the article is found and linked
    same = [a for a in shop.articles.values() if a.sku == str(number)]
    assert len(same) == 1
    bound = store.find_binding(name, "product", mplus_key=str(number))
    assert bound is not None and bound.shop_key == str(same[0].id)
    store.close()
