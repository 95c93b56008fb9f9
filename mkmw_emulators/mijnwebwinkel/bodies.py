"""Request bodies the MijnWebwinkel emulator accepts.

The body models mirror the vendor spec's ``*Postable``/``*Patchable`` schemas. They forbid
unknown fields and do not coerce types, so an invalid body gets a 422 with field errors, as
the shop answers.
"""

from __future__ import annotations

import uuid as uuidlib
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

# --------------------------------------------------------------------------- request bodies


def _decimal_in(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("must be a decimal string")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("must be a decimal string") from None
    if not result.is_finite():
        raise ValueError("must be a finite decimal")
    return result


def _int_in(value: Any) -> Any:
    # list_option_id is an integer in the schema but a string in the spec's own example.
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _uuid_in(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        uuidlib.UUID(value)
    except ValueError:
        raise ValueError("must be a UUID") from None
    return value


DecimalIn = Annotated[Decimal, BeforeValidator(_decimal_in)]
UuidIn = Annotated[str, BeforeValidator(_uuid_in)]
LooseInt = Annotated[int, BeforeValidator(_int_in)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PriceIn(_Body):
    default: DecimalIn | None = None
    action: DecimalIn | None = None
    purchase: DecimalIn | None = None


class CategoryLinkIn(_Body):
    category_id: int
    is_active: bool | None = None
    is_main: bool | None = None
    article_url_id: int | None = None


class ListOptionRefIn(_Body):
    id: int
    image_ids: list[UuidIn] = Field(default_factory=list)


class ListIn(_Body):
    id: int
    has_images: bool | None = None
    options: list[ListOptionRefIn]


class ImageIn(_Body):
    id: UuidIn | None = None
    url: str | None = None
    position: int | None = None


class ExtraIn(_Body):
    visible: dict[str, str] | None = None
    invisible: dict[str, str] | None = None


class VariantIn(_Body):
    id: int
    stock: int | None = None
    can_backorder: bool | None = None
    options: list[dict[str, Any]] | dict[str, Any] | None = None


class ArticleBase(_Body):
    name: str | None = None
    description: str | None = None
    sku: str | None = None
    badge_text: str | None = None
    taxable: bool | None = None
    price: PriceIn | None = None
    stock: int | None = None
    delivery_days: int | None = None
    can_backorder: bool | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    extra: ExtraIn | None = None
    lists: list[ListIn] | None = None
    images: list[ImageIn] | None = None


class ArticlePostIn(ArticleBase):
    name: str
    categories: list[CategoryLinkIn]


class ArticlePatchIn(ArticleBase):
    categories: list[CategoryLinkIn] | None = None
    variants: list[VariantIn] | None = None


class NewOptionIn(_Body):
    name: str
    price: DecimalIn | None = None
    id: int | None = None


class SortingIn(_Body):
    first: bool | None = None
    last: bool | None = None
    before: int | None = None
    after: int | None = None


class CategoryPatchIn(_Body):
    parent_category_id: int | None = None
    hidden: bool | None = None
    title: str | None = None
    content: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    article_order: int | None = Field(default=None, ge=1, le=6)
    sorting: SortingIn | None = None


class CategoryPostIn(CategoryPatchIn):
    title: str


class CommentsIn(_Body):
    internal: str | None = None
    customer: str | None = None


class OrderPatchIn(_Body):
    status: int | None = None
    archived: bool | None = None
    comments: CommentsIn | None = None
    reference: str | None = Field(default=None, max_length=255)
    offline_location_id: str | None = None
    finished: bool | None = None  # deprecated; sent by real connectors, ignored


class AddressIn(_Body):
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
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class InvoiceAddressIn(AddressIn):
    taxnumber: str | None = None
    bankaccount: str | None = None


class OrderAddressIn(_Body):
    invoice: InvoiceAddressIn
    delivery: AddressIn | None = None


class DebtorIn(_Body):
    id: str | None = None
    email: str | None = None
    link_to_account: bool | None = None
    address: OrderAddressIn
    gender: str | None = None
    name: str | None = None
    company: str | None = None
    phone: str | None = None
    bankaccount: str | None = None


class PaymentStatusIn(_Body):
    id: int
    text: str | None = None


class PaymentIn(_Body):
    gateway_name: str
    method_name: str
    status: PaymentStatusIn | None = None


class OrderOptionIn(_Body):
    list_option_id: LooseInt


class OrderArticleIn(_Body):
    id: int
    options: list[OrderOptionIn] | None = None


class UnitPriceIn(_Body):
    rate: DecimalIn
    amount: DecimalIn | None = None
    amount_including_tax: DecimalIn | None = None


class OrderLineIn(_Body):
    type: Literal["article", "custom"]
    quantity: int
    articles: list[OrderArticleIn] | None = None
    description: str | None = None
    unit_price: UnitPriceIn | None = None
    unit_weight: DecimalIn | None = None
    price_override: DecimalIn | None = None


class OrderPostIn(_Body):
    debtor: DebtorIn
    orderlines: list[OrderLineIn]
    status: int | None = None
    archived: bool | None = None
    discountcode: str | None = None
    comments: CommentsIn | None = None
    business_model: Literal["B2C", "B2B"] | None = None
    reference: str | None = Field(default=None, max_length=255)
    offline_location_id: str | None = None
    payment: PaymentIn | None = None
    shipping_method_id: str | None = None
    shipping_type: Literal[1, 2, 3, 5, 6, 7, 8] | None = None


class CreditOrderPostIn(_Body):
    """``CreditOrderPostable``; ``credited_order_number`` is a string in the spec ("272")."""

    credited_order_number: LooseInt
    status: int
    orderlines: list[OrderLineIn]
    archived: bool | None = None
    comments: CommentsIn | None = None
    payment_costs: DecimalIn | None = None
    shipping_costs: DecimalIn | None = None
    offline_location_id: UuidIn | None = None


def address_from(model: AddressIn | None) -> dict[str, Any] | None:
    """Backend address fields from a request address."""
    if model is None:
        return None
    data = model.model_dump(exclude_none=True)
    data.pop("country", None)
    return data
