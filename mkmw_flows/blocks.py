"""Prefect Block types: credentials of both systems, settings per flow, and the Integration.

One :class:`Integration` block per shop nests everything a flow needs; every flow takes
``integration: str = "default"`` and loads it by name.
"""

from __future__ import annotations

from typing import Literal

from prefect.blocks.core import Block
from pydantic import Field, SecretStr, field_validator

from mkmw_flows.redact import scrub


class MplusKassaCredentials(Block):
    """How to reach one MplusKASSA installation (the MplusQapi SOAP API)."""

    _block_type_name = "MplusKASSA Credentials"
    _block_type_slug = "mpluskassa-credentials"
    _description = "URL, ident and secret of an MplusKASSA API (MplusQapi)."

    url: str = Field(
        default="https://api.mpluskassa.nl:45166",
        description="Base URL of the MplusQapi endpoint, with its port.",
    )
    ident: str = Field(
        default="", description="The API ident MplusKASSA issued for this connection."
    )
    secret: SecretStr = Field(
        default=SecretStr(""), description="The API secret that goes with the ident."
    )
    verify_tls: bool = Field(default=True, description="Verify the server's TLS certificate.")
    timeout_seconds: float = Field(default=60.0, gt=0, description="Timeout of one API call.")

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the MplusKASSA URL must start with http:// or https://")
        return value.rstrip("/")

    def __repr__(self) -> str:
        return f"MplusKassaCredentials(url={scrub(self.url)!r}, ident=***, secret=***)"


class MijnWebwinkelCredentials(Block):
    """How to reach one MijnWebwinkel shop (the Connect REST API)."""

    _block_type_name = "MijnWebwinkel Credentials"
    _block_type_slug = "mijnwebwinkel-credentials"
    _description = "Base URL, store token and partner token of a MijnWebwinkel shop."

    base_url: str = Field(
        default="https://api.myonlinestore.com",
        description="Base URL of the Connect API (without /v1).",
    )
    token: SecretStr = Field(default=SecretStr(""), description="The shop's API token.")
    partner_token: SecretStr = Field(
        default=SecretStr(""), description="The partner token of the app the shop authorised."
    )
    language: str = Field(default="nl_NL", description="Language of texts read and written.")
    timeout_seconds: float = Field(default=60.0, gt=0, description="Timeout of one API call.")
    requests_per_second: float | None = Field(
        default=None,
        gt=0,
        description="Cap on calls per second to this shop, shared by all flows in a process.",
    )

    @field_validator("base_url")
    @classmethod
    def _url_scheme(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the MijnWebwinkel base URL must start with http:// or https://")
        return value.rstrip("/")

    def __repr__(self) -> str:
        return f"MijnWebwinkelCredentials(base_url={self.base_url!r}, token=***, partner_token=***)"


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


class StockSyncSettings(Block):
    """Settings of the stock flow."""

    _block_type_name = "mkmw Stock Sync Settings"
    _block_type_slug = "mkmw-stock-sync-settings"
    _description = "Stock calculation, branches and buffer of the stock flow."

    enabled: bool = Field(default=True, description="Run this flow for the integration.")
    calculation: Literal["free", "free_plus_incoming", "on_hand"] = Field(
        default="free",
        description=(
            "free: available minus sales reservations; free_plus_incoming: plus ordered from "
            "suppliers; on_hand: free plus reserved."
        ),
    )
    branches: list[int] = Field(
        default_factory=list, description="Branch numbers whose stock counts (empty: all)."
    )
    safety_buffer: int = Field(
        default=0, ge=0, description="Units held back from the shop; the result never goes below 0."
    )
    manage_stock: bool = Field(
        default=True, description="Off: the shop does not manage stock; it is set unmanaged once."
    )
    unmanaged_skus: list[str] = Field(
        default_factory=list, description="SKUs whose stock the shop does not manage."
    )
    allow_backorders: bool = Field(
        default=False, description="Let the shop sell articles that are out of stock."
    )


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


class Integration(Block):
    """One shop: both systems' credentials, the flow settings and the state database."""

    _block_type_name = "mkmw Integration"
    _block_type_slug = "mkmw-integration"
    _description = "Everything one MplusKASSA <-> MijnWebwinkel integration needs."

    mplus: MplusKassaCredentials = Field(description="The MplusKASSA side.")
    mijnwebwinkel: MijnWebwinkelCredentials = Field(description="The MijnWebwinkel side.")
    products: ProductSyncSettings = Field(
        default_factory=ProductSyncSettings, description="Products and categories flow."
    )
    stock: StockSyncSettings = Field(default_factory=StockSyncSettings, description="Stock flow.")
    orders: OrderSyncSettings = Field(
        default_factory=OrderSyncSettings, description="Orders and customers flow."
    )
    state_database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL or SQLite path of the state store (default ~/.mkmw/state.db).",
    )
    ledger_retention_days: int = Field(
        default=30, ge=1, description="Days personal data and ledger entries are kept."
    )

    def __repr__(self) -> str:
        return (
            f"Integration(mplus={self.mplus!r}, mijnwebwinkel={self.mijnwebwinkel!r}, "
            f"state_database_url={'set' if self.state_database_url else 'default'})"
        )


ALL_BLOCKS: tuple[type[Block], ...] = (
    MplusKassaCredentials,
    MijnWebwinkelCredentials,
    ProductSyncSettings,
    StockSyncSettings,
    OrderSyncSettings,
    Integration,
)
