"""The row types of the orders settings.

VAT, turnover groups, shipping, payments, delivery methods and the status write-back, with the
VAT-rate key they are matched on.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mkmw_flows.settings.rows import (
    ANY_COUNTRY,
    COUNTRY_OR_ANY_PATTERN,
    COUNTRY_PATTERN,
    Percent,
    dict_to_rows,
    upper_country,
)

#: Events whose shop status can be written back.
WRITE_BACK_EVENTS = ("imported", "delivered", "cancelled")


def normalise_rate(rate: str | Decimal | int | float) -> str:
    """A VAT rate as text without trailing zeros: ``21.00`` -> ``21``, ``5.5`` -> ``5.5``.

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
    """A VAT rate with its country as people write it: ``"21"`` or ``"BE:21"``."""
    base = normalise_rate(rate)
    return f"{country.upper()}:{base}" if country else base


class VatRule(BaseModel):
    """The MplusKASSA vatCode of one VAT rate, in one destination country or in any."""

    model_config = ConfigDict(extra="forbid", title="VAT rule")

    country: str = Field(
        default=ANY_COUNTRY,
        pattern=COUNTRY_OR_ANY_PATTERN,
        description='Destination country (two letters, e.g. BE), or "any" for every country.',
    )
    rate: Percent = Field(description="The VAT rate the shop charges, in percent (21, 9, 0).")
    vat_code: int = Field(ge=0, description="The MplusKASSA vatCode booked for it.")

    _country = field_validator("country", mode="before")(upper_country)

    @field_validator("rate")
    @classmethod
    def _normal(cls, value: Decimal) -> Decimal:
        return Decimal(normalise_rate(value))  # 21.00 -> 21, as the listing shows it


class TurnoverRule(BaseModel):
    """The turnover group (revenue account) of article lines shipped to one country."""

    model_config = ConfigDict(extra="forbid", title="Turnover group rule")

    country: str = Field(
        pattern=COUNTRY_PATTERN, description="Destination country (two letters, e.g. BE)."
    )
    turnover_group: int = Field(
        ge=0, le=999, description="MplusKASSA turnover group of the article lines."
    )

    _country = field_validator("country", mode="before")(upper_country)


class ShippingRule(BaseModel):
    """The MplusKASSA article booked for one shop shipping method."""

    model_config = ConfigDict(extra="forbid", title="Shipping rule")

    shop_method: str = Field(
        min_length=1,
        pattern=r"\S",
        description="The shop's shipping method: its name as the shop shows it (\"PostNL "
        'pakket") or its id.',
    )
    article_number: int = Field(
        ge=1, description="MplusKASSA article number of the shipping cost line."
    )

    @field_validator("shop_method")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class PaymentRule(BaseModel):
    """The MplusKASSA payment method of one shop payment method."""

    model_config = ConfigDict(extra="forbid", title="Payment rule")

    shop_method: str = Field(
        min_length=1,
        pattern=r"\S",
        description='Shop payment method ("ideal") or gateway and method ("mollie:ideal").',
    )
    mplus_method: str = Field(
        min_length=1,
        pattern=r"\S",
        description="MplusKASSA payment method code (IDEAL, PIN, CONTANT, WEBSHOP, ...).",
    )

    @field_validator("shop_method")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()

    @field_validator("mplus_method")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class DeliveryMethodRule(BaseModel):
    """The MplusKASSA delivery method set on orders of one shop shipping method."""

    model_config = ConfigDict(extra="forbid", title="Delivery method rule")

    shop_method: str = Field(
        min_length=1,
        pattern=r"\S",
        description="The shop's shipping method: its name as the shop shows it (\"PostNL "
        'pakket") or its id.',
    )
    delivery_method: str = Field(
        min_length=1,
        max_length=50,
        pattern=r"\S",
        description="MplusKASSA delivery method code (from getDeliveryMethods: POSTNL, DHL, ...).",
    )

    @field_validator("shop_method", "delivery_method")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class StatusWriteBack(BaseModel):
    """The shop order status id set when an order reaches each event (empty: not set)."""

    model_config = ConfigDict(extra="forbid", title="Status write-back")

    imported: int | None = Field(
        default=None, ge=0, description="Set when the order was created in MplusKASSA."
    )
    delivered: int | None = Field(
        default=None, ge=0, description="Set when MplusKASSA delivered (shipped) the order."
    )
    cancelled: int | None = Field(
        default=None, ge=0, description="Set when the order was cancelled in MplusKASSA."
    )

    def events(self) -> dict[str, int]:
        """The events that have a status, with it."""
        return {e: s for e in WRITE_BACK_EVENTS if (s := getattr(self, e)) is not None}


def vat_rows(value: Any) -> Any:
    """VAT rows from the older ``{"country:rate": code}`` shape (rows pass through)."""

    def row(key: str, code: Any) -> dict[str, Any]:
        country, _, rate = str(key).rpartition(":")
        rate = rate.strip().rstrip("%")
        return {"country": country or ANY_COUNTRY, "rate": rate, "vat_code": code}

    return dict_to_rows(value, row)
