"""Invoices (``saveInvoice``, ``getInvoices``) and the line pricing orders share."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus.models.catalog import CatalogMixin
from mkmw_emulators.mplus.models.relations import RelationsMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex
from mkmw_emulators.mplus.models.values import excl_vat, mplus_datetime, wire_quantity


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
                state="INVOICE-STATE-OUTSTANDING",
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
