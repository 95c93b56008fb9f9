"""Typed models of the MijnWebwinkel Connect API v1 (responses and request bodies).

Response models are tolerant: unknown fields are kept, and the live deviations from the vendor
spec listed in API-NOTES.md are normalised (order number as a string, ``price.tax`` as one
object, ``shipping[].country`` as ``[]``, variant options as a map, image ``urls`` as an object,
image ``position`` as a string, ``stock: null``). Money is :class:`~decimal.Decimal`, never float.

Request models (``*Input``, ``*Patch``) forbid unknown fields and serialise with
:meth:`payload`, which keeps only the fields the caller set (so ``stock=None`` is sent as null
to mean "unlimited", and untouched fields are left out of a PATCH).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# --------------------------------------------------------------------------- helpers


def _as_list(value: Any) -> Any:
    """One object where a list is expected becomes a one-item list; null becomes []."""
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    return value


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _combine(date: dt.date | None, time: str | None) -> dt.datetime | None:
    if date is None:
        return None
    clock = dt.time.fromisoformat(time) if time else dt.time(0, 0)
    return dt.datetime.combine(date, clock)


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def payload(self) -> dict[str, Any]:
        """The JSON body: only the fields that were set, Decimals as strings."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


Money = Decimal

# --------------------------------------------------------------------------- store & lookups


class Store(_Response):
    """Store settings (``GET /store``)."""

    id: str | None = None
    name: str | None = None
    primary_domain: str | None = None
    description: str | None = None
    open: bool | None = None
    version: str | None = None
    administration_language: str | None = None
    currency: str = "EUR"
    prices_include_tax: bool = True
    default_language: str | None = None
    active_languages: list[str] = Field(default_factory=list)
    email: str | None = None
    currency_format_locale: str | None = None
    available_business_models: str | None = None
    region_code: str | None = None


class OrderStatus(_Response):
    """One order status (``GET /orderstatuses``)."""

    status: int
    description: str = ""
    credit_order: bool = False


