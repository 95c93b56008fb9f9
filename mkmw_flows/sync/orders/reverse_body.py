"""The shop order (``POST /orders`` body) of a MplusKASSA order: debtor, lines, payment.

The reverse map (:data:`~mkmw_flows.sync.orders.record.DEFAULT_REVERSE_MAP` with the user's
rules) fills the debtor and comments from
:func:`~mkmw_flows.sync.orders.record.mplus_order_record`; the lines go through the product
bindings (variants by their options), shipping articles become the shop shipping method, and
the MplusKASSA payment its shop payment method. The internal comment carries a marker with the
MplusKASSA order id, so the order is found in the shop after a lost answer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mkmw_flows.mapping import FieldMap, TransformError, nest
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import OrderInput
from mkmw_flows.mplus.models import Order, Relation
from mkmw_flows.state import Binding
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import parse_variant_key
from mkmw_flows.sync.orders.record import mplus_order_record
from mkmw_flows.sync.reasons import Reason


def marker(order_id: str) -> str:
    """The tag in the shop order's internal comment that names its MplusKASSA order."""
    return f"[mplus:{order_id}]"


class ReverseProblem(Exception):
    """The MplusKASSA order cannot go to the shop as it is; it is held with this reason."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", {})}
    return value


class ShopOrderBuilder:
    """Builds shop order bodies for one run, with its caches (shop articles, shipping methods).

    Args:
        ctx: The run.
        field_map: The effective reverse map.
    """

    def __init__(self, ctx: SyncContext, field_map: FieldMap) -> None:
        self.ctx = ctx
        self.field_map = field_map
        self.articles: dict[int, ShopArticle] = {}
        self.shipping_ids: dict[str, str] | None = None

    def build(
        self,
        order: Order,
        relation: Relation | None,
        articles: dict[str, Binding],
    ) -> tuple[OrderInput, dict[str, Any]]:
        """The ``POST /orders`` body of a MplusKASSA order.

        Raises:
            ReverseProblem: The order cannot go to the shop as it is.
        """
        record = mplus_order_record(order, relation)
        if not record["email"]:
            raise ReverseProblem(
                Reason.MISSING_EMAIL,
                f"MplusKASSA order {record['order_string']}: relation {order.relation_number} has "
                "no e-mail address; the shop needs one. Add it in MplusKASSA.",
            )
        try:
            mapped = self.field_map.apply(record)
        except TransformError as exc:
            raise ReverseProblem(
                Reason.MAPPING_ERROR, f"The reverse order map failed: {exc}"
            ) from None
        body = _clean(nest(mapped))
        body.setdefault("comments", {})
        body["comments"]["internal"] = (
            f"{body['comments'].get('internal', '')} {marker(order.order_id)}".strip()
        )
        invoice = body.setdefault("debtor", {}).setdefault("address", {}).setdefault("invoice", {})
        if not invoice.get("name") or not invoice.get("zipcode"):
            raise ReverseProblem(
                Reason.MAPPING_ERROR,
                f"MplusKASSA order {record['order_string']}: the customer's name or postcode is "
                "missing; the shop needs both.",
            )
        delivery = body["debtor"]["address"].get("delivery")
        if delivery is not None and not (delivery.get("name") and delivery.get("zipcode")):
            body["debtor"]["address"].pop("delivery")
        body["orderlines"] = self._lines(order, articles, body)
        body["payment"] = self._payment(order)
        return OrderInput.model_validate(body), record

    def _lines(
        self,
        order: Order,
        articles: dict[str, Binding],
        body: dict[str, Any],
    ) -> list[dict[str, Any]]:
        settings = self.ctx.integration.orders
        custom = {settings.custom_line_article, settings.rounding_article} - {None}
        lines: list[dict[str, Any]] = []
        missing: list[str] = []
        for line in order.lines:
            quantity = line.quantity
            if quantity != quantity.to_integral_value() or quantity <= 0:
                raise ReverseProblem(
                    Reason.INVALID_QUANTITY,
                    f"MplusKASSA order {order.order_id}: article {line.article_number} has "
                    f"quantity {quantity}; the shop takes whole positive quantities only.",
                )
            shipping = settings.shipping_method_for(line.article_number)
            if shipping is not None:
                method = self._shipping_id(shipping)
                if method:
                    body["shipping_method_id"] = method
                continue
            if line.article_number in custom:
                lines.append(
                    {
                        "type": "custom",
                        "quantity": int(quantity),
                        "description": line.text or "",
                        "unit_price": {
                            "amount_including_tax": str(line.price or Decimal(0)),
                            "rate": str(
                                line.vat_percentage if line.vat_percentage is not None else 21
                            ),
                        },
                        "unit_weight": "0",
                    }
                )
                continue
            binding = articles.get(str(line.article_number))
            if binding is None:
                missing.append(f"{line.text or ''} (article {line.article_number})".strip())
                continue
            chosen: dict[str, Any] = {"id": int(binding.shop_key)}
            if binding.variant_key:
                chosen["options"] = [
                    {"list_option_id": option}
                    for option in self._option_ids(int(binding.shop_key), binding.variant_key)
                ]
            lines.append({"type": "article", "quantity": int(quantity), "articles": [chosen]})
        if missing:
            raise ReverseProblem(
                Reason.PRODUCT_MISSING,
                f"MplusKASSA order {order.order_id}: not in the shop: {'; '.join(missing)}. Run "
                "the products flow (or link them); the order is taken again.",
            )
        if not lines:
            raise ReverseProblem(
                Reason.PRODUCT_MISSING,
                f"MplusKASSA order {order.order_id} has no lines for the shop.",
            )
        return lines

    def _option_ids(self, article_id: int, key: str) -> list[int]:
        article = self.articles.get(article_id)
        if article is None:
            article = self.ctx.shop.get_article(article_id)
            self.articles[article_id] = article
        wanted = parse_variant_key(key)
        found: list[int] = []
        for name, value in wanted.items():
            option = next(
                (
                    o.id
                    for lst in article.lists
                    if lst.name == name
                    for o in lst.options
                    if o.name == value and o.id is not None
                ),
                None,
            )
            if option is None:
                raise ReverseProblem(
                    Reason.VARIANT_UNMATCHED,
                    f"Shop article {article_id} has no option {name}={value}.",
                )
            found.append(option)
        return found

    def _shipping_id(self, key: str) -> str | None:
        if self.shipping_ids is None:
            self.shipping_ids = {}
            for method in self.ctx.shop.list_shipping_methods():
                self.shipping_ids[method.id] = method.id
                self.shipping_ids[(method.display_name or "").strip()] = method.id
        return self.shipping_ids.get(key)

    def _payment(self, order: Order) -> dict[str, Any]:
        settings = self.ctx.integration.orders
        gateway, method = settings.reverse_payment.split(":", 1)
        for payment in order.payments or []:
            shop = settings.shop_payment_for(payment.method)
            if shop:
                if ":" in shop:
                    gateway, method = shop.split(":", 1)
                else:
                    method = shop
                break
        return {
            "gateway_name": gateway,
            "method_name": method,
            "status": {"id": 1 if order.fully_paid else 5},
        }
