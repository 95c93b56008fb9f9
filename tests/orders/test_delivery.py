"""Delivery methods: shop shipping method -> MplusKASSA ``Order.deliveryMethod``, and the check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.ops.check import run_check
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.settings.show import order_sections
from mkmw_flows.state import Outcome
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason

from .helpers import (
    add_order,
    bind_articles,
    clear_demo_orders,
    context,
    integration,
    mplus_orders_by_ext,
    person,
)

#: The demo shop ships with PostNL pakket (2273, NL), bpost België (2274, BE),
#: DHL Deutschland (2275, DE) and Afhalen in de winkel (2276, no costs, so no line).
ROWS = [
    {"shop_method": "PostNL pakket", "delivery_method": "POSTNL"},
    {"shop_method": "2275", "delivery_method": "DHL"},  # by id
]
VAT = {"21": 1, "9": 2, "0": 3, "19": 1}


@pytest.fixture
def pair() -> Iterator[EmulatorPair]:
    with EmulatorPair() as started:
        clear_demo_orders(started)
        yield started


def _orders(pair: EmulatorPair) -> dict[str, Any]:
    """One shop order per shipping method, each below the free-shipping threshold."""
    return {
        "postnl": add_order(pair, "nl@example.nl", ship="2273"),
        "bpost": add_order(pair, "be@example.nl", ship="2274", address=person(country="BE")),
        "dhl": add_order(pair, "de@example.nl", ship="2275", address=person(country="DE")),
        "pickup": add_order(pair, "pickup@example.nl", ship="2276"),
    }


def _stored(pair: EmulatorPair, number: int) -> dict[str, Any]:
    found = mplus_orders_by_ext(pair, f"MW-{number}")
    assert len(found) == 1, f"{len(found)} MplusKASSA orders for MW-{number}"
    return found[0]


def test_rows_map_by_name_and_id_and_an_unmapped_method_is_held(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    orders = _orders(pair)
    ctx = context(integration(pair, tmp_path, vat_codes=VAT, delivery_methods=ROWS))
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)

    assert _stored(pair, orders["postnl"].number)["deliveryMethod"] == "POSTNL"
    assert _stored(pair, orders["dhl"].number)["deliveryMethod"] == "DHL"
    # pickup at no cost has no shipping line: the order names no method, nothing is set
    assert "deliveryMethod" not in _stored(pair, orders["pickup"].number)
    # bpost has no row and there is no default: held with a reason, nothing created
    held = [r for r in ctx.report.results if r.key == str(orders["bpost"].number)][-1]
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.DELIVERY_UNMAPPED)
    assert "bpost België" in held.message and "delivery_methods" in held.message
    assert not mplus_orders_by_ext(pair, f"MW-{orders['bpost'].number}")
    assert {h.record_key for h in ctx.store.held(ctx.name, "orders")} == {
        str(orders["bpost"].number)
    }
    # getOrder answers the stored code as well
    order_id = _stored(pair, orders["postnl"].number)["orderId"]
    assert ctx.mplus.get_order(order_id).delivery_method == "POSTNL"  # type: ignore[union-attr]


def test_default_delivery_method_covers_unmapped_and_unnamed(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    orders = _orders(pair)
    ctx = context(
        integration(
            pair, tmp_path, vat_codes=VAT, delivery_methods=ROWS, default_delivery_method="AFHALEN"
        )
    )
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)
    got = {key: _stored(pair, o.number).get("deliveryMethod") for key, o in orders.items()}
    assert got == {"postnl": "POSTNL", "bpost": "AFHALEN", "dhl": "DHL", "pickup": "AFHALEN"}
    assert not ctx.store.held(ctx.name, "orders")


def test_no_delivery_settings_keep_orders_without_a_delivery_method(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    orders = _orders(pair)
    ctx = context(integration(pair, tmp_path, vat_codes=VAT))
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)
    for order in orders.values():
        assert "deliveryMethod" not in _stored(pair, order.number)
    sent = [r.sent for r in ctx.report.results if r.sent]
    assert sent and all("deliveryMethod" not in s for s in sent)


def test_a_code_mplus_does_not_know_is_refused_and_held(pair: EmulatorPair, tmp_path: Path) -> None:
    order = add_order(pair, "koerier@example.nl", ship="2273")
    rows = [{"shop_method": "PostNL pakket", "delivery_method": "KOERIER"}]
    ctx = context(integration(pair, tmp_path, delivery_methods=rows))
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)
    held = [r for r in ctx.report.results if r.key == str(order.number)][-1]
    assert (held.outcome, held.reason) == (Outcome.FAILED, Reason.REJECTED_BY_MPLUS)
    assert "KOERIER" in held.message
    assert not mplus_orders_by_ext(pair, f"MW-{order.number}")

    # the row is corrected: the held order goes through next run (a new request, a new key)
    rows = [{"shop_method": "2273", "delivery_method": "POSTNL"}]
    fixed = context(integration(pair, tmp_path, delivery_methods=rows), ctx.name, store=ctx.store)
    run_shop_to_mplus(fixed)
    assert _stored(pair, order.number)["deliveryMethod"] == "POSTNL"
    assert not fixed.store.held(fixed.name, "orders")


def test_settings_rows_are_validated() -> None:
    settings = OrderSyncSettings(
        delivery_methods=[{"shop_method": " PostNL pakket ", "delivery_method": "POSTNL"}]
    )
    assert settings.delivery_method_for("postnl PAKKET") == "POSTNL"
    assert settings.delivery_method_for("2273", None) is None
    with pytest.raises(ValueError, match=r"delivery_methods\[1\] has the same method"):
        OrderSyncSettings(
            delivery_methods=[
                {"shop_method": "PostNL", "delivery_method": "POSTNL"},
                {"shop_method": "postnl", "delivery_method": "DHL"},
            ]
        )
    with pytest.raises(ValueError, match="shop_method"):
        OrderSyncSettings(delivery_methods=[{"shop_method": "  ", "delivery_method": "POSTNL"}])
    with pytest.raises(ValueError, match="extra"):
        OrderSyncSettings(
            delivery_methods=[{"shop_method": "a", "delivery_method": "B", "article": 1}]
        )
    assert OrderSyncSettings(default_delivery_method="  ").default_delivery_method is None


def test_check_lists_unmapped_shipping_methods_and_unknown_codes(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    rows = [*ROWS, {"shop_method": "Afhalen in de winkel", "delivery_method": "KOERIER"}]
    report = run_check(integration(pair, tmp_path, vat_codes=VAT, delivery_methods=rows))
    delivery = {(f.code, f.subject) for f in report.findings if f.code.startswith("DELIVERY")}
    assert delivery == {
        ("DELIVERY_UNMAPPED", "shipping 'bpost België'"),
        ("DELIVERY_CODE_UNKNOWN", "delivery_methods[Afhalen in de winkel]"),
    }
    assert all(f.severity == "blocker" for f in report.findings if f.code.startswith("DELIVERY"))

    with_default = run_check(
        integration(pair, tmp_path, delivery_methods=ROWS, default_delivery_method="AFHALEN")
    )
    codes = [f.code for f in with_default.findings if f.code.startswith("DELIVERY")]
    assert sorted(codes) == ["DELIVERY_DEFAULT", "DELIVERY_DEFAULT"]  # bpost and pickup

    off = run_check(integration(pair, tmp_path))
    assert not [f for f in off.findings if f.code.startswith("DELIVERY")]


def test_settings_show_lists_the_delivery_rows_and_the_default() -> None:
    settings = OrderSyncSettings(delivery_methods=ROWS, default_delivery_method="AFHALEN")
    (section,) = [s for s in order_sections(settings) if "delivery_methods" in s.title]
    assert section.rows == [
        ("PostNL pakket", "POSTNL"),
        ("2275", "DHL"),
        ("(any other, or none named)", "AFHALEN"),
    ]
    (empty,) = [s for s in order_sections(OrderSyncSettings()) if "delivery" in s.title]
    assert empty.rows == [] and "no delivery method" in empty.empty


def test_a_dry_run_plans_the_delivery_method_and_writes_nothing(
    pair: EmulatorPair, tmp_path: Path
) -> None:
    order = add_order(pair, "plan@example.nl", ship="2273")
    ctx = context(integration(pair, tmp_path, delivery_methods=ROWS), dry_run=True)
    bind_articles(pair, ctx.store, ctx.name)
    run_shop_to_mplus(ctx)
    planned = [r for r in ctx.report.results if r.key == str(order.number)][-1]
    assert planned.outcome == Outcome.CREATED
    changes = {c.target: c.new for c in planned.changes}
    assert changes["order.delivery_method"] == "POSTNL"
    assert planned.sent is not None and planned.sent["deliveryMethod"] == "POSTNL"
    assert not mplus_orders_by_ext(pair, f"MW-{order.number}")
