"""The sync-products flow against both emulators over HTTP, under the Prefect harness."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from mkmw_emulators.demo_catalog import demo_catalog, demo_groups
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.common import artifact_key
from mkmw_flows.flows.products import sync_products
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.keys import ARTICLE, CATEGORY, PRODUCT, variant_key

pytestmark = pytest.mark.usefixtures("prefect_server")

Make = Callable[..., tuple[str, Integration]]


def _store(block: Integration) -> StateStore:
    return StateStore(block.state_database_url)


def _shop_writes(pair: EmulatorPair) -> dict[str, int]:
    return dict(pair.shop.counters.writes)


def _reset(pair: EmulatorPair) -> None:
    pair.shop.counters.reset()
    pair.mplus.counters.reset()


def test_first_full_sync_matches_the_catalogue(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration()
    summary = sync_products(name, full=True)
    assert summary["counts"]["failed"] == 0
    shop = emulators.shop.backend
    store = _store(block)
    categories = {int(b.mplus_key): int(b.shop_key) for b in store.bindings(name, CATEGORY)}
    for group in demo_groups():  # the tree, parents included
        category = shop.categories[categories[group.number]]
        assert category.title == group.name
        parent = categories[group.parent] if group.parent else None
        assert category.parent_id == parent
    by_sku = {a.sku: a for a in shop.articles.values()}
    webshop = [p for p in demo_catalog() if p.webshop]
    for product in webshop:
        first = product.articles[0]
        if product.kind == "fashion":
            article = by_sku[str(product.product_number)]
            binding = store.find_binding(name, PRODUCT, mplus_key=str(product.product_number))
            assert binding is not None and binding.shop_key == str(article.id)
            lists = {shop.lists[a.list_id].name: a for a in article.lists}
            assert set(lists) == {"Kleur", "Maat"}
            offered = {
                name_: {shop.lists[a.list_id].option(i).name for i in a.option_ids}  # type: ignore[union-attr]
                for name_, a in lists.items()
            }
            assert offered["Kleur"] == {a.colour for a in product.articles}
            assert offered["Maat"] == {a.size for a in product.articles}
            variants = {v.id: v for v in article.variants}
            for item in product.articles:
                bound = store.find_binding(name, ARTICLE, mplus_key=str(item.article_number))
                assert bound is not None and bound.shop_key == str(article.id)
                assert bound.variant_key == variant_key({"Kleur": item.colour, "Maat": item.size})
                variant = variants[bound.extra["variant_id"]]
                names = {shop.option_name(i)[1] for i in variant.option_ids}
                assert names == {item.colour, item.size}
        else:
            article = by_sku[str(first.article_number)]
            assert article.extra_invisible["barcode"] == first.ean
            bound = store.find_binding(name, ARTICLE, mplus_key=str(first.article_number))
            assert bound is not None and bound.shop_key == str(article.id)
        assert article.name == product.name
        assert article.price_default == first.price_incl  # the demo shop shows prices incl. VAT
        assert categories[product.group] in {link.category_id for link in article.categories}
        assert all(link.is_active for link in article.categories)
    skus = {a.sku for a in shop.articles.values()}
    assert (
        not {str(a.article_number) for p in demo_catalog() if not p.webshop for a in p.articles}
        & skus
    )
    ledger = store.ledger(integration=name, flow="products")
    assert len({e.record_key for e in ledger if e.entity == "product"}) == len(
        [p for p in demo_catalog()]
    )


def test_prices_excluding_vat(emulators: EmulatorPair, product_integration: Make) -> None:
    emulators.shop.backend.store.prices_include_tax = False
    name, _ = product_integration()
    sync_products(name)
    by_sku = {a.sku: a for a in emulators.shop.backend.articles.values()}
    mplus = emulators.mplus.backend.articles
    assert by_sku["20001"].price_default == Decimal(mplus[20001]["priceExcl"]) / 100


def test_incremental_run_applies_exactly_the_changes(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration()
    sync_products(name)
    _reset(emulators)
    assert sync_products(name)["counts"]["updated"] == 0
    assert _shop_writes(emulators) == {}
    mplus = emulators.mplus.backend
    mplus.set_price(20001, Decimal("3.49"))  # a price
    mplus.add_article(  # a new size
        100,
        {
            "articleNumber": 19001,
            "description": "T-shirt basic zwart XXL",
            "colour": "Zwart",
            "size": "XXL",
            "priceIncl": 1995,
            "vatCode": 1,
            "webshop": True,
            "turnoverGroup": 10,
        },
    )
    mplus.add_product(  # a new product
        300,
        "Honing 250 g",
        [
            {
                "articleNumber": 30001,
                "description": "Honing 250 g",
                "barcode": "8712300300013",
                "priceIncl": 499,
                "vatCode": 2,
                "webshop": True,
                "turnoverGroup": 20,
            }
        ],
        [23],
    )
    mplus.update_article(20003, active=False)  # a deactivation
    mplus.update_product({"product": {"productNumber": 206, "groupNumbers": [22]}})  # a move
    _reset(emulators)
    summary = sync_products(name)
    assert _shop_writes(emulators) == {
        "PATCH /v1/articles/{article_id}": 4,
        "POST /v1/articles": 1,
        "POST /v1/articlelistoptions/{articlelist_id}": 1,
    }
    assert sum(emulators.mplus.counters.writes.values()) == 0
    assert summary["counts"]["created"] == 1 and summary["counts"]["updated"] == 4
    store = _store(block)
    shop = emulators.shop.backend
    by_sku = {a.sku: a for a in shop.articles.values()}
    categories = {int(b.mplus_key): int(b.shop_key) for b in store.bindings(name, CATEGORY)}
    assert by_sku["20001"].price_default == Decimal("3.49")
    assert by_sku["30001"].name == "Honing 250 g"
    assert by_sku["30001"].extra_invisible["barcode"] == "8712300300013"
    assert [link.is_active for link in by_sku["20003"].categories] == [False]
    assert [link.category_id for link in by_sku["20007"].categories] == [categories[22]]
    bound = store.find_binding(name, ARTICLE, mplus_key="19001")
    assert bound is not None and bound.variant_key == "Kleur=Zwart|Maat=XXL"
    tshirt = shop.articles[int(bound.shop_key)]
    assert bound.extra["variant_id"] in {v.id for v in tshirt.variants}
    _reset(emulators)
    sync_products(name)
    assert _shop_writes(emulators) == {}


def test_create_only_survives_and_if_unchanged_conflicts(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    mplus = emulators.mplus.backend
    mplus.products[201]["extraText"] = "<p>Bonen uit Brazilië</p>"
    mplus.touch_article(20002)
    name, block = product_integration(
        field_map={
            "fields": [{"target": "description", "source": "description", "policy": "create_only"}]
        }
    )
    sync_products(name)
    shop = emulators.shop.backend
    article = next(a for a in shop.articles.values() if a.sku == "20002")
    assert article.description == "<p>Bonen uit Brazilië</p>"
    shop.edit_article(
        article.id, description="<p>Verrijkt in de webshop</p>", meta_title="Eigen titel"
    )
    mplus.products[201]["extraText"] = "<p>Nieuwe tekst</p>"
    mplus.update_article(20002, description="Koffiebonen lungo", priceIncl=899)
    mplus.update_product(
        {"product": {"productNumber": 201, "description": "Koffiebonen lungo 0,5 kg"}}
    )
    _reset(emulators)
    summary = sync_products(name)
    assert article.description == "<p>Verrijkt in de webshop</p>"  # create_only: kept
    assert article.meta_title == "Eigen titel"  # if_unchanged: theirs kept
    assert article.name == "Koffiebonen lungo 0,5 kg"
    assert article.price_default == Decimal("8.99")
    store = _store(block)
    conflicts = store.ledger(integration=name, reason_code="FIELD_CONFLICT")
    assert [e.record_key for e in conflicts] == ["20002"]
    assert "meta_title" in conflicts[0].message
    assert summary["counts"]["updated"] == 1


def test_dry_run_lists_changes_and_writes_nothing(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration()
    sync_products(name)
    emulators.mplus.backend.set_price(20001, Decimal("2.99"))
    emulators.mplus.backend.add_product(
        301,
        "Jam aardbei",
        [
            {
                "articleNumber": 30101,
                "priceIncl": 329,
                "vatCode": 2,
                "webshop": True,
                "description": "Jam aardbei",
            }
        ],
        [23],
    )
    cursor = _store(block).get_cursor(name, "products.article_marker")
    ledger_before = len(_store(block).ledger(integration=name))
    _reset(emulators)
    summary = sync_products(name, dry_run=True)
    assert summary["dry_run"] is True
    assert summary["counts"]["created"] == 1 and summary["counts"]["updated"] == 1
    assert sum(emulators.shop.counters.writes.values()) == 0
    assert sum(emulators.mplus.counters.writes.values()) == 0
    store = _store(block)
    assert store.get_cursor(name, "products.article_marker") == cursor
    assert len(store.ledger(integration=name)) == ledger_before
    with get_client(sync_client=True) as client:
        key = artifact_key(name, "products", "plan")
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    plan = str(max(found, key=lambda a: a.created or 0).data)
    assert "Plan" in plan and "price.default | 16.95 | 2.99" in plan and "30101" in plan
    _reset(emulators)
    sync_products(name)  # the real run does what the plan said
    assert _shop_writes(emulators) == {"PATCH /v1/articles/{article_id}": 1, "POST /v1/articles": 1}


def test_reverse_direction_creates_updates_and_records_bad_skus(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    shop = emulators.shop.backend
    category = next(iter(shop.categories))
    new = shop.add_article(
        "Honingpot klein", sku="40001", price="6.50", categories=[category], barcode="8712340000018"
    )
    name, block = product_integration(direction="shop_to_mplus")
    summary = sync_products(name)
    mplus = emulators.mplus.backend
    assert mplus.articles[40001]["description"] == "Honingpot klein"
    assert mplus.articles[40001]["priceIncl"] == 650
    assert mplus.articles[40001]["barcode"] == "8712340000018"
    # the demo shop's drifted price (the 7th single article, +0.20) goes to MplusKASSA
    singles = [p for p in demo_catalog() if p.webshop and p.kind != "fashion"]
    drifted = singles[6].articles[0]
    expected = int((drifted.price_incl + Decimal("0.20")) * 100)
    assert mplus.articles[drifted.article_number]["priceIncl"] == expected
    store = _store(block)
    bad = store.ledger(integration=name, reason_code="SKU_NOT_NUMERIC")
    assert {e.record_key for e in bad} == {"WEB-GIFTWRAP", f"shop article {_tote(shop)}"}
    assert summary["counts"]["created"] == 1
    assert emulators.mplus.counters.writes["createProduct"] == 1
    updates = emulators.mplus.counters.writes["updateProduct"]
    assert updates == summary["counts"]["updated"] >= 1
    shop.edit_article(new.id, price="7.25")
    _reset(emulators)
    summary = sync_products(name)
    assert mplus.articles[40001]["priceIncl"] == 725
    assert dict(emulators.mplus.counters.writes) == {"updateProduct": 1}


def _tote(shop: Any) -> int:
    return next(a.id for a in shop.articles.values() if a.name == "Katoenen tas")


def test_the_inactive_direction_is_refused(product_integration: Make) -> None:
    name, _ = product_integration()
    with pytest.raises(ValueError, match="shop to mplus is switched off"):
        sync_products(name, direction="shop_to_mplus")


def test_outcomes_are_in_the_ledger_and_held_records_are_retaken(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(option_lists={})  # no lists: new variant products wait
    summary = sync_products(name)
    store = _store(block)
    held = store.held(name, "products")
    assert held and {h.reason_code for h in held} == {"OPTION_LIST_MISSING"}
    assert summary["counts"]["skipped"] >= len(held)
    lists = {
        "Kleur": emulators.shop.backend.create_list("Kleur").id,
        "Maat": emulators.shop.backend.create_list("Maat").id,
    }
    block.products.option_lists = lists
    block.save(name, overwrite=True)
    summary = sync_products(name)
    assert store.held(name, "products") == []
    assert summary["counts"]["created"] == len(held)
    assert all(e.outcome != Outcome.FAILED for e in store.ledger(integration=name))
