"""The one-pass record reader gives exactly what decode + from_wire gives, errors included."""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkmw_flows.mplus.codec import NS, decode
from mkmw_flows.mplus.errors import MplusProtocolError
from mkmw_flows.mplus.models import Product
from mkmw_flows.mplus.parse import body_child, parse_document, parse_response, read_response
from mkmw_flows.mplus.records import read_records

from .test_parse import PRODUCTS, envelope

RICH = """
<m:GetProductsResponse xmlns:m="urn:mplusqapi"><m:productList>
<m:product><m:productNumber>7</m:productNumber><m:syncMarker>9</m:syncMarker><m:description>Jas</m:description>
  <m:articleList>
   <m:article><m:articleNumber>70</m:articleNumber><m:syncMarker>8</m:syncMarker>
    <m:changeTimestamp><m:sec>1</m:sec><m:min>2</m:min><m:hour>3</m:hour><m:day>4</m:day><m:mon>5</m:mon><m:year>2026</m:year><m:isdst>true</m:isdst><m:timezone>120</m:timezone></m:changeTimestamp>
    <m:active>false</m:active><m:purchasePrice>-5</m:purchasePrice><m:priceIncl>0</m:priceIncl>
    <m:imageList><m:image><m:imageId>3</m:imageId><m:imageHash>h</m:imageHash></m:image><m:image><m:imageId>4</m:imageId></m:image></m:imageList>
    <m:customFieldList><m:customField><m:fieldName>gewicht</m:fieldName><m:intValue>1250</m:intValue><m:decimalPlaces>3</m:decimalPlaces>
      <m:dateValue><m:day>1</m:day><m:mon>2</m:mon><m:year>2025</m:year></m:dateValue></m:customField></m:customFieldList>
    <m:salesPriceList><m:salesPrice><m:salesPriceNumber>1</m:salesPriceNumber><m:priceIncl>995</m:priceIncl>
      <m:startDate><m:day>1</m:day><m:mon>1</m:mon><m:year>2026</m:year></m:startDate></m:salesPrice></m:salesPriceList>
    <!-- a comment --><m:colourSequenceNumber>4</m:colourSequenceNumber>
   </m:article>
   <m:article><articleNumber>71</articleNumber><m:syncMarker>9</m:syncMarker><m:barcode></m:barcode></m:article>
  </m:articleList>
  <m:groupNumbers>1</m:groupNumbers><m:groupNumbers>2</m:groupNumbers>
</m:product>
<m:product><m:productNumber>8</m:productNumber><m:articleList/></m:product>
</m:productList></m:GetProductsResponse>
"""


def _both(body: str) -> tuple[list[Product], list[Product]]:
    content = envelope(body)
    raw = parse_response(content, "getProducts")
    generic = [Product.from_wire(p) for p in raw.get("productList", {}).get("product", [])]
    fast = read_response(
        content,
        "getProducts",
        lambda r: read_records(Product, r, "GetProductsResponse", ("productList", "product")),
    )
    return generic, fast


@pytest.mark.parametrize("body", [PRODUCTS, RICH])
def test_one_pass_reader_equals_decode_then_from_wire(body: str) -> None:
    generic, fast = _both(body)
    assert fast == generic and len(fast) >= 1
    for a, b in zip(generic, fast, strict=True):
        assert a.model_fields_set == b.model_fields_set
        for x, y in zip(a.articles, b.articles, strict=True):
            assert x.model_fields_set == y.model_fields_set


def test_rich_product_fields_are_read() -> None:
    _generic, (jas, empty) = _both(RICH)
    first, second = jas.articles
    assert first.change_timestamp is not None and first.change_timestamp.year == 2026
    assert first.change_timestamp.utcoffset() is not None
    assert first.active is False and first.purchase_price == Decimal("-0.05")
    assert [i.image_id for i in first.images or []] == [3, 4]
    field = (first.custom_fields or [])[0]
    assert field.int_value == Decimal("1.250") and field.date_value is not None
    assert (first.sales_prices or [])[0].price_incl == Decimal("9.95")
    assert second.article_number == 71 and second.barcode == ""  # bare tag, empty text
    assert jas.group_numbers == [1, 2] and empty.articles == []


@pytest.mark.parametrize(
    "bad",
    [
        "<ns:priceIncl>12,50</ns:priceIncl>",
        "<ns:articleNumber>x</ns:articleNumber>",
        "<ns:active>maybe</ns:active>",
        "<ns:changeTimestamp><ns:sec>a</ns:sec></ns:changeTimestamp>",
        "<ns:colourSequenceNumber>?</ns:colourSequenceNumber>",  # a field no model uses
    ],
)
def test_malformed_values_stay_protocol_errors(bad: str) -> None:
    body = f"<ns:GetProductsResponse><ns:productList><ns:product><ns:articleList><ns:article>{bad}</ns:article></ns:articleList></ns:product></ns:productList></ns:GetProductsResponse>"
    with pytest.raises(MplusProtocolError):
        parse_response(envelope(body), "getProducts")
    with pytest.raises(MplusProtocolError):
        read_response(
            envelope(body),
            "getProducts",
            lambda r: read_records(Product, r, "GetProductsResponse", ("productList", "product")),
        )


_text = st.text(alphabet=st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), max_size=8)


@settings(max_examples=60, deadline=None)
@given(
    number=st.integers(min_value=-(2**40), max_value=2**40),
    cents=st.integers(min_value=-(10**9), max_value=10**9),
    text=_text,
    flag=st.sampled_from(["true", "false", "1", "0"]),
    groups=st.lists(st.integers(min_value=0, max_value=999), max_size=3),
)
def test_generated_products_read_the_same(
    number: int, cents: int, text: str, flag: str, groups: list[int]
) -> None:
    esc = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    article = (
        f"<ns:article><ns:articleNumber>{number}</ns:articleNumber><ns:description>{esc}</ns:description>"
        f"<ns:webshop>{flag}</ns:webshop><ns:priceExcl>{cents}</ns:priceExcl></ns:article>"
    )
    body = (
        "<ns:GetProductsResponse><ns:productList><ns:product>"
        f"<ns:productNumber>{number}</ns:productNumber><ns:articleList>{article}{article}</ns:articleList>"
        + "".join(f"<ns:groupNumbers>{g}</ns:groupNumbers>" for g in groups)
        + "</ns:product></ns:productList></ns:GetProductsResponse>"
    )
    generic, fast = _both(body)
    assert fast == generic
    assert fast[0].articles[0].price_excl == Decimal(cents).scaleb(-2)
    root = body_child(parse_document(envelope(body)))
    assert root.tag == f"{{{NS}}}GetProductsResponse" and decode(root, "GetProductsResponse")
