"""Which shop orders are taken, and the checks an order passes before anything is written.

One place decides whether a shop order not yet in MplusKASSA is taken: :func:`verdict` runs
the filters (credit and test orders, cancelled, statuses to import), then the checks that need
no call (e-mail, countries, quantities, prices, the payment mapping), then the order map's
result. Problems are :class:`OrderProblem` with a reason code and a message a shop owner
understands; the order is held and taken again once fixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from mkmw_flows.sync.reasons import Reason

if TYPE_CHECKING:
    from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
    from mkmw_flows.settings.orders import OrderSyncSettings
    from mkmw_flows.sync.orders.record import MappedOrder

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


@dataclass(frozen=True)
class Verdict:
    """Whether a shop order is taken, and the payment facts its build uses.

    Attributes:
        filtered: Why the order is left out (reason, message), or None.
        problem: Why it cannot be created as it is (held), or None.
        payment_code: The MplusKASSA payment method of its shop payment, if mapped.
        paid: Its payment is to be booked with it.
        needs_shipping_ids: A shipping line or delivery method can only be matched by the
            shop shipping method's id (the shop's list is read once a run).
    """

    filtered: tuple[Reason, str] | None = None
    problem: OrderProblem | None = None
    payment_code: str | None = None
    paid: bool = False
    needs_shipping_ids: bool = False


def verdicts(
    orders: list[ShopOrder], settings: OrderSyncSettings, mapped: dict[int, MappedOrder]
) -> dict[int, Verdict]:
    """:func:`verdict` of every order of a page, by order number."""
    return {order.number: verdict(order, settings, mapped[order.number]) for order in orders}


def verdict(order: ShopOrder, settings: OrderSyncSettings, mapped: MappedOrder) -> Verdict:
    """Filters, then the checks that need no call, then the order map: the first that fails.

    Args:
        order: A shop order not yet in MplusKASSA.
        settings: The orders settings.
        mapped: Its record and the order map's values (the record names its country).
    """
    filtered = eligibility(order, settings)
    if filtered is not None:
        return Verdict(filtered=filtered)
    code = payment_code(order, settings)
    paid = is_paid(order) and settings.register_payments and order.total != 0
    try:
        check_order(order, settings, str(mapped.source.get("country") or ""))
    except OrderProblem as problem:
        return Verdict(problem=problem, payment_code=code, paid=paid)
    if mapped.failure is not None:
        return Verdict(problem=OrderProblem(Reason.MAPPING_ERROR, mapped.failure))
    needs = any(
        line.type == "shipping" and settings.shipping_article_for(line.description) is None
        for line in order.orderlines
    ) or (
        bool(settings.delivery_methods)
        and any(settings.delivery_method_for(name) is None for name in mapped.shipping_names)
    )
    return Verdict(payment_code=code, paid=paid, needs_shipping_ids=needs)


def eligibility(order: ShopOrder, settings: OrderSyncSettings) -> tuple[Reason, str] | None:
    """Why a not yet imported shop order is left out, or None when it is to be imported."""
    credited = order.credited_order_number
    if credited is not None:
        # a credit order (negative prices) is a return, not a sale: the owner books it
        return (
            Reason.CREDIT_ORDER,
            f"Order {order.number} is a credit order for order {credited}; it is not imported "
            f"as a sale. Book the return of order {credited} (in MplusKASSA: "
            f"{settings.ext_order_id_prefix}{credited}) in MplusKASSA.",
        )
    if order.is_test and not settings.include_test_orders:
        return Reason.FILTERED_OUT, f"Order {order.number} is a test order; test orders are off."
    if order.status in settings.shop_cancelled_statuses():
        return (
            Reason.CANCELLED_IN_SHOP,
            f"Order {order.number} was cancelled in the shop before it was imported.",
        )
    if settings.statuses_to_import and order.status not in settings.statuses_to_import:
        return (
            Reason.STATUS_NOT_IMPORTED,
            f"Order {order.number} has shop status {order.status}; only statuses "
            f"{sorted(settings.statuses_to_import)} are imported. It is taken when its status "
            "changes.",
        )
    return None


def is_paid(order: ShopOrder) -> bool:
    """True when the shop reports the payment as successful (captured)."""
    if order.payment and order.payment.status and order.payment.status.id is not None:
        return order.payment.status.id == 1
    return (order.payment_status or "") in ("captured", "authorized")


def payment_code(order: ShopOrder, settings: OrderSyncSettings) -> str | None:
    """The MplusKASSA payment method code of the order's shop payment method, if mapped."""
    if not order.payment:
        return None
    return settings.payment_code_for(order.payment.gateway_name, order.payment.method_name)


def check_order(order: ShopOrder, settings: OrderSyncSettings, country: str) -> None:
    """Checks that need no call: e-mail, countries, quantities, prices, payment mapping.

    Args:
        order: The shop order.
        settings: The orders settings.
        country: The country it goes to (:func:`~mkmw_flows.sync.orders.record.destination`).

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
    if no_country and country not in COUNTRIES:
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
            cents = unit.quantize(CENT, rounding=ROUND_HALF_UP) if unit is not None else None
            if unit is not None and (unit != cents or (unit < 0 and line.type == "article")):
                raise OrderProblem(
                    Reason.INVALID_PRICE,
                    f"Order {order.number}: line {line.description!r} has price {unit}, which is "
                    "negative or has more than two decimals. Correct the price in the shop.",
                )
    paid = settings.register_payments and is_paid(order) and order.total != 0
    if paid and payment_code(order, settings) is None:
        raise OrderProblem(
            Reason.PAYMENT_UNMAPPED,
            f"Order {order.number} was paid with {_payment_name(order)!r}, which has no "
            f"MplusKASSA payment method. Add {_payment_name(order)!r} to payment_methods in the "
            "orders settings.",
        )


def _payment_name(order: ShopOrder) -> str:
    if not order.payment:
        return "no payment method"
    return f"{order.payment.gateway_name or ''}:{order.payment.method_name or ''}".strip(":")
