"""Shop option lists shared by several articles: nobody keeps options that are not its own.

The shop offers an option added to a list on every article using the list (API-NOTES §2:
options belong to the list; an article attaches a subset). When the products settings point
``option_lists`` at the lists of an existing article (here the demo T-shirt, SKU 100), every
new variant product's colours and sizes are added to the T-shirt's lists; the run must set
the T-shirt (and every other article on those lists) back to its own options, and a lost
answer or a crash must leave that repair owed to the next incremental run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from drills.soak import fast_context

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.products import sync_products
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.keys import PRODUCT
from mkmw_flows.sync.products.lists import LIST_REPAIR
from mkmw_flows.sync.products.run import ProductSync

pytestmark = pytest.mark.usefixtures("prefect_server")

MakeIntegration = Callable[..., tuple[str, Integration]]
TSHIRT = 100


@pytest.fixture
def shared(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> Iterator[tuple[str, Integration, StateStore]]:
    """An integration whose option_lists are the T-shirt's own Kleur and Maat lists."""
    shop = emulators.shop.backend
    tshirt = _shop_article(emulators, str(TSHIRT))
    lists = {shop.lists[a.list_id].name: a.list_id for a in tshirt.lists}
    assert set(lists) == {"Kleur", "Maat"}
    name, block = make_integration(emulators, save=True, products={"option_lists": lists})
    store = StateStore(block.state_database_url)
    yield name, block, store
    store.close()


def _shop_article(pair: EmulatorPair, sku: str) -> Any:
    return next(a for a in pair.shop.backend.articles.values() if a.sku == sku)


def _shop_options(pair: EmulatorPair, article_id: int) -> dict[str, set[str]]:
    shop = pair.shop.backend
    article = shop.articles[article_id]
    return {
        shop.lists[a.list_id].name: {shop.lists[a.list_id].option(i).name for i in a.option_ids}  # type: ignore[union-attr]
        for a in article.lists
    }


def _own_options(pair: EmulatorPair, product_number: int) -> dict[str, set[str]]:
    """The colours and sizes of the product's webshop articles in MplusKASSA."""
    mplus = pair.mplus.backend
    articles = [mplus.articles[n] for n in mplus.product_articles[product_number]]
    articles = [a for a in articles if a.get("webshop") and a.get("active", True)]
    return {
        "Kleur": {str(a["colour"]) for a in articles},
        "Maat": {str(a["size"]) for a in articles},
    }


def _wrong_options(pair: EmulatorPair, store: StateStore, name: str) -> dict[str, Any]:
    """Every bound variant product whose shop options are not exactly its own."""
    wrong = {}
    for binding in store.bindings(name, PRODUCT):
        have = _shop_options(pair, int(binding.shop_key))
        own = _own_options(pair, int(binding.mplus_key))
        if have != own:
            wrong[binding.mplus_key] = {"shop": have, "own": own}
    return wrong


def _new_variant_product(pair: EmulatorPair) -> None:
    """A product with a colour and a size no list has yet."""
    pair.mplus.backend.add_product(
        910,
        "Regenjas",
        [
            {
                "articleNumber": 91001 + n,
                "description": f"Regenjas {colour} {size}",
                "colour": colour,
                "size": size,
                "priceIncl": 7995,
                "vatCode": 1,
                "webshop": True,
                "turnoverGroup": 10,
            }
            for n, (colour, size) in enumerate(
                [("Okergeel", "3XL"), ("Okergeel", "M"), ("Zwart", "3XL")]
            )
        ],
        [12],
    )


