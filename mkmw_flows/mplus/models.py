"""Typed MplusKASSA records (pydantic v2), converted from and to the wire at the boundary.

Field names are snake_case; each maps onto a WSDL element (camelCase by default, or an
explicit dotted path such as ``data.price`` for an order line's nested ``LineData``).
Money is ``Decimal`` euros (cents on the wire), quantities ``Decimal`` (long +
decimalPlaces on the wire), dates ``date``/aware ``datetime`` (SoapMplusDate/DateTime).
Repeated elements are always lists; omitted optionals stay None.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict

from mkmw_flows.mplus.money import (
    cents_to_decimal,
    date_to_mplus_date,
    datetime_to_mplus_datetime,
    decimal_to_cents,
    mplus_date_to_date,
    mplus_datetime_to_datetime,
    quantity_from_wire,
    quantity_to_wire,
)


@dataclass(frozen=True)
class W:
    """How a model field maps onto the wire.

    Attributes:
        wire: Dotted path of the WSDL element(s); default: the field name in camelCase.
        kind: plain | cents | qty | date | datetime | model | models | wrapped.
        places: For ``qty``: dotted path of the decimalPlaces companion element.
        item: For ``wrapped``: the repeated item element inside the wrapper.
        model: For model kinds: the WireModel class name (resolved lazily, may self-refer).
    """

    wire: str | None = None
    kind: str = "plain"
    places: str | None = None
    item: str | None = None
    model: str | None = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _get(raw: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = raw
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
        if value is None:
            return None
    return value


def _put(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = out
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


_PlanEntry = tuple[str, tuple[str, ...], str, tuple[str, ...] | None, str | None, str | None]


class WireModel(BaseModel):
    """Base of the records: ``from_wire`` (wire dict -> model) and ``to_wire`` (model -> dict)."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    @classmethod
    @cache
    def _wire_plan(cls) -> tuple[_PlanEntry, ...]:
        plan: list[_PlanEntry] = []
        for name, info in cls.model_fields.items():
            meta = next((m for m in info.metadata if isinstance(m, W)), W())
            wire = tuple((meta.wire or _camel(name)).split("."))
            places = tuple(meta.places.split(".")) if meta.places else None
            plan.append((name, wire, meta.kind, places, meta.item, meta.model))
        return tuple(plan)

    @classmethod
    @cache
    def _wire_keys(cls) -> tuple[dict[str, str], dict[str, tuple[_PlanEntry, ...]]]:
        plain: dict[str, str] = {}
        special: dict[str, list[_PlanEntry]] = {}
        for entry in cls._wire_plan():
            name, wire, kind = entry[0], entry[1], entry[2]
            if kind == "plain" and len(wire) == 1:
                plain[wire[0]] = name
            else:
                special.setdefault(wire[0], []).append(entry)
        return plain, {k: tuple(v) for k, v in special.items()}

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Self:
        """Build the model from a decoded wire dict (WSDL element names)."""
        plain, special = cls._wire_keys()
        values: dict[str, Any] = {plain[k]: v for k, v in raw.items() if k in plain}
        for key in special.keys() & raw.keys():
            for name, wire, kind, places, item, model in special[key]:
                value = raw[key] if len(wire) == 1 else _get(raw, wire)
                if value is None:
                    continue
                if kind == "plain":
                    values[name] = value
                elif kind == "cents":
                    values[name] = cents_to_decimal(value)
                elif kind == "wrapped":
                    items = value.get(item, []) if isinstance(value, dict) else []
                    if model:
                        sub = _model(model)
                        values[name] = [sub.from_wire(v) for v in items]
                    else:
                        values[name] = list(items)
                elif kind == "datetime":
                    values[name] = mplus_datetime_to_datetime(value)
                elif kind == "qty":
                    values[name] = quantity_from_wire(value, _get(raw, places) if places else None)
                elif kind == "date":
                    values[name] = mplus_date_to_date(value)
                elif kind == "model":
                    values[name] = _model(model).from_wire(value)
                elif kind == "models":
                    sub = _model(model)
                    values[name] = [sub.from_wire(v) for v in value]
        return cls.model_validate(values)

    def to_wire(self) -> dict[str, Any]:
        """Return the wire dict (WSDL element names), leaving out unset (None) fields."""
        out: dict[str, Any] = {}
        for name, wire, kind, places, item, _model_name in self._wire_plan():
            value = getattr(self, name)
            if value is None:
                continue
            if kind == "plain":
                _put(out, wire, value)
            elif kind == "cents":
                _put(out, wire, decimal_to_cents(value))
            elif kind == "qty":
                number, scale = quantity_to_wire(value)
                _put(out, wire, number)
                if places:
                    _put(out, places, scale)
            elif kind == "date":
                _put(out, wire, date_to_mplus_date(value))
            elif kind == "datetime":
                _put(out, wire, datetime_to_mplus_datetime(value))
            elif kind == "model":
                _put(out, wire, value.to_wire())
            elif kind == "models":
                _put(out, wire, [v.to_wire() for v in value])
            elif kind == "wrapped":
                items = [v.to_wire() if isinstance(v, WireModel) else v for v in value]
                _put(out, wire, {item: items})
        return out


