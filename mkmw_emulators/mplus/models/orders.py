"""Orders: create (with idempotency replay), pay, deliver and invoice, cancel, read.

``extOrderId`` is unique forever; ``idempotencyKey`` replays the original response; relation,
employee and articles must exist; undelivered orders reserve stock (API-NOTES.md §5-§6).
"""

from __future__ import annotations

import copy
from typing import Any

from mkmw_emulators.mplus.models.exceptions import BackendFault
from mkmw_emulators.mplus.models.invoices import InvoicesMixin, invoice_state
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, ORIGINAL, REPLAY, MarkerIndex
from mkmw_emulators.mplus.models.values import mplus_datetime, wire_quantity


class OrdersMixin(InvoicesMixin):
    """Orders, their payments, delivery and cancellation."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.orders: dict[str, dict[str, Any]] = {}
        self.order_index = MarkerIndex()
        self.ext_order_ids: dict[str, str] = {}  # unique forever
        self.idempotency: dict[tuple[str, str], dict[str, Any]] = {}
        self._order_number = 0

    def _replay(self, operation: str, key: str) -> dict[str, Any] | None:
        stored = self.idempotency.get((operation, key))
        if stored is None:
            return None
        replay = copy.deepcopy(stored)
        replay["idempotencyResult"] = REPLAY
        return replay

    def _remember(self, operation: str, key: str, response: dict[str, Any]) -> dict[str, Any]:
        self.idempotency[(operation, key)] = copy.deepcopy(response)
        return response

    def _touch_order(self, order: dict[str, Any]) -> int:
        marker = self.bump("order")
        order["syncMarker"] = marker
        self.order_index.set(order["orderId"], marker)
        return marker

    def _order_view(self, order: dict[str, Any], include_lines: bool = True) -> dict[str, Any]:
        view = {k: v for k, v in order.items() if not k.startswith("_")}
        if not include_lines:
            view.pop("lineList", None)
        return view

    def _validate_order(self, order: dict[str, Any]) -> str | None:
        relation = order.get("relationNumber")
        if not relation or relation not in self.relations:
            return f"relation {relation} not found: an order needs an existing relation"
        employee = order.get("employeeNumber")
        if not employee or employee not in self.employees:
            return f"employee {employee} not found: an order needs an existing employee"
        branch = order.get("entryBranchNumber") or 1
        if branch not in self.branches:
            return f"branch {branch} not found"
        for line in order.get("lineList", {}).get("line", []):
            number = line.get("articleNumber")
            if number not in self.articles:
                return f"article {number} not found"
            if "quantity" not in line.get("data", {}):
                return f"line for article {number} has no quantity"
        return None

    def create_order(self, req: dict[str, Any]) -> dict[str, Any]:
        key = req.get("idempotencyKey", "")
        if not key:
            raise BackendFault("idempotencyKey must not be empty")
        with self.lock:
            replay = self._replay("createOrderV3", key)
            if replay is not None:
                return replay
            response = self._create_order(req)
            response["idempotencyResult"] = ORIGINAL
            return self._remember("createOrderV3", key, response)

    def _create_order(self, req: dict[str, Any]) -> dict[str, Any]:
        incoming = req.get("order", {})
        empty_info = {"orderId": "", "orderString": ""}
        ext = incoming.get("extOrderId") or ""
        if ext and ext in self.ext_order_ids:
            return {
                "result": "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS",
                "errorMessage": f"extOrderId {ext} already exists",
                "info": empty_info,
            }
        problem = self._validate_order(incoming)
        if problem:
            return {
                "result": "CREATE-ORDER-RESULT-FAILED",
                "errorMessage": problem,
                "info": empty_info,
            }
        lines, total_incl, total_excl = self._price_lines(
            incoming.get("lineList", {}).get("line", [])
        )
        order_id = self._id("order")
        self._order_number += 1
        now = self.clock()
        branch = incoming.get("entryBranchNumber") or 1
        order: dict[str, Any] = {
            k: v for k, v in incoming.items() if k not in ("syncMarker", "paymentList")
        }
        order.update(
            orderId=order_id,
            extOrderId=ext,
            orderType=incoming.get("orderType", "ORDER-TYPE-SALES-ORDER"),
            entryBranchNumber=branch,
            employeeName=self.employees[incoming["employeeNumber"]].get("name", ""),
            entryTimestamp=mplus_datetime(now),
            relationName=self.relations[incoming["relationNumber"]].get("name", ""),
            financialDate=incoming.get("financialDate")
            or {"day": now.day, "mon": now.month, "year": now.year},
            financialBranchNumber=incoming.get("financialBranchNumber") or branch,
            totalInclAmount=total_incl,
            totalExclAmount=total_excl,
            vatMethod=incoming.get("vatMethod", "VAT-METHOD-INCLUSIVE"),
            prepaidAmount=0,
            fullyPaid=total_incl == 0,
            deliveryState="ORDER-DELIVERY-STATE-NOTHING",
            cancelState="ORDER-CANCEL-STATE-NOTHING",
            completeState="ORDER-COMPLETE-STATE-NOTHING",
            orderNumber={"year": now.year, "number": self._order_number},
            lineList={"line": lines},
            paymentList={"payment": []},
        )
        self.orders[order_id] = order
        if ext:
            self.ext_order_ids[ext] = order_id
        for line in lines:
            article = self.articles[line["articleNumber"]]
            if article.get("stockArticle", True):
                qty = wire_quantity(line["data"]["quantity"], line["data"].get("decimalPlaces"))
                self._reserve(branch, line["articleNumber"], qty)
        self._touch_order(order)
        response: dict[str, Any] = {
            "result": "CREATE-ORDER-RESULT-OK",
            "info": {"orderId": order_id, "orderString": f"{now.year}-{self._order_number}"},
        }
        payments = req.get("paymentList", {}).get("payment")
        if payments is not None:
            pay = self._pay(order, req.get("prepay", True), payments)
            response["payResult"] = pay["result"]
            if pay.get("invoiceId"):
                response["invoiceId"] = pay["invoiceId"]
        response["order"] = self._order_view(order)
        return response

    def _pay(
        self, order: dict[str, Any], prepay: bool, payments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        if order["cancelState"] != "ORDER-CANCEL-STATE-NOTHING":
            return {"result": "PAY-ORDER-RESULT-FAILED", "errorMessage": "order is cancelled"}
        if order.get("invoiceIds", {}).get("id"):
            return {
                "result": "PAY-ORDER-RESULT-ORDER-ALREADY-INVOICED",
                "errorMessage": "order is already invoiced",
            }
        known = {m["method"] for m in self.payment_methods}
        for payment in payments:
            if payment.get("method") not in known:
                return {
                    "result": "PAY-ORDER-RESULT-FAILED",
                    "errorMessage": f"unknown payment method {payment.get('method')}",
                }
        amount = sum(p.get("amount", 0) for p in payments)
        paid = order["prepaidAmount"] + amount
        if not prepay and paid < order["totalInclAmount"]:
            return {
                "result": "PAY-ORDER-RESULT-PAYMENT-INSUFFICIENT",
                "errorMessage": "payment does not cover the order",
            }
        for payment in payments:
            stored = dict(payment)
            stored.setdefault("paymentId", self._id("payment"))
            stored.setdefault("branchNumber", order["entryBranchNumber"])
            order["paymentList"]["payment"].append(stored)
        order["prepaidAmount"] = paid
        order["fullyPaid"] = paid >= order["totalInclAmount"]
        result: dict[str, Any] = {"result": "PAY-ORDER-RESULT-OK", "errorMessage": ""}
        if not prepay:
            result["invoiceId"] = self._deliver_and_invoice(order)
        self._touch_order(order)
        return result

    def _deliver_and_invoice(self, order: dict[str, Any]) -> str:
        invoice_id = self._id("invoice")
        branch = order["entryBranchNumber"]
        for line in order["lineList"]["line"]:
            number = line["articleNumber"]
            qty = wire_quantity(line["data"]["quantity"], line["data"].get("decimalPlaces"))
            line["data"]["deliveredQuantity"] = line["data"]["quantity"]
            if "decimalPlaces" in line["data"]:
                line["data"]["deliveredDecimalPlaces"] = line["data"]["decimalPlaces"]
            if self.articles[number].get("stockArticle", True):
                level = self._ensure_stock(branch, number)
                level["reserved"] -= qty
                level["free"] += qty  # undo the reservation, then the physical sale:
                self._mutate_stock(
                    branch, number, -qty, "STOCK-HISTORY-TYPE-SALES", order["orderId"], invoice_id
                )
        order["deliveryState"] = "ORDER-DELIVERY-STATE-COMPLETE"
        order["completeState"] = "ORDER-COMPLETE-STATE-COMPLETE"
        order["invoiceIds"] = {"id": [invoice_id]}
        self._invoice_number += 1
        invoice = {
            "invoiceId": invoice_id,
            "orderIds": {"id": [order["orderId"]]},
            "extOrderIds": {"id": [order["extOrderId"]]} if order.get("extOrderId") else {"id": []},
            "invoiceNumber": {"year": order["orderNumber"]["year"], "number": self._invoice_number},
            "invoiceType": "INVOICE-TYPE-INVOICE",
            "employeeNumber": order["employeeNumber"],
            "entryTimestamp": self._ts(),
            "relationNumber": order["relationNumber"],
            "relationName": order.get("relationName", ""),
            "financialDate": order["financialDate"],
            "financialBranchNumber": order["financialBranchNumber"],
            "reference": order.get("reference", ""),
            "totalInclAmount": order["totalInclAmount"],
            "totalExclAmount": order["totalExclAmount"],
            "vatMethod": order["vatMethod"],
            "paidAmount": order["prepaidAmount"],
            "state": invoice_state(order["prepaidAmount"], order["totalInclAmount"]),
            "finalized": True,
            "lineList": copy.deepcopy(order["lineList"]),
            "paymentList": copy.deepcopy(order["paymentList"]),
        }
        self._store_invoice(invoice)
        return invoice_id

    def pay_order(self, req: dict[str, Any]) -> dict[str, Any]:
        key = req.get("idempotencyKey", "")
        if not key:
            raise BackendFault("idempotencyKey must not be empty")
        with self.lock:
            replay = self._replay("payOrderV2", key)
            if replay is not None:
                return replay
            order = self.orders.get(req["orderId"])
            if order is None:
                response = {
                    "result": "PAY-ORDER-RESULT-FAILED",
                    "errorMessage": f"order {req['orderId']} not found",
                }
            else:
                response = self._pay(
                    order, req["prepay"], req.get("paymentList", {}).get("payment", [])
                )
            response["idempotencyResult"] = ORIGINAL
            return self._remember("payOrderV2", key, response)

    def deliver_order(self, order_id: str) -> str:
        """Test helper: deliver and invoice an order as the shop would; returns the invoice id."""
        with self.lock:
            order = self.orders[order_id]
            invoice_id = self._deliver_and_invoice(order)
            self._touch_order(order)
            return invoice_id

    def cancel_order(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            order = self.orders.get(body["orderId"])
            if order is None:
                return {"result": "CANCEL-ORDER-RESULT-NOT-FOUND", "message": "order not found"}
            if order["cancelState"] == "ORDER-CANCEL-STATE-COMPLETE":
                return {
                    "result": "CANCEL-ORDER-RESULT-ALREADY-CANCELLED",
                    "message": "order is already cancelled",
                }
            if order["deliveryState"] != "ORDER-DELIVERY-STATE-NOTHING":
                return {
                    "result": "CANCEL-ORDER-RESULT-FAILED",
                    "message": "a delivered order cannot be cancelled",
                }
            branch = order["entryBranchNumber"]
            for line in order["lineList"]["line"]:
                number = line["articleNumber"]
                if self.articles[number].get("stockArticle", True):
                    qty = wire_quantity(line["data"]["quantity"], line["data"].get("decimalPlaces"))
                    self._reserve(branch, number, -qty)
            order["cancelState"] = "ORDER-CANCEL-STATE-COMPLETE"
            order["completeState"] = "ORDER-COMPLETE-STATE-COMPLETE"
            self._touch_order(order)
            return {"result": "CANCEL-ORDER-RESULT-OK", "message": ""}

    def get_orders(self, req: dict[str, Any]) -> dict[str, Any]:
        include = req.get("includeLineList", True)
        ids = set(req.get("orderIds", ()))
        relations = set(req.get("relationNumbers", ()))
        branches = set(req.get("branchNumbers", ()))
        marker = req.get("syncMarker")

        def ok(order: dict[str, Any]) -> bool:
            return (
                (not ids or order["orderId"] in ids)
                and (not relations or order["relationNumber"] in relations)
                and (not branches or order["entryBranchNumber"] in branches)
            )

        with self.lock:
            out = []
            if marker is not None:
                limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
                for order_id in self.order_index.since(marker):
                    order = self.orders[order_id]
                    if ok(order):
                        out.append(self._order_view(order, include))
                        if len(out) >= limit:
                            break
            else:
                for order_id in self.order_index.since(0):
                    order = self.orders[order_id]
                    if ok(order):
                        out.append(self._order_view(order, include))
            return {"orderList": {"order": out}}

    def get_order(self, order_id: str) -> dict[str, Any]:
        order = self.orders.get(order_id)
        if order is None:
            return {"result": "GET-ORDER-RESULT-NOT-FOUND"}
        return {"result": "GET-ORDER-RESULT-OK", "order": self._order_view(order)}

    def find_order(self, ext_order_id: str) -> dict[str, Any]:
        order_id = self.ext_order_ids.get(ext_order_id)
        return self.get_order(order_id) if order_id else {"result": "GET-ORDER-RESULT-NOT-FOUND"}

    def get_orders_by_ext_order_ids(self, req: dict[str, Any]) -> dict[str, Any]:
        wanted = req.get("extOrderIds", {}).get("id", [])
        marker = req.get("syncMarker") or 0
        with self.lock:
            orders = [self.orders[self.ext_order_ids[e]] for e in wanted if e in self.ext_order_ids]
            orders = sorted(
                (o for o in orders if o["syncMarker"] >= marker), key=lambda o: o["syncMarker"]
            )
            if req.get("syncMarkerLimit"):
                orders = orders[: req["syncMarkerLimit"]]
            return {"orderList": {"order": [self._order_view(o) for o in orders]}}

    def orders_by_ext_id(self, ext_order_id: str) -> list[dict[str, Any]]:
        """Test helper: every order carrying this extOrderId (at most one, by construction)."""
        return [o for o in self.orders.values() if o.get("extOrderId") == ext_order_id]
