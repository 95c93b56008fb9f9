"""Handlers of ``/orders``."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mijnwebwinkel import wire
from mkmw_emulators.mijnwebwinkel.backend import Invalid
from mkmw_emulators.mijnwebwinkel.routes.common import (
    RouteHelpers,
    _bad_param,
    _Call,
)


class OrderRoutes(RouteHelpers):
    """Handlers of ``/orders``."""

    def _order_filters(self, call: _Call) -> dict[str, Any]:
        return {
            "start_date": self._date(call, "start_date"),
            "end_date": self._date(call, "end_date"),
            "status_id": self._int(call, "status_id"),
            "status_changed": self._range(call, "status_changed"),
            "archived": self._bool(call, "archived"),
            "test": bool(self._bool(call, "test", False)),
        }

    async def get_orders(self, call: _Call) -> Any:
        ordering = call.params.get("ordering", "asc")
        if ordering not in ("asc", "desc"):
            raise _bad_param("ordering", "asc or desc")
        orders = self.backend.list_orders(
            **self._order_filters(call),
            ordering=ordering,
            debtor_email=call.params.get("debtor_email") or None,
            debtor_id=call.params.get("debtor_id") or None,
        )
        return [
            wire.order_json(self.backend, o, self.live_quirks) for o in self._page(call, orders)
        ]

    async def get_order_count(self, call: _Call) -> Any:
        return {"count": len(self.backend.list_orders(**self._order_filters(call)))}

    async def get_order(self, call: _Call) -> Any:
        order = self.backend.get_order(call.request.path_params["order_number"])
        return wire.order_json(self.backend, order, self.live_quirks)

    async def patch_order(self, call: _Call) -> Any:
        number = call.request.path_params["order_number"]
        self.backend.get_order(number)
        body: wire.OrderPatchIn = self._parse(wire.OrderPatchIn, call.body)
        if body.comments is not None and body.comments.customer is not None:
            raise Invalid("comments.customer is read-only", [("comments.customer", "read-only")])
        order = self.backend.update_order(
            number,
            status=body.status,
            archived=body.archived,
            internal_comment=body.comments.internal if body.comments else None,
            reference=body.reference,
            offline_location_id=body.offline_location_id,
            override_stock=bool(self._bool(call, "override_stock", False)),
        )
        return wire.order_json(self.backend, order, self.live_quirks)

    async def post_credit_order(self, call: _Call) -> Any:
        body: wire.CreditOrderPostIn = self._parse(wire.CreditOrderPostIn, call.body)
        lines: list[dict[str, Any]] = []
        for index, line in enumerate(body.orderlines):
            where = f"orderlines[{index}]"
            if line.price_override is not None:  # INFERRED: a credit returns original prices
                raise Invalid(
                    "price_override is not available on credit orders",
                    [(f"{where}.price_override", "not allowed")],
                )
            if line.type == "article":
                if not line.articles or len(line.articles) != 1:
                    raise Invalid(
                        "Article lines need exactly one article",
                        [(f"{where}.articles", "required")],
                    )
                chosen = line.articles[0]
                lines.append(
                    {
                        "type": "article",
                        "article_id": chosen.id,
                        "quantity": line.quantity,
                        "option_ids": [o.list_option_id for o in chosen.options or []],
                    }
                )
            else:
                unit = line.unit_price
                lines.append(
                    {
                        "type": "custom",
                        "description": line.description or "",
                        "quantity": line.quantity,
                        "unit_price_excl": unit.amount if unit else None,
                        "unit_price_incl": unit.amount_including_tax if unit else None,
                    }
                )
        order = self.backend.add_credit_order(
            body.credited_order_number,
            body.status,
            lines,
            archived=bool(body.archived),
            comment_customer=(body.comments.customer or "") if body.comments else "",
            comment_internal=(body.comments.internal or "") if body.comments else "",
            payment_costs=body.payment_costs,
            shipping_costs=body.shipping_costs,
            offline_location_id=body.offline_location_id,
            mutate_stock=bool(self._bool(call, "mutate_stock", True)),
            partner="mkmw-flows",
        )
        return wire.order_json(self.backend, order, self.live_quirks)

    async def post_order(self, call: _Call) -> Any:
        body: wire.OrderPostIn = self._parse(wire.OrderPostIn, call.body)
        lines = []
        for index, line in enumerate(body.orderlines):
            if line.type == "article":
                if not line.articles or len(line.articles) != 1:
                    raise Invalid(
                        "Article lines need exactly one article",
                        [(f"orderlines[{index}].articles", "required")],
                    )
                chosen = line.articles[0]
                lines.append(
                    {
                        "type": "article",
                        "article_id": chosen.id,
                        "quantity": line.quantity,
                        "option_ids": [o.list_option_id for o in chosen.options or []],
                        "price_override": line.price_override,
                    }
                )
            else:
                unit = line.unit_price
                if unit is None or (unit.amount is None and unit.amount_including_tax is None):
                    raise Invalid(
                        "Custom lines need unit_price.amount or amount_including_tax",
                        [(f"orderlines[{index}].unit_price", "required")],
                    )
                lines.append(
                    {
                        "type": "custom",
                        "description": line.description or "",
                        "quantity": line.quantity,
                        "unit_price_incl": unit.amount_including_tax,
                        "unit_price_excl": unit.amount,
                        "rate": unit.rate,
                        "unit_weight": line.unit_weight,
                    }
                )
        invoice = wire.address_from(body.debtor.address.invoice)
        assert invoice is not None
        order = self.backend.add_order(
            email=body.debtor.email or "",
            invoice=invoice,
            delivery=wire.address_from(body.debtor.address.delivery),
            lines=lines,
            status=body.status if body.status is not None else 1,
            archived=bool(body.archived),
            business_model=body.business_model,
            reference=body.reference or "",
            payment=(body.payment.gateway_name, body.payment.method_name) if body.payment else None,
            payment_status_id=body.payment.status.id if body.payment and body.payment.status else 1,
            shipping_method_id=body.shipping_method_id,
            comment_customer=(body.comments.customer or "") if body.comments else "",
            comment_internal=(body.comments.internal or "") if body.comments else "",
            discountcode=body.discountcode or "",
            offline_location_id=body.offline_location_id,
            override_stock=bool(self._bool(call, "override_stock", False)),
            debtor_id=body.debtor.id,
            partner="mkmw-flows",
        )
        return wire.order_json(self.backend, order, self.live_quirks)
