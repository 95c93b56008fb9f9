"""Catalogue and stock operations of the emulator, round trips in raw SOAP, bodies WSDL-valid.

Article groups (newArticleGroup / updateArticleGroup), purchase orders and deliveries (incoming
stock), getStockHistory (V1), getImages, getCurrentSyncMarkersV2 and getBranchInformation.
Every request and every answer is validated against the WSDL's schema.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

import pytest
from lxml import etree

from .conftest import IDENT, SECRET, Served, validate_body
from .raw import body, call, children, find, findall, text


class Soap:
    """Raw SOAP calls to one served emulator, each request and answer checked on the XSD."""

    def __init__(self, served: Served, xsd: etree.XMLSchema) -> None:
        self.url = served.url
        self.xsd = xsd

    def __call__(self, operation: str, fields: dict[str, Any]) -> Any:
        name, errors = validate_body(self.xsd, body(operation, fields))
        assert not errors, f"request {name}: {errors}"
        status, raw, answer = call(self.url, IDENT, SECRET, operation, fields)
        assert status == 200, raw[:400]
        name, errors = validate_body(self.xsd, raw)
        assert not errors, f"response {name}: {errors}"
        return answer


@pytest.fixture
def soap(served: Served, xsd: etree.XMLSchema) -> Soap:
    return Soap(served, xsd)


def _markers(soap: Soap, *names: str) -> dict[str, int]:
    flags = {f"include{n[0].upper()}{n[1:]}": True for n in names}
    answer = soap("getCurrentSyncMarkersV2", {"request": flags})
    return {etree.QName(c).localname: int(c.text) for c in answer}


def _group(tree: Any, number: int) -> Any:
    for group in tree.iter("{urn:mplusqapi}articleGroups"):
        if text(group, "groupNumber") == str(number):
            return group
    return None


def test_article_groups_are_created_renamed_and_moved(soap: Soap, served: Served) -> None:
    start = _markers(soap, "articleGroupSyncMarker")["articleGroupSyncMarker"]
    made = soap(
        "newArticleGroup",
        {"request": {"parentGroupNumber": 1, "name": "Jassen", "text": "Jassen en mantels"}},
    )
    assert text(made, "result") == "NEW-ARTICLE-GROUP-RESULT-OK"
    number = int(text(made, "groupNumber") or 0)
    assert number not in (0, 1)

    tree = soap("getArticleGroups", {"request": {}})
    kleding = _group(tree, 1)
    assert number in {
        int(text(g, "groupNumber") or 0) for g in findall(kleding, "subGroupList/articleGroups")
    }
    assert text(_group(tree, number), "text") == "Jassen en mantels"

    renamed = soap(
        "updateArticleGroup",
        {"request": {"groupNumber": number, "name": "Winterjassen", "parentGroupNumber": 2}},
    )
    assert children(renamed) == ["result"]
    assert text(renamed, "result") == "SAVE-ARTICLE-GROUP-RESULT-OK"

    tree = soap("getArticleGroups", {"request": {}})
    under = {
        int(text(g, "groupNumber") or 0)
        for g in findall(_group(tree, 2), "subGroupList/articleGroups")
    }
    assert number in under
    assert _group(_group(tree, 1), number) is None
    assert text(_group(tree, number), "name") == "Winterjassen"
    # the incremental tree read returns the top group holding the change
    since = soap("getArticleGroups", {"request": {"syncMarker": start + 1}})
    assert [text(g, "groupNumber") for g in findall(since, "articleGroupList/articleGroups")] == [
        "2"
    ]

    changes = soap("getArticleGroupChanges", {"request": {"syncMarker": start + 1}})
    changed = findall(changes, "changedArticleGroupList/changedArticleGroups")
    assert [text(c, "groupNumber") for c in changed] == [str(number)]  # the newest state, once
    assert text(changed[0], "parentGroupNumber") == "2"
    assert text(changed[0], "name") == "Winterjassen"
    after = _markers(soap, "articleGroupSyncMarker")["articleGroupSyncMarker"]
    assert after == start + 2 == int(text(changed[0], "syncMarker") or 0)

    # refusals a server gives as results
    lost = soap("newArticleGroup", {"request": {"parentGroupNumber": 777, "name": "X", "text": ""}})
    assert text(lost, "result") == "NEW-ARTICLE-GROUP-RESULT-PARENT-NOTFOUND"
    missing = soap("updateArticleGroup", {"request": {"groupNumber": 777, "name": "X"}})
    assert text(missing, "result") == "SAVE-ARTICLE-GROUP-RESULT-NOT-FOUND"
    loop = soap("updateArticleGroup", {"request": {"groupNumber": 2, "parentGroupNumber": number}})
    assert text(loop, "result") == "SAVE-ARTICLE-GROUP-RESULT-FAILED"
    top = soap(
        "newArticleGroup", {"request": {"parentGroupNumber": 0, "name": "Outlet", "text": ""}}
    )
    outlet = int(text(top, "groupNumber") or 0)
    tops = soap("getArticleGroups", {"request": {}})
    assert str(outlet) in [
        text(g, "groupNumber") for g in findall(tops, "articleGroupList/articleGroups")
    ]
    # a group change does not touch the products feed
    assert (
        served.emulator.backend.counters["article"]
        == _markers(soap, "articleSyncMarker")["articleSyncMarker"]
    )


def _stock(soap: Soap, article: int, stock_id: int | None = None) -> dict[str, int]:
    request: dict[str, Any] = {"branchNumber": 1, "articleNumbers": {"articleNumbers": [article]}}
    if stock_id is not None:
        request["stockId"] = stock_id
    answer = soap("getStock", {"request": request})
    rows = findall(answer, "articleStocks")
    if not rows:
        return {}
    return {
        name: int(text(rows[0], name) or 0)
        for name in ("stockId", "amountFree", "amountReserved", "amountIncoming")
    }


def _stock_articles(served: Served) -> list[int]:
    articles = served.emulator.backend.articles
    return [n for n, a in sorted(articles.items()) if a.get("stockArticle", True)]


def _line(article: int, quantity: int, field: str = "quantity") -> dict[str, Any]:
    return {"articleNumber": article, "data": {field: quantity}}


def test_purchase_order_raises_incoming_until_its_delivery(soap: Soap, served: Served) -> None:
    a, b = _stock_articles(served)[:2]
    before_a, before_b = _stock(soap, a), _stock(soap, b)
    start = _markers(soap, "stockId", "purchaseOrderSyncMarker")

    saved = soap(
        "savePurchaseOrder",
        {
            "purchaseOrder": {
                "extPurchaseOrderId": "PO-2026-001",
                "relationNumber": min(served.emulator.backend.relations),
                "branchNumber": 1,
                "reference": "Najaarscollectie",
                "lineList": {"line": [_line(a, 10), _line(b, 4)]},
            }
        },
    )
    assert text(saved, "result") == "SAVE-PURCHASE-ORDER-RESULT-OK"
    number = {
        "year": int(text(saved, "info/purchaseOrderNumber/year") or 0),
        "number": int(text(saved, "info/purchaseOrderNumber/number") or 0),
    }

    # the stock feed sees the incoming amounts (stockId bumped), free stock is untouched
    moved = _stock(soap, a, start["stockId"] + 1)
    assert moved["amountIncoming"] == before_a.get("amountIncoming", 0) + 10
    assert moved["amountFree"] == before_a.get("amountFree", 0)
    assert moved["stockId"] > start["stockId"]
    assert _stock(soap, b)["amountIncoming"] == before_b.get("amountIncoming", 0) + 4
    po_marker = _markers(soap, "purchaseOrderSyncMarker")["purchaseOrderSyncMarker"]
    assert po_marker == start["purchaseOrderSyncMarker"] + 1

    orders = soap("getPurchaseOrders", {"request": {"purchaseOrderNumber": number}})
    (order,) = findall(orders, "purchaseOrderList/purchaseOrder")
    assert text(order, "state") == "PURCHASE-ORDER-STATE-OPEN"
    assert text(order, "extPurchaseOrderId") == "PO-2026-001"
    assert len(findall(order, "lineList/line")) == 2

    # a partial delivery moves 6 of a from incoming to free
    first = soap(
        "savePurchaseDelivery",
        {
            "purchaseDelivery": {
                "branchNumber": 1,
                "lineList": {"line": [_line(a, 6, "deliveredQuantity")]},
                "purchaseOrderNumber": number,
            }
        },
    )
    assert text(first, "result") == "SAVE-PURCHASE-DELIVERY-RESULT-OK"
    now = _stock(soap, a)
    assert now["amountIncoming"] == before_a.get("amountIncoming", 0) + 4
    assert now["amountFree"] == before_a.get("amountFree", 0) + 6
    orders = soap("getPurchaseOrders", {"request": {"syncMarker": po_marker + 1}})
    (order,) = findall(orders, "purchaseOrderList/purchaseOrder")
    assert text(order, "state") == "PURCHASE-ORDER-STATE-PARTIALLY-DELIVERED"
    assert text(order, "lineList/line/data/deliveredQuantity") == "6"

    # the rest, and one more of b than ordered: incoming never goes below what was ordered
    soap(
        "savePurchaseDelivery",
        {
            "purchaseDelivery": {
                "branchNumber": 1,
                "lineList": {
                    "line": [_line(a, 4, "deliveredQuantity"), _line(b, 5, "deliveredQuantity")]
                },
                "purchaseOrderNumber": number,
            }
        },
    )
    end_a, end_b = _stock(soap, a), _stock(soap, b)
    assert end_a["amountIncoming"] == before_a.get("amountIncoming", 0)
    assert end_a["amountFree"] == before_a.get("amountFree", 0) + 10
    assert end_b["amountIncoming"] == before_b.get("amountIncoming", 0)
    assert end_b["amountFree"] == before_b.get("amountFree", 0) + 5
    orders = soap(
        "getPurchaseOrders", {"request": {"purchaseOrderNumber": number, "includeLineList": False}}
    )
    (order,) = findall(orders, "purchaseOrderList/purchaseOrder")
    assert text(order, "state") == "PURCHASE-ORDER-STATE-COMPLETELY-DELIVERED"
    assert find(order, "lineList") is None
    assert len(findall(order, "purchaseDeliveryNumbers/yearNumber")) == 2
    deliveries = soap(
        "getPurchaseDeliveries", {"request": {"syncMarker": 0, "articleNumbers": [b]}}
    )
    assert len(findall(deliveries, "purchaseDeliveryList/purchaseDelivery")) == 1

    # the physical changes are in the stock history (V1: one branch), typed DELIVERY
    history = soap(
        "getStockHistory",
        {
            "request": {
                "branchNumber": 1,
                "articleNumbers": {"articleNumbers": [a]},
                "sinceStockId": start["stockId"] + 1,
            }
        },
    )
    entries = findall(history, "articleStockHistory")
    assert [(text(e, "type"), text(e, "amountChanged")) for e in entries] == [
        ("STOCK-HISTORY-TYPE-DELIVERY", "6"),
        ("STOCK-HISTORY-TYPE-DELIVERY", "4"),
    ]
    assert all(find(e, "deliveryNumber/number") is not None for e in entries)
    window = soap(
        "getStockHistory",
        {
            "request": {
                "branchNumber": 1,
                "fromFinancialDateTime": {
                    "sec": 0,
                    "min": 0,
                    "hour": 0,
                    "day": 1,
                    "mon": 1,
                    "year": 2000,
                    "isdst": False,
                    "timezone": 0,
                },
                "throughFinancialDateTime": {
                    "sec": 0,
                    "min": 0,
                    "hour": 0,
                    "day": 2,
                    "mon": 1,
                    "year": 2000,
                    "isdst": False,
                    "timezone": 0,
                },
            }
        },
    )
    assert findall(window, "articleStockHistory") == []


def test_purchase_refusals_are_results(soap: Soap, served: Served) -> None:
    article, other = _stock_articles(served)[:2]
    order = {
        "extPurchaseOrderId": "PO-X",
        "branchNumber": 1,
        "lineList": {"line": [_line(article, 2)]},
    }
    assert (
        text(soap("savePurchaseOrder", {"purchaseOrder": order}), "result")
        == "SAVE-PURCHASE-ORDER-RESULT-OK"
    )
    again = soap("savePurchaseOrder", {"purchaseOrder": order})
    assert text(again, "result") == "SAVE-PURCHASE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS"
    unknown = soap(
        "savePurchaseOrder",
        {"purchaseOrder": {"branchNumber": 1, "lineList": {"line": [_line(99999999, 1)]}}},
    )
    assert text(unknown, "result") == "SAVE-PURCHASE-ORDER-RESULT-FAILED"
    assert "99999999" in (text(unknown, "errorMessage") or "")
    nowhere = soap(
        "savePurchaseDelivery",
        {
            "purchaseDelivery": {
                "branchNumber": 1,
                "lineList": {"line": [_line(article, 1, "deliveredQuantity")]},
                "purchaseOrderNumber": {"year": 1999, "number": 5},
            }
        },
    )
    assert text(nowhere, "result") == "SAVE-PURCHASE-DELIVERY-RESULT-ORDER-NOT-FOUND"
    diverge = soap(
        "savePurchaseDelivery",
        {
            "purchaseDelivery": {
                "branchNumber": 1,
                "lineList": {"line": [_line(other, 1, "deliveredQuantity")]},
                "purchaseOrderNumber": {"year": served.emulator.backend.clock().year, "number": 1},
            }
        },
    )
    assert text(diverge, "result") == "SAVE-PURCHASE-DELIVERY-RESULT-LINES-DIVERGE-FROM-ORDER"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_get_images_returns_bytes_only_when_asked(soap: Soap, served: Served) -> None:
    backend = served.emulator.backend
    imaged = next(n for n, a in sorted(backend.articles.items()) if a.get("imageList"))
    image_id = backend.articles[imaged]["imageList"]["image"][0]["imageId"]
    products = soap("getProducts", {"request": {"articleNumbers": [imaged], "pluNumbers": {}}})
    listed = find(products, "productList/product/articleList/article/imageList/image")
    assert text(listed, "imageDataResult") == "LOAD-FILE-NOT-REQUESTED"

    answer = soap(
        "getImages",
        {
            "request": {
                "imageIds": [image_id, 424242],
                "includeImageData": True,
                "includeThumbData": False,
            }
        },
    )
    (image,) = findall(answer, "imageList/image")
    assert text(image, "imageId") == str(image_id)
    assert text(image, "imageDataResult") == "LOAD-FILE-OK"
    assert text(image, "thumbDataResult") == "LOAD-FILE-NOT-REQUESTED"
    data = base64.b64decode(text(image, "imageData") or "")
    assert _png_size(data) == (
        int(text(image, "imageWidth") or 0),
        int(text(image, "imageHeight") or 0),
    )

    thumbs = soap(
        "getImages",
        {"request": {"imageIds": [image_id], "includeImageData": False, "includeThumbData": True}},
    )
    thumb = find(thumbs, "imageList/image")
    assert text(thumb, "imageDataResult") == "LOAD-FILE-NOT-REQUESTED"
    assert _png_size(base64.b64decode(text(thumb, "thumbData") or "")) == (100, 100)
    # a new version of the picture has other bytes
    backend.set_image(imaged, "nieuw.jpg", 1)
    newer = soap(
        "getImages",
        {"request": {"imageIds": [image_id], "includeImageData": True, "includeThumbData": False}},
    )
    assert base64.b64decode(text(find(newer, "imageList/image"), "imageData") or "") != data


def test_current_sync_markers_v2_answers_only_what_was_asked(soap: Soap) -> None:
    v1 = soap("getCurrentSyncMarkers", {})
    answer = soap(
        "getCurrentSyncMarkersV2",
        {
            "request": {
                "includeArticleSyncMarker": True,
                "includeOrderSyncMarker": False,
                "includeProposalSyncMarker": True,
                "includeStockId": True,
            }
        },
    )
    assert children(answer) == ["articleSyncMarker", "proposalSyncMarker", "stockId"]
    assert text(answer, "articleSyncMarker") == text(v1, "articleSyncMarker")
    assert text(answer, "stockId") == text(v1, "stockId")
    assert text(answer, "proposalSyncMarker") == "0"
    assert children(soap("getCurrentSyncMarkersV2", {"request": {}})) == []


def test_branch_information_of_a_known_and_an_unknown_branch(soap: Soap, served: Served) -> None:
    served.emulator.backend.set_branch_information(1, city="Utrecht", email="utrecht@example.nl")
    answer = soap(
        "getBranchInformation", {"request": {"branchNumber": 1, "includeImageData": False}}
    )
    assert text(answer, "result") == "GET-BRANCH-INFORMATION-RESULT-OK"
    assert text(answer, "branchInformation/branchName") == "Winkel Utrecht"
    assert text(answer, "branchInformation/city") == "Utrecht"
    assert text(answer, "branchInformation/email") == "utrecht@example.nl"
    assert text(answer, "branchInformation/countryCode") == "528"
    assert text(answer, "branchInformation/fax") == ""
    unknown = soap("getBranchInformation", {"request": {"branchNumber": 42}})
    assert text(unknown, "result") == "GET-BRANCH-INFORMATION-RESULT-FAILED"
    assert find(unknown, "branchInformation") is None
