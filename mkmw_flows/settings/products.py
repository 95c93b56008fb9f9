"""Settings block of the products and categories flow."""

from __future__ import annotations

from typing import Annotated, Literal

from prefect.blocks.core import Block
from pydantic import Field, field_validator

from mkmw_flows.mapping.fieldmap import FieldMap
from mkmw_flows.mapping.filters import ProductFilters
from mkmw_flows.sync.products.defaults import (
    DEFAULT_FEATURES,
    check_category_map,
    default_field_map,
)


class ProductSyncSettings(Block):
    """Settings of the products and categories flow."""

    _block_type_name = "mkmw Product Sync Settings"
    _block_type_slug = "mkmw-product-sync-settings"
    _description = "Direction, filters and datamapper of the products and categories flow."

    enabled: bool = Field(default=True, description="Run this flow for the integration.")
    direction: Literal["mplus_to_shop", "shop_to_mplus"] = Field(
        default="mplus_to_shop",
        description="Which system is the source of products; only one direction is active.",
    )
    only_webshop_articles: bool = Field(
        default=True, description="Take only articles flagged for the webshop in MplusKASSA."
    )
    deactivated_action: Literal["hide", "delete"] = Field(
        default="hide", description="What to do with a shop article whose source was deactivated."
    )
    sync_images: bool = Field(
        default=False,
        description=(
            "Write new or changed MplusKASSA article images to the shop article (by their "
            "MplusKASSA URL); unchanged images cost nothing, images added in the shop are kept."
        ),
    )
    category_map: dict[str, str] = Field(
        default_factory=dict,
        description="MplusKASSA article group number -> existing shop category id.",
    )
    sync_categories: bool = Field(
        default=True,
        description="Create and update shop categories from the MplusKASSA article groups.",
    )
    category_field_map: FieldMap = Field(
        default_factory=FieldMap,
        title="Category map (your rules)",
        description=(
            "Your category rules, laid over the default (title from the group name). Targets: "
            "title, content, meta_title, meta_description, article_order; sources: name, "
            "text, group_number, sort_order; policy always / create_only / if_unchanged "
            "(create_only title: a name edited in the shop stays)."
        ),
    )
    field_map: FieldMap = Field(
        default_factory=FieldMap,
        title="Field map (your rules)",
        description=(
            "Your field rules, laid over the default map (same target: yours wins). Each rule: "
            "target (shop path, e.g. price.default), source (MplusKASSA field) or value, "
            "transforms, policy (always / create_only / if_unchanged). The default rules: "
            + default_field_map().summary()
            + ". List them with `mkmw settings show --defaults`."
        ),
    )
    filters: ProductFilters = Field(
        default_factory=ProductFilters,
        title="Filters",
        description="Which articles go to the shop (groups, turnover groups, SKUs, field values).",
    )
    variant_axes: dict[str, str] = Field(
        default_factory=lambda: {"colour": "Kleur", "size": "Maat"},
        description=(
            "MplusKASSA article field -> shop option list name (the variant axes); a custom "
            'field by name: {"custom.Pasvorm": "Pasvorm"}.'
        ),
    )
    option_lists: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict,
        description=(
            "Shop option list name -> id of a list made in the shop's back office, used for "
            "new variant products (the shop API cannot create lists)."
        ),
    )
    features: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_FEATURES),
        description=(
            "MplusKASSA article field -> name of a visible shop feature (extra.visible); a "
            'custom field by name: {"custom.Land van herkomst": "Land van herkomst"}.'
        ),
    )
    page_size: int = Field(
        default=1000, ge=1, le=5000, description="MplusKASSA articles read per page (batch)."
    )
    write_concurrency: int = Field(
        default=8, ge=1, le=32, description="Shop writes in flight at once."
    )
    reverse_vat_code: int = Field(
        default=1,
        ge=0,
        description="Reverse direction: MplusKASSA VAT code of new articles.",
    )
    reverse_turnover_group: int | None = Field(
        default=None, ge=0, le=999, description="Reverse direction: turnover group of new articles."
    )

    @field_validator("category_field_map")
    @classmethod
    def _category_targets(cls, value: FieldMap) -> FieldMap:
        return check_category_map(value)
