"""Images, custom fields and action prices of the products flow, against both emulators.

The image test runs the flow under the Prefect harness; the others drive the plain sync
functions (``ProductSync``) over HTTP with a hand-built context, limited to a few SKUs.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.common import sync_context
from mkmw_flows.flows.products import sync_products
from mkmw_flows.mplus.times import AMSTERDAM
from mkmw_flows.state import StateStore
from mkmw_flows.sync.keys import ARTICLE, PRODUCT
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.plan import CURSOR
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.products.steps import PRICE_CHANGES

Make = Callable[..., tuple[str, Integration]]


def _run(
    name: str,
    block: Integration,
    *,
    skus: list[str] | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """One run of the products sync without Prefect; returns records per outcome."""
    with sync_context(name, "products", integration=block, dry_run=dry_run) as ctx:
        engine = ProductSync(ctx, skus=skus)
        if today is not None:
            engine.today = today
        engine.categories, _ = sync_categories(ctx)
        for products, cursor in engine.batches():
            engine.run_page(products, cursor)
        engine.finish()
        return ctx.report.counts()


def _writes(pair: EmulatorPair) -> dict[str, int]:
    return dict(pair.shop.counters.writes)


def _reset(pair: EmulatorPair) -> None:
    pair.shop.counters.reset()
    pair.mplus.counters.reset()


def _article(pair: EmulatorPair, sku: str) -> Any:
    return next(a for a in pair.shop.backend.articles.values() if a.sku == sku)


def _urls(article: Any) -> list[str]:
    return [i.url for i in sorted(article.images, key=lambda i: i.position)]


def _mplus_urls(pair: EmulatorPair, *numbers: int) -> list[str]:
    urls: list[str] = []
    for number in numbers:
        for image in pair.mplus.backend.articles[number].get("imageList", {}).get("image", []):
            if image["imageUrl"] not in urls:
                urls.append(image["imageUrl"])
    return urls


# ---- images ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_server")
def test_an_image_change_reaches_the_shop_once(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(sync_images=True)
    tshirt = list(emulators.mplus.backend.product_articles[100])
    theirs = _urls(_article(emulators, "100"))  # a photo the shop owner put on the T-shirt
    sync_products(name, skus=["20001", "100"])
    assert _urls(_article(emulators, "20001")) == _mplus_urls(emulators, 20001)
    ours = _mplus_urls(emulators, *tshirt)
    assert len(ours) == 3  # one per colour, each once
    assert _urls(_article(emulators, "100")) == ours + theirs  # ours first, theirs kept
    _reset(emulators)
    _run(name, block, skus=["20001", "100"])
    assert _writes(emulators) == {}  # unchanged images cost nothing
    emulators.mplus.backend.set_image(20001, "koffie-nieuw.jpg", 1)
    _reset(emulators)
    counts = _run(name, block, skus=["20001", "100"])
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert counts["updated"] == 1
    assert _urls(_article(emulators, "20001")) == _mplus_urls(emulators, 20001)
    assert "koffie-nieuw.jpg" in _urls(_article(emulators, "20001"))[0]
    store = StateStore(block.state_database_url)
    bound = store.find_binding(name, ARTICLE, mplus_key="20001")
    assert bound is not None and bound.extra["images"]["names"] == ["koffie-nieuw.jpg"]
    _reset(emulators)
    _run(name, block, skus=["20001", "100"])
    assert _writes(emulators) == {}
    emulators.mplus.backend.remove_images(20001)  # taken off in MplusKASSA: off the shop too
    _reset(emulators)
    _run(name, block, skus=["20001"])
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert _article(emulators, "20001").images == []


def test_with_images_off_nothing_image_related_is_written(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(save=False)
    assert block.products.sync_images is False
    theirs = _urls(_article(emulators, "100"))
    _run(name, block, skus=["20001", "100"])
    assert _article(emulators, "20001").images == []
    assert _urls(_article(emulators, "100")) == theirs
    store = StateStore(block.state_database_url)
    product = store.find_binding(name, PRODUCT, mplus_key="100")
    assert product is not None and "images" not in product.extra
    emulators.mplus.backend.set_image(20001, "koffie-nieuw.jpg", 1)
    _reset(emulators)
    _run(name, block, skus=["20001", "100"])
    assert _writes(emulators) == {}


def test_a_dry_run_lists_the_images_and_writes_nothing(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(save=False, sync_images=True)
    _reset(emulators)
    _run(name, block, skus=["20001"], dry_run=True)
    assert _writes(emulators) == {}
    assert _article(emulators, "20001").images == []


def test_a_lost_binding_does_not_double_the_images(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(save=False, sync_images=True)
    _run(name, block, skus=["20001", "100"])
    before = {sku: _urls(_article(emulators, sku)) for sku in ("20001", "100")}
    other, block = product_integration(save=False, sync_images=True)  # no bindings of its own
    _run(other, block, skus=["20001", "100"])
    assert {sku: len(_urls(_article(emulators, sku))) for sku in before} == {
        sku: len(urls) for sku, urls in before.items()
    }


# ---- custom fields --------------------------------------------------------------------------


def test_a_custom_field_as_variant_axis(emulators: EmulatorPair, product_integration: Make) -> None:
    mplus = emulators.mplus.backend
    fit = emulators.shop.backend.create_list("Pasvorm").id
    jeans = mplus.product_articles[106]
    mplus.set_custom_field(jeans[0], "Pasvorm", "Straight fit")
    name, block = product_integration(
        save=False,
        variant_axes={"colour": "Kleur", "size": "Maat", "custom.Pasvorm": "Pasvorm"},
    )
    block.products.option_lists["Pasvorm"] = fit
    _run(name, block, skus=["106"])
    article = _article(emulators, "106")
    shop = emulators.shop.backend
    lists = {shop.lists[a.list_id].name: a for a in article.lists}
    assert set(lists) == {"Kleur", "Maat", "Pasvorm"}
    offered = {shop.lists[fit].option(i).name for i in lists["Pasvorm"].option_ids}  # type: ignore[union-attr]
    assert offered == {"Mom fit", "Straight fit"}
    store = StateStore(block.state_database_url)
    first = store.find_binding(name, ARTICLE, mplus_key=str(jeans[0]))
    other = store.find_binding(name, ARTICLE, mplus_key=str(jeans[1]))
    assert first is not None and "Pasvorm=Straight fit" in first.variant_key
    assert other is not None and "Pasvorm=Mom fit" in other.variant_key
    variants = {v.id: v for v in article.variants}
    names = {shop.option_name(i)[1] for i in variants[first.extra["variant_id"]].option_ids}
    assert "Straight fit" in names


def test_custom_fields_as_features(emulators: EmulatorPair, product_integration: Make) -> None:
    name, block = product_integration(
        save=False,
        features={"custom.Merk": "Merk", "custom.Land van herkomst": "Land van herkomst"},
    )
    _run(name, block, skus=["100", "106"])
    tshirt, jeans = _article(emulators, "100"), _article(emulators, "106")
    assert tshirt.extra_visible["Merk"] == "Huismerk"
    assert tshirt.extra_visible["Land van herkomst"] == "Portugal"
    assert jeans.extra_visible["Merk"] == "Denim & Co"
    assert jeans.extra_visible["Land van herkomst"] == "Italië"
    for number in emulators.mplus.backend.product_articles[100]:
        emulators.mplus.backend.set_custom_field(number, "Land van herkomst", "Marokko")
    _reset(emulators)
    _run(name, block, skus=["100", "106"])
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert tshirt.extra_visible["Land van herkomst"] == "Marokko"


def test_filters_on_custom_field_values(emulators: EmulatorPair, product_integration: Make) -> None:
    name, block = product_integration(
        save=False,
        filters={"field_not_equals": [{"field": "custom.Merk", "values": ["Denim & Co"]}]},
    )
    before = {a.id: a.name for a in emulators.shop.backend.articles.values() if a.sku == "106"}
    counts = _run(name, block, skus=["100", "106", "114"])
    store = StateStore(block.state_database_url)
    assert store.find_binding(name, PRODUCT, mplus_key="100") is not None
    skipped = store.ledger(integration=name, reason_code="FILTERED_OUT")
    assert {e.record_key for e in skipped} == {"106", "114"}
    assert "custom field 'Merk' is excluded (Denim & Co)" in skipped[0].message
    assert counts["skipped"] == 2
    assert {a.id: a.name for a in emulators.shop.backend.articles.values() if a.sku == "106"} == (
        before
    )
    name, block = product_integration(
        save=False, filters={"field_equals": [{"field": "custom.Pasvorm", "values": ["Slim fit"]}]}
    )
    _run(name, block, skus=["100", "102"])
    store = StateStore(block.state_database_url)
    assert store.find_binding(name, PRODUCT, mplus_key="102") is not None
    assert store.find_binding(name, PRODUCT, mplus_key="100") is None


# ---- action price ---------------------------------------------------------------------------


def test_an_action_price_shows_in_the_shop_and_removing_it_clears_it(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    mplus = emulators.mplus.backend
    name, block = product_integration(save=False)
    _run(name, block, skus=["20002", "20001"])
    assert _article(emulators, "20002").price_action == Decimal("7.49")  # seeded sales price
    assert _article(emulators, "20001").price_action is None
    mplus.set_sales_price(20001, Decimal("2.49"))
    _reset(emulators)
    _run(name, block, skus=["20002", "20001"])
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert _article(emulators, "20001").price_action == Decimal("2.49")
    mplus.set_sales_price(20002, None)
    _reset(emulators)
    _run(name, block, skus=["20002", "20001"])
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert _article(emulators, "20002").price_action is None
    _reset(emulators)
    _run(name, block, skus=["20002", "20001"])
    assert _writes(emulators) == {}


def test_prices_excluding_vat_get_the_action_price_excluding_vat(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    emulators.shop.backend.store.prices_include_tax = False
    name, block = product_integration(save=False)
    _run(name, block, skus=["20002"])
    excl = emulators.mplus.backend.articles[20002]["salesPriceList"]["salesPrice"][0]
    assert _article(emulators, "20002").price_action == Decimal(excl["priceExcl"]) / 100


def test_a_dated_action_price_starts_and_ends_on_its_days(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    mplus = emulators.mplus.backend
    name, block = product_integration(save=False)
    today = dt.datetime.now(AMSTERDAM).date()
    friday, sunday = today + dt.timedelta(days=3), today + dt.timedelta(days=5)
    mplus.set_sales_price(20001, Decimal("2.49"), start=friday, end=sunday)
    _run(name, block, skus=["20001"])
    assert _article(emulators, "20001").price_action is None
    store = StateStore(block.state_database_url)
    assert json.loads(store.get_cursor(name, PRICE_CHANGES) or "{}") == {"200": friday.isoformat()}
    with store.transaction() as tx:  # caught up with the change feed: nothing new in MplusKASSA
        tx.set_cursor(name, CURSOR, str(mplus.counters["article"]))
    _reset(emulators)
    _run(name, block, today=friday - dt.timedelta(days=1))
    assert _writes(emulators) == {}
    _run(name, block, today=friday)
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert _article(emulators, "20001").price_action == Decimal("2.49")
    _reset(emulators)
    _run(name, block, today=sunday + dt.timedelta(days=1))
    assert _writes(emulators) == {"PATCH /v1/articles/{article_id}": 1}
    assert _article(emulators, "20001").price_action is None
    assert json.loads(store.get_cursor(name, PRICE_CHANGES) or "{}") == {}
    assert sum(emulators.mplus.counters.writes.values()) == 0
