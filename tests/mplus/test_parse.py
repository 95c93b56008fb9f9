"""The parser on hand-written, real-shaped responses: prefixes, optionals, lists, faults, XXE."""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

from decimal import Decimal

import pytest

from mkmw_flows.mplus.errors import MplusClientFault, MplusProtocolError, MplusServerFault
from mkmw_flows.mplus.models import Product, StockLevel
from mkmw_flows.mplus.parse import parse_response

ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def envelope(
    body: str, env_prefix: str = "SOAP-ENV", ns_decl: str = 'xmlns:ns="urn:mplusqapi"'
) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{env_prefix}:Envelope xmlns:{env_prefix}="{ENV}" {ns_decl}>'
        f"<{env_prefix}:Body>{body}</{env_prefix}:Body></{env_prefix}:Envelope>"
    ).encode()


PRODUCTS = """
<ns:GetProductsResponse><ns:productList><ns:product>
  <ns:productNumber>100</ns:productNumber><ns:syncMarker>57</ns:syncMarker>
  <ns:description>T-shirt basic</ns:description><ns:extraText></ns:extraText>
  <ns:articleList><ns:article>
    <ns:articleNumber>1001</ns:articleNumber><ns:pluNumber>1001</ns:pluNumber>
    <ns:syncMarker>57</ns:syncMarker><ns:active>true</ns:active>
    <ns:description>T-shirt basic</ns:description><ns:colour>Black</ns:colour><ns:size>M</ns:size>
    <ns:barcode>8712345678906</ns:barcode><ns:turnoverGroup>10</ns:turnoverGroup>
    <ns:vatCode>2</ns:vatCode><ns:vatPercentage>21</ns:vatPercentage>
    <ns:priceIncl>1995</ns:priceIncl><ns:priceExcl>1649</ns:priceExcl>
    <ns:webshop>true</ns:webshop><ns:categoryIds><ns:category>3</ns:category></ns:categoryIds>
    <ns:stockArticle>true</ns:stockArticle><ns:futureField>ignored</ns:futureField>
  </ns:article></ns:articleList>
  <ns:groupNumbers>12</ns:groupNumbers>
</ns:product></ns:productList></ns:GetProductsResponse>
"""


def test_api_notes_example_parses_into_models() -> None:
    raw = parse_response(envelope(PRODUCTS), "getProducts")
    products = [Product.from_wire(p) for p in raw["productList"]["product"]]
    assert len(products) == 1  # single-item list stays a list
    product = products[0]
    assert product.group_numbers == [12] and product.extra_text == ""
    article = product.articles[0]
    assert article.price_incl == Decimal("19.95") and article.price_excl == Decimal("16.49")
    assert article.category_ids == [3] and article.active is True
    assert article.ext_article_id is None and article.change_timestamp is None  # omitted optionals


@pytest.mark.parametrize(
    ("env_prefix", "ns_decl", "body"),
    [
        (
            "soap",
            'xmlns:m="urn:mplusqapi"',
            "<m:getApiVersionResponse><m:majorNumber>1</m:majorNumber><m:minorNumber>0</m:minorNumber><m:revisionNumber>0</m:revisionNumber><m:inDebugMode>false</m:inDebugMode></m:getApiVersionResponse>",
        ),
        (
            "e",
            'xmlns="urn:mplusqapi"',
            "<getApiVersionResponse><majorNumber>1</majorNumber><minorNumber>0</minorNumber><revisionNumber>0</revisionNumber><inDebugMode>0</inDebugMode></getApiVersionResponse>",
        ),
    ],
)
def test_any_prefix_is_accepted(env_prefix: str, ns_decl: str, body: str) -> None:
    raw = parse_response(envelope(body, env_prefix, ns_decl), "getApiVersion")
    assert raw["majorNumber"] == 1 and raw["inDebugMode"] is False