@pytest.mark.parametrize("tshirt_in_page", [False, True], ids=["alone", "tshirt-changed-too"])
def test_one_incremental_run_leaves_every_article_its_own_options(
    emulators: EmulatorPair,
    shared: tuple[str, Integration, StateStore],
    tshirt_in_page: bool,
) -> None:
    name, _block, store = shared
    tshirt = _shop_article(emulators, str(TSHIRT))
    own = _own_options(emulators, TSHIRT)
    assert len(own["Kleur"]) == 3 and len(own["Maat"]) == 4
    sync_products(name)  # the first run creates the new fashion products on the shared lists
    assert _shop_options(emulators, tshirt.id) == own
    assert _wrong_options(emulators, store, name) == {}
    assert store.repairs_owed(name, LIST_REPAIR) == []

    _new_variant_product(emulators)
    if tshirt_in_page:  # the T-shirt is planned in the same page, before the options are added
        first = emulators.mplus.backend.product_articles[TSHIRT][0]
        emulators.mplus.backend.set_price(first, Decimal("21.95"))
    summary = sync_products(name)  # ONE incremental run

    assert summary["counts"]["created"] == 1
    colours = {o.name for o in emulators.shop.backend.lists[tshirt.lists[0].list_id].options}
    assert "Okergeel" in colours  # the shared list did gain the new colour
    assert _shop_options(emulators, tshirt.id) == own
    assert _shop_options(emulators, _shop_article(emulators, "910").id) == _own_options(
        emulators, 910
    )
    assert _wrong_options(emulators, store, name) == {}
    assert store.repairs_owed(name, LIST_REPAIR) == []
    if not tshirt_in_page:
        logged = store.ledger(integration=name, record_key=str(TSHIRT), flow="products")
        assert "options set back to its own" in logged[0].message
        assert logged[0].outcome == Outcome.UPDATED

    emulators.shop.counters.reset()
    assert sync_products(name)["counts"]["updated"] == 0
    assert dict(emulators.shop.counters.writes) == {}  # nothing left to repair, nothing repeated


def test_a_lost_answer_leaves_the_repair_owed_to_the_next_incremental_run(
    emulators: EmulatorPair,
    shared: tuple[str, Integration, StateStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name, block, store = shared
    tshirt = _shop_article(emulators, str(TSHIRT))
    own = _own_options(emulators, TSHIRT)
    sync_products(name)
    _new_variant_product(emulators)

    # The options go onto the list and the answer is lost; from then on the shop answers
    # nothing, so the run cannot repair anything (as if it had been cut off there).
    shop = emulators.shop
    faults = shop.faults
    original = shop.backend.add_list_options

    def add_then_go_dark(list_id: int, options: Any) -> Any:
        result = original(list_id, options)
        faults.reconfigure(FaultConfig(fault_rate=1.0, kinds=("server_error",)))
        return result

    monkeypatch.setattr(shop.backend, "add_list_options", add_then_go_dark)
    faults.reconfigure(FaultConfig(commit_then_drop_rate=1.0))
    ctx = fast_context(block, name, "products", store=store)
    try:
        engine = ProductSync(ctx)
        for products, cursor in engine.batches():
            engine.run_page(products, cursor)
    except Exception:  # noqa: BLE001 - the run may die as a whole once the shop goes dark
        pass
    finally:
        ctx.close()
    faults.reconfigure(FaultConfig())
    monkeypatch.undo()

    assert faults.stats.injected["commit_then_drop"] == 1
    assert faults.stats.injected["server_error"] >= 1
    damaged = _shop_options(emulators, tshirt.id)
    assert "Okergeel" in damaged["Kleur"] and damaged != own  # the fault is real
    owed = {r.shop_key: r.mplus_key for r in store.repairs_owed(name, LIST_REPAIR)}
    assert owed[str(tshirt.id)] == str(TSHIRT)

    summary = sync_products(name)  # the next incremental run, no faults

    assert _shop_options(emulators, tshirt.id) == own
    assert _shop_options(emulators, _shop_article(emulators, "910").id) == _own_options(
        emulators, 910
    )
    assert _wrong_options(emulators, store, name) == {}
    assert store.repairs_owed(name, LIST_REPAIR) == []
    assert summary["counts"].get("failed", 0) == 0
    emulators.shop.counters.reset()
    sync_products(name)
    assert dict(emulators.shop.counters.writes) == {}
