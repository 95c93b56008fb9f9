"""The MplusKASSA lines of a shop order: articles, prices, VAT codes, rounding, delivery.

The delivery method is the one its shipping line names.
Everything here is plain computation on data already read, done before the order's customer
is written: an order that cannot be booked is held without leaving a relation behind.
Problems are raised as :class:`~mkmw_flows.sync.orders.check.OrderProblem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderLine as ShopLine
from mkmw_flows.mplus.models import OrderLine
from mkmw_flows.settings.order_rows import normalise_rate
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.sync.orders.articles import LineProblem
from mkmw_flows.sync.orders.check import CENT, OrderProblem
from mkmw_flows.sync.orders.record import MappedOrder
from mkmw_flows.sync.reasons import Reason


@dataclass
class OrderLines:
    """The lines of an order ready for ``createOrderV3``.

    Attributes:
        lines: The MplusKASSA lines (rounding lines last).
        delivery_method: The MplusKASSA delivery method code (None: unset).
        rounding: VAT rate -> rounding amount booked.
        notes: Notable things for the ledger message.
    """

    lines: list[OrderLine]
    delivery_method: str | None = None
    rounding: dict[str, Decimal] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def order_lines(
    order: ShopOrder,
    settings: OrderSyncSettings,
    *,
    mapped: MappedOrder,
    articles: Mapping[int, int | LineProblem],
    shipping_ids: Mapping[str, str],
) -> OrderLines:
    """The MplusKASSA lines of a shop order, checked against the shop's totals.

    Args:
        order: The shop order.
        settings: The orders settings.
        mapped: Its record (the country it goes to, the shipping methods it names) and the
            order map's ``line.text`` of each shop line.
        articles: Line index -> resolved article number (or the problem) for article lines.
        shipping_ids: Shop shipping method name -> id (to look up by id).

    Raises:
        OrderProblem: A missing product, unmapped VAT or shipping or delivery method, a line
            without a price, totals that do not add up.
    """
    number = order.number
    country = str(mapped.source.get("country") or "")
    missing = [result for result in articles.values() if isinstance(result, LineProblem)]
    if missing:
        reason = (
            Reason.SKU_NOT_NUMERIC
            if all(m.reason == Reason.SKU_NOT_NUMERIC for m in missing)
            else Reason.PRODUCT_MISSING
        )
        raise OrderProblem(
            reason,
            f"Order {number}: products missing in MplusKASSA: "
            + "; ".join(m.what for m in missing)
            + ". Add them (or link them with the products flow); the order is taken again.",
        )
    lines: list[OrderLine] = []
    for index, line in enumerate(order.orderlines):
        text = mapped.line_texts[index]
        article = _line_article(order, line, index, articles, settings, shipping_ids)
        prices = line.price or []
        if not prices:
            raise OrderProblem(Reason.INVALID_PRICE, f"Order {number}: line {text!r} has no price.")
        for price in prices:
            unit = price.amount_including_tax
            if unit is None and price.amount is not None:
                unit = _q(price.amount * (1 + (price.rate or Decimal(0)) / 100))
            if unit is None:
                raise OrderProblem(
                    Reason.INVALID_PRICE, f"Order {number}: line {text!r} has no price."
                )
            lines.append(
                OrderLine(
                    article_number=article,
                    text=text,
                    quantity=Decimal(line.quantity),
                    price=_q(unit),
                    vat_code=vat_code(settings, price.rate, country, number),
                    turnover_group=settings.turnover_group_for(country)
                    if line.type == "article"
                    else None,
                )
            )
    rounding, notes = _rounding(order, settings, lines)
    for rate, amount in rounding.items():
        assert settings.rounding_article is not None  # noqa: S101 - checked in _rounding
        lines.append(
            OrderLine(
                article_number=settings.rounding_article,
                text="Afronding",
                quantity=Decimal(1),
                price=amount,
                vat_code=vat_code(settings, Decimal(rate), country, number),
            )
        )
    delivery = delivery_method(order, settings, mapped.shipping_names, shipping_ids)
    return OrderLines(lines, delivery, rounding, notes)


def vat_code(
    settings: OrderSyncSettings, rate: Decimal | None, country: str, order_number: int
) -> int | None:
    """The MplusKASSA vatCode for a rate in a country (None: the article's own code).

    Raises:
        OrderProblem: ``VAT_UNMAPPED`` when a table is set and has no entry.
    """
    if not settings.vat_codes:
        return None
    key = normalise_rate(rate or 0)
    code = settings.vat_code_for(country, key)
    if code is None:
        raise OrderProblem(
            Reason.VAT_UNMAPPED,
            f"Order {order_number} has VAT {key}% for {country or 'an unknown country'}, which "
            f"has no MplusKASSA VAT code. Add a row to vat_codes: rate {key}, country "
            f'{country or "any"} (or "any").',
        )
    return code


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def delivery_method(
    order: ShopOrder,
    settings: OrderSyncSettings,
    names: list[str],
    shipping_ids: Mapping[str, str],
) -> str | None:
    """The MplusKASSA delivery method code of the order (None: leave ``deliveryMethod`` unset).

    Nothing is set when neither ``delivery_methods`` nor ``default_delivery_method`` is
    configured. Otherwise the shipping line's method (`names`,
    :func:`~mkmw_flows.sync.orders.record.shipping_names`) is looked up by name, then by its
    id; an order that names no method, or one without a row, takes the default.

    Raises:
        OrderProblem: ``DELIVERY_UNMAPPED`` when the order's method has no row and no
            default is set.
    """
    if not settings.delivery_methods and settings.default_delivery_method is None:
        return None
    for name in names:
        code = settings.delivery_method_for(name, shipping_ids.get(name))
        if code is not None:
            return code
    if settings.default_delivery_method is not None or not names:
        return settings.default_delivery_method
    name = names[0]
    raise OrderProblem(
        Reason.DELIVERY_UNMAPPED,
        f"Order {order.number} ships with {name!r}, which has no MplusKASSA delivery method. "
        f"Add a delivery_methods row for {name!r} (or its id), or set default_delivery_method "
        "in the orders settings.",
    )


def _line_article(
    order: ShopOrder,
    line: ShopLine,
    index: int,
    articles: Mapping[int, int | LineProblem],
    settings: OrderSyncSettings,
    shipping_ids: Mapping[str, str],
) -> int:
    if line.type == "article":
        resolved = articles.get(index)
        if isinstance(resolved, int):
            return resolved
        raise OrderProblem(
            Reason.PRODUCT_MISSING, f"Order {order.number}: line {index + 1} has no product."
        )
    if line.type == "shipping":
        name = (line.description or "").strip()
        article = settings.shipping_article_for(name, shipping_ids.get(name))
        if article is None:
            raise OrderProblem(
                Reason.SHIPPING_UNMAPPED,
                f"Order {order.number} ships with {name!r}, which has no MplusKASSA article. "
                f"Add {name!r} (or its id) to shipping_articles in the orders settings.",
            )
        return article
    if settings.custom_line_article is None:
        raise OrderProblem(
            Reason.PRODUCT_MISSING,
            f"Order {order.number}: line {line.description!r} ({line.type}) has no product; "
            "set custom_line_article in the orders settings to book such lines.",
        )
    return settings.custom_line_article


def _rounding(
    order: ShopOrder, settings: OrderSyncSettings, lines: list[OrderLine]
) -> tuple[dict[str, Decimal], list[str]]:
    """Compare our lines per VAT rate with the shop's figures; return the rounding to book."""
    ours: dict[str, Decimal] = {}
    net: dict[str, Decimal] = {}
    for shop_line in order.orderlines:
        for price in shop_line.price:
            rate = normalise_rate(price.rate or 0)
            unit = price.amount if price.amount is not None else Decimal(0)
            net[rate] = net.get(rate, Decimal(0)) + unit * shop_line.quantity
    for index, line in enumerate(lines):
        shop_rate = _rate_of(order, index)
        ours[shop_rate] = ours.get(shop_rate, Decimal(0)) + (line.price or 0) * line.quantity
    tax = {normalise_rate(t.rate or 0): t.amount or Decimal(0) for t in order.price.tax}
    diffs: dict[str, Decimal] = {}
    for rate, our in ours.items():
        if rate in tax and rate in net:
            shop = _q(net[rate] + tax[rate])
            diffs[rate] = shop - our
    total = order.price.total
    if total is not None and ours:
        residual = total - (sum(ours.values()) + sum(diffs.values()))
        if residual:
            main = max(ours, key=lambda r: ours[r])
            diffs[main] = diffs.get(main, Decimal(0)) + residual
    booked: dict[str, Decimal] = {}
    notes: list[str] = []
    for rate, diff in sorted(diffs.items()):
        if diff == 0:
            continue
        shop_figure = ours[rate] + diff
        if abs(diff) > CENT:
            raise OrderProblem(
                Reason.TOTAL_MISMATCH,
                f"Order {order.number}: at VAT {rate}% the shop says {shop_figure:.2f} but the "
                f"lines add up to {ours[rate]:.2f} (difference {diff:+.2f}). Check the order in "
                "the shop; it is held.",
            )
        if settings.rounding_article is None:
            raise OrderProblem(
                Reason.TOTAL_MISMATCH,
                f"Order {order.number}: at VAT {rate}% the shop says {shop_figure:.2f} and the "
                f"lines {ours[rate]:.2f}; set rounding_article to book such cent differences.",
            )
        booked[rate] = diff
        notes.append(f"rounding {diff:+.2f} at VAT {rate}%")
    return booked, notes


def _rate_of(order: ShopOrder, mplus_index: int) -> str:
    """The VAT rate (as a key) of the n-th MplusKASSA line built from the shop lines."""
    index = 0
    for line in order.orderlines:
        for price in line.price:
            if index == mplus_index:
                return normalise_rate(price.rate or 0)
            index += 1
    return "0"
