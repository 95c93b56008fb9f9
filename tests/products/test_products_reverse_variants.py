"""Reverse direction: a shop article with variants becomes one MplusKASSA product."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.products import sync_products
from mkmw_flows.flows.stock import sync_stock
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.state import StateStore
from mkmw_flows.sync.keys import ARTICLE, PRODUCT

pytestmark = pytest.mark.usefixtures("prefect_server")

Make = Callable[..., tuple[str, Integration]]


def _jacket(pair: EmulatorPair) -> int:
    """A 2 x 2 jacket in the shop (SKU 700): Kleur Rood/Blauw, Maat M/L (+2.50 for L)."""
    shop = pair.shop.backend
    colours = shop.create_list("Kleur", [("Rood", "0.00"), ("Blauw", "0.00")], "Jas")
    sizes = shop.create_list("Maat", [("M", "0.00"), ("L", "2.50")], "Jas")
    article = shop.add_article(
        "Regenjas",
        sku="700",
        price=Decimal("49.95"),
        stock=0,
        description="<p>Waterdicht</p>",
        lists=[
            {"id": colours.id, "options": [{"id": o.id} for o in colours.options]},
            {"id": sizes.id, "options": [{"id": o.id} for o in sizes.options]},
        ],
    )
    assert len(article.variants) == 4
    return article.id


def test_variant_article_becomes_one_product_bound_per_variant(
    emulators: EmulatorPair, make_integration: Make
) -> None:
    shop_id = _jacket(emulators)
    name, block = make_integration(emulators, save=True, products={"direction": "shop_to_mplus"})
    summary = sync_products(name, skus=["700"])
    assert summary["counts"]["created"] == 1 and summary["counts"]["failed"] == 0
    mplus = emulators.mplus.backend
    assert dict(emulators.mplus.counters.writes) == {"createProduct": 1}
    product = mplus.products[700]
    assert product["description"] == "Regenjas"
    articles = [mplus.articles[n] for n in mplus.product_articles[700]]
    axes = {(a["colour"], a["size"]): a for a in articles}
    assert set(axes) == {("Rood", "M"), ("Rood", "L"), ("Blauw", "M"), ("Blauw", "L")}
    assert axes[("Rood", "M")]["priceIncl"] == 4995
    assert axes[("Blauw", "L")]["priceIncl"] == 5245  # the option surcharge of L
    assert all(a["webshop"] and a["active"] for a in articles)

    store = StateStore(block.state_database_url)
    product_binding = store.find_binding(name, PRODUCT, shop_key=str(shop_id))
    assert product_binding is not None and product_binding.mplus_key == "700"
    variants = {v.id: v for v in emulators.shop.backend.articles[shop_id].variants}
    bound = store.bindings(name, ARTICLE, shop_key=str(shop_id))
    assert len(bound) == 4
    for binding in bound:
        article = mplus.articles[int(binding.mplus_key)]
        assert binding.variant_key == f"Kleur={article['colour']}|Maat={article['size']}"
        assert binding.extra["variant_id"] in variants

    emulators.mplus.counters.reset()
    again = sync_products(name, skus=["700"])
    assert sum(emulators.mplus.counters.writes.values()) == 0
    assert again["counts"]["unchanged"] == 1

    # a price change in the shop reaches every variant article, and only that
    emulators.shop.backend.edit_article(shop_id, price="54.95")
    emulators.mplus.counters.reset()
    sync_products(name, skus=["700"])
    assert dict(emulators.mplus.counters.writes) == {"updateProduct": 1}
    assert sorted(mplus.articles[n]["priceIncl"] for n in mplus.product_articles[700]) == [
        5495,
        5495,
        5745,
        5745,
    ]

    # the stock flow finds the variants through the bindings
    client = MplusClient(emulators.mplus_url, emulators.mplus.ident, emulators.mplus.secret)
    by_key = {b.variant_key: int(b.mplus_key) for b in bound}
    client.update_stock(1, by_key["Kleur=Rood|Maat=L"], Decimal(6))
    client.update_stock(1, by_key["Kleur=Blauw|Maat=M"], Decimal(3))
    sync_stock(name, full=True)
    variant_of = {b.variant_key: b.extra["variant_id"] for b in bound}
    shop_variants = {v.id: v for v in emulators.shop.backend.articles[shop_id].variants}
    assert shop_variants[variant_of["Kleur=Rood|Maat=L"]].stock == 6
    assert shop_variants[variant_of["Kleur=Blauw|Maat=M"]].stock == 3
    assert shop_variants[variant_of["Kleur=Rood|Maat=M"]].stock == 0


def test_existing_product_is_matched_by_colour_and_size(
    emulators: EmulatorPair, make_integration: Make
) -> None:
    """A shop variant product whose SKU is an existing product binds to its articles."""
    info = emulators.shop.seed_info
    assert info is not None
    number, shop_id = min(info.article_for_product.items())
    name, block = make_integration(emulators, save=True, products={"direction": "shop_to_mplus"})
    before = set(emulators.mplus.backend.product_articles[number])
    sync_products(name, skus=[str(number)])
    assert "createProduct" not in emulators.mplus.counters.writes
    store = StateStore(block.state_database_url)
    bound = store.bindings(name, ARTICLE, shop_key=str(shop_id))
    variants = emulators.shop.backend.articles[shop_id].variants
    assert len(bound) == len(variants)
    expected = {
        n: v for n, (a, v) in info.article_for_number.items() if a == shop_id and v is not None
    }
    assert {int(b.mplus_key): b.extra["variant_id"] for b in bound} == expected
    assert set(emulators.mplus.backend.product_articles[number]) == before


def test_a_sku_of_another_product_is_refused_not_merged(
    emulators: EmulatorPair, make_integration: Make
) -> None:
    shop = emulators.shop.backend
    colours = shop.create_list("Kleur", [("Geel", "0.00")], "Mok")
    shop.add_article(
        "Mok",
        sku="201",  # a coffee product in MplusKASSA, no colours
        price=Decimal("7.50"),
        lists=[{"id": colours.id, "options": [{"id": o.id} for o in colours.options]}],
    )
    name, block = make_integration(emulators, save=True, products={"direction": "shop_to_mplus"})
    before = list(emulators.mplus.backend.product_articles[201])
    summary = sync_products(name, skus=["201"])
    assert summary["counts"]["skipped"] == 1
    assert sum(emulators.mplus.counters.writes.values()) == 0
    assert emulators.mplus.backend.product_articles[201] == before
    (entry,) = StateStore(block.state_database_url).ledger(
        integration=name, reason_code="SKU_DUPLICATE"
    )
    assert "product 201" in entry.message
