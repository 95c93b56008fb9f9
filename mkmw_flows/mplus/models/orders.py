"""Orders and invoices: header, addresses, lines, payments, and the results of their writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict

from mkmw_flows.mplus.models.wire import Cents, MDate, MDateTime, W, WireModel, YearNumber


class Address(WireModel):
    """A delivery or invoice address on an order or invoice."""

    address_id: str | None = None
    name: str | None = None
    contact: str | None = None
    address: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country: str | None = None
    company_name: str | None = None


class OrderLine(WireModel):
    """An order or invoice line; price and amounts in euros incl. VAT, quantity as Decimal."""

    line_id: str | None = None
    article_number: int
    plu_number: str | None = None
    text: str | None = None
    quantity: Annotated[Decimal, W("data.quantity", kind="qty", places="data.decimalPlaces")]
    price: Annotated[Decimal | None, W("data.price", kind="cents")] = None
    price_excl: Annotated[Decimal | None, W("data.priceExcl", kind="cents")] = None
    turnover_group: Annotated[int | None, W("data.turnoverGroup")] = None
    vat_code: Annotated[int | None, W("data.vatCode")] = None
    vat_percentage: Annotated[int | None, W("data.vatPercentage")] = None
    discount_amount: Annotated[Decimal | None, W("data.discountAmount", kind="cents")] = None
    total_incl_amount: Annotated[Decimal | None, W("data.totalInclAmount", kind="cents")] = None
    total_excl_amount: Annotated[Decimal | None, W("data.totalExclAmount", kind="cents")] = None


class Payment(WireModel):
    """A payment on an order or invoice; ``method`` is a code from getPaymentMethods."""

    payment_id: str | None = None
    financial_date: MDate = None
    branch_number: int | None = None
    employee_number: int | None = None
    method: str
    description: str | None = None
    amount: Annotated[Decimal, W(kind="cents")]
    external_payment_id: str | None = None
    external_reference: str | None = None


class Order(WireModel):
    """A sales order; ``ext_order_id`` is unique forever, ``order_id`` is the internal id."""

    order_id: str = ""
    ext_order_id: str | None = None
    invoice_ids: Annotated[list[str] | None, W(kind="wrapped", item="id")] = None
    sync_marker: int | None = None
    order_type: str | None = None
    entry_branch_number: int | None = None
    employee_number: int | None = None
    entry_timestamp: MDateTime = None
    relation_number: int | None = None
    relation_name: str | None = None
    delivery_address: Annotated[Address | None, W(kind="model", model="Address")] = None
    invoice_address: Annotated[Address | None, W(kind="model", model="Address")] = None
    financial_date: MDate = None
    financial_branch_number: int | None = None
    workplace_number: int | None = None
    reference: str | None = None
    total_incl_amount: Cents = None
    total_excl_amount: Cents = None
    vat_method: str | None = None
    delivery_method: str | None = None
    payment_method: str | None = None
    prepaid_amount: Cents = None
    fully_paid: bool | None = None
    delivery_state: str | None = None
    cancel_state: str | None = None
    complete_state: str | None = None
    order_number: Annotated[YearNumber | None, W(kind="model", model="YearNumber")] = None
    lines: Annotated[
        list[OrderLine], W("lineList", kind="wrapped", item="line", model="OrderLine")
    ] = []
    payments: Annotated[
        list[Payment] | None, W("paymentList", kind="wrapped", item="payment", model="Payment")
    ] = None


class Invoice(WireModel):
    """An invoice (from payOrder(prepay=false), deliverOrder or saveInvoice)."""

    invoice_id: str | None = None
    ext_invoice_id: str | None = None
    order_ids: Annotated[list[str] | None, W(kind="wrapped", item="id")] = None
    ext_order_ids: Annotated[list[str] | None, W(kind="wrapped", item="id")] = None
    sync_marker: int | None = None
    invoice_number: Annotated[YearNumber | None, W(kind="model", model="YearNumber")] = None
    invoice_type: str | None = None
    employee_number: int | None = None
    entry_timestamp: MDateTime = None
    relation_number: int | None = None
    relation_name: str | None = None
    financial_date: MDate = None
    financial_branch_number: int | None = None
    reference: str | None = None
    total_incl_amount: Cents = None
    total_excl_amount: Cents = None
    vat_method: str | None = None
    paid_amount: Cents = None
    state: str | None = None
    finalized: bool | None = None
    lines: Annotated[
        list[OrderLine], W("lineList", kind="wrapped", item="line", model="OrderLine")
    ] = []
    payments: Annotated[
        list[Payment] | None, W("paymentList", kind="wrapped", item="payment", model="Payment")
    ] = None


class CreateOrderResult(BaseModel):
    """``createOrderV3`` succeeded (possibly a replay of an earlier identical call).

    Attributes:
        order_id: The internal order id.
        order_string: The printable order number.
        replayed: True when the server replayed the original response of this idempotencyKey.
        order: The created order, when returned.
        pay_result: The payment result when ``paymentList`` was sent (``PAY-ORDER-RESULT-OK``).
        invoice_id: The invoice created by a non-prepay payment.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    order_id: str
    order_string: str
    replayed: bool
    order: Order | None = None
    pay_result: str | None = None
    invoice_id: str | None = None


class PayOrderResult(BaseModel):
    """``payOrderV2`` succeeded."""

    replayed: bool
    invoice_id: str | None = None


class SaveInvoiceResult(BaseModel):
    """``saveInvoice`` succeeded."""

    invoice_id: str
    invoice_string: str | None = None