def _model(name: str | None) -> type[WireModel]:
    cls = getattr(sys.modules[__name__], name or "")
    assert issubclass(cls, WireModel)  # noqa: S101
    return cls


Cents = Annotated[Decimal | None, W(kind="cents")]
MDate = Annotated[date | None, W(kind="date")]
MDateTime = Annotated[datetime | None, W(kind="datetime")]


class YearNumber(WireModel):
    """A human number such as an order or invoice number: ``{year, number}``."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}-{self.number}"


class ApiVersion(WireModel):
    """``getApiVersion``: protocol and service versions."""

    major_number: int
    minor_number: int
    revision_number: int
    service_major_number: int | None = None
    service_minor_number: int | None = None
    service_revision_number: int | None = None
    service_build_number: int | None = None
    service_version_display_string: str | None = None
    in_debug_mode: bool = False

    @property
    def service_version(self) -> tuple[int, int, int]:
        """The POS service version (e.g. (67, 1, 3)) to feature-gate on."""
        return (
            self.service_major_number or 0,
            self.service_minor_number or 0,
            self.service_revision_number or 0,
        )


class SyncMarkers(WireModel):
    """``getCurrentSyncMarkers``: the current head of every change feed."""

    article: Annotated[int, W("articleSyncMarker")]
    article_group: Annotated[int | None, W("articleGroupSyncMarker")] = None
    relation: Annotated[int, W("relationSyncMarker")]
    employee: Annotated[int, W("employeeSyncMarker")]
    invoice: Annotated[int, W("invoiceSyncMarker")]
    receipt: Annotated[int, W("receiptSyncMarker")]
    order: Annotated[int, W("orderSyncMarker")]
    stock_id: int | None = None


class Image(WireModel):
    """An article image (``Image``): identity, content hash and where to fetch it.

    ``image_data`` (base64) is only filled by ``getImages`` with ``includeImageData``.
    """

    image_id: int | None = None
    image_name: str | None = None
    image_hash: str | None = None
    image_path: str | None = None
    image_url: str | None = None
    image_data: str | None = None
    image_data_result: str | None = None
    thumb_hash: str | None = None
    thumb_url: str | None = None
    image_width: int | None = None
    image_height: int | None = None
    changed_timestamp: MDateTime = None

    @property
    def identity(self) -> str:
        """Id and content hash: changes when the picture is replaced or edited."""
        return f"{self.image_id}:{self.image_hash or ''}"


class CustomField(WireModel):
    """A free custom field of an article or relation (``CustomField``)."""

    field_name: str
    data_type: str | None = None
    is_required: bool | None = None
    str_value: str | None = None
    int_value: Annotated[Decimal | None, W(kind="qty", places="decimalPlaces")] = None
    bool_value: bool | None = None
    date_value: MDate = None
    date_time_value: MDateTime = None
    multi_select_int: list[int] | None = None

    @property
    def text(self) -> str:
        """The value as text, whatever its data type ("" when empty)."""
        for value in (self.str_value, self.int_value, self.date_value, self.date_time_value):
            if value is not None:
                return str(value)
        if self.bool_value is not None:
            return "ja" if self.bool_value else "nee"
        if self.multi_select_int:
            return ",".join(str(v) for v in self.multi_select_int)
        return ""


class SalesPrice(WireModel):
    """A sales (action) price of an article, optionally limited to a date range."""

    sales_price_number: int
    description: str | None = None
    start_date: MDate = None
    end_date: MDate = None
    price_incl: Cents = None
    price_excl: Cents = None
    discount_percentage: int | None = None
    minimum_amount: int | None = None


class Article(WireModel):
    """A sellable unit (SKU); ``article_number`` is numeric."""

    article_number: int | None = None
    ext_article_id: str | None = None
    plu_number: str | None = None
    sync_marker: int | None = None
    change_timestamp: MDateTime = None
    active: bool | None = None
    description: str | None = None
    colour: str | None = None
    size: str | None = None
    invoice_text: str | None = None
    receipt_text: str | None = None
    barcode: str | None = None
    brand_name: str | None = None
    extra_text: str | None = None
    turnover_group: int | None = None
    vat_code: int | None = None
    vat_percentage: int | None = None
    purchase_price: Cents = None
    price_incl: Cents = None
    price_excl: Cents = None
    supplier_article_number: str | None = None
    webshop: bool | None = None
    category_ids: Annotated[list[int] | None, W(kind="wrapped", item="category")] = None
    stock_article: bool | None = None
    images: Annotated[
        list[Image] | None, W("imageList", kind="wrapped", item="image", model="Image")
    ] = None
    custom_fields: Annotated[
        list[CustomField] | None,
        W("customFieldList", kind="wrapped", item="customField", model="CustomField"),
    ] = None
    sales_prices: Annotated[
        list[SalesPrice] | None,
        W("salesPriceList", kind="wrapped", item="salesPrice", model="SalesPrice"),
    ] = None
    discontinued: bool | None = None

    def custom_values(self) -> dict[str, str]:
        """{field name: value as text} of the article's custom fields."""
        return {f.field_name: f.text for f in self.custom_fields or ()}


