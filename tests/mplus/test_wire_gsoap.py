"""The emulator's answers, byte for byte, as a gSOAP server writes them, for every operation.

Raw SOAP requests (hand-written, no client code) go over HTTP to the served demo emulator. Each
answer must validate against the WSDL's schema and must not write a required string element
(``xsd:string``/``SOAP-ENC:base64``, minOccurs >= 1, not nillable) as a self-closing tag: a
client generated from the WSDL reads ``<ns:x/>`` as null and fails on a non-nullable string.
gSOAP writes an empty string as ``<ns:x></ns:x>`` and never self-closes an element at all.
"""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

import ast
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from mkmw_emulators.core.serving import BackgroundServer
from mkmw_emulators.mplus import schema as emulator_schema
from mkmw_emulators.mplus.server import create_emulator
from mkmw_flows.mplus.wsdl import WsdlSchema

from .conftest import IDENT, SECRET, validate_body

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:mplusqapi"
_TOKEN = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)(?:\s[^>]*?)?(/?)>")
_BODY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Body[^>]*>")
_STRINGS = ("xsd:string", "xsd:base64Binary")


def envelope(body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}" xmlns:urn="{NS}">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


@dataclass
class Exchange:
    operation: str
    request: bytes
    status: int
    response: bytes

    def text(self, name: str) -> str:
        found = etree.fromstring(self.response).find(f".//{{{NS}}}{name}")
        assert found is not None, f"{self.operation}: no {name} in {self.response[:300]!r}"
        return found.text or ""


@dataclass
class Session:
    url: str
    implemented: set[str] = field(default_factory=set)
    exchanges: list[Exchange] = field(default_factory=list)

    def call(self, operation: str, inner: str = "") -> Exchange:
        body = f"<urn:{operation}>{inner}</urn:{operation}>" if inner else f"<urn:{operation}/>"
        request = envelope(body)
        response = httpx.post(
            f"{self.url}/",
            params={"ident": IDENT, "secret": SECRET},
            content=request,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )
        exchange = Exchange(operation, request, response.status_code, response.content)
        self.exchanges.append(exchange)
        return exchange


def _order(ext: str, article: int, price: int) -> str:
    return (
        "<urn:order><urn:orderId></urn:orderId>"
        f"<urn:extOrderId>{ext}</urn:extOrderId><urn:entryBranchNumber>1</urn:entryBranchNumber>"
        "<urn:employeeNumber>999999</urn:employeeNumber><urn:relationNumber>1</urn:relationNumber>"
        "<urn:reference>Webshop order</urn:reference><urn:vatMethod>VAT-METHOD-INCLUSIVE</urn:vatMethod>"
        "<urn:deliveryMethod>POSTNL</urn:deliveryMethod><urn:lineList><urn:line>"
        f"<urn:articleNumber>{article}</urn:articleNumber><urn:data><urn:quantity>1</urn:quantity>"
        f"<urn:decimalPlaces>0</urn:decimalPlaces><urn:price>{price}</urn:price></urn:data>"
        "</urn:line></urn:lineList></urn:order>"
    )


