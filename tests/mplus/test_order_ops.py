"""Round trips of the emulator's order operations that the product's client does not call.

Raw SOAP requests as the official generated client writes them (``ns1`` prefix), over HTTP on
127.0.0.1; every request and every answer is validated against the vendor WSDL's schema.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from mkmw_flows.mplus.parse import body_child, parse_document

from .conftest import IDENT, SECRET, Served, validate_body

NS = "urn:mplusqapi"
ARTICLE = 20001  # a stock article of the demo seed (6 free in branch 1)
PRICE = 1695


def _xml(value: Any, tag: str) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(v, k) for k, v in value.items())
        return f"<ns1:{tag}>{inner}</ns1:{tag}>"
    if isinstance(value, list):
        return "".join(_xml(v, tag) for v in value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<ns1:{tag}>{value}</ns1:{tag}>"


def _plain(node: Any) -> Any:
    """An answer element as nested dicts (repeated elements as lists), text as strings."""
    children = list(node)
    if not children:
        return node.text or ""
    out: dict[str, Any] = {}
    for child in children:
        name = etree.QName(child).localname
        value = _plain(child)
        if name in out:
            if not isinstance(out[name], list):
                out[name] = [out[name]]
            out[name].append(value)
        else:
            out[name] = value
    return out


def soap(served: Served, operation: str, body: dict[str, Any], xsd: Any) -> dict[str, Any]:
    """Send one request (body = the operation's children, in sequence order); the answer.

    Both bodies must validate against the WSDL schema.
    """
    inner = "".join(_xml(v, k) for k, v in body.items())
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:ns1="{NS}"><SOAP-ENV:Header/><SOAP-ENV:Body>'
        f"<ns1:{operation}>{inner}</ns1:{operation}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()
    name, errors = validate_body(xsd, document)
    assert (name, errors) == (operation, []), errors
    reply = httpx.post(
        served.url + "/",
        params={"ident": IDENT, "secret": SECRET},
        content=document,
        headers={"content-type": "text/xml; charset=utf-8", "SOAPAction": operation},
    )
    assert reply.status_code == 200, reply.text[:500]
    _name, errors = validate_body(xsd, reply.content)
    assert errors == [], errors
    return dict(_plain(body_child(parse_document(reply.content))))


#: Order header fields these tests send, in the WSDL's sequence order.
_HEADER = ("orderId", "extOrderId", "employeeNumber", "relationNumber", "reference")
_LATER = ("deliveryMethod", "versionNumber")


def _order(ext: str, quantity: int = 2, **header: Any) -> dict[str, Any]:
    fields = {"orderId": "", "extOrderId": ext, "employeeNumber": 999999, "relationNumber": 1}
    fields.update(header)
    unknown = set(fields) - {*_HEADER, *_LATER}
    assert not unknown, unknown
    order = {k: fields[k] for k in (*_HEADER, *_LATER) if k in fields}
    order["lineList"] = {
        "line": [{"articleNumber": ARTICLE, "data": {"quantity": quantity, "price": PRICE}}]
    }
    return order


def _create(served: Served, xsd: Any, ext: str, quantity: int = 2, **header: Any) -> str:
    answer = soap(served, "createOrder", {"order": _order(ext, quantity, **header)}, xsd)
    assert answer["result"] == "CREATE-ORDER-RESULT-OK", answer
    return str(answer["info"]["orderId"])


def _changes(served: Served, xsd: Any, since: int, **filters: Any) -> list[dict[str, Any]]:
    request = {"syncMarker": since, **filters}
    found = soap(served, "getOrderChanges", {"request": request}, xsd)["orderChangeList"]
    items = found.get("orderChange", []) if isinstance(found, dict) else []
    return items if isinstance(items, list) else [items]


def _level(served: Served) -> dict[str, Decimal]:
    return served.emulator.backend.stock_level(ARTICLE)


def test_delivery_methods_v1_and_v2(served: Served, xsd: Any) -> None:
    all_methods = soap(served, "getDeliveryMethods", {}, xsd)["deliveryMethodList"]
    codes = [m["deliveryMethod"] for m in all_methods["deliveryMethod"]]
    assert codes == ["AFHALEN", "POSTNL", "DHL", "BEZORGEN"]
    v2 = soap(served, "getDeliveryMethodsV2", {"request": {"onlyEnabled": True}}, xsd)
    enabled = [m["deliveryMethod"] for m in v2["deliveryMethodList"]["deliveryMethod"]]
    assert enabled == ["AFHALEN", "POSTNL", "DHL"]
    every = soap(served, "getDeliveryMethodsV2", {"request": {}}, xsd)
    assert len(every["deliveryMethodList"]["deliveryMethod"]) == 4
    # the product's client reads the same list
    assert [m.delivery_method for m in served.client.get_delivery_methods()] == codes


def test_create_order_v1_stores_the_delivery_method_and_refuses_an_unknown_one(
    served: Served, xsd: Any
) -> None:
    before = _level(served)
    order_id = _create(served, xsd, "V1-1", deliveryMethod="POSTNL")
    got = soap(served, "getOrder", {"orderId": order_id}, xsd)
    assert got["result"] == "GET-ORDER-RESULT-OK"
    assert got["order"]["deliveryMethod"] == "POSTNL"
    assert served.client.get_order(order_id).delivery_method == "POSTNL"  # type: ignore[union-attr]
    assert _level(served)["reserved"] == before["reserved"] + 2
    assert _level(served)["free"] == before["free"] - 2

    again = soap(served, "createOrder", {"order": _order("V1-1")}, xsd)
    assert again["result"] == "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS"
    wrong = soap(served, "createOrder", {"order": _order("V1-2", deliveryMethod="KOERIER")}, xsd)
    assert wrong["result"] == "CREATE-ORDER-RESULT-FAILED"
    assert "KOERIER" in wrong["errorMessage"]
    assert not served.emulator.backend.orders_by_ext_id("V1-2")
    assert _level(served)["reserved"] == before["reserved"] + 2  # nothing reserved for it


def test_pay_order_v1_deposit_then_invoice(served: Served, xsd: Any) -> None:
    order_id = _create(served, xsd, "PAY-1", quantity=1)
    payment = {"payment": [{"method": "IDEAL", "amount": 500}]}
    short = soap(
        served,
        "payOrder",
        {"request": {"orderId": order_id, "prepay": False, "paymentList": payment}},
        xsd,
    )
    assert short["result"] == "PAY-ORDER-RESULT-PAYMENT-INSUFFICIENT"
    deposit = soap(
        served,
        "payOrder",
        {"request": {"orderId": order_id, "prepay": True, "paymentList": payment}},
        xsd,
    )
    assert deposit["result"] == "PAY-ORDER-RESULT-OK" and "invoiceId" not in deposit
    rest = {"payment": [{"method": "IDEAL", "amount": PRICE - 500}]}
    final = soap(
        served,
        "payOrder",
        {"request": {"orderId": order_id, "prepay": False, "paymentList": rest}},
        xsd,
    )
    assert final["result"] == "PAY-ORDER-RESULT-OK" and final["invoiceId"]
    order = served.emulator.backend.orders[order_id]
    assert order["prepaidAmount"] == PRICE and order["fullyPaid"] is True
    assert order["deliveryState"] == "ORDER-DELIVERY-STATE-COMPLETE"
    missing = soap(
        served,
        "payOrder",
        {"request": {"orderId": "nope", "prepay": True, "paymentList": payment}},
        xsd,
    )
    assert missing["result"] == "PAY-ORDER-RESULT-FAILED"


def test_find_relation_v1_matches_partially_and_case_insensitively(
    served: Served, xsd: Any
) -> None:
    found = soap(served, "findRelation", {"relation": {"email": "JAN.DEVRIES0@EXAMPLE"}}, xsd)
    assert found["result"] == "FIND-RELATION-RESULT-OK"
    assert found["relation"]["relationNumber"] == "1"
    v2 = soap(
        served,
        "findRelationV2",
        {"request": {"relation": {"email": "JAN.DEVRIES0@EXAMPLE"}, "exactMatch": True}},
        xsd,
    )
    assert v2["result"] == "FIND-RELATION-RESULT-NOT-FOUND"  # V2 exact: a fragment is no match
    none = soap(served, "findRelation", {"relation": {"email": "nobody@nowhere"}}, xsd)
    assert none["result"] == "FIND-RELATION-RESULT-NOT-FOUND"


def test_cancel_order_v2_releases_the_reservation_and_shows_in_the_changes(
    served: Served, xsd: Any
) -> None:
    before = _level(served)
    order_id = _create(served, xsd, "CAN-1", quantity=3)
    marker = served.emulator.backend.orders[order_id]["syncMarker"]
    till = {"workplace": {"branchNumber": 1, "workplaceNumber": 1}, "employee": {}}
    stranger = {**till, "employee": {"employeeNumber": 4242}, "orderId": order_id}
    refused = soap(served, "cancelOrderV2", {"request": stranger}, xsd)
    assert refused["result"] == "CANCEL-ORDER-RESULT-FAILED" and "4242" in refused["message"]
    request = {**till, "employee": {"employeeNumber": 1}, "orderId": order_id}
    done = soap(served, "cancelOrderV2", {"request": request}, xsd)
    assert done["result"] == "CANCEL-ORDER-RESULT-OK"
    assert _level(served) == before  # reserved back down, free back up
    twice = soap(served, "cancelOrderV2", {"request": request}, xsd)
    assert twice["result"] == "CANCEL-ORDER-RESULT-ALREADY-CANCELLED"
    gone = soap(served, "cancelOrderV2", {"request": {**request, "orderId": "nope"}}, xsd)
    assert gone["result"] == "CANCEL-ORDER-RESULT-NOT-FOUND"

    changes = _changes(served, xsd, marker)
    assert [c["syncMarker"] for c in changes] == sorted(c["syncMarker"] for c in changes)
    created, cancelled = changes
    assert created["orderId"] == cancelled["orderId"] == order_id
    assert created["cancelStateNew"] == "ORDER-CANCEL-STATE-NOTHING"
    assert "cancelStateOld" not in created
    assert cancelled["cancelStateOld"] == "ORDER-CANCEL-STATE-NOTHING"
    assert cancelled["cancelStateNew"] == "ORDER-CANCEL-STATE-COMPLETE"
    assert "relationNumberNew" not in cancelled  # only what changed
    # the product's getOrders feed sees the same order at the same marker
    feed = served.client.get_orders(sync_marker=int(cancelled["syncMarker"]), include_lines=False)
    assert [(o.order_id, o.cancel_state) for o in feed] == [
        (order_id, "ORDER-CANCEL-STATE-COMPLETE")
    ]


def test_deliver_order_books_the_sale_and_cannot_be_cancelled_after(
    served: Served, xsd: Any
) -> None:
    before = _level(served)
    order_id = _create(served, xsd, "DEL-1", quantity=2)
    marker = served.emulator.backend.counters["order"] + 1
    answer = soap(served, "deliverOrder", {"request": {"orderId": order_id}}, xsd)
    assert answer["result"] == "DELIVER-ORDER-RESULT-OK"
    assert answer["packingSlipId"] and answer["invoiceId"]
    after = _level(served)
    assert after["reserved"] == before["reserved"]  # the reservation became a sale
    assert after["free"] == before["free"] - 2
    history = served.emulator.backend.stock_history[-1]
    assert (history["type"], history["orderId"]) == ("STOCK-HISTORY-TYPE-SALES", order_id)
    assert served.emulator.backend.invoices[answer["invoiceId"]]["totalInclAmount"] == 2 * PRICE
    again = soap(served, "deliverOrder", {"request": {"orderId": order_id}}, xsd)
    assert again["result"] == "DELIVER-ORDER-RESULT-ALREADY-DELIVERED"
    cancel = soap(served, "cancelOrder", {"orderId": order_id}, xsd)
    assert cancel["result"] == "CANCEL-ORDER-RESULT-FAILED"
    (change,) = _changes(served, xsd, marker)
    assert change["deliveryStateOld"] == "ORDER-DELIVERY-STATE-NOTHING"
    assert change["deliveryStateNew"] == "ORDER-DELIVERY-STATE-COMPLETE"

    receipt_id = _create(served, xsd, "DEL-2", quantity=1)
    turnover = "DELIVER-ORDER-TURNOVER-TYPE-RECEIPT"
    receipt = soap(
        served, "deliverOrder", {"request": {"orderId": receipt_id, "turnoverType": turnover}}, xsd
    )
    assert receipt["result"] == "DELIVER-ORDER-RESULT-OK" and "invoiceId" not in receipt
    cancelled = _create(served, xsd, "DEL-3", quantity=1)
    soap(served, "cancelOrder", {"orderId": cancelled}, xsd)
    refused = soap(served, "deliverOrder", {"request": {"orderId": cancelled}}, xsd)
    assert refused["result"] == "DELIVER-ORDER-RESULT-FAILED"


def test_deliver_order_v2_delivers_per_line(served: Served, xsd: Any) -> None:
    before = _level(served)
    order_id = _create(served, xsd, "DV2-1", quantity=3)
    line_id = served.emulator.backend.orders[order_id]["lineList"]["line"][0]["lineId"]

    def deliver(quantity: int) -> dict[str, Any]:
        spec = {
            "orderId": order_id,
            "lineList": {"line": [{"lineId": line_id, "quantity": quantity}]},
        }
        return soap(served, "deliverOrderV2", {"request": {"orderDelivery": spec}}, xsd)

    assert deliver(4)["result"] == "DELIVER-ORDER-V2-RESULT-FAILED"  # only 3 on the line
    first = deliver(1)
    assert first["result"] == "DELIVER-ORDER-V2-RESULT-OK"
    order = served.emulator.backend.orders[order_id]
    assert order["deliveryState"] == "ORDER-DELIVERY-STATE-PARTIAL"
    assert _level(served)["reserved"] == before["reserved"] + 2
    invoice = served.emulator.backend.invoices[first["invoiceId"]]
    assert invoice["totalInclAmount"] == PRICE
    assert deliver(3)["result"] == "DELIVER-ORDER-V2-RESULT-FAILED"  # 2 left
    assert deliver(2)["result"] == "DELIVER-ORDER-V2-RESULT-OK"
    assert order["deliveryState"] == "ORDER-DELIVERY-STATE-COMPLETE"
    assert _level(served) == {**before, "free": before["free"] - 3}
    assert deliver(1)["result"] == "DELIVER-ORDER-V2-RESULT-ALREADY-DELIVERED"


def test_update_order_changes_lines_and_reservations(served: Served, xsd: Any) -> None:
    before = _level(served)
    order_id = _create(served, xsd, "UPD-1", quantity=1, reference="first")
    stored = served.emulator.backend.orders[order_id]
    version = stored["versionNumber"]
    line_id = stored["lineList"]["line"][0]["lineId"]
    marker = stored["syncMarker"] + 1
    new = _order("UPD-1", 3, orderId=order_id, reference="second", deliveryMethod="DHL")
    new["lineList"]["line"][0] = {"lineId": line_id, **new["lineList"]["line"][0]}
    first = _order(
        "UPD-1",
        3,
        orderId=order_id,
        reference="second",
        deliveryMethod="DHL",
        versionNumber=version,
    )
    first["lineList"] = new["lineList"]
    answer = soap(served, "updateOrder", {"order": first}, xsd)
    assert answer["result"] == "UPDATE-ORDER-RESULT-OK"
    assert answer["info"]["orderId"] == order_id
    assert _level(served)["reserved"] == before["reserved"] + 3
    assert stored["reference"] == "second" and stored["totalInclAmount"] == 3 * PRICE
    (change,) = _changes(served, xsd, marker)
    assert (change["deliveryMethodNew"], change["totalInclAmountOld"]) == ("DHL", str(PRICE))
    line = change["lineChangeList"]["lineChange"]
    assert line["lineId"] == line_id
    assert (line["data"]["quantityOld"], line["data"]["quantityNew"]) == ("1", "3")

    same = soap(served, "updateOrder", {"order": new}, xsd)
    assert same["result"] == "UPDATE-ORDER-RESULT-NO-CHANGES"
    stale = _order("UPD-1", 3, orderId=order_id, reference="third", versionNumber=version)
    assert soap(served, "updateOrder", {"order": stale}, xsd)["result"] == (
        "UPDATE-ORDER-RESULT-ORDER-HAS-CHANGED"
    )
    wrong = {**new, "deliveryMethod": "KOERIER"}
    assert soap(served, "updateOrder", {"order": wrong}, xsd)["result"] == (
        "UPDATE-ORDER-RESULT-FAILED"
    )
    missing = soap(served, "updateOrder", {"order": {**new, "orderId": "nope"}}, xsd)
    assert missing["result"] == "UPDATE-ORDER-RESULT-NOT-FOUND"

    v2 = soap(served, "updateOrderV2", {"request": {"order": {**new, "reference": "v2"}}}, xsd)
    assert v2["result"] == "UPDATE-ORDER-RESULT-OK" and v2["order"]["reference"] == "v2"
    soap(served, "deliverOrder", {"request": {"orderId": order_id}}, xsd)
    late = soap(served, "updateOrder", {"order": {**new, "reference": "late"}}, xsd)
    assert late["result"] == "UPDATE-ORDER-RESULT-FAILED"


def test_get_order_changes_pages_and_filters(served: Served, xsd: Any) -> None:
    start = served.emulator.backend.counters["order"] + 1
    first = _create(served, xsd, "CHG-1")
    _create(served, xsd, "CHG-2", relationNumber=2)
    soap(served, "cancelOrder", {"orderId": first}, xsd)
    every = _changes(served, xsd, start)
    assert [c["extOrderId"] for c in every] == ["CHG-1", "CHG-2", "CHG-1"]
    markers = [int(c["syncMarker"]) for c in every]
    assert markers == sorted(markers)
    page = _changes(served, xsd, start, syncMarkerLimit=2)
    assert [c["extOrderId"] for c in page] == ["CHG-1", "CHG-2"]
    rest = _changes(served, xsd, markers[1] + 1)
    assert [c["cancelStateNew"] for c in rest] == ["ORDER-CANCEL-STATE-COMPLETE"]
    only_two = _changes(served, xsd, start, relationNumbers=[2])
    assert [c["extOrderId"] for c in only_two] == ["CHG-2"]
    assert _changes(served, xsd, markers[-1] + 1) == []


@pytest.mark.parametrize("operation", ["createOrderV3"])
def test_create_order_v3_refuses_an_unknown_delivery_method(
    served: Served, xsd: Any, operation: str
) -> None:
    request = {"idempotencyKey": "k-1", "order": _order("V3-1", deliveryMethod="KOERIER")}
    answer = soap(served, operation, {"request": request}, xsd)
    assert answer["result"] == "CREATE-ORDER-RESULT-FAILED" and "KOERIER" in answer["errorMessage"]
    request = {"idempotencyKey": "k-2", "order": _order("V3-1", deliveryMethod="AFHALEN")}
    answer = soap(served, operation, {"request": request}, xsd)
    assert answer["result"] == "CREATE-ORDER-RESULT-OK"
    assert answer["order"]["deliveryMethod"] == "AFHALEN"