class Product(WireModel):
    """A product grouping articles (colour/size variants)."""

    product_number: int | None = None
    sync_marker: int | None = None
    description: str | None = None
    extra_text: str | None = None
    articles: Annotated[
        list[Article], W("articleList", kind="wrapped", item="article", model="Article")
    ] = []
    group_numbers: list[int] = []


class ArticleGroup(WireModel):
    """A node of the article-group tree (the shop's categories)."""

    group_number: int
    sync_marker: int | None = None
    name: str = ""
    text: str = ""
    sub_groups: Annotated[
        list[ArticleGroup],
        W("subGroupList", kind="wrapped", item="articleGroups", model="ArticleGroup"),
    ] = []
    sort_order: int = 0
    product_numbers: Annotated[list[int] | None, W(kind="wrapped", item="number")] = None
    article_numbers: Annotated[list[int] | None, W(kind="wrapped", item="number")] = None
    is_deleted: bool | None = None


class ArticleGroupChange(WireModel):
    """``getArticleGroupChanges``: a changed group (flat; ``parent_group_number`` for the tree)."""

    group_number: int
    parent_group_number: int | None = None
    sync_marker: int | None = None
    name: str = ""
    text: str = ""
    sub_group_numbers: Annotated[list[int] | None, W(kind="wrapped", item="number")] = None
    sort_order: int = 0
    product_numbers: Annotated[list[int] | None, W(kind="wrapped", item="number")] = None
    is_deleted: bool | None = None