def exercise_every_operation(s: Session) -> None:
    """One realistic call (or more, for the business-error answers) of every operation."""
    s.call("getApiVersion")
    s.call("getCurrentSyncMarkers")
    # products: the demo catalogue carries images (imageData/thumbData are empty strings)
    s.call(
        "getProducts",
        "<urn:request><urn:pluNumbers></urn:pluNumbers><urn:syncMarker>0</urn:syncMarker>"
        "<urn:syncMarkerLimit>200</urn:syncMarkerLimit></urn:request>",
    )
    created = s.call(
        "createProduct",
        "<urn:product><urn:description>Regenponcho</urn:description><urn:articleList><urn:article>"
        "<urn:description>Regenponcho geel</urn:description><urn:colour>Geel</urn:colour>"
        "<urn:turnoverGroup>10</urn:turnoverGroup><urn:vatCode>1</urn:vatCode>"
        "<urn:priceIncl>1495</urn:priceIncl><urn:webshop>true</urn:webshop></urn:article>"
        "</urn:articleList><urn:groupNumbers>13</urn:groupNumbers></urn:product>",
    )
    product = created.text("productNumber")
    s.call(
        "updateProduct",
        f"<urn:product><urn:productNumber>{product}</urn:productNumber>"
        "<urn:description>Regenponcho unisex</urn:description></urn:product>",
    )
    s.call(
        "getArticleGroups",
        "<urn:request><urn:retrieveArticleNumbers>true</urn:retrieveArticleNumbers></urn:request>",
    )
    s.call(
        "getArticleGroupChanges",
        "<urn:request><urn:syncMarker>0</urn:syncMarker><urn:syncMarkerLimit>50</urn:syncMarkerLimit></urn:request>",
    )
    s.call(
        "getStock",
        "<urn:request><urn:branchNumber>1</urn:branchNumber><urn:articleNumbers></urn:articleNumbers></urn:request>",
    )
    s.call(
        "updateStock",
        "<urn:request><urn:branchNumber>1</urn:branchNumber><urn:articleNumber>10001</urn:articleNumber>"
        "<urn:amountChanged>25</urn:amountChanged><urn:decimalPlaces>1</urn:decimalPlaces></urn:request>",
    )
    s.call(
        "getStockHistoryV2",
        "<urn:request><urn:branchNumbers>1</urn:branchNumbers><urn:sinceStockId>0</urn:sinceStockId></urn:request>",
    )
    s.call(
        "getRelations",
        "<urn:request><urn:syncMarker>0</urn:syncMarker><urn:syncMarkerLimit>50</urn:syncMarkerLimit></urn:request>",
    )
    s.call("getRelation", "<urn:relationNumber>1</urn:relationNumber>")
    s.call("getRelation", "<urn:relationNumber>987654</urn:relationNumber>")  # not found
    # the OK answer carries an empty errorMessage: a required string
    relation = s.call(
        "createRelation",
        "<urn:relation><urn:name>Bakkerij De Vries</urn:name><urn:address>Dorpsstraat 1</urn:address>"
        "<urn:zipcode>1234 AB</urn:zipcode><urn:city>Utrecht</urn:city><urn:country>NL</urn:country>"
        "<urn:email>jan@bakkerijdevries.example.nl</urn:email></urn:relation>",
    )
    number = relation.text("relationNumber")
    s.call(
        "findRelationV2",
        "<urn:request><urn:relation><urn:email>jan@bakkerijdevries.example.nl</urn:email></urn:relation>"
        "<urn:exactMatch>true</urn:exactMatch></urn:request>",
    )
    s.call(
        "updateRelation",
        f"<urn:relation><urn:relationNumber>{number}</urn:relationNumber><urn:mobile>0612345678</urn:mobile></urn:relation>",
    )
    s.call("getEmployees", "<urn:request></urn:request>")
    s.call("findEmployee", "<urn:employee><urn:name>superuser</urn:name></urn:employee>")
    # orders: created, the same extOrderId under a new key (already exists), a replay
    first = s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-1</urn:idempotencyKey>{_order('WEB-9001', 10001, 1995)}"
        "<urn:prepay>true</urn:prepay></urn:request>",
    )
    order_id = first.text("orderId")
    s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-2</urn:idempotencyKey>{_order('WEB-9001', 10001, 1995)}</urn:request>",
    )
    s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-1</urn:idempotencyKey>{_order('WEB-9001', 10001, 1995)}"
        "<urn:prepay>true</urn:prepay></urn:request>",
    )
    second = s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-3</urn:idempotencyKey>{_order('WEB-9002', 10001, 1995)}</urn:request>",
    )
    s.call(
        "payOrderV2",
        f"<urn:request><urn:idempotencyKey>pay-1</urn:idempotencyKey><urn:orderId>{order_id}</urn:orderId>"
        "<urn:prepay>false</urn:prepay><urn:paymentList><urn:payment><urn:method>IDEAL</urn:method>"
        "<urn:amount>1995</urn:amount></urn:payment></urn:paymentList></urn:request>",
    )
    s.call(
        "getOrders",
        "<urn:request><urn:syncMarker>0</urn:syncMarker><urn:syncMarkerLimit>10</urn:syncMarkerLimit>"
        "<urn:articlePluNumbers></urn:articlePluNumbers><urn:articleBarcodes></urn:articleBarcodes>"
        "<urn:includeLineList>true</urn:includeLineList></urn:request>",
    )
    s.call("getOrder", f"<urn:orderId>{order_id}</urn:orderId>")
    s.call("findOrder", "<urn:extOrderId>WEB-9001</urn:extOrderId>")
    s.call("findOrder", "<urn:extOrderId>WEB-unknown</urn:extOrderId>")
    s.call(
        "getOrdersByExtOrderIds",
        "<urn:request><urn:extOrderIds><urn:id>WEB-9001</urn:id><urn:id>WEB-9002</urn:id></urn:extOrderIds></urn:request>",
    )
    s.call(
        "cancelOrder",
        f"<urn:orderId>{second.text('orderId')}</urn:orderId><urn:request><urn:branchNumber>1</urn:branchNumber></urn:request>",
    )
    s.call(
        "getInvoices",
        "<urn:request><urn:syncMarker>0</urn:syncMarker><urn:articlePluNumbers></urn:articlePluNumbers>"
        "<urn:articleBarcodes></urn:articleBarcodes><urn:includeLineList>true</urn:includeLineList></urn:request>",
    )
    s.call(
        "saveInvoice",
        "<urn:invoice><urn:extInvoiceId>INV-EXT-1</urn:extInvoiceId><urn:employeeNumber>999999</urn:employeeNumber>"
        "<urn:relationNumber>1</urn:relationNumber><urn:lineList><urn:line><urn:articleNumber>10001</urn:articleNumber>"
        "<urn:data><urn:quantity>2</urn:quantity></urn:data></urn:line></urn:lineList></urn:invoice>",
    )
    found = s.call("findInvoice", "<urn:extInvoiceId>INV-EXT-1</urn:extInvoiceId>")
    s.call("findInvoice", "<urn:extInvoiceId>INV-EXT-unknown</urn:extInvoiceId>")
    s.call("getInvoice", f"<urn:invoiceId>{found.text('invoiceId')}</urn:invoiceId>")
    s.call(
        "payInvoice",
        f"<urn:request><urn:invoiceId>{found.text('invoiceId')}</urn:invoiceId><urn:paymentList>"
        "<urn:payment><urn:method>PIN</urn:method><urn:amount>100</urn:amount></urn:payment></urn:paymentList></urn:request>",
    )
    s.call("getVatGroupList")
    s.call("getTurnoverGroups", "<urn:request><urn:onlyActive>true</urn:onlyActive></urn:request>")
    s.call("getPaymentMethods")
    s.call(
        "getPaymentMethodsV2",
        "<urn:request><urn:paymentMethodTypes>PAYMENT-METHOD-TYPE-EFT</urn:paymentMethodTypes></urn:request>",
    )
    s.call("getDeliveryMethods")
    s.call("getBranches")
    _exercise_catalog_operations(s)
    _exercise_order_operations(s)


