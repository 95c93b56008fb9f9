"""Invoices (get, find, pay), getPaymentMethodsV2 and findEmployee, round trip in raw SOAP.

The product's client does not call these operations, so the tests write the requests by hand
and post them over HTTP to the served demo emulator. Every request and every answer is
validated against the schema embedded in the vendor WSDL, and every answer must come under the
WSDL's response element for its operation.
"""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from lxml import etree

from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus.server import MplusEmulator
from mkmw_flows.mplus.wsdl import WsdlSchema

from .conftest import IDENT, SECRET, validate_body

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:mplusqapi"
_NS = {"ns": NS}


def envelope(body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}" xmlns:urn="{NS}">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


@dataclass
class Answer:
    """One answer's Body child (the WSDL response element)."""

    root: etree._Element

    def text(self, path: str) -> str:
        """Text at a path of local names under the response element ('' when empty)."""
        found = self.root.find("/".join(f"ns:{p}" for p in path.split("/")), _NS)
        assert found is not None, f"no {path} in {etree.tostring(self.root)[:400]!r}"
        return found.text or ""

    def all(self, path: str) -> list[etree._Element]:
        return self.root.findall("/".join(f"ns:{p}" for p in path.split("/")), _NS)

    def has(self, path: str) -> bool:
        return bool(self.all(path))


@dataclass
class Soap:
    """Posts hand-written SOAP requests; validates both directions against the WSDL schema."""

    url: str
    emulator: MplusEmulator
    xsd: etree.XMLSchema
    wsdl: WsdlSchema

    def call(self, operation: str, inner: str = "") -> Answer:
        body = f"<urn:{operation}>{inner}</urn:{operation}>"
        request = envelope(body)
        name, errors = validate_body(self.xsd, request)
        assert (name, errors) == (operation, []), f"request breaks the schema: {errors}"
        response = httpx.post(
            f"{self.url}/",
            params={"ident": IDENT, "secret": SECRET},
            content=request,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )
        assert response.status_code == 200, response.text[:500]
        name, errors = validate_body(self.xsd, response.content)
        assert name == self.wsdl.operations[operation][1]
        assert errors == [], f"{operation} answer breaks the schema: {errors}"
        body_el = etree.fromstring(response.content).find(f"{{{ENV}}}Body")
        assert body_el is not None
        return Answer(body_el[0])


@pytest.fixture
def soap(emulator: MplusEmulator, xsd: etree.XMLSchema, wsdl: WsdlSchema) -> Iterator[Soap]:
    with BackgroundServer(emulator.app) as server:
        yield Soap(server.url, emulator, xsd, wsdl)


def _payments(*payments: tuple[str, int]) -> str:
    return (
        "<urn:paymentList>"
        + "".join(
            f"<urn:payment><urn:method>{m}</urn:method><urn:amount>{a}</urn:amount></urn:payment>"
            for m, a in payments
        )
        + "</urn:paymentList>"
    )


def _pay(soap: Soap, invoice_id: str, *payments: tuple[str, int]) -> Answer:
    return soap.call(
        "payInvoice",
        f"<urn:request><urn:invoiceId>{invoice_id}</urn:invoiceId>{_payments(*payments)}</urn:request>",
    )


def _delivered_order_invoice(soap: Soap, ext: str, price: int) -> str:
    """An unpaid webshop order of one article 10001 at `price`, delivered; its invoice id."""
    created = soap.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-{ext}</urn:idempotencyKey><urn:order>"
        f"<urn:orderId></urn:orderId><urn:extOrderId>{ext}</urn:extOrderId>"
        "<urn:entryBranchNumber>1</urn:entryBranchNumber><urn:employeeNumber>999999</urn:employeeNumber>"
        "<urn:relationNumber>1</urn:relationNumber><urn:lineList><urn:line>"
        "<urn:articleNumber>10001</urn:articleNumber><urn:data><urn:quantity>1</urn:quantity>"
        f"<urn:price>{price}</urn:price></urn:data></urn:line></urn:lineList></urn:order>"
        "<urn:prepay>true</urn:prepay></urn:request>",
    )
    assert created.text("result") == "CREATE-ORDER-RESULT-OK"
    order_id = created.text("info/orderId")
    soap.emulator.backend.deliver_order(order_id)  # the shop hands it over at the counter
    order = soap.call("getOrder", f"<urn:orderId>{order_id}</urn:orderId>")
    ids = [e.text or "" for e in order.all("order/invoiceIds/id")]
    assert len(ids) == 1
    return ids[0]


