"""Store endpoints: the store settings and the lookups (statuses, shipping, payment, tax)."""

from __future__ import annotations

from mkmw_flows.mijnwebwinkel.models import (
    OrderStatus,
    PaymentGateway,
    ShippingMethod,
    Store,
    TaxPolicyRegion,
)
from mkmw_flows.mijnwebwinkel.session import ShopSession


class StoreEndpoints(ShopSession):
    """The store settings and the lookups orders and products refer to."""

    def get_store(self) -> Store:
        """Return the store settings (``prices_include_tax``, ``currency``, ...)."""
        return Store.model_validate(self._request("GET", "/store", "GET /store", retry=True))

    def list_order_statuses(self) -> list[OrderStatus]:
        """Return the order statuses (partner token only)."""
        data = self._request(
            "GET", "/orderstatuses", "GET /orderstatuses", retry=True, partner_only=True
        )
        return [OrderStatus.model_validate(item) for item in data]

    def list_shipping_methods(self) -> list[ShippingMethod]:
        """Return the store's shipping methods."""
        data = self._request(
            "GET", "/shipping/methods", "GET /shipping/methods", retry=True, language=False
        )
        return [ShippingMethod.model_validate(item) for item in data]

    def list_payment_gateways(self) -> list[PaymentGateway]:
        """Return all payment gateways and their methods (partner token only)."""
        data = self._request(
            "GET", "/payment/gateways", "GET /payment/gateways", retry=True, partner_only=True
        )
        gateways = data.get("gateways", []) if isinstance(data, dict) else data
        return [PaymentGateway.model_validate(item) for item in gateways]

    def list_tax_regions(self) -> list[TaxPolicyRegion]:
        """Return the tax policy per country (a bare array, or live ``{"regions": [...]}``)."""
        data = self._request(
            "GET", "/tax-policy/regions", "GET /tax-policy/regions", retry=True, language=False
        )
        if isinstance(data, dict):
            data = data.get("regions", [])
        return [TaxPolicyRegion.model_validate(item) for item in data]

    def get_tax_region(self, code: str) -> TaxPolicyRegion:
        """Return the tax policy of one country (ISO 3166-1 alpha-2)."""
        data = self._request(
            "GET",
            f"/tax-policy/regions/{code.upper()}",
            "GET /tax-policy/regions/{code}",
            retry=True,
            language=False,
        )
        return TaxPolicyRegion.model_validate(data.get("region", data))
