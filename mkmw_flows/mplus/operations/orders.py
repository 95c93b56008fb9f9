"""Order and invoice operations: read, find, create (and pay), pay, cancel, save."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mkmw_flows.mplus.models import (
    CreateOrderResult,
    Invoice,
    Order,
    Payment,
    PayOrderResult,
    SaveInvoiceResult,
)
from mkmw_flows.mplus.session import REPLAY, MplusSession, optional_list, text_list


class OrderOperations(MplusSession):
    """Orders and invoices."""

    def get_orders(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        include_lines: bool = True,
        order_ids: Sequence[str] | None = None,
        relation_numbers: Sequence[int] | None = None,
        branch_numbers: Sequence[int] | None = None,
    ) -> list[Order]:
        """Return orders changed at or after ``sync_marker``, ascending."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "branchNumbers": optional_list(branch_numbers),
            "relationNumbers": optional_list(relation_numbers),
            "articlePluNumbers": text_list(None),
            "articleBarcodes": text_list(None),
            "orderIds": optional_list(order_ids),
            "includeLineList": include_lines,
        }
        raw = self.call("getOrders", {"request": request})
        return [Order.from_wire(o) for o in raw.get("orderList", {}).get("order", [])]

    def get_order(self, order_id: str) -> Order | None:
        """Return an order by its internal id, or None."""
        raw = self.call("getOrder", {"orderId": order_id})
        if raw.get("result") != "GET-ORDER-RESULT-OK" or "order" not in raw:
            return None
        return Order.from_wire(raw["order"])

    def find_order(self, ext_order_id: str) -> Order | None:
        """Return the order with this external id, or None (look before you retry a create)."""
        raw = self.call("findOrder", {"extOrderId": ext_order_id})
        if raw.get("result") != "GET-ORDER-RESULT-OK" or "order" not in raw:
            return None
        return Order.from_wire(raw["order"])

    def get_orders_by_ext_order_ids(self, ext_order_ids: Sequence[str]) -> list[Order]:
        """Return the orders with these external ids (missing ones are left out)."""
        request = {"extOrderIds": {"id": list(ext_order_ids)}}
        raw = self.call("getOrdersByExtOrderIds", {"request": request})
        return [Order.from_wire(o) for o in raw.get("orderList", {}).get("order", [])]

    def create_order(
        self,
        order: Order,
        *,
        idempotency_key: str,
        prepay: bool | None = None,
        payments: Sequence[Payment] | None = None,
    ) -> CreateOrderResult:
        """Create (and optionally pay) an order with ``createOrderV3``; safe to retry.

        A repeated ``idempotency_key`` returns the original response (``replayed=True``).

        Args:
            order: The order (``order_id`` empty, a unique ``ext_order_id``, relation,
                employee 999999 and lines on existing articles).
            idempotency_key: Stable key for this order (e.g. derived from the shop order).
            prepay: With payments: True = deposit only, False = also deliver and invoice.
            payments: Payments to register in the same call.

        Raises:
            MplusBusinessError: e.g. ``CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS``.
        """
        request: dict[str, Any] = {"idempotencyKey": idempotency_key, "order": order.to_wire()}
        if payments is not None:
            request["prepay"] = prepay if prepay is not None else True
            request["paymentList"] = {"payment": [p.to_wire() for p in payments]}
        raw = self._checked("createOrderV3", self.call("createOrderV3", {"request": request}))
        info = raw.get("info", {})
        return CreateOrderResult(
            order_id=info.get("orderId", ""),
            order_string=info.get("orderString", ""),
            replayed=raw.get("idempotencyResult") == REPLAY,
            order=Order.from_wire(raw["order"]) if "order" in raw else None,
            pay_result=raw.get("payResult"),
            invoice_id=raw.get("invoiceId"),
        )

    def pay_order(
        self,
        order_id: str,
        payments: Sequence[Payment],
        *,
        idempotency_key: str,
        prepay: bool = True,
    ) -> PayOrderResult:
        """Pay an order with ``payOrderV2`` (idempotency-keyed, so retried).

        Raises:
            MplusBusinessError: e.g. ``PAY-ORDER-RESULT-ORDER-ALREADY-INVOICED``.
        """
        request = {
            "idempotencyKey": idempotency_key,
            "orderId": order_id,
            "prepay": prepay,
            "paymentList": {"payment": [p.to_wire() for p in payments]},
        }
        raw = self._checked("payOrderV2", self.call("payOrderV2", {"request": request}))
        return PayOrderResult(
            replayed=raw.get("idempotencyResult") == REPLAY, invoice_id=raw.get("invoiceId")
        )

    def cancel_order(self, order_id: str, *, branch_number: int | None = None) -> None:
        """Cancel an order (releases its reserved stock).

        Raises:
            MplusBusinessError: e.g. ``CANCEL-ORDER-RESULT-ALREADY-CANCELLED``.
        """
        body: dict[str, Any] = {"orderId": order_id}
        if branch_number is not None:
            body["request"] = {"branchNumber": branch_number}
        self._checked(
            "cancelOrder", self.call("cancelOrder", body, retry=False), message_key="message"
        )

    def get_invoices(
        self,
        *,
        sync_marker: int | None = None,
        sync_marker_limit: int | None = None,
        include_lines: bool = True,
        invoice_ids: Sequence[str] | None = None,
    ) -> list[Invoice]:
        """Return invoices added or changed at or after ``sync_marker``, ascending."""
        request = {
            "syncMarker": sync_marker,
            "syncMarkerLimit": sync_marker_limit if sync_marker is not None else None,
            "articlePluNumbers": text_list(None),
            "articleBarcodes": text_list(None),
            "invoiceIds": optional_list(invoice_ids),
            "includeLineList": include_lines,
        }
        raw = self.call("getInvoices", {"request": request})
        return [Invoice.from_wire(i) for i in raw.get("invoiceList", {}).get("invoice", [])]

    def save_invoice(self, invoice: Invoice) -> SaveInvoiceResult:
        """Create or update an invoice (not retried: look up by ``ext_invoice_id`` first).

        Raises:
            MplusBusinessError: e.g. ``SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS``.
        """
        raw = self._checked(
            "saveInvoice", self.call("saveInvoice", {"invoice": invoice.to_wire()}, retry=False)
        )
        info = raw.get("info", {})
        return SaveInvoiceResult(
            invoice_id=info.get("invoiceId", ""), invoice_string=info.get("invoiceString")
        )
