"""Articles (products): as read, as listed on a category page, and the bodies that write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import Field, field_validator

from mkmw_flows.mijnwebwinkel.models.common import (
    RequestModel,
    ResponseModel,
    as_list,
    blank_to_none,
    combine_date_time,
)
from mkmw_flows.mijnwebwinkel.models.lists import ArticleList, ListAttach, Variant, VariantPatch


class ArticlePrice(ResponseModel):
    """Article prices; incl. or excl. VAT per ``Store.prices_include_tax`` (purchase: excl.)."""

    default: Decimal | None = None
    action: Decimal | None = None
    purchase: Decimal | None = None

    _blank = field_validator("default", "action", "purchase", mode="before")(blank_to_none)


class CategoryLink(ResponseModel):
    """An article's place on a category page."""

    category_id: int
    article_url_id: int | None = None
    is_active: bool | None = None
    is_main: bool | None = None
    position: int | None = None


class ArticleImage(ResponseModel):
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

    _blank = field_validator("position", mode="before")(blank_to_none)


class ArticleExtra(ResponseModel):
    """Custom fields: ``invisible`` holds e.g. ``barcode`` (EAN) and ``weight`` (kg)."""

    visible: dict[str, Any] = Field(default_factory=dict)
    invisible: dict[str, Any] = Field(default_factory=dict)

    @field_validator("visible", "invisible", mode="before")
    @classmethod
    def _maps(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class Article(ResponseModel):
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
        return as_list(value)

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
    def updated_at(self) -> dt.datetime | None:
        """Last change as a naive datetime in shop time."""
        return combine_date_time(self.updated_date, self.updated_time)

    @property
    def created_at(self) -> dt.datetime | None:
        """Creation as a naive datetime in shop time."""
        return combine_date_time(self.created_date, self.created_time)


class ArticleLimited(ResponseModel):
    """An article as listed on a category page."""

    id: int
    name: str | None = None
    uuid: str | None = None
    is_main: bool | None = None


class ArticlePriceInput(RequestModel):
    """Prices to set (incl./excl. VAT per store setting; purchase excl. VAT)."""

    default: Decimal | None = None
    action: Decimal | None = None
    purchase: Decimal | None = None


class CategoryLinkInput(RequestModel):
    """Put an article on a category page."""

    category_id: int
    is_active: bool | None = None
    is_main: bool | None = None
    article_url_id: int | None = None


class ImageInput(RequestModel):
    """An image by URL and position (1-15)."""

    id: str | None = None
    url: str | None = None
    position: int | None = None


class ArticleExtraInput(RequestModel):
    """Custom fields (``invisible.barcode`` = EAN, ``invisible.weight`` = kg)."""

    visible: dict[str, str] | None = None
    invisible: dict[str, str] | None = None


class ArticleInput(RequestModel):
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


class ArticlePatch(RequestModel):
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
