"""The orders flow's rules 4, 5 and 7 (VAT, shipping, payment, document type, totals)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.mijnwebwinkel import wire as mijnwebwinkel_wire
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.orders.run import FLOW, run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason

from .helpers import (
    COFFEE,
    TSHIRT,
    add_order,
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