class ShippingMethod(_Response):
    """A shipping method (``GET /shipping/methods``).

    ``no_costs_above`` is a boolean in the spec schema but a decimal string in its example;
    both are accepted: a number becomes ``free_above``.
    """

    id: str
    display_name: str | None = Field(default=None, alias="display_name")
    countries: list[str] = Field(default_factory=list)
    default: bool = False
    no_costs_above: bool | None = None
    free_above: Decimal | None = None

    @model_validator(mode="before")
    @classmethod
    def _tolerate(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if "display name" in data and "display_name" not in data:
                data["display_name"] = data.pop("display name")
            if data.get("id") is not None:
                data["id"] = str(data["id"])
            value = data.get("no_costs_above")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                data["free_above"] = Decimal(str(value))
                data["no_costs_above"] = True
            data["countries"] = _as_list(data.get("countries")) or []
        return data


class PaymentMethod(_Response):
    """A payment method of a gateway."""

    name: str
    display_name: str | None = Field(default=None, alias="displayName")


class PaymentGateway(_Response):
    """A payment gateway with its methods (``GET /payment/gateways``)."""

    name: str
    display_name: str | None = Field(default=None, alias="displayName")
    website_url: str | None = Field(default=None, alias="websiteUrl")
    methods: list[PaymentMethod] = Field(default_factory=list)


class TaxOverrideItem(_Response):
    """Items a tax override applies to."""

    type: str
    references: list[str] = Field(default_factory=list)


class TaxOverride(_Response):
    """A tax-rate override for some products or collections."""

    tax_rate: Decimal = Field(alias="taxRate")
    items: list[TaxOverrideItem] = Field(default_factory=list)


class TaxPolicyRegion(_Response):
    """Tax settings of one country (``GET /tax-policy/regions``); rates are fractions (0.21)."""

    region_code: str = Field(alias="regionCode")
    tax_enabled: bool | None = Field(default=None, alias="taxEnabled")
    tax_number: str | None = Field(default=None, alias="taxNumber")
    tax_rate: Decimal | None = Field(default=None, alias="taxRate")
    shipping_tax_method: str | None = Field(default=None, alias="shippingTaxMethod")
    shipping_tax_rate: Decimal | None = Field(default=None, alias="shippingTaxRate")
    transaction_tax_method: str | None = Field(default=None, alias="transactionTaxMethod")
    transaction_tax_rate: Decimal | None = Field(default=None, alias="transactionTaxRate")
    overrides: list[TaxOverride] = Field(default_factory=list)

    @property
    def tax_percentage(self) -> Decimal | None:
        """The general rate as a percentage (21.00), as order lines carry it."""
        return None if self.tax_rate is None else (self.tax_rate * 100).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- articles


class ArticlePrice(_Response):
    """Article prices; incl. or excl. VAT per ``Store.prices_include_tax`` (purchase: excl.)."""

    default: Decimal | None = None
    action: Decimal | None = None
    purchase: Decimal | None = None

    _blank = field_validator("default", "action", "purchase", mode="before")(_blank_to_none)


class CategoryLink(_Response):
    """An article's place on a category page."""

    category_id: int
    article_url_id: int | None = None
    is_active: bool | None = None
    is_main: bool | None = None
    position: int | None = None


class ListOption(_Response):
    """An option of an option list (e.g. size "L"), with its surcharge."""

    id: int | None = None
    name: str = ""
    price: Decimal | None = None
    image_ids: list[str] = Field(default_factory=list)

    _blank = field_validator("price", mode="before")(_blank_to_none)


class ArticleList(_Response):
    """An option list (``GET /articlelists/{id}``, or an entry of ``Article.lists``)."""

    id: int | None = None
    name: str = ""
    description: str | None = None
    has_images: bool | None = None
    options: list[ListOption] = Field(default_factory=list)


class VariantOption(_Response):
    """One chosen option of a variant."""

    list_id: int | None = None
    option_id: int | None = None
    name: str | None = None


class Variant(_Response):
    """An option combination with its own stock (variants have no SKU)."""

    id: int
    options: list[VariantOption] = Field(default_factory=list)
    stock: int | None = None
    can_backorder: bool | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _options_map(cls, value: Any) -> Any:
        # The spec example (and the live API) send {"<list_id>": "<option name>"}.
        if isinstance(value, dict):
            return [{"list_id": int(k), "name": v} for k, v in value.items()]
        return value or []

    def option_names(self) -> dict[int, str]:
        """{list id: option name} of this variant."""
        return {o.list_id: o.name or "" for o in self.options if o.list_id is not None}


class ArticleImage(_Response):
    """An article image."""

    id: str | None = None
    position: int | None = None
    original_name: str | None = None
    url: str | None = None
    urls: dict[str, str] = Field(default_factory=dict)

    @field_validator("urls", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        # The spec schema says an array of {format: url} maps; the example has one object.
        if isinstance(value, list):
            merged: dict[str, str] = {}
            for item in value:
                if isinstance(item, dict):
                    merged.update(item)
            return merged
        return value or {}

    _blank = field_validator("position", mode="before")(_blank_to_none)


class ArticleExtra(_Response):
    """Custom fields: ``invisible`` holds e.g. ``barcode`` (EAN) and ``weight`` (kg)."""

    visible: dict[str, Any] = Field(default_factory=dict)
    invisible: dict[str, Any] = Field(default_factory=dict)

    @field_validator("visible", "invisible", mode="before")
    @classmethod
    def _maps(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class Article(_Response):
    """A shop article (product) with its lists and variants."""

    id: int
    uuid: str | None = None
    name: str = ""
    description: str | None = None
    sku: str | None = None
    badge_text: str | None = None
    taxable: bool | None = None
    price: ArticlePrice = Field(default_factory=ArticlePrice)
    stock: int | None = None
    delivery_days: int | None = None
    can_backorder: bool | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    extra: ArticleExtra = Field(default_factory=ArticleExtra)
    url: str | None = None
    created_date: dt.date | None = None
    created_time: str | None = None
    updated_date: dt.date | None = None
    updated_time: str | None = None
    categories: list[CategoryLink] = Field(default_factory=list)
    lists: list[ArticleList] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    images: list[ArticleImage] = Field(default_factory=list)

    @field_validator("categories", "lists", "variants", "images", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _as_list(value)

    @field_validator("extra", "price", mode="before")
    @classmethod
    def _objects(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @property
    def barcode(self) -> str | None:
        """The EAN/GTIN kept in ``extra.invisible.barcode`` (None when absent)."""
        value = self.extra.invisible.get("barcode")
        return str(value) if value not in (None, "") else None

    @property
    def stock_managed(self) -> bool:
        """False when stock is unlimited (``stock`` null)."""
        return self.stock is not None

    @property
    def updated_at(self) -> dt.datetime | None:
        """Last change as a naive datetime in shop time."""
        return _combine(self.updated_date, self.updated_time)

    @property
    def created_at(self) -> dt.datetime | None:
        """Creation as a naive datetime in shop time."""
        return _combine(self.created_date, self.created_time)


class ArticleLimited(_Response):
    """An article as listed on a category page."""

    id: int
    name: str | None = None
    uuid: str | None = None
    is_main: bool | None = None


# --------------------------------------------------------------------------- categories


class CategorySorting(_Response):
    """Where a category sits among its siblings."""

    first: bool | None = None
    last: bool | None = None
    previous: int | None = None
    next: int | None = None


class Category(_Response):
    """A category page; ``leafs`` holds the children in tree mode."""

    id: int
    parent_category_id: int | None = None
    hidden: bool | None = None
    title: str = ""
    content: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    article_order: int | None = None
    leafs: list[Category] = Field(default_factory=list)
    sorting: CategorySorting | None = None

    @model_validator(mode="before")
    @classmethod
    def _parent_id(cls, data: Any) -> Any:
        # Tree-mode children in the spec example use parent_id instead of parent_category_id.
        if isinstance(data, dict) and "parent_category_id" not in data and "parent_id" in data:
            data = {**data, "parent_category_id": data["parent_id"]}
        if isinstance(data, dict) and isinstance(data.get("sorting"), list):
            data = {**data, "sorting": None}
        return data

    def walk(self) -> list[Category]:
        """This category and all its descendants, depth first."""
        found = [self]
        for leaf in self.leafs:
            found.extend(leaf.walk())
        return found


# --------------------------------------------------------------------------- orders


class TaxPrice(_Response):
    """A price at one VAT rate: ``amount`` excl. VAT (6 dp), ``amount_including_tax`` (2 dp)."""

    rate: Decimal | None = None
    amount: Decimal | None = None
    amount_including_tax: Decimal | None = None

    _blank = field_validator("rate", "amount", "amount_including_tax", mode="before")(
        _blank_to_none
    )


class OrderPrice(_Response):
    """Order totals: ``total`` incl. VAT and the VAT per rate."""

    tax: list[TaxPrice] = Field(default_factory=list)
    total: Decimal | None = None

    _tax = field_validator("tax", mode="before")(_as_list)
    _blank = field_validator("total", mode="before")(_blank_to_none)


class Address(_Response):
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


class OrderAddresses(_Response):
    """Invoice (required) and delivery addresses."""

    invoice: InvoiceAddress | None = None
    delivery: Address | None = None

    @field_validator("invoice", "delivery", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and value else None


class OrderDebtor(_Response):
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


class OrderArticleOption(_Response):
    """A chosen option on an order line (negative price for discounts such as action prices)."""

    list_option_id: int | None = None
    description: str | None = None
    price: Decimal | None = None

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Any:
        if isinstance(value, dict):  # example shape {amount, rate}
            value = value.get("amount")
        return _blank_to_none(value)


class OrderArticlePrice(_Response):
    """Unit price of the article on an order line, excl. VAT."""

    amount: Decimal | None = None
    rate: Decimal | None = None
    purchase_price: Decimal | None = None

    _blank = field_validator("amount", "rate", "purchase_price", mode="before")(_blank_to_none)


class OrderArticle(_Response):
    """The article sold on an order line."""

    id: int | None = None
    description: str | None = None
    sku: str | None = None
    price: OrderArticlePrice | None = None
    options: list[OrderArticleOption] = Field(default_factory=list)

    _opts = field_validator("options", mode="before")(_as_list)


class OrderLine(_Response):
    """An order line; ``price`` (per unit) is always a list of :class:`TaxPrice`."""

    id: str | None = None
    type: str
    quantity: Decimal = Decimal(1)  # whole units; a fraction is refused by the orders flow
    description: str | None = None
    weight: Decimal | None = None
    price: list[TaxPrice] = Field(default_factory=list)
    articles: list[OrderArticle] = Field(default_factory=list)

    _price = field_validator("price", "articles", mode="before")(_as_list)
    _blank = field_validator("weight", mode="before")(_blank_to_none)

    @property
    def unit_price_including_tax(self) -> Decimal:
        """Unit price incl. VAT summed over the rates."""
        return sum((p.amount_including_tax or Decimal(0) for p in self.price), Decimal(0))


class OrderShippingCountry(_Response):
    """Destination country of a shipment."""

    description: str | None = None
    isocode: str | None = None


class OrderShipping(_Response):
    """A shipment; ``country`` is None when the live API sends ``[]``."""

    country: OrderShippingCountry | None = None

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        return value if isinstance(value, dict) and value else None


class OrderPaymentStatus(_Response):
    """Legacy payment status (1 successful, 5 pending, ...)."""

    id: int | None = None
    text: str | None = None


class OrderPayment(_Response):
    """The order's payment method (gateway + method)."""

    gateway_name: str | None = None
    method_name: str | None = None
    status: OrderPaymentStatus | None = None


class OrderComments(_Response):
    """Customer comment (read-only) and internal comment (track & trace goes here)."""

    customer: str | None = None
    internal: str | None = None


class Order(_Response):
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
        _as_list
    )
    _blank = field_validator("weight", "credited_order_number", mode="before")(_blank_to_none)

    @field_validator("comments", "debtor", "price", mode="before")
    @classmethod
    def _objects(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}

    @property
    def created_at(self) -> dt.datetime:
        """Order date and time as a naive datetime in shop time."""
        result = _combine(self.date, self.time)
        assert result is not None
        return result

    @property
    def status_changed_at(self) -> dt.datetime | None:
        """Last status change as a naive datetime in shop time."""
        return _combine(self.status_changed_date, self.status_changed_time)

    @property
    def total(self) -> Decimal:
        """Order total incl. VAT (0 when absent)."""
        return self.price.total or Decimal(0)


class Count(_Response):
    """``{"count": n}`` from a count endpoint."""

    count: int


# --------------------------------------------------------------------------- request bodies


class ArticlePriceInput(_Input):
    """Prices to set (incl./excl. VAT per store setting; purchase excl. VAT)."""

    default: Decimal | None = None
    action: Decimal | None = None
    purchase: Decimal | None = None


class CategoryLinkInput(_Input):
    """Put an article on a category page."""

    category_id: int
    is_active: bool | None = None
    is_main: bool | None = None
    article_url_id: int | None = None


class ListOptionAttach(_Input):
    """An option of a list to offer on an article (``image_ids`` required by the spec)."""

    id: int
    image_ids: list[str] = Field(default_factory=list)


class ListAttach(_Input):
    """Attach an option list to an article with the options to offer (replace-all on PATCH)."""

    id: int
    has_images: bool | None = None
    options: list[ListOptionAttach]


class ImageInput(_Input):
    """An image by URL and position (1-15)."""

    id: str | None = None
    url: str | None = None
    position: int | None = None


class ArticleExtraInput(_Input):
    """Custom fields (``invisible.barcode`` = EAN, ``invisible.weight`` = kg)."""

    visible: dict[str, str] | None = None
    invisible: dict[str, str] | None = None


class ArticleInput(_Input):
    """Body of ``POST /articles`` (``ArticlePostable``)."""

    name: str
    description: str | None = None
    sku: str | None = None
    badge_text: str | None = None
    taxable: bool | None = None
    price: ArticlePriceInput | None = None
    stock: int | None = None
    delivery_days: int | None = None
    can_backorder: bool | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    extra: ArticleExtraInput | None = None
    categories: list[CategoryLinkInput] = Field(default_factory=list)
    lists: list[ListAttach] | None = None
    images: list[ImageInput] | None = None

    def payload(self) -> dict[str, Any]:
        """The JSON body; ``categories`` is always sent (the spec requires it)."""
        body = super().payload()
        body.setdefault("categories", [])
        return body


class VariantPatch(_Input):
    """Stock (None = unlimited) or backorder setting of one variant."""

    id: int
    stock: int | None = None
    can_backorder: bool | None = None


class ArticlePatch(_Input):
    """Body of ``PATCH /articles/{id}`` (``ArticlePatchable``); only set fields are sent."""

    name: str | None = None
    description: str | None = None
    sku: str | None = None
    badge_text: str | None = None
    taxable: bool | None = None
    price: ArticlePriceInput | None = None
    stock: int | None = None
    delivery_days: int | None = None
    can_backorder: bool | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    extra: ArticleExtraInput | None = None
    categories: list[CategoryLinkInput] | None = None
    lists: list[ListAttach] | None = None
    images: list[ImageInput] | None = None
    variants: list[VariantPatch] | None = None


class NewListOption(_Input):
    """An option to add to a list (``POST /articlelistoptions/{list_id}``)."""

    name: str
    price: Decimal | None = None


class CategorySortingInput(_Input):
    """Where to place a category among its siblings (``before: X`` = in front of X)."""

    first: bool | None = None
    last: bool | None = None
    before: int | None = None
    after: int | None = None


class CategoryInput(_Input):
    """Body of ``POST /categories`` and ``PATCH /categories/{id}``."""

    title: str | None = None
    parent_category_id: int | None = None
    hidden: bool | None = None
    content: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    article_order: int | None = None
    sorting: CategorySortingInput | None = None


class AddressInput(_Input):
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


class OrderAddressesInput(_Input):
    """Invoice (required) and delivery addresses."""

    invoice: InvoiceAddressInput
    delivery: AddressInput | None = None


class OrderDebtorInput(_Input):
    """The customer of a new order."""

    email: str | None = None
    id: str | None = None
    link_to_account: bool | None = None
    address: OrderAddressesInput


class OrderPaymentStatusInput(_Input):
    """Legacy payment status id (1 successful, 5 pending, ...)."""

    id: int


class OrderPaymentInput(_Input):
    """Gateway and method of a new order (required unless the total is 0.00)."""

    gateway_name: str
    method_name: str
    status: OrderPaymentStatusInput | None = None


class OrderArticleOptionInput(_Input):
    """A chosen list option on an order line."""

    list_option_id: int


class OrderArticleInput(_Input):
    """The article on an order line, with its chosen options (the variant)."""

    id: int
    options: list[OrderArticleOptionInput] | None = None


class UnitPriceInput(_Input):
    """Unit price of a custom line: ``rate`` plus ``amount`` (excl.) or ``amount_including_tax``."""

    rate: Decimal
    amount: Decimal | None = None
    amount_including_tax: Decimal | None = None


class OrderLineInput(_Input):
    """An order line: ``article`` (with ``articles``) or ``custom`` (with unit price and weight)."""

    type: Literal["article", "custom"]
    quantity: int
    articles: list[OrderArticleInput] | None = None
    description: str | None = None
    unit_price: UnitPriceInput | None = None
    unit_weight: Decimal | None = None
    price_override: Decimal | None = None


class OrderCommentsInput(_Input):
    """The merchant's internal comment."""

    internal: str | None = None


class OrderInput(_Input):
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


class OrderPatch(_Input):
    """Body of ``PATCH /orders/{number}`` (``OrderPatchable``)."""

    status: int | None = None
    archived: bool | None = None
    comments: OrderCommentsInput | None = None
    reference: str | None = None
    offline_location_id: str | None = None
