"""Order updates: ``updateOrder(order)`` and ``updateOrderV2{order, …}``.

"Updating = same payload plus the internal ``orderId``" (API-NOTES §2.5, dev docs). Fields sent
replace the stored ones; a ``lineList`` sent replaces the lines (re-priced; the reservations
follow). Refused **[inferred]**: an order delivered or cancelled (even in part); a
``versionNumber`` that is not the stored one (``ORDER-HAS-CHANGED``, optimistic concurrency as
the result name implies); what ``createOrder`` refuses (relation, employee, articles, delivery
method); an ``extOrderId`` another order has. Nothing different -> ``NO-CHANGES``.
"""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mplus.models.order_changes import LINE_DATA_FIELDS
from mkmw_emulators.mplus.models.orders import OrdersMixin
from mkmw_emulators.mplus.models.values import wire_quantity

#: What a caller may set; the rest is the server's (states, totals, numbers, payments).
UPDATABLE = (
    "extOrderId",
    "orderType",
    "employeeNumber",
    "relationNumber",
    "deliveryAddress",
    "invoiceAddress",
    "financialDate",
    "workplaceNumber",
    "reference",
    "activityId",
    "vatMethod",
    "deliveryMethod",
    "deliveryDate",
    "deliveryPeriodBegin",
    "deliveryPeriodEnd",
    "paymentMethod",
    "tableNumber",
    "tableSubNumber",
    "tableDescription",
    "numberOfGuests",
    "orderCategoryNumber",
    "orderCategoryDescription",
    "onDeliveryUrl",
    "onInvoiceUrl",
)


def _line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    data = line.get("data", {})
    return (line["articleNumber"], line.get("text"), *(data.get(k) for k in LINE_DATA_FIELDS))


def _order_string(order: dict[str, Any]) -> str:
    number = order.get("orderNumber") or {}
    return f"{number.get('year', 0)}-{number.get('number', 0)}"


class OrderUpdatesMixin(OrdersMixin):
    """``updateOrder`` and ``updateOrderV2``."""

    def _order_reservations(self, order: dict[str, Any], sign: int) -> None:
        branch = order["entryBranchNumber"]
        for line in order["lineList"]["line"]:
            number = line["articleNumber"]
            if self.articles[number].get("stockArticle", True):
                qty = wire_quantity(line["data"]["quantity"], line["data"].get("decimalPlaces"))
                self._reserve(branch, number, qty * sign)

    def update_order(self, body: dict[str, Any], *, v2: bool = False) -> dict[str, Any]:
        """Answer ``updateOrder`` (`v2`: ``updateOrderV2``, which also returns the order)."""
        incoming = (body["request"]["order"] if v2 else body.get("order")) or {}
        order_id = incoming.get("orderId") or ""

        def answer(result: str, message: str, order: dict[str, Any] | None) -> dict[str, Any]:
            out: dict[str, Any] = {
                "result": f"UPDATE-ORDER-RESULT-{result}",
                "info": {
                    "orderId": order_id,
                    "orderString": _order_string(order) if order else "",
                },
                "errorMessage": message,
            }
            if v2 and order is not None and result == "OK":
                out["order"] = self._order_view(order)
            return out

        with self.lock:
            order = self.orders.get(order_id)
            if order is None:
                return answer("NOT-FOUND", f"order {order_id!r} not found", None)
            if (
                order["cancelState"] != "ORDER-CANCEL-STATE-NOTHING"
                or order["deliveryState"] != "ORDER-DELIVERY-STATE-NOTHING"
            ):
                return answer("FAILED", "a delivered or cancelled order cannot be changed", order)
            version = incoming.get("versionNumber")
            if version is not None and version != order.get("versionNumber"):
                return answer(
                    "ORDER-HAS-CHANGED",
                    f"the order is at version {order.get('versionNumber')}, not {version}",
                    order,
                )
            fields = {k: incoming[k] for k in UPDATABLE if k in incoming}
            merged = {**order, **fields}
            if "lineList" in incoming:
                merged["lineList"] = incoming["lineList"]
            problem = self._validate_order(merged)
            ext = fields.get("extOrderId") or ""
            if not problem and ext and ext != order.get("extOrderId") and ext in self.ext_order_ids:
                problem = f"extOrderId {ext} already exists"
            if problem:
                return answer("FAILED", problem, order)
            new_lines: list[dict[str, Any]] | None = None
            incl = excl = 0
            if "lineList" in incoming:
                sent = incoming["lineList"].get("line", [])
                new_lines, incl, excl = self._price_lines(sent)
                known = {line["lineId"] for line in order["lineList"]["line"]}
                for priced, raw in zip(new_lines, sent, strict=True):
                    if raw.get("lineId") in known:  # a line sent back keeps its id
                        priced["lineId"] = raw["lineId"]
                if sorted(map(_line_key, new_lines)) == sorted(
                    map(_line_key, order["lineList"]["line"])
                ):
                    new_lines = None
            changed = {k: v for k, v in fields.items() if order.get(k) != v}
            if not changed and new_lines is None:
                return answer("NO-CHANGES", "Order not saved because there were no changes.", order)
            order.update(changed)
            if "relationNumber" in changed:
                order["relationName"] = self.relations[order["relationNumber"]].get("name", "")
            if "employeeNumber" in changed:
                order["employeeName"] = self.employees[order["employeeNumber"]].get("name", "")
            if changed.get("extOrderId"):
                # the old extOrderId stays taken: unique forever (API-NOTES §5)
                self.ext_order_ids[changed["extOrderId"]] = order_id
            if new_lines is not None:
                self._order_reservations(order, -1)
                order["lineList"] = {"line": new_lines}
                order["totalInclAmount"], order["totalExclAmount"] = incl, excl
                order["fullyPaid"] = order["prepaidAmount"] >= incl
                self._order_reservations(order, 1)
            self._touch_order(order)
            return answer("OK", "", order)
