"""Handlers of ``/store`` and the lookups: order statuses, gateways, shipping, tax regions."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mijnwebwinkel import wire
from mkmw_emulators.mijnwebwinkel.routes.common import (
    RouteHelpers,
    _Call,
)


class StoreRoutes(RouteHelpers):
    """Handlers of ``/store`` and the lookups: order statuses, gateways, shipping, tax regions."""

    async def get_store(self, call: _Call) -> Any:
        s = self.backend.store
        return {
            "id": s.id,
            "name": s.name,
            "primary_domain": s.primary_domain,
            "description": s.description,
            "open": s.open,
            "version": s.version,
            "administration_language": s.administration_language,
            "currency": s.currency,
            "prices_include_tax": s.prices_include_tax,
            "default_language": s.default_language,
            "active_languages": list(s.active_languages),
            "email": s.email,
            "currency_format_locale": s.currency_format_locale,
            "available_business_models": s.available_business_models,
            "region_code": s.region_code,
        }

    async def get_order_statuses(self, call: _Call) -> Any:
        return [
            {"status": s.status, "description": s.description, "credit_order": s.credit_order}
            for s in sorted(self.backend.statuses.values(), key=lambda s: s.status)
        ]

    async def get_gateways(self, call: _Call) -> Any:
        return {
            "gateways": [
                {
                    "name": g.name,
                    "displayName": g.display_name,
                    "websiteUrl": g.website_url,
                    "methods": [{"name": n, "displayName": d} for n, d in g.methods],
                }
                for g in self.backend.gateways.values()
            ]
        }

    async def get_shipping_methods(self, call: _Call) -> Any:
        result = []
        for m in self.backend.shipping_methods.values():
            free: Any = m.free_above is not None
            if self.live_quirks and m.free_above is not None:
                free = wire.money2(m.free_above)  # the spec example's shape
            result.append(
                {
                    "id": m.id,
                    "display_name": m.display_name,
                    "countries": list(m.countries),
                    "default": m.default,
                    "no_costs_above": free,
                }
            )
        return result

    async def get_tax_regions(self, call: _Call) -> Any:
        regions = [wire.tax_region_json(r) for r in self.backend.tax_regions.values()]
        return {"regions": regions} if self.live_quirks else regions

    async def get_tax_region(self, call: _Call) -> Any:
        code = call.request.path_params["code"]
        return {"region": wire.tax_region_json(self.backend.tax_region(code))}