class StockLevel(WireModel):
    """Stock of one article in one branch."""

    branch_number: int | None = None
    article_number: int
    change_timestamp: MDateTime = None
    stock_id: int
    amount_free: Annotated[Decimal, W(kind="qty", places="decimalPlacesFree")]
    amount_reserved: Annotated[Decimal, W(kind="qty", places="decimalPlacesReserved")]
    amount_incoming: Annotated[Decimal, W(kind="qty", places="decimalPlacesIncoming")]
    is_day_stock_article: bool = False


class StockHistory(WireModel):
    """One stock mutation (``getStockHistoryV2``)."""

    stock_id: int
    timestamp: MDateTime = None
    branch_number: int | None = None
    article_number: int
    amount_changed: Annotated[Decimal, W(kind="qty", places="decimalPlaces")]
    type: str
    order_id: str | None = None
    invoice_id: str | None = None


class Relation(WireModel):
    """A customer (or supplier): a person, or a company (``company_name``) with contacts."""

    relation_number: int | None = None
    ext_relation_id: str | None = None
    sync_marker: int | None = None
    change_timestamp: MDateTime = None
    active: bool | None = None
    name: str | None = None
    address: str | None = None
    zipcode: str | None = None
    city: str | None = None
    country: str | None = None
    delivery_address: str | None = None
    delivery_zipcode: str | None = None
    delivery_city: str | None = None
    delivery_country: str | None = None
    contact: str | None = None
    telephone: str | None = None
    mobile: str | None = None
    email: str | None = None
    website: str | None = None
    birth_date: MDate = None
    payment_within_days: int | None = None
    vat_number: str | None = None
    commerce_number: str | None = None
    extra_text: str | None = None
    contacts: Annotated[
        list[Relation] | None,
        W("contactList", kind="wrapped", item="relation", model="Relation"),
    ] = None
    company_name: str | None = None

    @property
    def is_company(self) -> bool:
        """A company is a relation with a company name (MplusKASSA has no person/company flag)."""
        return bool(self.company_name)


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


class VatGroup(WireModel):
    """A VAT group: code and whole-percent rate (21 = 21 %)."""

    branch_number: int | None = None
    country_iso3: str | None = None
    vat_code: int
    vat_percentage: int
    account_number: int | None = None


class TurnoverGroup(WireModel):
    """A turnover group (revenue account bucket)."""

    turnover_group_type: str
    turnover_group: int
    turnover_group_name: str
    account_number: int | None = None
    default_vat_code: int | None = None


class PaymentMethod(WireModel):
    """A payment method; ``method`` is the code to put in ``Payment.method``."""

    method: str
    description: str
    button_text: str = ""
    allow_negative_amount: bool = False
    active: bool | None = None
    type: str | None = None
    account_number: int | None = None


class DeliveryMethod(WireModel):
    """A delivery method; ``delivery_method`` is the code to put in ``Order.deliveryMethod``."""

    delivery_method: str
    description: str
    button_text: str = ""
    enabled: bool | None = None


class Branch(WireModel):
    """A shop (branch)."""

    branch_number: int
    branch_name: str
    relation_number: int | None = None
    abbreviation: str = ""
    ext_branch_id: str | None = None
    country_code: int | None = None
    country_iso3: str | None = None
    country_name: str | None = None


class Employee(WireModel):
    """An employee; 999999 is the super user integrators put on orders."""

    employee_number: int
    ext_employee_id: str | None = None
    sync_marker: int | None = None
    name: str | None = None
    email: str | None = None
    active: bool | None = None


# ---- write results (built by the client from the response dicts) -------------------------


class CreateProductResult(BaseModel):
    """``createProduct`` succeeded."""

    product_number: int
    article_numbers: list[int]
    sync_marker: int | None = None


class UpdateProductResult(BaseModel):
    """``updateProduct`` succeeded."""

    existing_article_numbers: list[int]
    new_article_numbers: list[int]
    sync_marker: int | None = None


class RelationWriteResult(BaseModel):
    """``createRelation`` / ``updateRelation`` succeeded."""

    relation_number: int | None = None
    sync_marker: int | None = None


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


class StockUpdateResult(BaseModel):
    """``updateStock`` succeeded."""

    stock_id: int | None = None
