"""The catalogue: products, their articles (with images, custom fields, sales prices), groups."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel

from mkmw_flows.mplus.models.wire import Cents, MDate, MDateTime, W, WireModel


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