def test_invoice_of_a_delivered_order_is_paid_in_parts(soap: Soap) -> None:
    invoice_id = _delivered_order_invoice(soap, "WEB-7001", 1995)
    got = soap.call("getInvoice", f"<urn:invoiceId>{invoice_id}</urn:invoiceId>")
    assert got.text("result") == "GET-INVOICE-RESULT-OK"
    assert got.text("invoice/invoiceId") == invoice_id
    assert got.text("invoice/extOrderIds/id") == "WEB-7001"
    assert got.text("invoice/totalInclAmount") == "1995"
    assert (got.text("invoice/paidAmount"), got.text("invoice/state")) == (
        "0",
        "INVOICE-STATE-OUTSTANDING",
    )
    assert got.text("invoice/lineList/line/articleNumber") == "10001"
    marker = int(got.text("invoice/syncMarker"))

    first = _pay(soap, invoice_id, ("IDEAL", 1000))
    assert (first.text("result"), first.text("errorMessage")) == ("PAY-INVOICE-RESULT-OK", "")
    part = soap.call("getInvoice", f"<urn:invoiceId>{invoice_id}</urn:invoiceId>")
    assert (part.text("invoice/paidAmount"), part.text("invoice/state")) == (
        "1000",
        "INVOICE-STATE-PARTLY-PAID",
    )
    assert [
        p.findtext("ns:method", namespaces=_NS) for p in part.all("invoice/paymentList/payment")
    ] == ["IDEAL"]
    assert int(part.text("invoice/syncMarker")) > marker

    # more than is outstanding: refused, nothing changes
    too_much = _pay(soap, invoice_id, ("IDEAL", 1000))
    assert too_much.text("result") == "PAY-INVOICE-RESULT-PAYMENT-TOO-HIGH"
    assert "995" in too_much.text("errorMessage")
    # an unknown method, or a negative amount on a method that allows none: FAILED
    unknown = _pay(soap, invoice_id, ("BITCOIN", 995))
    assert unknown.text("result") == "PAY-INVOICE-RESULT-FAILED"
    assert "BITCOIN" in unknown.text("errorMessage")
    negative = _pay(soap, invoice_id, ("IDEAL", -100))
    assert negative.text("result") == "PAY-INVOICE-RESULT-FAILED"
    unchanged = soap.call("getInvoice", f"<urn:invoiceId>{invoice_id}</urn:invoiceId>")
    assert unchanged.text("invoice/paidAmount") == "1000"
    assert len(unchanged.all("invoice/paymentList/payment")) == 1

    # the rest, in two methods at once: paid
    rest = _pay(soap, invoice_id, ("PIN", 500), ("CONTANT", 495))
    assert rest.text("result") == "PAY-INVOICE-RESULT-OK"
    paid = soap.call("getInvoice", f"<urn:invoiceId>{invoice_id}</urn:invoiceId>")
    assert (paid.text("invoice/paidAmount"), paid.text("invoice/state")) == (
        "1995",
        "INVOICE-STATE-PAID",
    )
    methods = [
        p.findtext("ns:method", namespaces=_NS) for p in paid.all("invoice/paymentList/payment")
    ]
    assert methods == ["IDEAL", "PIN", "CONTANT"]
    # the change shows in the invoice feed from the last marker on
    feed = soap.call(
        "getInvoices",
        f"<urn:request><urn:syncMarker>{paid.text('invoice/syncMarker')}</urn:syncMarker>"
        "<urn:articlePluNumbers></urn:articlePluNumbers><urn:articleBarcodes></urn:articleBarcodes>"
        "<urn:includeLineList>false</urn:includeLineList></urn:request>",
    )
    assert [e.text for e in feed.all("invoiceList/invoice/invoiceId")] == [invoice_id]
    assert soap.emulator.counters.writes["payInvoice"] == 5


