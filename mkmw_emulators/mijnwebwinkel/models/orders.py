"""Orders: records, statuses, listing/feeds and changes (``PATCH /orders/{number}``).

Stock bookkeeping (INFERRED, see API-NOTES.md "Emulator: order statuses and stock"): an order
lowers the stock of its article lines (CONFIRMED: "Order create and credit mutate stock"); each
line remembers what it took (``stock_taken``). Moving an order into a *cancelled* status gives
that stock back, moving it out of one takes it again (with the stock check that
``override_stock`` on ``PATCH /orders/{number}`` skips). Whether the real shop restocks on
cancellation is not documented; the spec's ``override_stock`` on PATCH implies that a status
change can take stock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.models.base import CENT, MICRO, ShopState, _between
from mkmw_emulators.mijnwebwinkel.models.exceptions import Forbidden, Invalid, NotFound


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
    stock_taken: int = 0  # units this line holds from stock (0: stock not managed)
    credits_line: str | None = None  # on a credit order: the id of the original line


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
    stock_returned: bool = False  # in a cancelled status: its lines' stock is back on the shelf

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
    """A row of ``/orderstatuses``; ``cancelled`` is the emulator's own mark (not on the wire)."""

    status: int
    description: str
    credit_order: bool = False
    cancelled: bool = False


class OrdersMixin(ShopState):
    """Statuses, reading and changing orders."""

    def add_status(
        self, status: int, description: str, credit_order: bool = False, cancelled: bool = False
    ) -> None:
        """Add (or replace) one order status of this shop."""
        if credit_order and cancelled:
            raise ValueError(f"status {status}: a credit status cannot also mean cancelled")
        self.statuses[status] = OrderStatus(status, description, credit_order, cancelled)

    def set_statuses(self, statuses: Iterable[OrderStatus]) -> None:
        """Replace the shop's order status list (the real list is per shop).

        Raises:
            ValueError: Duplicate ids, no status for normal orders, or a status both credit and
                cancelled; the list is left as it was.
        """
        with self.lock:
            wanted = list(statuses)
            ids = [s.status for s in wanted]
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate order status ids in {ids}")
            if not any(not s.credit_order for s in wanted):
                raise ValueError("the status list needs at least one status for normal orders")
            both = [s.status for s in wanted if s.credit_order and s.cancelled]
            if both:
                raise ValueError(f"statuses {both}: a credit status cannot also mean cancelled")
            self.statuses.clear()
            for s in wanted:
                self.add_status(s.status, s.description, s.credit_order, s.cancelled)

    def is_cancelled(self, order: Order) -> bool:
        """Whether the order's status is one that means cancelled."""
        status = self.statuses.get(order.status)
        return status is not None and status.cancelled

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
        override_stock: bool = False,
    ) -> Order:
        """Change an order (``PATCH /orders/{number}``); a status change stamps the time.

        Into a cancelled status the order's stock goes back; out of one it is taken again
        (422 when stock is short, unless `override_stock`, which needs special access).
        """
        with self.lock:
            order = self.get_order(number)
            if override_stock and not self.special_access:
                raise Forbidden("override_stock requires special access")
            if status is not None:
                if status not in self.statuses:
                    raise Invalid(f"Unknown order status {status}", [("status", "unknown status")])
                if self.statuses[status].credit_order != (order.credited_order_number is not None):
                    raise Invalid(
                        "Credit statuses are for credit orders only", [("status", "credit status")]
                    )
            if reference is not None and order.business_model != "B2B":
                raise Invalid(
                    "A reference is only available for B2B orders", [("reference", "B2B only")]
                )
            if status is not None and status != order.status:
                cancel = self.statuses[status].cancelled
                if cancel and not order.stock_returned:
                    self._give_back_stock(order)
                elif not cancel and order.stock_returned:
                    self._take_stock_again(order, override_stock)
                order.status = status
                order.status_changed_at = self.now()
            if reference is not None:
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

    # ------------------------------------------------------------------ stock of orders

    def _stock_target(self, line: OrderLine) -> Any:
        """The article or variant a line's stock belongs to (None: deleted or unmanaged)."""
        article = self.articles.get(line.article_id) if line.article_id is not None else None
        if article is None:
            return None
        if line.variant_id is not None:
            target: Any = next((v for v in article.variants if v.id == line.variant_id), None)
        else:
            target = article
        return target if target is not None and target.stock is not None else None

    def _give_back_stock(self, order: Order) -> None:
        for line in order.lines:
            target = self._stock_target(line) if line.stock_taken else None
            if target is not None:
                target.stock += line.stock_taken
        order.stock_returned = True

    def _take_stock_again(self, order: Order, override_stock: bool) -> None:
        wanted = [(line, self._stock_target(line)) for line in order.lines if line.stock_taken]
        for index, (line, target) in enumerate(wanted):
            if target is None or override_stock:
                continue
            article = self.articles[line.article_id]  # type: ignore[index]
            backorder = getattr(target, "can_backorder", None)
            if backorder is None:
                backorder = article.can_backorder
            need = sum(ln.stock_taken for ln, t in wanted[: index + 1] if t is target)
            if target.stock < need and not backorder:
                raise Invalid(
                    f"Insufficient stock for article {line.article_id} to reopen the order",
                    [("status", "insufficient stock")],
                )
        for line, target in wanted:
            if target is not None:
                target.stock -= line.stock_taken
        order.stock_returned = False
