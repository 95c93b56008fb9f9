"""Custom filters of the products flow: which MplusKASSA articles go to the shop.

Filters are plain data held in :class:`~mkmw_flows.settings.products.ProductSyncSettings`.
They are applied locally to every article read, never sent to MplusKASSA as ``onlyActive`` or
``onlyWebshop`` (combined with a syncMarker those lose changes on older servers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class FieldValuesRule(BaseModel):
    """One article field and the values a filter compares it with (as text)."""

    model_config = ConfigDict(extra="forbid", title="Field filter")

    field: str = Field(
        min_length=1,
        pattern=r"\S",
        description=(
            "An article field (brand_name, supplier_article_number, ...) or a MplusKASSA "
            "custom field by name (custom.Merk)."
        ),
    )
    values: list[str] = Field(
        min_length=1, description="The values, compared as text (an empty text matches unset)."
    )

    @field_validator("field")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


def _field_rows(value: Any) -> Any:
    if isinstance(value, Mapping):  # the older {"field": ["value", ...]} shape
        return [
            {"field": str(k), "values": [v] if isinstance(v, str) else v} for k, v in value.items()
        ]
    return value


class ProductFilters(BaseModel):
    """Include and exclude rules; an article must pass all of them.

    Empty lists mean "no rule". Field rules compare a source field's value as text, so they
    work for any article field (``brand_name``, ``supplier_article_number``, ...) and for
    MplusKASSA custom fields by name (``custom.Merk``).
    """

    model_config = ConfigDict(extra="forbid", title="Product filters")

    only_active: bool = Field(default=True, description="Only active articles.")
    include_groups: list[int] = Field(
        default_factory=list, description="Only products in one of these article groups."
    )
    exclude_groups: list[int] = Field(
        default_factory=list, description="Leave out products in these article groups."
    )
    include_turnover_groups: list[int] = Field(
        default_factory=list, description="Only articles in one of these turnover groups."
    )
    exclude_turnover_groups: list[int] = Field(
        default_factory=list, description="Leave out articles in these turnover groups."
    )
    include_skus: list[str] = Field(
        default_factory=list, description="Only these article numbers (SKUs)."
    )
    exclude_skus: list[str] = Field(
        default_factory=list, description="Leave out these article numbers (SKUs)."
    )
    field_equals: list[FieldValuesRule] = Field(
        default_factory=list,
        description=(
            "Only articles whose field has one of the values, e.g. field brand_name, values "
            "[Huismerk], or for a custom field: field custom.Merk. Every row must match."
        ),
    )
    field_not_equals: list[FieldValuesRule] = Field(
        default_factory=list, description="Leave out articles whose field has one of the values."
    )

    @field_validator("field_equals", "field_not_equals", mode="before")
    @classmethod
    def _old_shape(cls, value: Any) -> Any:
        return _field_rows(value)


#: Prefix of a filter field that names a MplusKASSA custom field (``custom.Merk``).
CUSTOM = "custom."


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def filter_reason(
    article: Mapping[str, Any],
    group_numbers: Sequence[int],
    filters: ProductFilters,
    *,
    only_webshop: bool = True,
) -> str | None:
    """Why an article is left out, in plain words, or None when it passes.

    Args:
        article: The article's fields (snake_case, as in ``mplus.models.Article``).
        group_numbers: The article groups of its product.
        filters: The filters.
        only_webshop: Only articles flagged for the webshop (``only_webshop_articles``).

    Returns:
        None when the article goes to the shop, else a sentence a shop owner understands.
    """
    sku = _text(article.get("article_number"))
    if only_webshop and not article.get("webshop"):
        return "not flagged for the webshop in MplusKASSA"
    if filters.only_active and article.get("active") is False:
        return "deactivated in MplusKASSA"
    groups = set(group_numbers)
    if filters.include_groups and not groups & set(filters.include_groups):
        return "its article group is not one of the groups to include"
    if groups & set(filters.exclude_groups):
        return "its article group is excluded"
    turnover = article.get("turnover_group")
    if filters.include_turnover_groups and turnover not in filters.include_turnover_groups:
        return "its turnover group is not one of the turnover groups to include"
    if turnover is not None and turnover in filters.exclude_turnover_groups:
        return "its turnover group is excluded"
    if filters.include_skus and sku not in filters.include_skus:
        return "its SKU is not on the list of SKUs to include"
    if sku in filters.exclude_skus:
        return "its SKU is excluded"
    for rule in filters.field_equals:
        if _text(_value(article, rule.field)) not in rule.values:
            return f"its {_label(rule.field)} is not one of {', '.join(rule.values)}"
    for rule in filters.field_not_equals:
        value = _text(_value(article, rule.field))
        if value in rule.values:
            return f"its {_label(rule.field)} is excluded ({value})"
    return None


def _value(article: Mapping[str, Any], name: str) -> Any:
    if name.startswith(CUSTOM):
        custom = article.get("custom")
        return custom.get(name[len(CUSTOM) :]) if isinstance(custom, Mapping) else None
    return article.get(name)


def _label(name: str) -> str:
    return f"custom field {name[len(CUSTOM) :]!r}" if name.startswith(CUSTOM) else name
