"""Build the MplusKASSA order of a shop order: header, addresses, lines, VAT, payment, totals.

Everything here is plain computation on data already read; problems are raised as
:class:`OrderProblem` with a reason code and a message a shop owner understands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_flows.mapping import FieldMap, TransformError
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderLine as ShopLine
from mkmw_flows.mplus.models import Address, Order, OrderLine, Payment
from mkmw_flows.settings.orders import OrderSyncSettings, normalise_rate
from mkmw_flows.sync.order_lines import LineProblem
from mkmw_flows.sync.reasons import Reason

CENT = Decimal("0.01")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: ISO 3166-1 alpha-2 codes (officially assigned).
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR
    CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
    SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR
    TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
COUNTRIES = frozenset(_COUNTRY_CODES.split())


class OrderProblem(Exception):
    """The order cannot be created as it is; it is held with this reason.

    Attributes:
        reason: The reason code.
        message: What is wrong and what to do, in plain words.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class BuiltOrder:
    """An order ready for ``createOrderV3``.

    Attributes:
        order: The MplusKASSA order.
        payments: Payments to book with it (None: unpaid or not booked).
        prepay: True: a deposit on the order; False: deliver and invoice too.
        rounding: VAT rate -> rounding amount booked.
        notes: Notable things for the ledger message.
        mapped: The order map's values (the plan shows them).
    """

    order: Order
    payments: list[Payment] | None
    prepay: bool | None
    rounding: dict[str, Decimal] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mapped: dict[str, Any] = field(default_factory=dict)


def split_street(line: str | None) -> tuple[str, str]:
    """``"Molenstraat 62a"`` -> (``Molenstraat``, ``62a``)."""
    text = (line or "").strip()
    match = re.match(r"^(.*?)[\s,]+(\d+\s*[\w\-/ ]{0,8})$", text)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return text, ""


