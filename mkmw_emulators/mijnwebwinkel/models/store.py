"""Store settings, shipping methods, payment gateways and VAT (tax policy) regions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from mkmw_emulators.mijnwebwinkel.models.base import ShopState
from mkmw_emulators.mijnwebwinkel.models.exceptions import NotFound

if TYPE_CHECKING:
    from mkmw_emulators.mijnwebwinkel.models.articles import Article


@dataclass
class ShippingMethod:
    id: str
    display_name: str
    countries: list[str]
    price: Decimal  # incl. VAT
    default: bool = False
    free_above: Decimal | None = None
    pickup: bool = False


@dataclass
class PaymentGateway:
    name: str
    display_name: str
    website_url: str
    methods: list[tuple[str, str]]  # (name, display name)


@dataclass
class TaxRegion:
    code: str
    tax_rate: Decimal  # fraction, 0.21
    tax_number: str | None = None
    tax_enabled: bool = True
    # override rate -> article ids (as strings) it applies to
    overrides: dict[Decimal, set[str]] = field(default_factory=dict)

    def rate_for(self, article: Article) -> Decimal:
        """The VAT fraction for an article in this region."""
        if not article.taxable or not self.tax_enabled:
            return Decimal("0")
        for rate, refs in self.overrides.items():
            if str(article.id) in refs or article.uuid in refs:
                return rate
        return self.tax_rate


@dataclass
class StoreSettings:
    id: str = "e5fc33df-b2bf-40ec-8d8d-56fc34b495cc"
    name: str = "Demo Mode & Markt"
    primary_domain: str = "https://www.demo-mode-markt.nl"
    description: str = "Kleding en lekkers, in de winkel en online"
    open: bool = True
    version: str = "Pro"
    administration_language: str = "nl_NL"
    currency: str = "EUR"
    prices_include_tax: bool = True
    default_language: str = "nl_NL"
    active_languages: list[str] = field(default_factory=lambda: ["nl_NL", "en_GB", "de_DE"])
    email: str = "info@demo-mode-markt.nl"
    currency_format_locale: str = "nl_NL"
    available_business_models: str = "ALL"
    region_code: str = "NL"


class StoreMixin(ShopState):
    """Lookups of the store: shipping methods, gateways, tax regions."""

    def add_shipping_method(self, method: ShippingMethod) -> None:
        self.shipping_methods[method.id] = method

    def add_gateway(self, gateway: PaymentGateway) -> None:
        self.gateways[gateway.name] = gateway

    def add_tax_region(self, region: TaxRegion) -> None:
        self.tax_regions[region.code] = region

    def tax_region(self, code: str) -> TaxRegion:
        region = self.tax_regions.get(code.upper())
        if region is None:
            raise NotFound(f"Tax policy region {code} not found")
        return region
