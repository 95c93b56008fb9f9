"""Raw SOAP exchanges with the served emulator, and the checker for self-closing strings.

`Session` posts hand-written SOAP requests (no client code) and keeps every exchange;
`exercise_every_operation` makes one realistic call (or more, for the business-error answers)
of every operation the emulator implements; `self_closed_required_strings` finds required
string elements written as self-closing tags. Used by test_wire_gsoap.py.
"""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
from lxml import etree

from mkmw_flows.mplus.wsdl import WsdlSchema

from .conftest import IDENT, SECRET

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


def order_element(ext: str, article: int, price: int) -> str:
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
        f"<urn:request><urn:idempotencyKey>key-1</urn:idempotencyKey>{order_element('WEB-9001', 10001, 1995)}"
        "<urn:prepay>true</urn:prepay></urn:request>",
    )
    order_id = first.text("orderId")
    s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-2</urn:idempotencyKey>{order_element('WEB-9001', 10001, 1995)}</urn:request>",
    )
    s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-1</urn:idempotencyKey>{order_element('WEB-9001', 10001, 1995)}"
        "<urn:prepay>true</urn:prepay></urn:request>",
    )
    second = s.call(
        "createOrderV3",
        f"<urn:request><urn:idempotencyKey>key-3</urn:idempotencyKey>{order_element('WEB-9002', 10001, 1995)}</urn:request>",
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
    created = s.call("createOrder", order_element("WEB-9101", 10001, 1995))
    order_id = created.text("orderId")
    s.call("createOrder", order_element("WEB-9101", 10001, 1995))  # already exists
    s.call(
        "payOrder",
        f"<urn:request><urn:orderId>{order_id}</urn:orderId><urn:prepay>true</urn:prepay>"
        "<urn:paymentList><urn:payment><urn:method>IDEAL</urn:method><urn:amount>500</urn:amount>"
        "</urn:payment></urn:paymentList></urn:request>",
    )
    changed = order_element("WEB-9101", 10001, 1995).replace(
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
    second = s.call("createOrder", order_element("WEB-9102", 10001, 1995)).text("orderId")
    s.call("deliverOrder", f"<urn:request><urn:orderId>{second}</urn:orderId></urn:request>")
    third = s.call("createOrder", order_element("WEB-9103", 10001, 1995)).text("orderId")
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
