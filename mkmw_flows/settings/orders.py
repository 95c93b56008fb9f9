"""Settings block of the orders and customers flow.

Every field is validated when the block is built (in the Prefect UI, from ``blocks/*.yaml`` or
in code), with a message that names the field and says what is expected. The mappings (VAT,
turnover groups, shipping, payments) are lists of typed rows, so the Prefect form shows one
small form per row with "Add item"; documents saved in the older ``{key: value}`` shape still
load (:func:`mkmw_flows.settings.rows.dict_to_rows`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from prefect.blocks.core import Block
from pydantic import Field, field_validator, model_validator

from mkmw_flows.mapping import FieldMap
from mkmw_flows.settings.order_rows import (
    DeliveryMethodRule,
    PaymentRule,
    ShippingRule,
    StatusWriteBack,
    TurnoverRule,
    VatRule,
    normalise_rate,
    vat_rows,
)
from mkmw_flows.settings.rows import (
    ANY_COUNTRY,
    dict_to_rows,
)
from mkmw_flows.sync.orders.record import DEFAULT_ORDER_MAP, DEFAULT_REVERSE_MAP


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
    statuses_to_import: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list,
        description="Shop order status ids to import, e.g. [3] for only paid (empty: all).",
    )
    include_test_orders: bool = Field(default=False, description="Also import test orders.")
    ext_order_id_prefix: str = Field(
        default="MW-",
        max_length=20,
        pattern=r"^[A-Za-z0-9_.:/-]*$",
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
    vat_codes: list[VatRule] = Field(
        default_factory=list,
        title="VAT codes",
        description=(
            "VAT rules: the MplusKASSA vatCode of each VAT rate the shop charges, per destination "
            'country or for any country (a country rule wins over "any"). Empty: every line keeps '
            "its article's own VAT code. Example row: country NL, rate 21, vat_code 1."
        ),
    )
    turnover_groups: list[TurnoverRule] = Field(
        default_factory=list,
        description=(
            "Turnover group (revenue account) of the article lines per destination country. "
            "Countries without a row keep the article's own turnover group."
        ),
    )
    shipping_articles: list[ShippingRule] = Field(
        default_factory=list,
        description=(
            "The MplusKASSA article booked for each shop shipping method (its name as the shop "
            "shows it, or its id). Every shipping method the shop offers needs a row."
        ),
    )
    delivery_methods: list[DeliveryMethodRule] = Field(
        default_factory=list,
        description=(
            "The MplusKASSA delivery method set as deliveryMethod on orders of each shop "
            "shipping method (its name as the shop shows it, or its id). Empty, with no "
            "default: orders get no delivery method."
        ),
    )
    default_delivery_method: str | None = Field(
        default=None,
        max_length=50,
        description=(
            "MplusKASSA delivery method for orders whose shipping method has no row or that "
            "name none. Empty: an order whose shipping method has no row is held "
            "(DELIVERY_UNMAPPED)."
        ),
    )
    payment_methods: list[PaymentRule] = Field(
        default_factory=list,
        description=(
            'The MplusKASSA payment method of each shop payment method ("ideal", or '
            '"gateway:method" such as "mollie:ideal"; the gateway form wins).'
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
    status_write_back: StatusWriteBack = Field(
        default_factory=lambda: StatusWriteBack(),
        title="Status write-back",
        description="The shop order status set on each event; empty: the status is not changed.",
    )
    cancelled_statuses: list[Annotated[int, Field(ge=0)]] = Field(
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
    write_concurrency: int = Field(
        default=4,
        ge=1,
        le=16,
        description=(
            "Orders of different customers written into MplusKASSA at once; the orders of one "
            "customer are always written one after the other (1: every order in turn)."
        ),
    )
    reverse_payment: str = Field(
        default="basic:advance",
        pattern=r"^\s*[^:\s][^:]*:\s*\S.*$",
        description='Shop "gateway:method" for orders from MplusKASSA without a mapped payment.',
    )
    reverse_branches: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list,
        description="MplusKASSA branches whose orders go to the shop (empty: all).",
    )
    order_map: FieldMap = Field(
        default_factory=FieldMap,
        title="Order map (your rules)",
        description=(
            "Your field rules laid over the default order map (shop -> MplusKASSA; same "
            "target: yours wins). The default rules: "
            + DEFAULT_ORDER_MAP.summary()
            + ". List them with `mkmw settings show --defaults`."
        ),
    )
    reverse_order_map: FieldMap = Field(
        default_factory=FieldMap,
        title="Reverse order map (your rules)",
        description=(
            "Your field rules laid over the default reverse map (MplusKASSA -> shop). The "
            "default rules: " + DEFAULT_REVERSE_MAP.summary() + "."
        ),
    )

    @field_validator("ext_order_id_prefix", mode="before")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if isinstance(value, str) and value and not re.fullmatch(r"[A-Za-z0-9_.:/-]*", value):
            raise ValueError(
                f"ext_order_id_prefix may hold letters, digits and - _ . : / only (got {value!r})"
            )
        return value

    @field_validator("order_map", "reverse_order_map", mode="before")
    @classmethod
    def _no_map(cls, value: Any) -> Any:
        return {"fields": []} if value is None else value

    @field_validator("vat_codes", mode="before")
    @classmethod
    def _vat_dict(cls, value: Any) -> Any:
        return vat_rows(value)

    @field_validator("turnover_groups", mode="before")
    @classmethod
    def _turnover_dict(cls, value: Any) -> Any:
        return dict_to_rows(value, lambda k, v: {"country": k, "turnover_group": v})

    @field_validator("default_delivery_method")
    @classmethod
    def _default_delivery(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("shipping_articles", mode="before")
    @classmethod
    def _shipping_dict(cls, value: Any) -> Any:
        return dict_to_rows(value, lambda k, v: {"shop_method": k, "article_number": v})

    @field_validator("payment_methods", mode="before")
    @classmethod
    def _payment_dict(cls, value: Any) -> Any:
        return dict_to_rows(value, lambda k, v: {"shop_method": k, "mplus_method": v})

    @field_validator("reverse_payment", mode="before")
    @classmethod
    def _reverse_payment(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
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
        _unique(self.vat_codes, lambda r: (r.country, r.rate), "vat_codes", "country and rate")
        _unique(self.turnover_groups, lambda r: r.country, "turnover_groups", "country")
        _unique(self.shipping_articles, lambda r: r.shop_method, "shipping_articles", "method")
        _unique(self.payment_methods, lambda r: r.shop_method, "payment_methods", "method")
        _unique(
            self.delivery_methods, lambda r: r.shop_method.casefold(), "delivery_methods", "method"
        )
        if self.cancel_sync and not self.shop_cancelled_statuses():
            raise ValueError(
                "cancel_sync needs the shop status that means cancelled: set "
                "cancelled_statuses or status_write_back.cancelled"
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
        if self.status_write_back.cancelled is not None:
            found.add(self.status_write_back.cancelled)
        return found

    def write_back_status(self, event: str) -> int | None:
        """The shop status id to set on `event` (imported, delivered, cancelled), if any."""
        return self.status_write_back.events().get(event)

    def vat_code_for(self, country: str | None, rate: Decimal | str | int) -> int | None:
        """The vatCode of a VAT rate charged in a country: the country's row, else an "any" row.

        Returns:
            None when no row matches (also when there are no VAT rules at all).
        """
        wanted = Decimal(normalise_rate(rate))
        land = (country or "").upper()
        fallback: int | None = None
        for rule in self.vat_codes:
            if rule.rate != wanted:
                continue
            if land and rule.country == land:
                return rule.vat_code
            if rule.country == ANY_COUNTRY and fallback is None:
                fallback = rule.vat_code
        return fallback

    def turnover_group_for(self, country: str | None) -> int | None:
        """The turnover group of article lines shipped to `country`, if a row names it."""
        land = (country or "").upper()
        return next((r.turnover_group for r in self.turnover_groups if r.country == land), None)

    def shipping_article_for(self, *methods: str | None) -> int | None:
        """The article number of the first of `methods` (name, then id) that has a row."""
        table = {r.shop_method: r.article_number for r in self.shipping_articles}
        for method in methods:
            if method is not None and method.strip() in table:
                return table[method.strip()]
        return None

    def shipping_method_for(self, article_number: int) -> str | None:
        """The shop shipping method (name or id) whose row books `article_number`."""
        rows = reversed(self.shipping_articles)  # the last row wins, as the old mapping did
        return next((r.shop_method for r in rows if r.article_number == article_number), None)

    def payment_code_for(self, gateway: str | None, method: str | None) -> str | None:
        """The MplusKASSA payment code of a shop payment: ``gateway:method`` first, then method."""
        table = {r.shop_method: r.mplus_method for r in self.payment_methods}
        gate, name = (gateway or "").strip().lower(), (method or "").strip().lower()
        return table.get(f"{gate}:{name}") or table.get(name)

    def shop_payment_for(self, mplus_method: str) -> str | None:
        """The shop payment method (``method`` or ``gateway:method``) of a MplusKASSA code."""
        rows = reversed(self.payment_methods)
        return next((r.shop_method for r in rows if r.mplus_method == mplus_method), None)


def _unique(rows: list[Any], key: Any, field: str, what: str) -> None:
    seen: dict[Any, int] = {}
    for index, row in enumerate(rows):
        k = key(row)
        if k in seen:
            raise ValueError(
                f"{field}[{index}] has the same {what} as {field}[{seen[k]}]; keep one row for each"
            )
        seen[k] = index