def test_saved_invoice_is_found_by_its_ext_invoice_id_and_paid(soap: Soap) -> None:
    saved = soap.call(
        "saveInvoice",
        "<urn:invoice><urn:extInvoiceId>INV-EXT-77</urn:extInvoiceId><urn:employeeNumber>999999</urn:employeeNumber>"
        "<urn:relationNumber>1</urn:relationNumber><urn:reference>Zakelijke levering</urn:reference>"
        "<urn:lineList><urn:line><urn:articleNumber>10001</urn:articleNumber>"
        "<urn:data><urn:quantity>2</urn:quantity><urn:price>1250</urn:price></urn:data></urn:line></urn:lineList></urn:invoice>",
    )
    assert saved.text("result") == "SAVE-INVOICE-RESULT-OK"
    invoice_id = saved.text("info/invoiceId")

    found = soap.call("findInvoice", "<urn:extInvoiceId>INV-EXT-77</urn:extInvoiceId>")
    assert found.text("result") == "GET-INVOICE-RESULT-OK"
    assert found.text("invoice/invoiceId") == invoice_id
    assert found.text("invoice/extInvoiceId") == "INV-EXT-77"
    assert found.text("invoice/reference") == "Zakelijke levering"
    assert found.text("invoice/totalInclAmount") == "2500"
    assert found.text("invoice/state") == "INVOICE-STATE-OUTSTANDING"
    assert found.text("invoice/lineList/line/data/quantity") == "2"

    for missing in ("INV-EXT-78", ""):
        nothing = soap.call("findInvoice", f"<urn:extInvoiceId>{missing}</urn:extInvoiceId>")
        assert nothing.text("result") == "GET-INVOICE-RESULT-NOT-FOUND"
        assert not nothing.has("invoice")
    absent = soap.call(
        "getInvoice", "<urn:invoiceId>00000000000000000000000000000000</urn:invoiceId>"
    )
    assert absent.text("result") == "GET-INVOICE-RESULT-NOT-FOUND"
    not_there = _pay(soap, "00000000000000000000000000000000", ("IDEAL", 100))
    assert not_there.text("result") == "PAY-INVOICE-RESULT-FAILED"
    assert "not found" in not_there.text("errorMessage")

    assert _pay(soap, invoice_id, ("WEBSHOP", 2500)).text("result") == "PAY-INVOICE-RESULT-OK"
    again = soap.call("findInvoice", "<urn:extInvoiceId>INV-EXT-77</urn:extInvoiceId>")
    assert (again.text("invoice/paidAmount"), again.text("invoice/state")) == (
        "2500",
        "INVOICE-STATE-PAID",
    )
    # a paid invoice takes no more money
    assert _pay(soap, invoice_id, ("WEBSHOP", 1)).text("result") == (
        "PAY-INVOICE-RESULT-PAYMENT-TOO-HIGH"
    )


def test_payment_methods_v2_filters_by_type(soap: Soap) -> None:
    def codes(answer: Answer) -> list[str]:
        return [e.text or "" for e in answer.all("paymentMethodList/paymentMethod/method")]

    everything = soap.call("getPaymentMethodsV2", "<urn:request></urn:request>")
    assert codes(everything) == ["CONTANT", "PIN", "IDEAL", "WEBSHOP"]
    assert codes(everything) == codes(soap.call("getPaymentMethods"))
    eft = soap.call(
        "getPaymentMethodsV2",
        "<urn:request><urn:paymentMethodTypes>PAYMENT-METHOD-TYPE-EFT</urn:paymentMethodTypes></urn:request>",
    )
    assert codes(eft) == ["PIN"]
    assert eft.text("paymentMethodList/paymentMethod/type") == "PAYMENT-METHOD-TYPE-EFT"
    assert eft.text("paymentMethodList/paymentMethod/allowNegativeAmount") == "true"
    both = soap.call(
        "getPaymentMethodsV2",
        "<urn:request><urn:paymentMethodTypes>PAYMENT-METHOD-TYPE-EFT</urn:paymentMethodTypes>"
        "<urn:paymentMethodTypes>PAYMENT-METHOD-TYPE-PAYMENT</urn:paymentMethodTypes>"
        "<urn:includeBpeConfiguration>true</urn:includeBpeConfiguration></urn:request>",
    )
    assert codes(both) == ["CONTANT", "PIN", "IDEAL", "WEBSHOP"]
    none = soap.call(
        "getPaymentMethodsV2",
        "<urn:request><urn:paymentMethodTypes>PAYMENT-METHOD-TYPE-BPE</urn:paymentMethodTypes></urn:request>",
    )
    assert codes(none) == [] and none.has("paymentMethodList")
    # a ledger account: only the methods booked on it
    soap.emulator.backend.payment_methods[3]["accountNumber"] = 8010
    account = soap.call(
        "getPaymentMethodsV2",
        "<urn:request><urn:accountNumber>8010</urn:accountNumber></urn:request>",
    )
    assert codes(account) == ["WEBSHOP"]


