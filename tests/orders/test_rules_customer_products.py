"""The orders flow's rules 1-3 (already there, customer, products), against both emulators."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.keys import CUSTOMER, ORDER
from mkmw_flows.sync.orders.run import FLOW, run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason

from .helpers import (
    GIFT_25,
    TSHIRT,
    add_order,
    again,
    clear_demo_orders,
    context,
    integration,
    mplus_orders_by_ext,
    person,
)
from .rules_helpers import lines_of, make, only_order, result


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


# ---- 1. already there ----------------------------------------------------------------------


def test_existing_order_is_skipped_by_binding_and_by_ext_order_id(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop_order = add_order(pair, "skip@example.nl")
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    assert result(ctx, shop_order.number).outcome == Outcome.CREATED
    writes = pair.mplus.counters.writes["createOrderV3"]

    ctx2 = again(ctx)
    run_shop_to_mplus(ctx2, order_numbers=[shop_order.number])
    assert result(ctx2, shop_order.number).outcome == Outcome.UNCHANGED
    assert pair.mplus.counters.writes["createOrderV3"] == writes

    # a fresh state store (no binding): found by its extOrderId, linked, not created again
    fresh = make(pair, tmp_path)
    run_shop_to_mplus(fresh, order_numbers=[shop_order.number])
    skipped = result(fresh, shop_order.number)
    assert (skipped.outcome, skipped.reason) == (Outcome.UNCHANGED, Reason.ALREADY_EXISTS)
    assert pair.mplus.counters.writes["createOrderV3"] == writes
    assert fresh.store.find_binding(fresh.name, ORDER, shop_key=str(shop_order.number))
    only_order(pair, shop_order.number)


# ---- 2. customer -----------------------------------------------------------------------------


def test_company_gives_company_relation_with_contact_person_gives_person(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    company = add_order(
        pair,
        "inkoop@bakkerij.example.nl",
        address=person("Piet de Bakker", company="Bakkerij Piet"),
    )
    private = add_order(pair, "anna@example.nl", address=person("Anna de Wit"))
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    relations = pair.mplus.backend.relations
    company_rel = relations[only_order(pair, company.number)["relationNumber"]]
    private_rel = relations[only_order(pair, private.number)["relationNumber"]]
    assert company_rel["companyName"] == "Bakkerij Piet"
    assert company_rel["name"] == "Bakkerij Piet"
    assert company_rel["contact"] == "Piet de Bakker"
    assert company_rel["contactList"]["relation"][0]["name"] == "Piet de Bakker"
    assert "companyName" not in private_rel
    assert private_rel["name"] == "Anna de Wit"
    assert private_rel["email"] == "anna@example.nl"


def test_existing_customer_is_updated_not_duplicated(pair: EmulatorPair, tmp_path: Path) -> None:
    backend = pair.mplus.backend
    existing = backend.add_relation(
        {"name": "Jan Jansen", "email": "jan@example.nl", "city": "Utrecht", "zipcode": "3511AA"}
    )
    number = existing["relationNumber"]
    before = len(backend.relations)
    first = add_order(pair, "Jan@Example.nl")
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    assert only_order(pair, first.number)["relationNumber"] == number
    assert len(backend.relations) == before
    assert backend.relations[number]["city"] == "Oss"  # updated from the shop
    assert pair.mplus.counters.writes["updateRelation"] == 1
    binding = ctx.store.find_binding(ctx.name, CUSTOMER, shop_key="jan@example.nl")
    assert binding is not None and binding.mplus_key == str(number)

    # a returning customer: no lookup; changed details are written, unchanged ones are not
    finds = pair.mplus.counters.calls["findRelationV2"]
    second = add_order(pair, "jan@example.nl", address=person(zipcode="1012AB"))
    third = add_order(pair, "jan@example.nl", address=person(zipcode="1012AB"))
    run_shop_to_mplus(again(ctx), order_numbers=[second.number, third.number])
    assert pair.mplus.counters.calls["findRelationV2"] == finds
    assert pair.mplus.counters.writes["updateRelation"] == 2
    assert backend.relations[number]["zipcode"] == "1012AB"
    assert len(backend.relations) == before


def test_default_debtor_takes_every_order(pair: EmulatorPair, tmp_path: Path) -> None:
    orders = [add_order(pair, f"d{i}@example.nl") for i in range(3)]
    nomail = add_order(pair, "")
    ctx = make(pair, tmp_path, default_debtor=1)
    run_shop_to_mplus(ctx)
    for order in [*orders, nomail]:
        assert only_order(pair, order.number)["relationNumber"] == 1
    assert pair.mplus.counters.calls["findRelationV2"] == 0
    assert pair.mplus.counters.writes["createRelation"] == 0


def test_missing_email_without_default_debtor_is_held(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "")
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    held = result(ctx, order.number)
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.MISSING_EMAIL)
    assert "e-mail" in held.message
    assert not mplus_orders_by_ext(pair, f"MW-{order.number}")
    assert [h.record_key for h in ctx.store.held(ctx.name, FLOW)] == [str(order.number)]


# ---- 3. products -----------------------------------------------------------------------------


def test_missing_product_is_held_and_taken_again_once_it_exists(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop = pair.shop.backend
    new = shop.add_article("Theedoek", sku="30001", price="4.50")
    good = add_order(pair, "ok@example.nl")
    bad = add_order(
        pair,
        "wacht@example.nl",
        lines=[
            {"type": "article", "article_id": new.id, "quantity": 2},
            {"type": "article", "article_id": GIFT_25, "quantity": 1},
        ],
    )
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    held = result(ctx, bad.number)
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.PRODUCT_MISSING)
    assert "Theedoek (SKU 30001)" in held.message
    assert result(ctx, good.number).outcome == Outcome.CREATED  # the batch went on
    assert not mplus_orders_by_ext(pair, f"MW-{bad.number}")
    assert pair.mplus.counters.writes["createRelation"] == 1  # none for the held order

    run_shop_to_mplus(ctx2 := again(ctx))
    assert result(ctx2, bad.number).reason == Reason.PRODUCT_MISSING

    pair.mplus.backend.add_product(
        30001,
        "Theedoek",
        [{"articleNumber": 30001, "description": "Theedoek", "vatCode": 1, "priceIncl": 450}],
    )
    run_shop_to_mplus(ctx3 := again(ctx))
    assert result(ctx3, bad.number).outcome == Outcome.CREATED
    numbers = [line["articleNumber"] for line in lines_of(only_order(pair, bad.number))]
    assert numbers == [30001, 20034]
    assert ctx3.store.held(ctx.name, FLOW) == []


def test_variant_line_resolves_through_bindings_or_product_fallback(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop = pair.shop.backend
    article = shop.articles[TSHIRT]
    variant = next(v for v in article.variants if (v.stock or 0) > 0)
    line = {
        "type": "article",
        "article_id": TSHIRT,
        "quantity": 1,
        "option_ids": variant.option_ids,
    }
    order = add_order(pair, "var@example.nl", lines=[line])
    info = pair.shop.seed_info
    assert info is not None
    expected = next(n for n, (a, v) in info.article_for_number.items() if v == variant.id)

    bound = make(pair, tmp_path)
    run_shop_to_mplus(bound, order_numbers=[order.number])
    assert lines_of(only_order(pair, order.number))[0]["articleNumber"] == expected

    # without bindings: SKU = product number, the options pick the article (colour, size)
    order2 = add_order(pair, "var2@example.nl", lines=[line])
    unbound = context(integration(pair, tmp_path))
    run_shop_to_mplus(unbound, order_numbers=[order2.number])
    assert lines_of(only_order(pair, order2.number))[0]["articleNumber"] == expected


def test_non_numeric_sku_is_held_with_its_reason(pair: EmulatorPair, tmp_path: Path) -> None:
    wrap = next(a for a in pair.shop.backend.articles.values() if a.sku == "WEB-GIFTWRAP")
    order = add_order(pair, "wrap@example.nl", lines=[{"type": "article", "article_id": wrap.id}])
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    held = result(ctx, order.number)
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.SKU_NOT_NUMERIC)
    assert "WEB-GIFTWRAP" in held.message
