"""Settings block of the products and categories flow."""

from __future__ import annotations

from typing import Literal

from prefect.blocks.core import Block
from pydantic import Field


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
    sync_images: bool = Field(default=False, description="Upload new or changed images.")
    category_map: dict[str, str] = Field(
        default_factory=dict,
        description="MplusKASSA article group number -> existing shop category id.",
    )
