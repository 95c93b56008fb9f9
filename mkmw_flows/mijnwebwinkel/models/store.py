"""The store's settings and lookups: order statuses, shipping, payment gateways, tax regions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field, model_validator

from mkmw_flows.mijnwebwinkel.models.common import ResponseModel, as_list


class Store(ResponseModel):
    """Store settings (``GET /store``)."""

    id: str | None = None
    name: str | None = None
    primary_domain: str | None = None
    description: str | None = None
    open: bool | None = None
    version: str | None = None
    administration_language: str | None = None
    currency: str = "EUR"
    prices_include_tax: bool = True
    default_language: str | None = None
    active_languages: list[str] = Field(default_factory=list)
    email: str | None = None
    currency_format_locale: str | None = None
    available_business_models: str | None = None
    region_code: str | None = None


class OrderStatus(ResponseModel):
    """One order status (``GET /orderstatuses``)."""

    status: int
    description: str = ""
    credit_order: bool = False


class ShippingMethod(ResponseModel):
    """A shipping method (``GET /shipping/methods``).

    ``no_costs_above`` is a boolean in the spec schema but a decimal string in its example;
    both are accepted: a number becomes ``free_above``.
    """

    id: str
    display_name: str | None = Field(default=None, alias="display_name")
    countries: list[str] = Field(default_factory=list)
    default: bool = False
    no_costs_above: bool | None = None
    free_above: Decimal | None = None

    @model_validator(mode="before")
    @classmethod
    def _tolerate(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if "display name" in data and "display_name" not in data:
                data["display_name"] = data.pop("display name")
            if data.get("id") is not None:
                data["id"] = str(data["id"])
            value = data.get("no_costs_above")
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                data["free_above"] = Decimal(str(value))
                data["no_costs_above"] = True
            data["countries"] = as_list(data.get("countries")) or []
        return data


class PaymentMethod(ResponseModel):
    """A payment method of a gateway."""

    name: str
    display_name: str | None = Field(default=None, alias="displayName")


class PaymentGateway(ResponseModel):
    """A payment gateway with its methods (``GET /payment/gateways``)."""

    name: str
    display_name: str | None = Field(default=None, alias="displayName")
    website_url: str | None = Field(default=None, alias="websiteUrl")
    methods: list[PaymentMethod] = Field(default_factory=list)


class TaxOverrideItem(ResponseModel):
    """Items a tax override applies to."""

    type: str
    references: list[str] = Field(default_factory=list)


class TaxOverride(ResponseModel):
    """A tax-rate override for some products or collections."""

    tax_rate: Decimal = Field(alias="taxRate")
    items: list[TaxOverrideItem] = Field(default_factory=list)


class TaxPolicyRegion(ResponseModel):
    """Tax settings of one country (``GET /tax-policy/regions``); rates are fractions (0.21)."""

    region_code: str = Field(alias="regionCode")
    tax_enabled: bool | None = Field(default=None, alias="taxEnabled")
    tax_number: str | None = Field(default=None, alias="taxNumber")
    tax_rate: Decimal | None = Field(default=None, alias="taxRate")
    shipping_tax_method: str | None = Field(default=None, alias="shippingTaxMethod")
    shipping_tax_rate: Decimal | None = Field(default=None, alias="shippingTaxRate")
    transaction_tax_method: str | None = Field(default=None, alias="transactionTaxMethod")
    transaction_tax_rate: Decimal | None = Field(default=None, alias="transactionTaxRate")
    overrides: list[TaxOverride] = Field(default_factory=list)

    @property
    def tax_percentage(self) -> Decimal | None:
        """The general rate as a percentage (21.00), as order lines carry it."""
        return None if self.tax_rate is None else (self.tax_rate * 100).quantize(Decimal("0.01"))