def test_find_employee_by_number_and_by_example(soap: Soap) -> None:
    backend = soap.emulator.backend
    backend.add_employee(12, "Marieke de Groot", email="marieke@winkel.example.nl")
    backend.add_employee(14, "Sander de Groot", email="sander@winkel.example.nl")

    by_number = soap.call(
        "findEmployee", "<urn:employee><urn:employeeNumber>14</urn:employeeNumber></urn:employee>"
    )
    assert by_number.text("result") == "FIND-EMPLOYEE-RESULT-OK"
    assert by_number.text("employee/name") == "Sander de Groot"
    # case-insensitive and partial, like findRelation; every term must match
    by_email = soap.call(
        "findEmployee", "<urn:employee><urn:email>MARIEKE@winkel</urn:email></urn:employee>"
    )
    assert by_email.text("employee/employeeNumber") == "12"
    both = soap.call(
        "findEmployee",
        "<urn:employee><urn:name>de groot</urn:name><urn:email>sander</urn:email></urn:employee>",
    )
    assert both.text("employee/employeeNumber") == "14"
    first = soap.call("findEmployee", "<urn:employee><urn:name>de Groot</urn:name></urn:employee>")
    assert first.text("employee/employeeNumber") == "12"  # the lowest number first

    for query in (
        "<urn:employee><urn:employeeNumber>77</urn:employeeNumber></urn:employee>",
        "<urn:employee><urn:name>Jansen</urn:name></urn:employee>",
        "<urn:employee></urn:employee>",
        "",
    ):
        missing = soap.call("findEmployee", query)
        assert missing.text("result") == "FIND-EMPLOYEE-RESULT-NOT-FOUND"
        assert not missing.has("employee")


def test_credit_invoice_is_paid_out_with_a_method_that_allows_negative_amounts(
    soap: Soap,
) -> None:
    saved = soap.call(
        "saveInvoice",
        "<urn:invoice><urn:extInvoiceId>CR-1</urn:extInvoiceId><urn:employeeNumber>999999</urn:employeeNumber>"
        "<urn:relationNumber>1</urn:relationNumber><urn:lineList><urn:line><urn:articleNumber>10001</urn:articleNumber>"
        "<urn:data><urn:quantity>1</urn:quantity><urn:price>-1500</urn:price></urn:data></urn:line></urn:lineList></urn:invoice>",
    )
    invoice_id = saved.text("info/invoiceId")
    credit = soap.call("getInvoice", f"<urn:invoiceId>{invoice_id}</urn:invoiceId>")
    assert (credit.text("invoice/totalInclAmount"), credit.text("invoice/state")) == (
        "-1500",
        "INVOICE-STATE-OUTSTANDING-CREDIT",
    )
    assert _pay(soap, invoice_id, ("IDEAL", -1500)).text("result") == "PAY-INVOICE-RESULT-FAILED"
    assert _pay(soap, invoice_id, ("CONTANT", -2000)).text("result") == (
        "PAY-INVOICE-RESULT-PAYMENT-TOO-HIGH"
    )
    assert _pay(soap, invoice_id, ("CONTANT", -1500)).text("result") == "PAY-INVOICE-RESULT-OK"
    done = soap.call("findInvoice", "<urn:extInvoiceId>CR-1</urn:extInvoiceId>")
    assert (done.text("invoice/paidAmount"), done.text("invoice/state")) == (
        "-1500",
        "INVOICE-STATE-PAID",
    )
