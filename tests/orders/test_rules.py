"""The numbered rules of the orders flow, shop -> MplusKASSA, against both emulators over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.mijnwebwinkel import wire as mijnwebwinkel_wire
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CUSTOMER, ORDER
from mkmw_flows.sync.orders.run import FLOW, run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult

from .helpers import (
    COFFEE,
    GIFT_25,
    TSHIRT,
    add_order,
    again,
    bind_articles,
    clear_demo_orders,
    context,
    integration,
    mplus_orders_by_ext,
    person,
)


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


def make(pair: EmulatorPair, tmp_path: Path, **settings: Any) -> SyncContext:
    ctx = context(integration(pair, tmp_path, **settings))
    bind_articles(pair, ctx.store, ctx.name)
    return ctx


def result(ctx: SyncContext, number: int) -> RecordResult:
    found = [r for r in ctx.report.results if r.key == str(number) and r.entity == "order"]
    assert found, f"no result for order {number}: {[r.key for r in ctx.report.results]}"
    return found[-1]


def only_order(pair: EmulatorPair, number: int, prefix: str = "MW-") -> dict[str, Any]:
    orders = mplus_orders_by_ext(pair, f"{prefix}{number}")
    assert len(orders) == 1, f"{len(orders)} MplusKASSA orders for {prefix}{number}"
    return orders[0]


def lines_of(order: dict[str, Any]) -> list[dict[str, Any]]:
    return list(order["lineList"]["line"])


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


# ---- 4. build: VAT, turnover, shipping, payment ----------------------------------------------


def _tshirt_line(pair: EmulatorPair) -> dict[str, Any]:
    article = pair.shop.backend.articles[TSHIRT]
    variant = next(v for v in article.variants if (v.stock or 0) > 1)
    return {
        "type": "article",
        "article_id": TSHIRT,
        "quantity": 1,
        "option_ids": variant.option_ids,
    }


def test_vat_code_per_country_and_turnover_group_per_country(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    nl = add_order(pair, "nl@example.nl", lines=[_tshirt_line(pair)], ship="2273")
    be = add_order(
        pair,
        "be@example.be",
        address=person("Luc Peeters", country="BE", zipcode="2000"),
        lines=[_tshirt_line(pair)],
        ship="2274",
    )
    ctx = make(
        pair,
        tmp_path,
        vat_codes=[
            {"rate": 21, "vat_code": 1},
            {"rate": 9, "vat_code": 2},
            {"rate": 0, "vat_code": 3},
            {"country": "BE", "rate": 21, "vat_code": 4},
        ],
        turnover_groups=[
            {"country": "BE", "turnover_group": 41},
            {"country": "NL", "turnover_group": 10},
        ],
    )
    run_shop_to_mplus(ctx)
    nl_lines = lines_of(only_order(pair, nl.number))
    be_lines = lines_of(only_order(pair, be.number))
    assert [ln["data"]["vatCode"] for ln in nl_lines] == [1, 1]
    assert [ln["data"]["vatCode"] for ln in be_lines] == [4, 4]
    assert be_lines[0]["data"]["turnoverGroup"] == 41
    assert nl_lines[0]["data"]["turnoverGroup"] == 10
    # the shipping line keeps its own article's revenue account
    assert be_lines[1]["data"]["turnoverGroup"] == pair.mplus.backend.articles[999]["turnoverGroup"]


def test_unmapped_vat_rate_is_held(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "koffie@example.nl", lines=[{"type": "article", "article_id": COFFEE}])
    ctx = make(pair, tmp_path, vat_codes={"21": 1, "0": 3})
    run_shop_to_mplus(ctx)
    held = result(ctx, order.number)
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.VAT_UNMAPPED)
    assert "9%" in held.message and held.hold
    assert pair.mplus.counters.writes["createRelation"] == 0


def test_shipping_line_and_payment_are_mapped(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "pay@example.nl", ship="2273", pay=("mollie", "ideal"))
    unpaid = add_order(pair, "later@example.nl", ship="2273", pay=("basic", "advance"), paid=False)
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    created = only_order(pair, order.number)
    shipping = lines_of(created)[1]
    assert (shipping["articleNumber"], shipping["data"]["price"]) == (999, 495)
    payments = created["paymentList"]["payment"]
    assert [(p["method"], p["amount"]) for p in payments] == [("IDEAL", 1495)]
    assert created["fullyPaid"] is True
    assert created["paymentMethod"] == "IDEAL"
    assert only_order(pair, unpaid.number)["paymentList"]["payment"] == []
    assert only_order(pair, order.number)["reference"] == f"Webwinkel {order.number}"
    delivery = created["deliveryAddress"]
    assert (delivery["address"], delivery["zipcode"], delivery["country"]) == (
        "Molenstraat 62",
        "5341GE",
        "NL",
    )


def test_unmapped_shipping_and_payment_are_held(pair: EmulatorPair, tmp_path: Path) -> None:
    ship = add_order(pair, "ship@example.nl", ship="2273")
    pay = add_order(pair, "pay@example.nl", pay=("klarna_checkout", "klarna_paylater"))
    ctx = make(
        pair,
        tmp_path,
        shipping_articles={"bpost België": 999},
        payment_methods={"ideal": "IDEAL"},
    )
    run_shop_to_mplus(ctx)
    assert result(ctx, ship.number).reason == Reason.SHIPPING_UNMAPPED
    assert "PostNL pakket" in result(ctx, ship.number).message
    assert result(ctx, pay.number).reason == Reason.PAYMENT_UNMAPPED
    assert "klarna_checkout:klarna_paylater" in result(ctx, pay.number).message
    assert pair.mplus.counters.writes["createOrderV3"] == 0

    # fixed in the settings: `mkmw retry` (request_retry) and the next run take them
    assert ctx.store.request_retry(ctx.name, reason_code="SHIPPING_UNMAPPED") == 1
    fixed = integration(
        pair,
        tmp_path,
        shipping_articles={"PostNL pakket": 999},
        payment_methods={"klarna_paylater": "WEBSHOP", "ideal": "IDEAL"},
    )
    fixed.state_database_url = ctx.integration.state_database_url
    ctx2 = context(fixed, ctx.name, store=ctx.store)
    run_shop_to_mplus(ctx2)
    assert result(ctx2, ship.number).outcome == Outcome.CREATED
    assert result(ctx2, pay.number).outcome == Outcome.CREATED
    assert ctx2.store.held(ctx.name, FLOW) == []


def test_unknown_country_is_held(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "xx@example.nl")
    order.invoice.country_code = "XQ"
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    assert result(ctx, order.number).reason == Reason.COUNTRY_UNKNOWN


# ---- 5. document type ------------------------------------------------------------------------


def test_invoice_mode_delivers_and_invoices_paid_orders(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "factuur@example.nl", ship="2273")
    ctx = make(pair, tmp_path, document_type="invoice")
    run_shop_to_mplus(ctx)
    created = only_order(pair, order.number)
    assert created["deliveryState"] == "ORDER-DELIVERY-STATE-COMPLETE"
    invoice_ids = created["invoiceIds"]["id"]
    assert len(invoice_ids) == 1
    invoice = pair.mplus.backend.invoices[invoice_ids[0]]
    assert invoice["totalInclAmount"] == 1495 and invoice["paidAmount"] == 1495
    assert "as invoice" in result(ctx, order.number).message


# ---- 7. totals -------------------------------------------------------------------------------


@pytest.fixture
def skew(monkeypatch: pytest.MonkeyPatch) -> dict[int, Decimal]:
    """Shop orders whose VAT and total the shop reports off by an amount (order-level rounding)."""
    skewed: dict[int, Decimal] = {}
    original = mijnwebwinkel_wire.order_json

    def order_json(backend: Any, order: Any, quirks: bool) -> dict[str, Any]:
        data = original(backend, order, quirks)
        delta = skewed.get(order.number)
        if delta:
            data["price"]["total"] = f"{Decimal(data['price']['total']) + delta:.2f}"
            tax = data["price"]["tax"]
            tax[-1]["amount"] = f"{Decimal(tax[-1]['amount']) + delta:.6f}"
        return data

    monkeypatch.setattr(mijnwebwinkel_wire, "order_json", order_json)
    return skewed


def test_cent_difference_is_booked_on_a_rounding_line(
    pair: EmulatorPair, tmp_path: Path, skew: dict[int, Decimal]
) -> None:
    order = add_order(pair, "cent@example.nl", lines=[_tshirt_line(pair)], ship="2273")
    skew[order.number] = Decimal("0.01")
    ctx = make(pair, tmp_path, rounding_article=999)
    run_shop_to_mplus(ctx)
    done = result(ctx, order.number)
    assert (done.outcome, done.reason) == (Outcome.CREATED, Reason.ROUNDING_LINE)
    assert "rounding +0.01 at VAT 21%" in done.message
    created = only_order(pair, order.number)
    rounding = lines_of(created)[-1]
    assert (rounding["articleNumber"], rounding["data"]["price"], rounding["text"]) == (
        999,
        1,
        "Afronding",
    )
    shop_total = Decimal(str(pair.shop.backend.orders[order.number].total)) + Decimal("0.01")
    assert created["totalInclAmount"] == int(shop_total * 100)
    assert created["paymentList"]["payment"][0]["amount"] == int(shop_total * 100)


def test_larger_difference_is_held_with_both_figures(
    pair: EmulatorPair, tmp_path: Path, skew: dict[int, Decimal]
) -> None:
    order = add_order(pair, "off@example.nl", lines=[_tshirt_line(pair)])
    skew[order.number] = Decimal("0.05")
    ctx = make(pair, tmp_path, rounding_article=999)
    run_shop_to_mplus(ctx)
    held = result(ctx, order.number)
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.TOTAL_MISMATCH)
    lines_total = pair.shop.backend.orders[order.number].total
    assert f"{lines_total + Decimal('0.05'):.2f}" in held.message
    assert f"{lines_total:.2f}" in held.message
    assert not mplus_orders_by_ext(pair, f"MW-{order.number}")


# ---- 8. status both ways and cancellation ---------------------------------------------------


def test_status_write_back_both_ways(pair: EmulatorPair, tmp_path: Path) -> None:
    shop = pair.shop.backend
    shop.add_status(7, "Geannuleerd")
    first = add_order(pair, "st1@example.nl", status=3)
    second = add_order(pair, "st2@example.nl", status=3)
    ctx = make(
        pair,
        tmp_path,
        statuses_to_import=[3],
        status_write_back={"imported": 1, "delivered": 2, "cancelled": 7},
    )
    run_shop_to_mplus(ctx)
    assert shop.orders[first.number].status == 1  # "in behandeling" once imported
    assert shop.orders[second.number].status == 1

    mplus = pair.mplus.backend
    mplus.deliver_order(only_order(pair, first.number)["orderId"])
    mplus.cancel_order({"orderId": only_order(pair, second.number)["orderId"]})
    run_shop_to_mplus(ctx2 := again(ctx))
    assert shop.orders[first.number].status == 2  # delivered -> shipped
    assert shop.orders[second.number].status == 7  # cancelled -> cancelled
    patches = pair.shop.counters.writes.copy()

    run_shop_to_mplus(again(ctx2))  # nothing more to write, no loop
    assert pair.shop.counters.writes == patches
    assert mplus.orders[only_order(pair, second.number)["orderId"]]["cancelState"] == (
        "ORDER-CANCEL-STATE-COMPLETE"
    )


def test_shop_cancellation_after_import_cancels_the_mplus_order(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    shop = pair.shop.backend
    shop.add_status(7, "Geannuleerd")
    order = add_order(pair, "cancel@example.nl")
    never = add_order(pair, "never@example.nl", status=7)
    ctx = make(pair, tmp_path, cancel_sync=True, cancelled_statuses=[7])
    run_shop_to_mplus(ctx)
    assert result(ctx, never.number).reason == Reason.CANCELLED_IN_SHOP
    assert not mplus_orders_by_ext(pair, f"MW-{never.number}")
    created = only_order(pair, order.number)
    assert created["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"

    shop.set_order_status(order.number, 7)
    run_shop_to_mplus(ctx2 := again(ctx))
    done = result(ctx2, order.number)
    assert (done.outcome, done.reason) == (Outcome.UPDATED, Reason.CANCELLED_IN_SHOP)
    assert pair.mplus.backend.orders[created["orderId"]]["cancelState"] == (
        "ORDER-CANCEL-STATE-COMPLETE"
    )
    cancels = pair.mplus.counters.writes["cancelOrder"]
    run_shop_to_mplus(again(ctx2), order_numbers=[order.number])
    assert pair.mplus.counters.writes["cancelOrder"] == cancels


def test_cancellation_is_not_synced_when_off(pair: EmulatorPair, tmp_path: Path) -> None:
    pair.shop.backend.add_status(7, "Geannuleerd")
    order = add_order(pair, "keep@example.nl")
    ctx = make(pair, tmp_path, cancelled_statuses=[7])
    run_shop_to_mplus(ctx)
    pair.shop.backend.set_order_status(order.number, 7)
    run_shop_to_mplus(again(ctx))
    assert only_order(pair, order.number)["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"


# ---- selection -------------------------------------------------------------------------------


def test_statuses_and_test_orders_filter(pair: EmulatorPair, tmp_path: Path) -> None:
    pending = add_order(pair, "pending@example.nl", status=1)
    paid = add_order(pair, "paid@example.nl", status=3)
    test_order = add_order(pair, "test@example.nl", status=3, test=True)
    ctx = make(pair, tmp_path, statuses_to_import=[3])
    run_shop_to_mplus(ctx)
    assert result(ctx, pending.number).reason == Reason.STATUS_NOT_IMPORTED
    assert result(ctx, paid.number).outcome == Outcome.CREATED
    assert not [r for r in ctx.report.results if r.key == str(test_order.number)]

    # the pending order is paid later: the status-change feed brings it in
    pair.shop.backend.set_order_status(pending.number, 3)
    run_shop_to_mplus(ctx2 := again(ctx))
    assert result(ctx2, pending.number).outcome == Outcome.CREATED
    assert not mplus_orders_by_ext(pair, f"MW-{test_order.number}")

    with_tests = make(pair, tmp_path, statuses_to_import=[3], include_test_orders=True)
    run_shop_to_mplus(with_tests)
    assert result(with_tests, test_order.number).outcome == Outcome.CREATED


def test_dry_run_plans_field_by_field_and_writes_nothing(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    order = add_order(pair, "plan@example.nl", ship="2273")
    ctx = make(pair, tmp_path)
    dry = context(ctx.integration, ctx.name, dry_run=True, store=ctx.store)
    run_shop_to_mplus(dry)
    planned = result(dry, order.number)
    assert planned.outcome == Outcome.CREATED and "would be created" in planned.message
    targets = {c.target: c.new for c in planned.changes}
    assert targets["relation.email"] == "plan@example.nl"
    assert targets["order.ext_order_id"] == f"MW-{order.number}"
    assert "999" in targets["order.lines[2]"]
    assert sum(pair.mplus.counters.writes.values()) == 0
    assert sum(pair.shop.counters.writes.values()) == 0
    assert dry.store.ledger(integration=ctx.name) == []
    assert dry.store.get_cursor(ctx.name, "orders.shop.changed") is None


def test_backfill_since_takes_orders_older_than_the_window(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    import datetime as dt

    old_moment = pair.shop.backend.now() - dt.timedelta(days=20)
    old = add_order(pair, "oud@example.nl", created_at=old_moment)
    recent = add_order(pair, "nieuw@example.nl")
    ctx = make(pair, tmp_path, backfill_days=7)
    run_shop_to_mplus(ctx)
    assert result(ctx, recent.number).outcome == Outcome.CREATED
    assert not [r for r in ctx.report.results if r.key == str(old.number)]
    cursor = ctx.store.get_cursor(ctx.name, "orders.shop.changed")
    assert cursor is not None

    run_shop_to_mplus(ctx2 := again(ctx), since=old_moment - dt.timedelta(hours=1))
    assert result(ctx2, old.number).outcome == Outcome.CREATED
    assert ctx2.store.get_cursor(ctx.name, "orders.shop.changed") >= cursor


def test_payment_after_import_is_booked_once(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "later@example.nl", pay=("mollie", "ideal"), paid=False)
    ctx = make(pair, tmp_path)
    run_shop_to_mplus(ctx)
    created = only_order(pair, order.number)
    assert created["fullyPaid"] is False and created["paymentList"]["payment"] == []

    shop_order = pair.shop.backend.orders[order.number]
    shop_order.payment_status_id, shop_order.payment_status = 1, "captured"
    pair.shop.backend.set_order_status(order.number, 3)
    run_shop_to_mplus(ctx2 := again(ctx))
    assert result(ctx2, order.number).outcome == Outcome.UPDATED
    paid = only_order(pair, order.number)
    assert [(p["method"], p["amount"]) for p in paid["paymentList"]["payment"]] == [("IDEAL", 1000)]
    run_shop_to_mplus(again(ctx2), order_numbers=[order.number])
    assert pair.mplus.counters.writes["payOrderV2"] == 1
