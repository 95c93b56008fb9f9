"""Orders: as read (debtor, lines, totals, shipping, payment) and the bodies that write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from mkmw_flows.mijnwebwinkel.models.common import (
    RequestModel,
    ResponseModel,
    as_list,
    blank_to_none,
    combine_date_time,
)


class TaxPrice(ResponseModel):
    """A price at one VAT rate: ``amount`` excl. VAT (6 dp), ``amount_including_tax`` (2 dp)."""

    rate: Decimal | None = None
    amount: Decimal | None = None
    amount_including_tax: Decimal | None = None

    _blank = field_validator("rate", "amount", "amount_including_tax", mode="before")(blank_to_none)


class OrderPrice(ResponseModel):
    """Order totals: ``total`` incl. VAT and the VAT per rate."""

    tax: list[TaxPrice] = Field(default_factory=list)
    total: Decimal | None = None

    _tax = field_validator("tax", mode="before")(as_list)
    _blank = field_validator("total", mode="before")(blank_to_none)


class Address(ResponseModel):
    """A delivery address (``name`` is the full name; ``number`` includes any suffix)."""

    id: str | None = None
    gender: str | None = None
    name: str | None = None
    company: str | None = None
    phone: str | None = None
    street: str | None = None
    number: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country: str | None = None
    country_code: str | None = None

    @field_validator("number", "zipcode", "phone", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class InvoiceAddress(Address):
    """An invoice address: adds the VAT number (B2B) and bank account."""

    taxnumber: str | None = None
    bankaccount: str | None = None


class OrderAddresses(ResponseModel):
    """Invoice (required) and delivery addresses."""

    invoice: InvoiceAddress | None = None
    delivery: Address | None = None

    @field_validator("invoice", "delivery", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and value else None


class OrderDebtor(ResponseModel):
    """The customer of an order."""

    id: str | None = None
    email: str | None = None
    name: str | None = None
    company: str | None = None
    phone: str | None = None
    address: OrderAddresses = Field(default_factory=OrderAddresses)

    @property
    def is_company(self) -> bool:
        """True when the invoice address names a company."""
        invoice = self.address.invoice
        return bool((invoice and invoice.company) or self.company)


class OrderArticleOption(ResponseModel):
    """A chosen option on an order line (negative price for discounts such as action prices)."""

    list_option_id: int | None = None
    description: str | None = None
    price: Decimal | None = None

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if isinstance(value, dict):  # example shape {amount, rate}
            value = value.get("amount")
        return blank_to_none(value)


class OrderArticlePrice(ResponseModel):
    """Unit price of the article on an order line, excl. VAT."""

    amount: Decimal | None = None
    rate: Decimal | None = None
    purchase_price: Decimal | None = None

    _blank = field_validator("amount", "rate", "purchase_price", mode="before")(blank_to_none)


class OrderArticle(ResponseModel):
    """The article sold on an order line."""

    id: int | None = None
    description: str | None = None
    sku: str | None = None
    price: OrderArticlePrice | None = None
    options: list[OrderArticleOption] = Field(default_factory=list)

    _opts = field_validator("options", mode="before")(as_list)


class OrderLine(ResponseModel):
    """An order line; ``price`` (per unit) is always a list of :class:`TaxPrice`."""

    id: str | None = None
    type: str
    quantity: Decimal = Decimal(1)  # whole units; a fraction is refused by the orders flow
    description: str | None = None
    weight: Decimal | None = None
    price: list[TaxPrice] = Field(default_factory=list)
    articles: list[OrderArticle] = Field(default_factory=list)

    _price = field_validator("price", "articles", mode="before")(as_list)
    _blank = field_validator("weight", mode="before")(blank_to_none)

    @property
    def unit_price_including_tax(self) -> Decimal:
        """Unit price incl. VAT summed over the rates."""
        return sum((p.amount_including_tax or Decimal(0) for p in self.price), Decimal(0))


class OrderShippingCountry(ResponseModel):
    """Destination country of a shipment."""

    description: str | None = None
    isocode: str | None = None


class OrderShipping(ResponseModel):
    """A shipment; ``country`` is None when the live API sends ``[]``."""

    country: OrderShippingCountry | None = None

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and value else None


class OrderPaymentStatus(ResponseModel):
    """Legacy payment status (1 successful, 5 pending, ...)."""

    id: int | None = None
    text: str | None = None


class OrderPayment(ResponseModel):
    """The order's payment method (gateway + method)."""

    gateway_name: str | None = None
    method_name: str | None = None
    status: OrderPaymentStatus | None = None


class OrderComments(ResponseModel):
    """Customer comment (read-only) and internal comment (track & trace goes here)."""

    customer: str | None = None
    internal: str | None = None