def _exercise_catalog_operations(s: Session) -> None:
    """Catalogue and stock operations: article groups, purchasing, history V1, images, markers."""
    group = s.call(
        "newArticleGroup",
        "<urn:request><urn:parentGroupNumber>1</urn:parentGroupNumber><urn:name>Jassen</urn:name>"
        "<urn:text></urn:text></urn:request>",
    )
    s.call(
        "updateArticleGroup",
        f"<urn:request><urn:groupNumber>{group.text('groupNumber')}</urn:groupNumber>"
        "<urn:name>Winterjassen</urn:name><urn:parentGroupNumber>2</urn:parentGroupNumber></urn:request>",
    )
    ordered = s.call(
        "savePurchaseOrder",
        "<urn:purchaseOrder><urn:extPurchaseOrderId>PO-1</urn:extPurchaseOrderId><urn:branchNumber>1</urn:branchNumber>"
        "<urn:lineList><urn:line><urn:articleNumber>10001</urn:articleNumber><urn:data><urn:quantity>5</urn:quantity>"
        "</urn:data></urn:line></urn:lineList></urn:purchaseOrder>",
    )
    po = f"<urn:year>{ordered.text('year')}</urn:year><urn:number>{ordered.text('number')}</urn:number>"
    s.call(
        "getPurchaseOrders",
        f"<urn:request><urn:purchaseOrderNumber>{po}</urn:purchaseOrderNumber></urn:request>",
    )
    s.call(
        "savePurchaseDelivery",
        "<urn:purchaseDelivery><urn:branchNumber>1</urn:branchNumber><urn:lineList><urn:line>"
        "<urn:articleNumber>10001</urn:articleNumber><urn:data><urn:deliveredQuantity>5</urn:deliveredQuantity>"
        f"</urn:data></urn:line></urn:lineList><urn:purchaseOrderNumber>{po}</urn:purchaseOrderNumber></urn:purchaseDelivery>",
    )
    s.call("getPurchaseDeliveries", "<urn:request><urn:syncMarker>0</urn:syncMarker></urn:request>")
    s.call("getStockHistory", "<urn:request><urn:branchNumber>1</urn:branchNumber></urn:request>")
    s.call(
        "getImages",
        "<urn:request><urn:imageIds>10002</urn:imageIds><urn:includeImageData>true</urn:includeImageData>"
        "<urn:includeThumbData>false</urn:includeThumbData></urn:request>",
    )
    s.call(
        "getCurrentSyncMarkersV2",
        "<urn:request><urn:includeArticleSyncMarker>true</urn:includeArticleSyncMarker>"
        "<urn:includeStockId>true</urn:includeStockId></urn:request>",
    )
    s.call(
        "getBranchInformation", "<urn:request><urn:branchNumber>1</urn:branchNumber></urn:request>"
    )


