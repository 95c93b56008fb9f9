"""Settings block of the orders and customers flow."""

from __future__ import annotations

from typing import Literal

from prefect.blocks.core import Block
from pydantic import Field


class OrderSyncSettings(Block):
    """Settings of the orders and customers flow."""

    _block_type_name = "mkmw Order Sync Settings"
    _block_type_slug = "mkmw-order-sync-settings"
    _description = "Direction, customers, VAT, revenue accounts and mappings of the orders flow."

    enabled: bool = Field(default=True, description="Run this flow for the integration.")
    direction: Literal["shop_to_mplus", "mplus_to_shop"] = Field(
        default="shop_to_mplus", description="Where orders come from."
    )
    document_type: Literal["order", "invoice"] = Field(
        default="order", description="Create an order or an invoice in MplusKASSA."
    )
    statuses_to_import: list[int] = Field(
        default_factory=list, description="Shop order status ids to import (empty: all)."
    )
    include_test_orders: bool = Field(default=False, description="Also import test orders.")
    ext_order_id_prefix: str = Field(
        default="MW-",
        max_length=20,
        description="Prefix of extOrderId before the shop order number.",
    )
    employee_number: int = Field(
        default=999999, ge=0, description="MplusKASSA employee that books web orders."
    )
    branch_number: int | None = Field(default=None, description="MplusKASSA branch for web orders.")
    workplace_number: int | None = Field(default=None, description="MplusKASSA workplace number.")
    default_debtor: int | None = Field(
        default=None, description="Relation number used for every order instead of per customer."
    )
    vat_codes: dict[str, int] = Field(
        default_factory=dict,
        description='VAT rate (optionally "COUNTRY:rate", e.g. "BE:21") -> MplusKASSA vatCode.',
    )
    turnover_groups: dict[str, int] = Field(
        default_factory=dict, description="Country code -> turnover group (revenue account)."
    )
    shipping_articles: dict[str, int] = Field(
        default_factory=dict, description="Shop shipping method -> MplusKASSA article number."
    )
    payment_methods: dict[str, str] = Field(
        default_factory=dict, description="Shop payment method -> MplusKASSA payment method code."
    )
    payment_terms_days: int | None = Field(default=None, ge=0, description="Payment terms in days.")
    status_write_back: dict[str, int] = Field(
        default_factory=dict,
        description="Event (imported, delivered, cancelled) -> shop order status id to set.",
    )
    cancel_sync: bool = Field(
        default=False, description="Cancel the MplusKASSA order when the shop cancels it."
    )
    overlap_minutes: int = Field(
        default=15, ge=0, description="Overlap of the date cursor so late changes are not missed."
    )
