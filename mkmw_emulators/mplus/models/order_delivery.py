"""Deliveries by request: ``deliverOrder`` (everything open) and ``deliverOrderV2`` (per line).

A delivery turns the line's reservation into a sale (the stock history logs it against the
order), books a packing slip and, for the invoice turnover type, an invoice of what was
delivered (API-NOTES §2.5 "Invoices").
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from mkmw_emulators.mplus.models.invoices import invoice_state
from mkmw_emulators.mplus.models.orders import OrdersMixin
from mkmw_emulators.mplus.models.values import quantity_to_wire, wire_quantity

NOT_CANCELLED = "ORDER-CANCEL-STATE-NOTHING"
DELIVERED = "ORDER-DELIVERY-STATE-COMPLETE"
TURNOVER_INVOICE = "DELIVER-ORDER-TURNOVER-TYPE-INVOICE"
TURNOVER_RECEIPT = "DELIVER-ORDER-TURNOVER-TYPE-RECEIPT"


def _open_quantity(line: dict[str, Any]) -> Decimal:
    data = line["data"]
    total = wire_quantity(data["quantity"], data.get("decimalPlaces"))
    done = wire_quantity(data.get("deliveredQuantity", 0), data.get("deliveredDecimalPlaces"))
    return total - done


class OrderDeliveryMixin(OrdersMixin):
    """``deliverOrder`` and ``deliverOrderV2``."""

    def _deliver_lines(
        self, order: dict[str, Any], quantities: dict[str, Decimal] | None, turnover: str
    ) -> tuple[str, str | None]:
        """Deliver lines of an order (lock held); returns (packingSlipId, invoiceId).

        Args:
            order: The order.
            quantities: lineId -> quantity to deliver now; None: everything still open.
            turnover: ``…-INVOICE`` books an invoice of what is delivered; ``…-RECEIPT`` books
                none here **[inferred: the turnover goes to a receipt, not modelled here]**.
        """
        branch = order["entryBranchNumber"]
        slip = self._id("packingSlip")
        invoice_id = self._id("invoice") if turnover != TURNOVER_RECEIPT else None
        delivered: list[dict[str, Any]] = []
        open_left = False
        for line in order["lineList"]["line"]:
            data = line["data"]
            left = _open_quantity(line)
            now = left if quantities is None else quantities.get(line["lineId"], Decimal(0))
            if now:
                number = line["articleNumber"]
                if self.articles[number].get("stockArticle", True):
                    level = self._ensure_stock(branch, number)
                    level["reserved"] -= now
                    level["free"] += now  # the reservation ends; then the physical sale:
                    self._mutate_stock(
                        branch,
                        number,
                        -now,
                        "STOCK-HISTORY-TYPE-SALES",
                        order["orderId"],
                        invoice_id,
                    )
                total = wire_quantity(data["quantity"], data.get("decimalPlaces"))
                amount, places = quantity_to_wire(total - left + now)
                data["deliveredQuantity"] = amount
                if places or "deliveredDecimalPlaces" in data:
                    data["deliveredDecimalPlaces"] = places
                part = copy.deepcopy(line)
                amount, places = quantity_to_wire(now)
                part["data"]["quantity"] = amount
                if places or "decimalPlaces" in part["data"]:
                    part["data"]["decimalPlaces"] = places
                for key in ("totalInclAmount", "totalExclAmount"):
                    if key in part["data"] and total:
                        share = part["data"][key] * now / total
                        part["data"][key] = int(share.to_integral_value())
                delivered.append(part)
            if now < left:
                open_left = True
        order["deliveryState"] = "ORDER-DELIVERY-STATE-PARTIAL" if open_left else DELIVERED
        order["completeState"] = (
            "ORDER-COMPLETE-STATE-PARTIAL" if open_left else "ORDER-COMPLETE-STATE-COMPLETE"
        )
        order.setdefault("packingSlipIds", {"id": []})["id"].append(slip)
        if invoice_id is not None:
            self._invoice_delivery(order, invoice_id, delivered)
        return slip, invoice_id

    def _invoice_delivery(
        self, order: dict[str, Any], invoice_id: str, lines: list[dict[str, Any]]
    ) -> None:
        incl = sum(line["data"].get("totalInclAmount", 0) for line in lines)
        excl = sum(line["data"].get("totalExclAmount", 0) for line in lines)
        invoiced = sum(
            self.invoices[i]["totalInclAmount"] for i in order.get("invoiceIds", {}).get("id", [])
        )
        paid = max(0, min(order["prepaidAmount"] - invoiced, incl))
        self._invoice_number += 1
        order.setdefault("invoiceIds", {"id": []})["id"].append(invoice_id)
        self._store_invoice(
            {
                "invoiceId": invoice_id,
                "orderIds": {"id": [order["orderId"]]},
                "extOrderIds": {"id": [order["extOrderId"]] if order.get("extOrderId") else []},
                "invoiceNumber": {
                    "year": order["orderNumber"]["year"],
                    "number": self._invoice_number,
                },
                "invoiceType": "INVOICE-TYPE-INVOICE",
                "employeeNumber": order["employeeNumber"],
                "entryTimestamp": self._ts(),
                "relationNumber": order["relationNumber"],
                "relationName": order.get("relationName", ""),
                "financialDate": order["financialDate"],
                "financialBranchNumber": order["financialBranchNumber"],
                "reference": order.get("reference", ""),
                "totalInclAmount": incl,
                "totalExclAmount": excl,
                "vatMethod": order["vatMethod"],
                "paidAmount": paid,
                "state": invoice_state(paid, incl),
                "finalized": True,
                "lineList": {"line": lines},
                "paymentList": copy.deepcopy(order["paymentList"]),
            }
        )

    def _not_deliverable(self, order: dict[str, Any] | None, order_id: str) -> str | None:
        if order is None:
            return f"order {order_id} not found"
        if order["cancelState"] != NOT_CANCELLED:
            return "a cancelled order cannot be delivered"
        return None

    def deliver_order_v1(self, body: dict[str, Any]) -> dict[str, Any]:
        """``deliverOrder{orderId, turnoverType?}``: deliver everything still open.

        ``turnoverType`` defaults to an invoice **[inferred: the orders tutorial invoices
        delivered web orders]**.
        """
        req = body["request"]
        with self.lock:
            order = self.orders.get(req["orderId"])
            problem = self._not_deliverable(order, req["orderId"])
            if problem is not None or order is None:
                return {"result": "DELIVER-ORDER-RESULT-FAILED", "errorMessage": problem or ""}
            if order["deliveryState"] == DELIVERED:
                return {
                    "result": "DELIVER-ORDER-RESULT-ALREADY-DELIVERED",
                    "errorMessage": "the order is already delivered",
                }
            turnover = req.get("turnoverType") or TURNOVER_INVOICE
            slip, invoice = self._deliver_lines(order, None, turnover)
            self._touch_order(order)
            answer = {
                "result": "DELIVER-ORDER-RESULT-OK",
                "packingSlipId": slip,
                "errorMessage": "",
            }
            if invoice:
                answer["invoiceId"] = invoice
            return answer

    def deliver_order_v2(self, body: dict[str, Any]) -> dict[str, Any]:
        """``deliverOrderV2{orderDelivery{orderId, lineList, turnoverType?}}``: per line.

        An empty line list delivers everything still open **[inferred]**; more than a line has
        open, or a lineId not on the order, is refused.
        """
        spec = body["request"]["orderDelivery"]
        failed = "DELIVER-ORDER-V2-RESULT-FAILED"
        with self.lock:
            order = self.orders.get(spec["orderId"])
            problem = self._not_deliverable(order, spec["orderId"])
            if problem is not None or order is None:
                return {"result": failed, "errorMessage": problem or ""}
            if order["deliveryState"] == DELIVERED:
                return {
                    "result": "DELIVER-ORDER-V2-RESULT-ALREADY-DELIVERED",
                    "errorMessage": "the order is already delivered",
                }
            lines = {line["lineId"]: line for line in order["lineList"]["line"]}
            wanted: dict[str, Decimal] | None = None
            for item in spec.get("lineList", {}).get("line", []):
                wanted = wanted if wanted is not None else {}
                line = lines.get(item["lineId"])
                if line is None:
                    return {
                        "result": failed,
                        "errorMessage": f"line {item['lineId']} is not on order {spec['orderId']}",
                    }
                qty = wire_quantity(item["quantity"], item.get("decimalPlaces"))
                total = wanted.get(item["lineId"], Decimal(0)) + qty
                left = _open_quantity(line)
                if qty <= 0 or total > left:
                    return {
                        "result": failed,
                        "errorMessage": f"line {item['lineId']}: {total} to deliver, {left} open",
                    }
                wanted[item["lineId"]] = total
            turnover = spec.get("turnoverType") or TURNOVER_INVOICE
            slip, invoice = self._deliver_lines(order, wanted, turnover)
            self._touch_order(order)
            answer = {"result": "DELIVER-ORDER-V2-RESULT-OK", "packingSlipId": slip}
            if invoice:
                answer["invoiceId"] = invoice
            return answer