def _exercise_order_operations(s: Session) -> None:
    """The order operations beyond create / pay / cancel (tests/mplus/test_order_ops.py has
    their semantics): V1 calls, updates, deliveries, cancelOrderV2, the change feed."""
    s.call(
        "getDeliveryMethodsV2", "<urn:request><urn:onlyEnabled>true</urn:onlyEnabled></urn:request>"
    )
    s.call("findRelation", "<urn:relation><urn:email>DEVRIES0</urn:email></urn:relation>")
    s.call("findRelation", "<urn:relation><urn:email>nobody@nowhere</urn:email></urn:relation>")
    created = s.call("createOrder", _order("WEB-9101", 10001, 1995))
    order_id = created.text("orderId")
    s.call("createOrder", _order("WEB-9101", 10001, 1995))  # already exists
    s.call(
        "payOrder",
        f"<urn:request><urn:orderId>{order_id}</urn:orderId><urn:prepay>true</urn:prepay>"
        "<urn:paymentList><urn:payment><urn:method>IDEAL</urn:method><urn:amount>500</urn:amount>"
        "</urn:payment></urn:paymentList></urn:request>",
    )
    changed = _order("WEB-9101", 10001, 1995).replace(
        "<urn:orderId></urn:orderId>", f"<urn:orderId>{order_id}</urn:orderId>"
    )
    s.call("updateOrder", changed.replace("Webshop order", "Changed once"))
    s.call("updateOrder", changed.replace("Webshop order", "Changed once"))  # no changes
    s.call(
        "updateOrderV2",
        f"<urn:request>{changed.replace('Webshop order', 'Changed twice')}</urn:request>",
    )
    line_id = etree.fromstring(
        s.call("getOrder", f"<urn:orderId>{order_id}</urn:orderId>").response
    ).find(f".//{{{NS}}}lineId")
    assert line_id is not None
    s.call(
        "deliverOrderV2",
        f"<urn:request><urn:orderDelivery><urn:orderId>{order_id}</urn:orderId><urn:lineList>"
        f"<urn:line><urn:lineId>{line_id.text}</urn:lineId><urn:quantity>1</urn:quantity></urn:line>"
        "</urn:lineList></urn:orderDelivery></urn:request>",
    )
    second = s.call("createOrder", _order("WEB-9102", 10001, 1995)).text("orderId")
    s.call("deliverOrder", f"<urn:request><urn:orderId>{second}</urn:orderId></urn:request>")
    third = s.call("createOrder", _order("WEB-9103", 10001, 1995)).text("orderId")
    s.call(
        "cancelOrderV2",
        "<urn:request><urn:workplace><urn:branchNumber>1</urn:branchNumber>"
        "<urn:workplaceNumber>1</urn:workplaceNumber></urn:workplace><urn:employee>"
        f"<urn:employeeNumber>1</urn:employeeNumber></urn:employee><urn:orderId>{third}</urn:orderId>"
        "</urn:request>",
    )
    s.call(
        "getOrderChanges",
        "<urn:request><urn:syncMarker>0</urn:syncMarker><urn:syncMarkerLimit>50</urn:syncMarkerLimit>"
        "</urn:request>",
    )


