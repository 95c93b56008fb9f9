"""Purchase orders and purchase deliveries: the ``amountIncoming`` side of the stock.

Semantics (WSDL ``PurchaseOrder``, ``PurchaseDelivery``, ``SavePurchaseOrderResult``,
``SavePurchaseDeliveryResult``, ``PurchaseOrderState``; API-NOTES.md §2.3: ``amountIncoming``
is "incoming through procurement orders"):

* ``savePurchaseOrder`` without a ``purchaseOrderNumber`` creates an order (number = year +
  sequence, state ``PURCHASE-ORDER-STATE-OPEN``); every line raises ``amountIncoming`` of its
  article in its branch (the line's ``branchNumber``, else the order's) by the quantity still
  to be delivered. Each level change bumps the shared ``stockId``, so ``getStock`` with a
  ``stockId`` sees it. With a number it replaces the order (lines, state): the incoming
  amounts move by the difference; ``PURCHASE-ORDER-STATE-CANCELLED`` takes the outstanding
  quantities off incoming.
* ``savePurchaseDelivery`` creates a delivery; every line raises ``amountFree`` (a
  ``STOCK-HISTORY-TYPE-DELIVERY`` history entry with the ``deliveryNumber``). A delivery
  for a purchase order (``purchaseOrderNumber``) also lowers ``amountIncoming`` by what it
  delivers of the order's outstanding quantity (never below zero, so an over-delivery is not
  counted twice), records ``deliveredQuantity`` on the order lines and moves the order to
  ``PARTIALLY-DELIVERED`` or ``COMPLETELY-DELIVERED``.
* ``getPurchaseOrders`` / ``getPurchaseDeliveries`` filter like ``getOrders`` (syncMarker
  ``>=``, ascending, limit); each save bumps the entity's own syncMarker
  (``purchaseOrder`` / ``purchaseDelivery``, reported by ``getCurrentSyncMarkers``).

[inferred] The WSDL names the results but no document states when each is given: here an
unknown article or branch is ``…-RESULT-FAILED`` with an errorMessage, an article with
``stockArticle=false`` is ``SAVE-PURCHASE-ORDER-RESULT-NON-STOCK-ARTICLE-USED``, a stale
``versionNumber`` is ``…-ORDER-HAS-CHANGED``, a delivery line for an article not on its
purchase order is ``SAVE-PURCHASE-DELIVERY-RESULT-LINES-DIVERGE-FROM-ORDER``, and an
``extPurchaseOrderId`` / ``extPurchaseDeliveryId`` can be used once (like ``extOrderId``).
Saving an existing delivery again is refused (``…-FAILED``): the emulator keeps deliveries
as received goods, which cannot be edited.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from mkmw_emulators.mplus.models.catalog import CatalogMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex
from mkmw_emulators.mplus.models.values import mplus_date, quantity_to_wire, wire_quantity

OPEN = "PURCHASE-ORDER-STATE-OPEN"
PARTIAL = "PURCHASE-ORDER-STATE-PARTIALLY-DELIVERED"
COMPLETE = "PURCHASE-ORDER-STATE-COMPLETELY-DELIVERED"
CANCELLED = "PURCHASE-ORDER-STATE-CANCELLED"
_PO = "SAVE-PURCHASE-ORDER-RESULT-"
_PD = "SAVE-PURCHASE-DELIVERY-RESULT-"


def _key(number: dict[str, Any] | None) -> tuple[int, int] | None:
    if not number or not number.get("number"):
        return None
    return int(number["year"]), int(number["number"])


class PurchasingMixin(CatalogMixin):
    """Purchase orders (incoming stock) and their deliveries (free stock)."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.counters.setdefault("purchaseOrder", 0)
        self.counters.setdefault("purchaseDelivery", 0)
        self.purchase_orders: dict[tuple[int, int], dict[str, Any]] = {}
        self.purchase_order_index = MarkerIndex()
        self.purchase_deliveries: dict[tuple[int, int], dict[str, Any]] = {}
        self.purchase_delivery_index = MarkerIndex()
        self._ext_purchase_ids: dict[str, set[str]] = {"order": set(), "delivery": set()}
        self._purchase_seq = {"order": 0, "delivery": 0}

    # ---- helpers -------------------------------------------------------------------------

    def _purchase_number(self, kind: str) -> dict[str, int]:
        self._purchase_seq[kind] += 1
        return {"year": self.clock().year, "number": self._purchase_seq[kind]}

    def _move_incoming(self, branch: int, article_number: int, delta: Decimal) -> None:
        if not delta:
            return
        level = self._ensure_stock(branch, article_number)
        level["incoming"] = max(level["incoming"] + delta, Decimal(0))
        self._stock_changed((branch, article_number))

    @staticmethod
    def _outstanding(order: dict[str, Any]) -> dict[tuple[int, int], Decimal]:
        """(branch, article) -> quantity ordered and not yet delivered (0 when cancelled)."""
        out: dict[tuple[int, int], Decimal] = {}
        if order.get("state") == CANCELLED:
            return out
        for line in order.get("lineList", {}).get("line", []):
            data = line["data"]
            ordered = wire_quantity(data["quantity"], data.get("decimalPlaces"))
            delivered = wire_quantity(
                data.get("deliveredQuantity", 0), data.get("deliveredDecimalPlaces")
            )
            key = (int(line["branchNumber"]), int(line["articleNumber"]))
            out[key] = out.get(key, Decimal(0)) + max(ordered - delivered, Decimal(0))
        return out

    def _check_lines(
        self, lines: list[dict[str, Any]], branch: int | None, quantity: str, prefix: str
    ) -> tuple[str, str] | None:
        """Fill each line's branch; (result, message) of the first line a server refuses."""
        for index, line in enumerate(lines, 1):
            number = line.get("articleNumber")
            article = self.articles.get(number) if number is not None else None
            if article is None:
                return prefix + "FAILED", f"line {index}: article {number} not found"
            line_branch = line.get("branchNumber", branch)
            if line_branch is None or line_branch not in self.branches:
                return prefix + "FAILED", f"line {index}: branch {line_branch} not found"
            line["branchNumber"] = line_branch
            if not article.get("stockArticle", True) and prefix == _PO:
                return _PO + "NON-STOCK-ARTICLE-USED", f"line {index}: not a stock article"
            data = line.get("data")
            if not data or quantity not in data:
                return prefix + "FAILED", f"line {index}: no {quantity}"
            line.setdefault("text", article.get("description", ""))
        return None

    # ---- purchase orders -----------------------------------------------------------------

    def save_purchase_order(self, body: dict[str, Any]) -> dict[str, Any]:
        """``savePurchaseOrder``: create (no number) or replace a purchase order."""
        order = copy.deepcopy(body.get("purchaseOrder") or {})
        lines = order.get("lineList", {}).get("line", [])
        with self.lock:
            key = _key(order.get("purchaseOrderNumber"))
            old = self.purchase_orders.get(key) if key is not None else None
            if key is not None and old is None:
                return {"result": _PO + "NOT-FOUND", "errorMessage": f"purchase order {key}"}
            if (
                old is not None
                and "versionNumber" in order
                and order["versionNumber"] != old["versionNumber"]
            ):
                return {
                    "result": _PO + "ORDER-HAS-CHANGED",
                    "errorMessage": "the purchase order was changed since it was read",
                }
            ext = order.get("extPurchaseOrderId")
            if ext and old is None and ext in self._ext_purchase_ids["order"]:
                return {
                    "result": _PO + "EXT-ORDER-ID-ALREADY-EXISTS",
                    "errorMessage": f"extPurchaseOrderId {ext} already exists",
                }
            branch = order.get("branchNumber", old.get("branchNumber") if old else None)
            problem = self._check_lines(lines, branch, "quantity", _PO)
            if problem:
                return {"result": problem[0], "errorMessage": problem[1]}
            before = self._outstanding(old) if old else {}
            if old is None:
                number = self._purchase_number("order")
                key = (number["year"], number["number"])
                stored: dict[str, Any] = {
                    "purchaseOrderNumber": number,
                    "orderDate": mplus_date(self.clock().date()),
                    "entryTimestamp": self._ts(),
                    "state": OPEN,
                    "versionNumber": 0,
                }
                if ext:
                    self._ext_purchase_ids["order"].add(ext)
            else:
                stored = old
            for name, value in order.items():
                if name not in ("purchaseOrderNumber", "syncMarker", "versionNumber"):
                    stored[name] = value
            if lines or "lineList" in order:
                if old is not None:  # keep what was delivered of an article already
                    done = {
                        (int(li["branchNumber"]), int(li["articleNumber"])): li["data"]
                        for li in old.get("lineList", {}).get("line", [])
                    }
                    for line in lines:
                        was = done.get((line["branchNumber"], line["articleNumber"]), {})
                        if "deliveredQuantity" in was and "deliveredQuantity" not in line["data"]:
                            line["data"]["deliveredQuantity"] = was["deliveredQuantity"]
                            line["data"]["deliveredDecimalPlaces"] = was.get(
                                "deliveredDecimalPlaces", 0
                            )
                stored["lineList"] = {"line": lines}
            stored["lineListCount"] = len(stored.get("lineList", {}).get("line", []))
            stored["versionNumber"] += 1
            after = self._outstanding(stored)
            for branch_article in sorted(set(before) | set(after)):
                delta = after.get(branch_article, Decimal(0)) - before.get(
                    branch_article, Decimal(0)
                )
                self._move_incoming(*branch_article, delta)
            key = _key(stored["purchaseOrderNumber"])
            assert key is not None
            self._touch_purchase_order(key, stored)
            return {
                "result": _PO + "OK",
                "info": {"purchaseOrderNumber": stored["purchaseOrderNumber"]},
            }

    def _touch_purchase_order(self, key: tuple[int, int], order: dict[str, Any]) -> None:
        order["syncMarker"] = self.bump("purchaseOrder")
        self.purchase_orders[key] = order
        self.purchase_order_index.set(key, order["syncMarker"])

    def get_purchase_orders(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getPurchaseOrders``: by number, external id, syncMarker and the list filters."""
        wanted = _key(req.get("purchaseOrderNumber"))
        states = set(req.get("purchaseOrderStates", ()))
        with self.lock:
            found = self._select(
                req, self.purchase_orders, self.purchase_order_index, "extPurchaseOrderId"
            )
            found = [
                o
                for o in found
                if (wanted is None or _key(o["purchaseOrderNumber"]) == wanted)
                and (not states or o["state"] in states)
            ]
            return {"purchaseOrderList": {"purchaseOrder": found}}

    # ---- purchase deliveries -------------------------------------------------------------

    def save_purchase_delivery(self, body: dict[str, Any]) -> dict[str, Any]:
        """``savePurchaseDelivery``: receive goods, for a purchase order or on their own."""
        delivery = copy.deepcopy(body.get("purchaseDelivery") or {})
        lines = delivery.get("lineList", {}).get("line", [])
        with self.lock:
            if _key(delivery.get("purchaseDeliveryNumber")) is not None:
                key = _key(delivery.get("purchaseDeliveryNumber"))
                if key not in self.purchase_deliveries:
                    return {"result": _PD + "NOT-FOUND", "errorMessage": f"delivery {key}"}
                return {
                    "result": _PD + "FAILED",
                    "errorMessage": "a saved purchase delivery cannot be changed",
                }
            ext = delivery.get("extPurchaseDeliveryId")
            if ext and ext in self._ext_purchase_ids["delivery"]:
                return {
                    "result": _PD + "EXT-DELIVERY-ID-ALREADY-EXISTS",
                    "errorMessage": f"extPurchaseDeliveryId {ext} already exists",
                }
            order_key = _key(delivery.get("purchaseOrderNumber"))
            order = self.purchase_orders.get(order_key) if order_key is not None else None
            if order_key is not None and order is None:
                return {
                    "result": _PD + "ORDER-NOT-FOUND",
                    "errorMessage": f"purchase order {order_key} not found",
                }
            branch = delivery.get("branchNumber", order.get("branchNumber") if order else None)
            problem = self._check_lines(lines, branch, "deliveredQuantity", _PD)
            if problem:
                return {"result": problem[0], "errorMessage": problem[1]}
            if order is not None:
                if order.get("state") == CANCELLED:
                    return {
                        "result": _PD + "FAILED",
                        "errorMessage": "the purchase order was cancelled",
                    }
                on_order = {
                    (int(li["branchNumber"]), int(li["articleNumber"]))
                    for li in order.get("lineList", {}).get("line", [])
                }
                for index, line in enumerate(lines, 1):
                    if (line["branchNumber"], line["articleNumber"]) not in on_order:
                        return {
                            "result": _PD + "LINES-DIVERGE-FROM-ORDER",
                            "errorMessage": f"line {index}: article {line['articleNumber']} "
                            "is not on the purchase order",
                        }
            number = self._purchase_number("delivery")
            stored = {
                **delivery,
                "purchaseDeliveryNumber": number,
                "deliveryDate": delivery.get("deliveryDate", mplus_date(self.clock().date())),
                "entryTimestamp": self._ts(),
                "versionNumber": 1,
                "lineListCount": len(lines),
            }
            if ext:
                self._ext_purchase_ids["delivery"].add(ext)
            for line in lines:
                data = line["data"]
                qty = wire_quantity(data["deliveredQuantity"], data.get("deliveredDecimalPlaces"))
                branch_article = (line["branchNumber"], line["articleNumber"])
                if order is not None:
                    self._deliver_on_order(order, branch_article, qty)
                self._mutate_stock(
                    *branch_article,
                    qty,
                    "STOCK-HISTORY-TYPE-DELIVERY",
                    delivery_number=number,
                )
            if order is not None and order_key is not None:
                left = self._outstanding(order)
                order["state"] = PARTIAL if any(left.values()) else COMPLETE
                numbers = order.setdefault("purchaseDeliveryNumbers", {"yearNumber": []})
                numbers.setdefault("yearNumber", []).append(number)
                order["versionNumber"] += 1
                self._touch_purchase_order(order_key, order)
            key = (number["year"], number["number"])
            stored["syncMarker"] = self.bump("purchaseDelivery")
            self.purchase_deliveries[key] = stored
            self.purchase_delivery_index.set(key, stored["syncMarker"])
            return {"result": _PD + "OK", "info": {"purchaseDeliveryNumber": number}}

    def _deliver_on_order(
        self, order: dict[str, Any], branch_article: tuple[int, int], qty: Decimal
    ) -> None:
        """Book a delivered quantity on the order's lines; incoming drops by what was due."""
        remaining = qty
        taken = Decimal(0)
        for line in order.get("lineList", {}).get("line", []):
            if (int(line["branchNumber"]), int(line["articleNumber"])) != branch_article:
                continue
            data = line["data"]
            ordered = wire_quantity(data["quantity"], data.get("decimalPlaces"))
            delivered = wire_quantity(
                data.get("deliveredQuantity", 0), data.get("deliveredDecimalPlaces")
            )
            due = max(ordered - delivered, Decimal(0))
            part = min(due, remaining)
            delivered += part
            remaining -= part
            taken += part
            data["deliveredQuantity"], data["deliveredDecimalPlaces"] = quantity_to_wire(delivered)
        self._move_incoming(*branch_article, -taken)

    def get_purchase_deliveries(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getPurchaseDeliveries``: by syncMarker and the list filters."""
        with self.lock:
            found = self._select(req, self.purchase_deliveries, self.purchase_delivery_index, None)
            return {"purchaseDeliveryList": {"purchaseDelivery": found}}

    def _select(
        self,
        req: dict[str, Any],
        records: dict[tuple[int, int], dict[str, Any]],
        index: MarkerIndex,
        ext_field: str | None,
    ) -> list[dict[str, Any]]:
        marker = req.get("syncMarker")
        limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
        keys = list(index.since(marker)) if marker is not None else sorted(records)
        branches = set(req.get("branchNumbers", ()))
        relations = set(req.get("relationNumbers", ()))
        articles = set(req.get("articleNumbers", ()))
        ext = req.get(ext_field) if ext_field else None
        with_lines = req.get("includeLineList", True)
        out: list[dict[str, Any]] = []
        for key in keys:
            record = records[key]
            lines = record.get("lineList", {}).get("line", [])
            if ext and ext_field and record.get(ext_field) != ext:
                continue
            if branches and not branches & {li["branchNumber"] for li in lines}:
                continue
            if relations and record.get("relationNumber") not in relations:
                continue
            if articles and not articles & {li["articleNumber"] for li in lines}:
                continue
            view = copy.deepcopy(record)
            if not with_lines:
                view.pop("lineList", None)
            out.append(view)
            if marker is not None and len(out) >= limit:
                break
        return out