class Order(ResponseModel):
    """A shop order.

    ``number`` is an int even when the live API sends a string; test orders (``T-`` numbers)
    set ``is_test``.
    """

    number: int
    is_test: bool = False
    uuid: str | None = None
    date: dt.date
    time: str = "00:00:00"
    status: int
    status_changed_date: dt.date | None = None
    status_changed_time: str | None = None
    weight: Decimal | None = None
    archived: bool = False
    taxed: str | None = None
    locale: str | None = None
    discountcode: str | None = None
    currency: str | None = None
    credited_order_number: int | None = None
    credit_order_numbers: list[int] = Field(default_factory=list)
    comments: OrderComments = Field(default_factory=OrderComments)
    business_model: str | None = None
    reference: str | None = None
    tax_region: str | None = None
    tax_strategy: str | None = None
    offline_location_id: str | None = None
    payment_status: str | None = None
    payment: OrderPayment | None = None
    debtor: OrderDebtor = Field(default_factory=OrderDebtor)
    price: OrderPrice = Field(default_factory=OrderPrice)
    orderlines: list[OrderLine] = Field(default_factory=list)
    shipping: list[OrderShipping] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _number(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("number"), str):
            text = data["number"].strip()
            data = dict(data)
            if text.upper().startswith("T-"):
                data["is_test"] = True
                text = text[2:]
            data["number"] = int(text)
        return data

    _lists = field_validator("orderlines", "shipping", "credit_order_numbers", mode="before")(
        as_list
    )
    _blank = field_validator("weight", "credited_order_number", mode="before")(blank_to_none)

    @field_validator("comments", "debtor", "price", mode="before")
    @classmethod
    def _objects(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @property
    def created_at(self) -> dt.datetime:
        """Order date and time as a naive datetime in shop time."""
        result = combine_date_time(self.date, self.time)
        assert result is not None
        return result

    @property
    def status_changed_at(self) -> dt.datetime | None:
        """Last status change as a naive datetime in shop time."""
        return combine_date_time(self.status_changed_date, self.status_changed_time)

    @property
    def total(self) -> Decimal:
        """Order total incl. VAT (0 when absent)."""
        return self.price.total or Decimal(0)


class AddressInput(RequestModel):
    """An order address (``name`` is the full name; ``number`` includes any suffix)."""

    id: str | None = None
    gender: str | None = None
    name: str | None = None
    company: str | None = None
    phone: str | None = None
    street: str | None = None
    number: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country_code: str | None = None


class InvoiceAddressInput(AddressInput):
    """An invoice address; ``taxnumber`` only for B2B."""

    taxnumber: str | None = None
    bankaccount: str | None = None


class OrderAddressesInput(RequestModel):
    """Invoice (required) and delivery addresses."""

    invoice: InvoiceAddressInput
    delivery: AddressInput | None = None


class OrderDebtorInput(RequestModel):
    """The customer of a new order."""

    email: str | None = None
    id: str | None = None
    link_to_account: bool | None = None
    address: OrderAddressesInput


class OrderPaymentStatusInput(RequestModel):
    """Legacy payment status id (1 successful, 5 pending, ...)."""

    id: int


class OrderPaymentInput(RequestModel):
    """Gateway and method of a new order (required unless the total is 0.00)."""

    gateway_name: str
    method_name: str
    status: OrderPaymentStatusInput | None = None


class OrderArticleOptionInput(RequestModel):
    """A chosen list option on an order line."""

    list_option_id: int


class OrderArticleInput(RequestModel):
    """The article on an order line, with its chosen options (the variant)."""

    id: int
    options: list[OrderArticleOptionInput] | None = None


class UnitPriceInput(RequestModel):
    """Unit price of a custom line: ``rate`` plus ``amount`` (excl.) or ``amount_including_tax``."""

    rate: Decimal
    amount: Decimal | None = None
    amount_including_tax: Decimal | None = None


class OrderLineInput(RequestModel):
    """An order line: ``article`` (with ``articles``) or ``custom`` (with unit price and weight)."""

    type: Literal["article", "custom"]
    quantity: int
    articles: list[OrderArticleInput] | None = None
    description: str | None = None
    unit_price: UnitPriceInput | None = None
    unit_weight: Decimal | None = None
    price_override: Decimal | None = None


class OrderCommentsInput(RequestModel):
    """The merchant's internal comment."""

    internal: str | None = None


class OrderInput(RequestModel):
    """Body of ``POST /orders`` (``OrderPostable``)."""

    debtor: OrderDebtorInput
    orderlines: list[OrderLineInput]
    status: int | None = None
    archived: bool | None = None
    discountcode: str | None = None
    comments: OrderCommentsInput | None = None
    business_model: Literal["B2C", "B2B"] | None = None
    reference: str | None = None
    offline_location_id: str | None = None
    payment: OrderPaymentInput | None = None
    shipping_method_id: str | None = None
    shipping_type: int | None = None


class OrderPatch(RequestModel):
    """Body of ``PATCH /orders/{number}`` (``OrderPatchable``)."""

    status: int | None = None
    archived: bool | None = None
    comments: OrderCommentsInput | None = None
    reference: str | None = None
    offline_location_id: str | None = None