def test_bare_repeated_elements_and_quantities() -> None:
    body = """<ns:GetStockResponse>
      <ns:articleStocks><ns:branchNumber>1</ns:branchNumber><ns:articleNumber>4542</ns:articleNumber>
        <ns:stockId>9850</ns:stockId><ns:amountFree>1250</ns:amountFree><ns:decimalPlacesFree>2</ns:decimalPlacesFree>
        <ns:amountReserved>3</ns:amountReserved><ns:amountIncoming>20</ns:amountIncoming>
        <ns:isDayStockArticle>false</ns:isDayStockArticle></ns:articleStocks>
    </ns:GetStockResponse>"""
    raw = parse_response(envelope(body), "getStock")
    levels = [StockLevel.from_wire(s) for s in raw["articleStocks"]]
    assert len(levels) == 1
    assert levels[0].amount_free == Decimal("12.50") and levels[0].amount_reserved == Decimal(3)


def test_empty_list_wrapper_gives_empty_list() -> None:
    raw = parse_response(
        envelope("<ns:GetProductsResponse><ns:productList/></ns:GetProductsResponse>"),
        "getProducts",
    )
    assert raw == {"productList": {}}


def test_client_fault_with_dotted_code() -> None:
    body = "<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client.Authentication</faultcode><faultstring>Invalid ident or secret</faultstring></SOAP-ENV:Fault>"
    with pytest.raises(MplusClientFault) as fault:
        parse_response(envelope(body), "getProducts", request_id="r-1")
    assert fault.value.faultcode == "Client.Authentication" and not fault.value.retryable
    assert "r-1" in str(fault.value) and "getProducts" in str(fault.value)


def test_server_fault_is_retryable() -> None:
    body = "<SOAP-ENV:Fault><faultcode>SOAP-ENV:Server</faultcode><faultstring>busy</faultstring></SOAP-ENV:Fault>"
    with pytest.raises(MplusServerFault) as fault:
        parse_response(envelope(body), "getProducts")
    assert fault.value.retryable and fault.value.faultstring == "busy"


def test_business_result_is_data_not_a_fault() -> None:
    body = "<ns:CreateOrderV3Response><ns:idempotencyResult>IDEMPOTENCY-RESULT-ORIGINAL-RESPONSE</ns:idempotencyResult><ns:result>CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS</ns:result><ns:errorMessage>exists</ns:errorMessage><ns:info><ns:orderId></ns:orderId><ns:orderString></ns:orderString></ns:info></ns:CreateOrderV3Response>"
    raw = parse_response(envelope(body), "createOrderV3")
    assert (
        raw["result"] == "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS"
        and raw["info"]["orderId"] == ""
    )


def test_unexpected_response_element_is_a_protocol_error() -> None:
    with pytest.raises(MplusProtocolError):
        parse_response(
            envelope("<ns:GetOrdersResponse><ns:orderList/></ns:GetOrdersResponse>"), "getProducts"
        )


def test_malformed_values_are_protocol_errors() -> None:
    body = (
        "<ns:getApiVersionResponse><ns:majorNumber>one</ns:majorNumber></ns:getApiVersionResponse>"
    )
    with pytest.raises(MplusProtocolError):
        parse_response(envelope(body), "getApiVersion")
    with pytest.raises(MplusProtocolError):
        parse_response(b"<not-xml", "getApiVersion")
    with pytest.raises(MplusProtocolError):
        parse_response(b"<html><body>502 Bad Gateway</body></html>", "getApiVersion")


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn:mplusqapi">
<SOAP-ENV:Body><ns:getApiVersionResponse><ns:serviceHostname>&xxe;</ns:serviceHostname></ns:getApiVersionResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn:mplusqapi">
<SOAP-ENV:Body><ns:getApiVersionResponse><ns:serviceHostname>&lol3;</ns:serviceHostname></ns:getApiVersionResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"""


@pytest.mark.parametrize("document", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtds_and_entities_are_rejected(document: bytes) -> None:
    with pytest.raises(MplusProtocolError, match="DTD"):
        parse_response(document, "getApiVersion")


def test_lxml_parser_itself_does_not_resolve_entities(tmp_path) -> None:
    from lxml import etree

    from mkmw_flows.mplus.parse import safe_parser

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><r>&x;</r>'.encode()
    root = etree.fromstring(doc, safe_parser())
    assert "TOP-SECRET" not in etree.tostring(root).decode()