def self_closed_required_strings(raw: bytes, wsdl: WsdlSchema) -> Iterator[str]:
    """Paths of required string elements written self-closing in a raw SOAP answer."""
    start = _BODY_START.search(raw)
    assert start is not None, raw[:300]
    fields_of: dict[str, dict[str, tuple[str, int]]] = {}

    def fields(type_name: str) -> dict[str, tuple[str, int]]:
        if type_name not in fields_of:
            fields_of[type_name] = {
                name: (ftype, min_occurs)
                for name, ftype, min_occurs, _max in wsdl.type_fields(type_name)
            }
        return fields_of[type_name]

    stack: list[tuple[str, str | None]] = []  # (element name, its complex type or None)
    for match in _TOKEN.finditer(raw, start.end()):
        closing, name, empty = match.group(1), match.group(2).decode(), match.group(3)
        if closing:
            if not stack:
                return  # </Body>
            stack.pop()
            continue
        if not stack:
            ftype: str = wsdl.element_type(name)
            min_occurs = 1
        else:
            parent_type = stack[-1][1]
            assert parent_type is not None, f"element {name} inside a simple element"
            ftype, min_occurs = fields(parent_type)[name]
        if empty:
            if ftype in _STRINGS and min_occurs >= 1:
                yield "/".join([*(n for n, _t in stack), name])
            continue
        stack.append((name, None if ftype.startswith("xsd:") else ftype))


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    emulator = create_emulator("demo", ident=IDENT, secret=SECRET)
    with BackgroundServer(emulator.app) as server:
        s = Session(server.url, set(emulator.wire.handlers))
        exercise_every_operation(s)
        yield s


def test_every_implemented_operation_is_exercised(session: Session) -> None:
    called = {e.operation for e in session.exchanges}
    assert called == session.implemented
    failed = [
        (e.operation, e.status, e.response[:400]) for e in session.exchanges if e.status != 200
    ]
    assert not failed, failed


def test_every_answer_validates_against_the_wsdl_schema(session: Session, xsd, wsdl) -> None:
    failures: list[str] = []
    for exchange in session.exchanges:
        name, errors = validate_body(xsd, exchange.response)
        assert name == wsdl.operations[exchange.operation][1]
        failures += [f"{exchange.operation} -> {name}: {e}" for e in errors]
    assert not failures, "\n".join(failures[:20])


def test_no_required_string_is_self_closing(session: Session, wsdl) -> None:
    found = {
        f"{e.operation}: {path}"
        for e in session.exchanges
        for path in self_closed_required_strings(e.response, wsdl)
    }
    assert not found, sorted(found)[:20]


def test_no_element_is_self_closing_at_all(session: Session) -> None:
    # gSOAP writes every element with a start and an end tag
    for exchange in session.exchanges:
        assert b"/>" not in exchange.response, (exchange.operation, exchange.response[:400])


def test_the_three_known_empty_strings_are_written_open_and_closed(session: Session) -> None:
    by_op: dict[str, list[bytes]] = {}
    for e in session.exchanges:
        by_op.setdefault(e.operation, []).append(e.response)
    relation = by_op["createRelation"][0]
    assert b"<ns:result>CREATE-RELATION-RESULT-OK</ns:result>" in relation
    assert b"<ns:errorMessage></ns:errorMessage>" in relation
    products = by_op["getProducts"][0]
    images = products.count(b"<ns:image>")
    assert images >= 5
    assert products.count(b"<ns:imageData></ns:imageData>") == images
    assert products.count(b"<ns:thumbData></ns:thumbData>") == images
    exists = by_op["createOrderV3"][1]
    assert b"CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS" in exists
    assert (
        b"<ns:info><ns:orderId></ns:orderId><ns:orderString></ns:orderString></ns:info>" in exists
    )
    replay = by_op["createOrderV3"][2]
    assert b"IDEMPOTENCY-RESULT-REPLAY-RESPONSE" in replay


