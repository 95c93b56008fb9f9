"""Orders: records, statuses, listing/feeds and changes (``PATCH /orders/{number}``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.models.base import CENT, MICRO, ShopState, _between
from mkmw_emulators.mijnwebwinkel.models.exceptions import Invalid, NotFound


@dataclass
class Address:
    name: str
    zipcode: str
    street: str = ""
    number: str = ""
    city: str = ""
    country_code: str = "NL"
    company: str = ""
    phone: str = ""
    gender: str = ""
    taxnumber: str = ""
    bankaccount: str = ""
    id: str | None = None


@dataclass
class TaxAmount:
    rate: Decimal  # percentage, e.g. 21.00
    amount: Decimal  # excl. VAT, 6 dp
    amount_including_tax: Decimal  # 2 dp


@dataclass
class OrderLineOption:
    list_option_id: int
    description: str
    price: Decimal


@dataclass
class OrderLine:
    id: str
    type: str  # article | custom | shipping | payment
    quantity: int
    description: str
    unit_prices: list[TaxAmount]
    weight: Decimal = Decimal("0")
    article_id: int | None = None
    sku: str = ""
    article_amount: Decimal | None = None  # unit price of the article itself, excl. VAT
    purchase_price: Decimal | None = None
    options: list[OrderLineOption] = field(default_factory=list)
    variant_id: int | None = None


@dataclass
class Order:
    number: int
    uuid: str
    created_at: dt.datetime
    status: int
    status_changed_at: dt.datetime
    email: str
    invoice: Address
    delivery: Address | None
    lines: list[OrderLine]
    archived: bool = False
    test: bool = False
    locale: str = "nl_NL"
    currency: str = "EUR"
    discountcode: str = ""
    comment_customer: str = ""
    comment_internal: str = ""
    business_model: str = "B2C"
    reference: str = ""
    tax_region: str = "NL"
    tax_strategy: str = ""
    offline_location_id: str | None = None
    payment_gateway: str | None = None
    payment_method: str | None = None
    payment_status_id: int = 1
    payment_status: str = "captured"
    debtor_id: str | None = None
    shipping_country: str | None = None
    partner: str | None = None
    credited_order_number: int | None = None
    credit_order_numbers: list[int] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum(
            (
                p.amount_including_tax * line.quantity
                for line in self.lines
                for p in line.unit_prices
            ),
            Decimal("0.00"),
        )

    @property
    def weight(self) -> Decimal:
        return sum((line.weight for line in self.lines), Decimal("0"))

    def tax_per_rate(self) -> list[TaxAmount]:
        """VAT charged per rate (amount = the VAT, like ``price.tax`` in the spec)."""
        per: dict[Decimal, Decimal] = {}
        for line in self.lines:
            for p in line.unit_prices:
                vat = (p.amount_including_tax - p.amount) * line.quantity
                per[p.rate] = per.get(p.rate, Decimal(0)) + vat
        return [
            TaxAmount(rate, vat.quantize(MICRO), vat.quantize(CENT))
            for rate, vat in sorted(per.items())
        ]


@dataclass
class OrderStatus:
    status: int
    description: str
    credit_order: bool = False


class OrdersMixin(ShopState):
    """Statuses, reading and changing orders."""

    def add_status(self, status: int, description: str, credit_order: bool = False) -> None:
        self.statuses[status] = OrderStatus(status, description, credit_order)

    def get_order(self, number: int) -> Order:
        order = self.orders.get(number)
        if order is None:
            raise NotFound(f"Order {number} not found")
        return order

    def list_orders(
        self,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        status_id: int | None = None,
        status_changed: tuple[Any, Any] = (None, None),
        archived: bool | None = None,
        test: bool = False,
        ordering: str = "asc",
        debtor_email: str | None = None,
        debtor_id: str | None = None,
    ) -> list[Order]:
        found = []
        for order in self.orders.values():
            if order.test and not test:
                continue
            if start_date and order.created_at.date() < start_date:
                continue
            if end_date and order.created_at.date() > end_date:
                continue
            if status_id is not None and order.status != status_id:
                continue
            if archived is not None and order.archived != archived:
                continue
            if not _between(order.status_changed_at, *status_changed):
                continue
            if (debtor_email or debtor_id) and not (
                (debtor_email and order.email.lower() == debtor_email.lower())
                or (debtor_id and order.debtor_id == debtor_id)
            ):
                continue
            found.append(order)
        found.sort(key=lambda o: o.number, reverse=ordering == "desc")
        return found

    def update_order(
        self,
        number: int,
        *,
        status: int | None = None,
        archived: bool | None = None,
        internal_comment: str | None = None,
        reference: str | None = None,
        offline_location_id: str | None = None,
    ) -> Order:
        """Change an order (``PATCH /orders/{number}``); a status change stamps the time."""
        with self.lock:
            order = self.get_order(number)
            if status is not None:
                if status not in self.statuses:
                    raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
                if self.statuses[status].credit_order != (order.credited_order_number is not None):
                    raise Invalid(
                        "Credit statuses are for credit orders only", [("status", "credit status")]
                    )
                if status != order.status:
                    order.status = status
                    order.status_changed_at = self.now()
            if reference is not None:
                if order.business_model != "B2B":
                    raise Invalid(
                        "A reference is only available for B2B orders", [("reference", "B2B only")]
                    )
                order.reference = reference
            if archived is not None:
                order.archived = archived
            if internal_comment is not None:
                order.comment_internal = internal_comment
            if offline_location_id is not None:
                order.offline_location_id = offline_location_id
            return order

    def set_order_status(self, number: int, status: int) -> Order:
        """Test helper: change an order's status as the merchant would."""
        return self.update_order(number, status=status)