def _join(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def destination(order: ShopOrder) -> str:
    """The country the order goes to (delivery, else invoice, else shipping, else tax region)."""
    addresses = order.debtor.address
    for code in (
        addresses.delivery.country_code if addresses.delivery else None,
        addresses.invoice.country_code if addresses.invoice else None,
        order.shipping[0].country.isocode if order.shipping and order.shipping[0].country else None,
        order.tax_region,
    ):
        if code:
            return code.strip().upper()
    return ""


def shop_order_record(order: ShopOrder) -> dict[str, Any]:
    """The flat record of a shop order the order map reads."""
    invoice = order.debtor.address.invoice
    delivery = order.debtor.address.delivery or invoice
    person = (invoice.name if invoice else None) or order.debtor.name or ""
    company = ((invoice.company if invoice else None) or order.debtor.company or "").strip()
    record: dict[str, Any] = {
        "number": order.number,
        "date": order.date.isoformat(),
        "email": (order.debtor.email or "").strip(),
        "comment": order.comments.customer or "",
        "reference": order.reference or "",
        "relation_name": company or person,
        "contact_name": person if company else None,
        "person_name": person,
        "country": destination(order),
        "payment_method": order.payment.method_name if order.payment else None,
    }
    for side, address in (("invoice", invoice), ("delivery", delivery)):
        record.update(
            {
                f"{side}_name": address.name if address else None,
                f"{side}_company": (address.company or None) if address else None,
                f"{side}_street": address.street if address else None,
                f"{side}_number": address.number if address else None,
                f"{side}_street_line": _join(address.street, address.number) if address else None,
                f"{side}_zipcode": address.zipcode if address else None,
                f"{side}_city": address.city if address else None,
                f"{side}_country": (address.country_code or "").upper() or None
                if address
                else None,
                f"{side}_phone": (address.phone or None) if address else None,
            }
        )
    record["invoice_taxnumber"] = (invoice.taxnumber or None) if invoice else None
    return record


def line_record(line: ShopLine) -> dict[str, Any]:
    """The flat record of one shop order line the ``line.*`` rules read."""
    article = line.articles[0] if line.articles else None
    return {
        "type": line.type,
        "description": line.description or (article.description if article else "") or "",
        "sku": (article.sku if article else None) or "",
        "quantity": line.quantity,
    }


def apply_map(field_map: FieldMap, record: Mapping[str, Any]) -> dict[str, Any]:
    """Apply the order map, turning a transform error into a ``MAPPING_ERROR`` problem."""
    try:
        return field_map.apply(record)
    except TransformError as exc:
        raise OrderProblem(Reason.MAPPING_ERROR, f"The order map failed: {exc}") from None


def is_paid(order: ShopOrder) -> bool:
    """True when the shop reports the payment as successful (captured)."""
    if order.payment and order.payment.status and order.payment.status.id is not None:
        return order.payment.status.id == 1
    return (order.payment_status or "") in ("captured", "authorized")


def check_order(order: ShopOrder, settings: OrderSyncSettings) -> None:
    """Checks that need no call: e-mail, countries, quantities, prices, payment mapping.

    Raises:
        OrderProblem: The first problem found.
    """
    email = (order.debtor.email or "").strip()
    if not email and settings.default_debtor is None:
        raise OrderProblem(
            Reason.MISSING_EMAIL,
            f"Order {order.number} has no customer e-mail address, so no customer can be found "
            "or created. Set a default debtor, or add the e-mail in the shop.",
        )
    if email and not _EMAIL.match(email) and settings.default_debtor is None:
        raise OrderProblem(
            Reason.INVALID_EMAIL, f"Order {order.number}: {email!r} is not a valid e-mail address."
        )
    addresses = order.debtor.address
    for label, address in (("invoice", addresses.invoice), ("delivery", addresses.delivery)):
        if address is None:
            continue
        code = (address.country_code or "").strip().upper()
        if code and code not in COUNTRIES:
            raise OrderProblem(
                Reason.COUNTRY_UNKNOWN,
                f"Order {order.number}: the {label} address has country code {code!r}, which "
                "is not a known country. Correct the address in the shop.",
            )
    no_country = addresses.invoice is None or not (addresses.invoice.country_code or "").strip()
    if no_country and destination(order) not in COUNTRIES:
        raise OrderProblem(
            Reason.COUNTRY_UNKNOWN,
            f"Order {order.number}: the customer's country is missing or unknown.",
        )
    for line in order.orderlines:
        if line.quantity <= 0 or line.quantity != line.quantity.to_integral_value():
            raise OrderProblem(
                Reason.INVALID_QUANTITY,
                f"Order {order.number}: line {line.description!r} has quantity {line.quantity}.",
            )
        for price in line.price:
            unit = price.amount_including_tax
            if unit is not None and (unit != _q(unit) or (unit < 0 and line.type == "article")):
                raise OrderProblem(
                    Reason.INVALID_PRICE,
                    f"Order {order.number}: line {line.description!r} has price {unit}, which is "
                    "negative or has more than two decimals. Correct the price in the shop.",
                )
    paid = settings.register_payments and is_paid(order) and order.total != 0
    if paid and payment_code(order, settings) is None:
        name = _payment_name(order)
        raise OrderProblem(
            Reason.PAYMENT_UNMAPPED,
            f"Order {order.number} was paid with {name!r}, which has no MplusKASSA payment "
            f"method. Add {name!r} to payment_methods in the orders settings.",
        )


def _payment_name(order: ShopOrder) -> str:
    if not order.payment:
        return "no payment method"
    return f"{order.payment.gateway_name or ''}:{order.payment.method_name or ''}".strip(":")


def payment_code(order: ShopOrder, settings: OrderSyncSettings) -> str | None:
    """The MplusKASSA payment method code of the order's shop payment method, if mapped."""
    if not order.payment:
        return None
    return settings.payment_code_for(order.payment.gateway_name, order.payment.method_name)


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


def build_order(
    order: ShopOrder,
    settings: OrderSyncSettings,
    *,
    relation_number: int,
    mapped: Mapping[str, Any],
    line_map: Callable[[ShopLine], Mapping[str, Any]],
    articles: Mapping[int, int | LineProblem],
    shipping_ids: Mapping[str, str],
) -> BuiltOrder:
    """The MplusKASSA order of a shop order.

    Args:
        order: The shop order.
        settings: The orders settings.
        relation_number: The customer's relation.
        mapped: The order map's values for this order (``order.*``).
        line_map: Maps one shop line to its ``line.*`` values.
        articles: Line index -> resolved article number (or the problem) for article lines.
        shipping_ids: Shop shipping method name -> id (to look up by id).

    Raises:
        OrderProblem: The order cannot be built (unmapped VAT, shipping, a missing product,
            totals that do not add up).
    """
    country = destination(order)
    number = order.number
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
        text = str(line_map(line).get("line.text") or line.description or "")[:250]
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
    rounding, notes = _rounding(order, settings, lines, country)
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
    code = payment_code(order, settings)
    paid = is_paid(order) and settings.register_payments and order.total != 0
    header = {k.split(".", 1)[1]: v for k, v in mapped.items() if k.startswith("order.")}
    invoice_address = _address(header, "invoice_address")
    delivery_address = _address(header, "delivery_address")
    built = Order(
        ext_order_id=f"{settings.ext_order_id_prefix}{number}",
        entry_branch_number=settings.branch_number,
        financial_branch_number=settings.branch_number,
        workplace_number=settings.workplace_number,
        employee_number=settings.employee_number,
        relation_number=relation_number,
        financial_date=order.date,
        reference=(str(header.get("reference") or "") or None),
        invoice_address=invoice_address,
        delivery_address=delivery_address,
        vat_method="VAT-METHOD-INCLUSIVE",
        payment_method=code,
        lines=lines,
    )
    payments = None
    prepay = None
    if paid and code is not None:
        total = sum(((ln.price or Decimal(0)) * ln.quantity for ln in lines), Decimal(0))
        payments = [
            Payment(
                method=code,
                amount=_q(total),
                financial_date=order.date,
                branch_number=settings.branch_number,
                employee_number=settings.employee_number,
                external_reference=f"webshop order {number}",
            )
        ]
        prepay = settings.document_type != "invoice"
    return BuiltOrder(built, payments, prepay, rounding, notes, dict(mapped))


def _address(header: Mapping[str, Any], name: str) -> Address | None:
    values = {
        key.split(".", 1)[1]: value
        for key, value in header.items()
        if key.startswith(f"{name}.") and value not in (None, "")
    }
    return Address(**values) if values else None


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
    order: ShopOrder, settings: OrderSyncSettings, lines: list[OrderLine], country: str
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
