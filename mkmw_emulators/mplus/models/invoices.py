"""Invoices (``saveInvoice``, ``getInvoices``, ``getInvoice``, ``findInvoice``, ``payInvoice``).

Also the line pricing orders share. An invoice comes from ``saveInvoice`` or from delivering an
order; ``payInvoice`` adds payments and moves its ``state`` from OUTSTANDING through PARTLY-PAID
to PAID (API-NOTES.md §2.5; result codes from the WSDL's ``PayInvoiceResult``).
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus.models.catalog import CatalogMixin
from mkmw_emulators.mplus.models.relations import RelationsMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex
from mkmw_emulators.mplus.models.values import (
    excl_vat,
    mplus_date,
    mplus_datetime,
    wire_quantity,
)


def invoice_state(paid: int, total: int) -> str:
    """The ``InvoiceState`` of an invoice with ``paid`` of ``total`` cents paid.

    A credit invoice (negative total) not yet paid out is OUTSTANDING-CREDIT [inferred from the
    enumeration's name; the WSDL does not document the states].
    """
    if total < 0:
        return "INVOICE-STATE-PAID" if paid <= total else "INVOICE-STATE-OUTSTANDING-CREDIT"
    if paid >= total:
        return "INVOICE-STATE-PAID"
    return "INVOICE-STATE-PARTLY-PAID" if paid > 0 else "INVOICE-STATE-OUTSTANDING"


class InvoicesMixin(CatalogMixin, RelationsMixin):
    """Invoices; ``extInvoiceId`` is unique."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.invoices: dict[str, dict[str, Any]] = {}
        self.invoice_index = MarkerIndex()
        self.ext_invoice_ids: dict[str, str] = {}
        self._invoice_number = 0

    def _price_lines(self, lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
        priced: list[dict[str, Any]] = []
        total_incl = total_excl = 0
        for line in lines:
            line = copy.deepcopy(line)
            article = self.articles[line["articleNumber"]]
            data = line.setdefault("data", {})
            # a vatCode / turnoverGroup sent on the line wins over the article's own
            vat_code = data.get("vatCode", article.get("vatCode", 0))
            vat = self.vat_groups.get(vat_code, article["vatPercentage"])
            qty = wire_quantity(data["quantity"], data.get("decimalPlaces"))
            price = data.get("price", article.get("priceIncl", 0))
            data["price"] = price
            data["priceExcl"] = excl_vat(price, vat)
            data["vatCode"] = vat_code
            data["vatPercentage"] = vat
            data["turnoverGroup"] = data.get("turnoverGroup", article.get("turnoverGroup", 0))
            discount = data.get("discountAmount", 0)
            incl = int((qty * price).quantize(Decimal(1), rounding=ROUND_HALF_UP)) - discount
            data["totalInclAmount"] = incl
            data["totalExclAmount"] = excl_vat(incl, vat)
            line.setdefault("text", article.get("description", ""))
            line["lineId"] = self._id("line")
            total_incl += incl
            total_excl += data["totalExclAmount"]
            priced.append(line)
        return priced, total_incl, total_excl

    def _store_invoice(self, invoice: dict[str, Any]) -> int:
        self.invoices[invoice["invoiceId"]] = invoice
        if invoice.get("extInvoiceId"):
            self.ext_invoice_ids[invoice["extInvoiceId"]] = invoice["invoiceId"]
        marker = self.bump("invoice")
        invoice["syncMarker"] = marker
        self.invoice_index.set(invoice["invoiceId"], marker)
        return marker

    def save_invoice(self, body: dict[str, Any]) -> dict[str, Any]:
        incoming = dict(body.get("invoice", {}))
        empty = {"invoiceId": "", "invoiceString": ""}
        with self.lock:
            invoice_id = incoming.get("invoiceId") or ""
            if invoice_id:
                stored = self.invoices.get(invoice_id)
                if stored is None:
                    return {
                        "result": "SAVE-INVOICE-RESULT-NOT-FOUND",
                        "info": empty,
                        "errorMessage": "invoice not found",
                    }
                if stored.get("finalized"):
                    return {
                        "result": "SAVE-INVOICE-RESULT-FAILED",
                        "info": empty,
                        "errorMessage": "a finalized invoice cannot change",
                    }
                stored.update(
                    {k: v for k, v in incoming.items() if k not in ("syncMarker", "invoiceNumber")}
                )
                self._store_invoice(stored)
                number = stored["invoiceNumber"]
                return {
                    "result": "SAVE-INVOICE-RESULT-OK",
                    "info": {
                        "invoiceId": invoice_id,
                        "invoiceString": f"{number['year']}-{number['number']}",
                        "invoiceNumber": number,
                    },
                    "errorMessage": "",
                }
            ext = incoming.get("extInvoiceId") or ""
            if ext and ext in self.ext_invoice_ids:
                return {
                    "result": "SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS",
                    "info": empty,
                    "errorMessage": f"extInvoiceId {ext} already exists",
                }
            relation = incoming.get("relationNumber")
            if relation not in self.relations:
                return {
                    "result": "SAVE-INVOICE-RESULT-FAILED",
                    "info": empty,
                    "errorMessage": f"relation {relation} not found",
                }
            lines = incoming.get("lineList", {}).get("line", [])
            for line in lines:
                if line.get("articleNumber") not in self.articles:
                    return {
                        "result": "SAVE-INVOICE-RESULT-FAILED",
                        "info": empty,
                        "errorMessage": f"article {line.get('articleNumber')} not found",
                    }
            priced, total_incl, total_excl = self._price_lines(lines)
            now = self.clock()
            self._invoice_number += 1
            invoice_id = self._id("invoice")
            number = {"year": now.year, "number": self._invoice_number}
            incoming.update(
                invoiceId=invoice_id,
                invoiceNumber=number,
                invoiceType=incoming.get("invoiceType", "INVOICE-TYPE-INVOICE"),
                entryTimestamp=mplus_datetime(now),
                financialDate=incoming.get("financialDate")
                or {"day": now.day, "mon": now.month, "year": now.year},
                relationName=self.relations[relation].get("name", ""),
                totalInclAmount=total_incl,
                totalExclAmount=total_excl,
                vatMethod=incoming.get("vatMethod", "VAT-METHOD-INCLUSIVE"),
                paidAmount=0,
                state=invoice_state(0, total_incl),
                finalized=incoming.get("finalized", False),
                lineList={"line": priced},
            )
            incoming.pop("syncMarker", None)
            self._store_invoice(incoming)
            return {
                "result": "SAVE-INVOICE-RESULT-OK",
                "info": {
                    "invoiceId": invoice_id,
                    "invoiceString": f"{number['year']}-{number['number']}",
                    "invoiceNumber": number,
                },
                "errorMessage": "",
            }

    def get_invoices(self, req: dict[str, Any]) -> dict[str, Any]:
        include = req.get("includeLineList", True)
        ids = set(req.get("invoiceIds", ()))
        marker = req.get("syncMarker")
        with self.lock:
            out = []
            limit = (req.get("syncMarkerLimit") or DEFAULT_LIMIT) if marker is not None else None
            for invoice_id in self.invoice_index.since(marker or 0):
                invoice = self.invoices[invoice_id]
                if ids and invoice_id not in ids:
                    continue
                view = dict(invoice)
                if not include:
                    view.pop("lineList", None)
                out.append(view)
                if limit and len(out) >= limit:
                    break
            return {"invoiceList": {"invoice": out}}

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        """``getInvoice(invoiceId)`` -> ``GetInvoiceResponse`` (with its lines and payments)."""
        with self.lock:
            invoice = self.invoices.get(invoice_id)
            if invoice is None:
                return {"result": "GET-INVOICE-RESULT-NOT-FOUND"}
            return {"result": "GET-INVOICE-RESULT-OK", "invoice": copy.deepcopy(invoice)}

    def find_invoice(self, ext_invoice_id: str) -> dict[str, Any]:
        """``findInvoice(extInvoiceId)`` -> ``GetInvoiceResponse``; an empty id finds nothing."""
        with self.lock:
            invoice_id = self.ext_invoice_ids.get(ext_invoice_id) if ext_invoice_id else None
            if invoice_id is None:
                return {"result": "GET-INVOICE-RESULT-NOT-FOUND"}
            return self.get_invoice(invoice_id)

    def pay_invoice(self, req: dict[str, Any]) -> dict[str, Any]:
        """``payInvoice{invoiceId, paymentList}``: OK, FAILED or PAYMENT-TOO-HIGH.

        Each payment needs a known method and is stored on the invoice; ``paidAmount`` and
        ``state`` follow. Paying more than is outstanding is PAYMENT-TOO-HIGH and changes
        nothing [inferred: the enumeration names the case, no source shows the exact rule]; a
        negative amount needs a method that allows negative amounts (``allowNegativeAmount``).
        """
        payments = req.get("paymentList", {}).get("payment", [])
        with self.lock:
            invoice = self.invoices.get(req["invoiceId"])
            if invoice is None:
                return _pay_failed(f"invoice {req['invoiceId']} not found")
            if not payments:
                return _pay_failed("the paymentList is empty")
            methods = {m["method"]: m for m in self.payment_methods}
            for payment in payments:
                method = methods.get(payment.get("method", ""))
                if method is None:
                    return _pay_failed(f"unknown payment method {payment.get('method')}")
                if payment.get("amount", 0) < 0 and not method.get("allowNegativeAmount"):
                    return _pay_failed(
                        f"payment method {method['method']} does not allow a negative amount"
                    )
            total = invoice.get("totalInclAmount", 0)
            paid = invoice.get("paidAmount", 0)
            amount = sum(p.get("amount", 0) for p in payments)
            if (total >= 0 and paid + amount > total) or (total < 0 and paid + amount < total):
                return {
                    "result": "PAY-INVOICE-RESULT-PAYMENT-TOO-HIGH",
                    "errorMessage": f"payment of {amount} exceeds the outstanding "
                    f"{total - paid} on invoice {invoice['invoiceId']}",
                }
            now = self.clock()
            stored = invoice.setdefault("paymentList", {}).setdefault("payment", [])
            for payment in payments:
                record = dict(payment)
                record.setdefault("paymentId", self._id("payment"))
                record.setdefault("financialDate", mplus_date(now))
                record.setdefault("entryTimestamp", mplus_datetime(now))
                record.setdefault("branchNumber", invoice.get("financialBranchNumber") or 1)
                stored.append(record)
            invoice["paidAmount"] = paid + amount
            invoice["state"] = invoice_state(invoice["paidAmount"], total)
            self._store_invoice(invoice)
            return {"result": "PAY-INVOICE-RESULT-OK", "errorMessage": ""}


def _pay_failed(message: str) -> dict[str, Any]:
    return {"result": "PAY-INVOICE-RESULT-FAILED", "errorMessage": message}