def test_the_checker_finds_a_self_closing_required_string(wsdl) -> None:
    raw = envelope(
        '<ns:CreateRelationResponse xmlns:ns="urn:mplusqapi"><ns:result>CREATE-RELATION-RESULT-OK</ns:result>'
        "<ns:relationNumber>7</ns:relationNumber><ns:errorMessage/></ns:CreateRelationResponse>"
    )
    assert list(self_closed_required_strings(raw, wsdl)) == ["CreateRelationResponse/errorMessage"]


def test_served_wsdl_points_at_the_emulator_and_its_address_answers(session: Session) -> None:
    text = httpx.get(f"{session.url}/?wsdl").content
    root = etree.fromstring(text)
    location = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert location == f"{session.url}/"
    assert (
        len(
            root.findall(
                "{http://schemas.xmlsoap.org/wsdl/}portType/{http://schemas.xmlsoap.org/wsdl/}operation"
            )
        )
        == 374
    )
    answer = httpx.post(
        location,
        params={"ident": IDENT, "secret": SECRET},
        content=envelope("<urn:getApiVersion/>"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    assert answer.status_code == 200 and b"<ns:getApiVersionResponse>" in answer.content
    # behind another name, the address follows the Host header the client used
    named = httpx.get(f"{session.url}/?wsdl", headers={"Host": "mplus.test:8443"})
    assert b'location="http://mplus.test:8443/"' in named.content
    hostile = httpx.get(f"{session.url}/?wsdl", headers={"Host": 'evil"/><x'})
    assert f'location="{session.url}/"'.encode() in hostile.content


def test_schema_is_compiled_once_and_quickly() -> None:
    started = time.perf_counter()
    compiled = emulator_schema.compile_wsdl(emulator_schema.mplus_wsdl_path())
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0  # about 0.1 s on a quiet machine
    assert emulator_schema.schema() is emulator_schema.schema()
    assert len(compiled.operations) == 374
    assert compiled.response_element("findOrder") == "GetOrderResponse"
    assert compiled.response_element("getStockHistoryV2") == "GetStockHistoryResponse"
    image = compiled.types["Image"]
    assert [p.name for p in image.particles][:6] == [
        "imageId", "imageName", "imageHash", "imagePath", "imageUrl", "imageData",
    ]  # fmt: skip
    assert image.by_name["imageName"].required_string
    assert image.by_name["imageData"].kind is emulator_schema.Kind.BASE64
    result = compiled.types["CreateRelationResponse"].by_name["result"]
    assert result.kind is emulator_schema.Kind.ENUM and "CREATE-RELATION-RESULT-OK" in (
        result.values or ()
    )


def test_bad_enumeration_and_out_of_range_numbers_are_client_faults(session: Session) -> None:
    bad_enum = session.call(
        "createOrderV3",
        "<urn:request><urn:idempotencyKey>key-bad</urn:idempotencyKey>"
        + _order("WEB-9100", 10001, 100).replace("VAT-METHOD-INCLUSIVE", "VAT-METHOD-SOMETIMES")
        + "</urn:request>",
    )
    too_big = session.call("getRelation", f"<urn:relationNumber>{2**63}</urn:relationNumber>")
    twice = session.call(
        "getRelation",
        "<urn:relationNumber>1</urn:relationNumber><urn:relationNumber>2</urn:relationNumber>",
    )
    for answer in (bad_enum, too_big, twice):
        session.exchanges.remove(answer)
        assert answer.status == 500
        assert b"<faultcode>SOAP-ENV:Client</faultcode>" in answer.response
    assert b"VAT-METHOD-SOMETIMES" in bad_enum.response


def test_the_emulators_import_nothing_from_the_product() -> None:
    package = Path(emulator_schema.__file__).resolve().parents[1]
    offenders: list[str] = []
    paths = [*(package / "mplus").rglob("*.py"), *(package / "core").rglob("*.py")]
    assert len(paths) > 10
    for path in paths:
        tree: Any = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "mkmw_flows"]
    assert not offenders, offenders
