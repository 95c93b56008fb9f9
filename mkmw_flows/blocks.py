"""Prefect Block types: credentials of both systems, settings per flow, and the Integration.

One :class:`Integration` block per shop nests everything a flow needs; every flow takes
``integration: str = "default"`` and loads it by name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from prefect.blocks.core import Block
from pydantic import Field, SecretStr, field_validator

from mkmw_flows.clients_common.redact import scrub
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.settings.products import ProductSyncSettings
from mkmw_flows.settings.stock import StockSyncSettings

if TYPE_CHECKING:
    from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
    from mkmw_flows.mplus.client import MplusClient


#: The ``language`` values of the Connect API (components.parameters.language-query).
ShopLanguage = Literal[
    "nl_NL",
    "en_GB",
    "de_DE",
    "fr_FR",
    "es_ES",
    "en_US",
    "pt_PT",
    "it_IT",
    "da_DK",
    "sv_SE",
    "no_NO",
    "tr_TR",
    "pl_PL",
]


def _not_empty(value: Any) -> Any:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if isinstance(text, str) and not text.strip():
        raise ValueError("required: it is empty")
    return value


class MplusKassaCredentials(Block):
    """How to reach one MplusKASSA installation (the MplusQapi SOAP API)."""

    _block_type_name = "MplusKASSA Credentials"
    _block_type_slug = "mpluskassa-credentials"
    _description = "URL, ident and secret of an MplusKASSA API (MplusQapi)."

    url: str = Field(
        default="https://api.mpluskassa.nl:45166",
        title="API URL",
        pattern=r"^https?://\S+$",
        description="Base URL of the MplusQapi endpoint, with its port.",
    )
    ident: str = Field(
        title="Ident",
        min_length=1,
        description="The API ident MplusKASSA issued for this connection.",
    )
    secret: SecretStr = Field(
        title="Secret", min_length=1, description="The API secret that goes with the ident."
    )
    verify_tls: bool = Field(
        default=True, title="Verify TLS", description="Verify the server's TLS certificate."
    )
    timeout_seconds: float = Field(
        default=60.0, gt=0, title="Timeout (seconds)", description="Timeout of one API call."
    )

    @field_validator("url", mode="before")
    @classmethod
    def _url_scheme(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("the MplusKASSA URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("ident", "secret", mode="before")
    @classmethod
    def _given(cls, value: Any) -> Any:
        return _not_empty(value)

    def __repr__(self) -> str:
        return f"MplusKassaCredentials(url={scrub(self.url)!r}, ident=***, secret=***)"

    def client(self) -> MplusClient:
        """A MplusKASSA client configured from this block."""
        from mkmw_flows.mplus.client import MplusClient

        return MplusClient(
            self.url,
            self.ident,
            self.secret,
            verify_tls=self.verify_tls,
            timeout=self.timeout_seconds,
        )


class MijnWebwinkelCredentials(Block):
    """How to reach one MijnWebwinkel shop (the Connect REST API)."""

    _block_type_name = "MijnWebwinkel Credentials"
    _block_type_slug = "mijnwebwinkel-credentials"
    _description = "Base URL, store token and partner token of a MijnWebwinkel shop."

    base_url: str = Field(
        default="https://api.myonlinestore.com",
        title="API base URL",
        pattern=r"^https?://\S+$",
        description="Base URL of the Connect API (without /v1).",
    )
    token: SecretStr = Field(title="Store token", min_length=1, description="The shop's API token.")
    partner_token: SecretStr = Field(
        title="Partner token",
        min_length=1,
        description="The partner token of the app the shop authorised.",
    )
    language: ShopLanguage = Field(
        default="nl_NL", description="Language of texts read and written (article names, ...)."
    )
    timeout_seconds: float = Field(
        default=60.0, gt=0, title="Timeout (seconds)", description="Timeout of one API call."
    )
    requests_per_second: float | None = Field(
        default=None,
        gt=0,
        title="Requests per second",
        description="Cap on calls per second to this shop, shared by all flows in a process.",
    )

    @field_validator("base_url", mode="before")
    @classmethod
    def _url_scheme(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("the MijnWebwinkel base URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("token", "partner_token", mode="before")
    @classmethod
    def _given(cls, value: Any) -> Any:
        return _not_empty(value)

    def __repr__(self) -> str:
        return f"MijnWebwinkelCredentials(base_url={self.base_url!r}, token=***, partner_token=***)"

    def client(self) -> MijnWebwinkelClient:
        """A MijnWebwinkel client configured from this block."""
        from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient

        return MijnWebwinkelClient(
            self.base_url,
            token=self.token,
            partner_token=self.partner_token,
            language=self.language,
            timeout=self.timeout_seconds,
            rate_per_second=self.requests_per_second,
        )


class Integration(Block):
    """One shop: both systems' credentials, the flow settings and the state database."""

    _block_type_name = "mkmw Integration"
    _block_type_slug = "mkmw-integration"
    _description = "Everything one MplusKASSA <-> MijnWebwinkel integration needs."

    mplus: MplusKassaCredentials = Field(
        title="MplusKASSA credentials", description="The MplusKASSA side (required)."
    )
    mijnwebwinkel: MijnWebwinkelCredentials = Field(
        title="MijnWebwinkel credentials", description="The MijnWebwinkel side (required)."
    )
    products: ProductSyncSettings = Field(
        default_factory=ProductSyncSettings,
        title="Products settings",
        description="Products and categories flow.",
    )
    stock: StockSyncSettings = Field(
        default_factory=StockSyncSettings, title="Stock settings", description="Stock flow."
    )
    orders: OrderSyncSettings = Field(
        default_factory=OrderSyncSettings,
        title="Orders settings",
        description="Orders and customers flow.",
    )
    state_database_url: str | None = Field(
        default=None,
        title="State database URL",
        description="SQLAlchemy URL or SQLite path of the state store (default ~/.mkmw/state.db).",
    )
    ledger_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Days personal data and ledger entries are kept."
    )
    api_budget: bool = Field(
        default=False,
        title="Shared API budget",
        description=(
            "Share one API budget per system across all runs and workers: every call first "
            "takes a slot of the Prefect global concurrency limits named mkmw-INTEGRATION-shop "
            "and mkmw-INTEGRATION-mplus, where INTEGRATION is this block's name, e.g. "
            "mkmw-default-shop (create them with `mkmw budget apply --integration NAME`; needs "
            "a Prefect server on PostgreSQL)."
        ),
    )

    def __repr__(self) -> str:
        return (
            f"Integration(mplus={self.mplus!r}, mijnwebwinkel={self.mijnwebwinkel!r}, "
            f"state_database_url={'set' if self.state_database_url else 'default'})"
        )


__all__ = [
    "ALL_BLOCKS",
    "Integration",
    "MijnWebwinkelCredentials",
    "MplusKassaCredentials",
    "OrderSyncSettings",
    "ProductSyncSettings",
    "StockSyncSettings",
]

ALL_BLOCKS: tuple[type[Block], ...] = (
    MplusKassaCredentials,
    MijnWebwinkelCredentials,
    ProductSyncSettings,
    StockSyncSettings,
    OrderSyncSettings,
    Integration,
)
