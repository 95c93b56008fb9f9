"""Settings block of the orders and customers flow.

Every field is validated when the block is built (in the Prefect UI, from ``blocks/*.yaml`` or
in code), with a message that names the field and says what is expected.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Literal

from prefect.blocks.core import Block
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mkmw_flows.mapping import FieldMap

#: Events whose shop status can be written back.
WRITE_BACK_EVENTS = ("imported", "delivered", "cancelled")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def normalise_rate(rate: str | Decimal | int | float) -> str:
    """A VAT rate as the settings key it is looked up by: ``21.00`` -> ``21``, ``5.5`` -> ``5.5``.

    Raises:
        ValueError: When the text is not a number between 0 and 100.
    """
    try:
        value = Decimal(str(rate).strip().rstrip("%"))
    except InvalidOperation:
        raise ValueError(f"{rate!r} is not a VAT rate (a number such as 21 or 9)") from None
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"VAT rate {rate!r} must be between 0 and 100")
    text = format(value.normalize(), "f")
    return text


def vat_key(rate: str | Decimal, country: str | None = None) -> str:
    """The key of :attr:`OrderSyncSettings.vat_codes`: ``"21"`` or ``"BE:21"``."""
    base = normalise_rate(rate)
    return f"{country.upper()}:{base}" if country else base


class DeliveryMethodRule(BaseModel):
    """One row of :attr:`OrderSyncSettings.delivery_methods`: shop shipping method -> code.

    Attributes:
        shop_method: The shop's shipping method, by id (``2273``) or by name as the shop
            shows it (``PostNL pakket``).
        delivery_method: The MplusKASSA delivery method code (from ``getDeliveryMethods``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    shop_method: str = Field(
        min_length=1, description="Shop shipping method id or name, e.g. 2273 or PostNL pakket."
    )
    delivery_method: str = Field(
        min_length=1, max_length=50, description="MplusKASSA delivery method code, e.g. POSTNL."
    )

    @field_validator("shop_method", "delivery_method")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


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
        default="order",
        description=(
            "order: a sales order, paid orders carry their payment as a deposit; invoice: paid "
            "orders are delivered and invoiced at once."
        ),
    )
    statuses_to_import: list[int] = Field(
        default_factory=list,
        description="Shop order status ids to import, e.g. [3] for only paid (empty: all).",
    )
    include_test_orders: bool = Field(default=False, description="Also import test orders.")
    ext_order_id_prefix: str = Field(
        default="MW-",
        max_length=20,
        description="Prefix of extOrderId before the shop order number.",
    )
    employee_number: int = Field(
        default=999999, ge=1, description="MplusKASSA employee that books web orders."
    )
    branch_number: int | None = Field(
        default=None, ge=1, description="MplusKASSA branch for web orders (empty: the default)."
    )
    workplace_number: int | None = Field(
        default=None, ge=1, description="MplusKASSA workplace; required with a branch number."
    )
    default_debtor: int | None = Field(
        default=None,
        ge=1,
        description="Relation number used for every order instead of one per customer.",
    )
    vat_codes: dict[str, int] = Field(
        default_factory=dict,
        description=(
            'VAT rate (optionally "COUNTRY:rate", e.g. "BE:21") -> MplusKASSA vatCode. Empty: '
            "the article's own VAT code is used."
        ),
    )
    turnover_groups: dict[str, int] = Field(
        default_factory=dict,
        description="Country code -> turnover group (revenue account) of the article lines.",
    )
    shipping_articles: dict[str, int] = Field(
        default_factory=dict,
        description="Shop shipping method (id or name as the shop shows it) -> article number.",
    )
    delivery_methods: list[DeliveryMethodRule] = Field(
        default_factory=list,
        description=(
            "Shop shipping method (id or name) -> MplusKASSA delivery method code, set on "
            "every order as its deliveryMethod. Empty: no delivery method is set."
        ),
    )
    default_delivery_method: str | None = Field(
        default=None,
        max_length=50,
        description=(
            "MplusKASSA delivery method for orders whose shipping method is not in "
            "delivery_methods or that name no shipping method (empty: an order with an "
            "unmapped shipping method is held with DELIVERY_UNMAPPED)."
        ),
    )
    payment_methods: dict[str, str] = Field(
        default_factory=dict,
        description=(
            'Shop payment method ("method", or "gateway:method" e.g. "mollie:ideal") -> '
            "MplusKASSA payment method code."
        ),
    )
    register_payments: bool = Field(
        default=True, description="Book the payment of paid shop orders in MplusKASSA."
    )
    payment_terms_days: int | None = Field(
        default=None, ge=0, le=365, description="Payment terms in days set on new customers."
    )
    custom_line_article: int | None = Field(
        default=None,
        ge=1,
        description="Article number for shop lines without a product (gift wrap, fees).",
    )
    rounding_article: int | None = Field(
        default=None, ge=1, description="Article number of the rounding line (at most 1 cent)."
    )
    status_write_back: dict[str, int] = Field(
        default_factory=dict,
        description=(
            "Event -> shop order status id to set: imported (created in MplusKASSA), delivered "
            "(shipped), cancelled."
        ),
    )
    cancelled_statuses: list[int] = Field(
        default_factory=list,
        description="Shop status ids that mean cancelled (default: the cancelled write-back).",
    )
    cancel_sync: bool = Field(
        default=False, description="Cancel the MplusKASSA order when the shop cancels it."
    )
    overlap_minutes: int = Field(
        default=15,
        ge=0,
        le=1440,
        description="Overlap of the date cursor so late changes are not missed.",
    )
    backfill_days: int = Field(
        default=7,
        ge=0,
        le=3650,
        description="On the first run, take shop orders changed in the last N days.",
    )
    hold_days: int = Field(
        default=30,
        ge=1,
        description="Days a held order is taken again automatically before it ages out.",
    )
    page_size: int = Field(
        default=100, ge=1, le=100, description="Orders per batch (one Prefect task each)."
    )
    reverse_payment: str = Field(
        default="basic:advance",
        description='Shop "gateway:method" for orders from MplusKASSA without a mapped payment.',
    )
    reverse_branches: list[int] = Field(
        default_factory=list,
        description="MplusKASSA branches whose orders go to the shop (empty: all).",
    )
    order_map: FieldMap | None = Field(
        default=None,
        description="Your field rules laid over the default order map (shop -> MplusKASSA).",
    )
    reverse_order_map: FieldMap | None = Field(
        default=None,
        description="Your field rules laid over the default reverse map (MplusKASSA -> shop).",
    )

    @field_validator("ext_order_id_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_.:/-]*", value):
            raise ValueError(
                f"ext_order_id_prefix may hold letters, digits and - _ . : / only (got {value!r})"
            )
        return value

    @field_validator("vat_codes")
    @classmethod
    def _vat_codes(cls, value: dict[str, int]) -> dict[str, int]:
        cleaned: dict[str, int] = {}
        for key, code in value.items():
            country, _, rate = key.rpartition(":")
            if country and not _COUNTRY.match(country.upper()):
                raise ValueError(
                    f"vat_codes key {key!r}: the country must be a two-letter code such as BE"
                )
            try:
                normal = vat_key(rate, country or None)
            except ValueError as exc:
                raise ValueError(f"vat_codes key {key!r}: {exc}") from None
            if not isinstance(code, int) or code < 0:
                raise ValueError(f"vat_codes[{key!r}] must be a MplusKASSA vatCode (a number)")
            cleaned[normal] = code
        return cleaned

    @field_validator("turnover_groups")
    @classmethod
    def _turnover(cls, value: dict[str, int]) -> dict[str, int]:
        cleaned: dict[str, int] = {}
        for country, group in value.items():
            if not _COUNTRY.match(country.upper()):
                raise ValueError(
                    f"turnover_groups key {country!r} must be a two-letter country code (NL, BE)"
                )
            if not 0 <= group <= 999:
                raise ValueError(f"turnover_groups[{country!r}] must be between 0 and 999")
            cleaned[country.upper()] = group
        return cleaned

    @field_validator("shipping_articles")
    @classmethod
    def _shipping(cls, value: dict[str, int]) -> dict[str, int]:
        for name, number in value.items():
            if not name.strip():
                raise ValueError("shipping_articles has an empty shipping method name")
            if number < 1:
                raise ValueError(f"shipping_articles[{name!r}] must be an article number")
        return {k.strip(): v for k, v in value.items()}

    @field_validator("delivery_methods")
    @classmethod
    def _delivery_methods(cls, value: list[DeliveryMethodRule]) -> list[DeliveryMethodRule]:
        seen: dict[str, str] = {}
        for row in value:
            key = row.shop_method.casefold()
            if key in seen and seen[key] != row.delivery_method:
                raise ValueError(
                    f"delivery_methods names shop method {row.shop_method!r} twice, with "
                    f"{seen[key]!r} and {row.delivery_method!r}; keep one row"
                )
            seen[key] = row.delivery_method
        return value

    @field_validator("default_delivery_method")
    @classmethod
    def _default_delivery(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("payment_methods")
    @classmethod
    def _payments(cls, value: dict[str, str]) -> dict[str, str]:
        for name, code in value.items():
            if not name.strip() or not str(code).strip():
                raise ValueError(
                    f"payment_methods entry {name!r}: {code!r}: give a shop method and a code"
                )
        return {k.strip().lower(): v.strip() for k, v in value.items()}

    @field_validator("status_write_back")
    @classmethod
    def _write_back(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(WRITE_BACK_EVENTS))
        if unknown:
            raise ValueError(
                f"status_write_back: unknown event(s) {unknown}; use {list(WRITE_BACK_EVENTS)}"
            )
        for event, status in value.items():
            if status < 0:
                raise ValueError(f"status_write_back[{event!r}] must be a shop status id")
        return value

    @field_validator("reverse_payment")
    @classmethod
    def _reverse_payment(cls, value: str) -> str:
        if ":" not in value or not all(part.strip() for part in value.split(":", 1)):
            raise ValueError(
                f'reverse_payment must be "gateway:method", e.g. "basic:advance" (got {value!r})'
            )
        return value.strip()

    @model_validator(mode="after")
    def _together(self) -> OrderSyncSettings:
        if self.branch_number is not None and self.workplace_number is None:
            raise ValueError(
                "workplace_number is required with branch_number: MplusKASSA needs a workplace "
                "for orders booked in a branch other than the default"
            )
        if self.cancel_sync and not self.shop_cancelled_statuses():
            raise ValueError(
                "cancel_sync needs the shop status that means cancelled: set "
                "cancelled_statuses or status_write_back['cancelled']"
            )
        return self

    def delivery_method_for(self, *names: str | None) -> str | None:
        """The MplusKASSA delivery method code of a shop shipping method, if a row maps it.

        Args:
            names: What identifies the shop method: its name and / or its id. Compared
                without regard to case or surrounding spaces; the first row that matches wins.
        """
        wanted = {n.strip().casefold() for n in names if n and n.strip()}
        for row in self.delivery_methods:
            if row.shop_method.casefold() in wanted:
                return row.delivery_method
        return None

    def shop_cancelled_statuses(self) -> set[int]:
        """Shop status ids that mean the order was cancelled."""
        found = set(self.cancelled_statuses)
        if "cancelled" in self.status_write_back:
            found.add(self.status_write_back["cancelled"])
        return found
