"""Order operations of the emulated MplusKASSA beyond create / pay / cancel.

The V1 calls real clients still use, updates, deliveries, ``cancelOrderV2``, the
``getOrderChanges`` feed and the delivery methods.

Plain functions over :class:`~mkmw_emulators.mplus.backend.MplusBackend` state; like the
backend they know nothing of XML. Semantics from contracts/mplus/API-NOTES.md §2.5 and the WSDL
types; where neither says, the choice is marked **[inferred]**.

The order change log: every change of an order (each new order syncMarker) appends one
``OrderChange`` with the header fields that changed as ``<field>Old`` / ``<field>New`` and the
lines added, removed or changed, stamped with the order's new syncMarker, so
``getOrderChanges`` pages exactly like ``getOrders`` (``>=``, ascending, ``syncMarkerLimit``)
**[inferred: the WSDL gives ``OrderChange.syncMarker`` and the request filters, no public
source says whether the marker is the order's; sharing it is the reading that keeps the two
feeds consistent]**. A new order's first change carries only ``…New`` values.
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mkmw_emulators.mplus.backend import MplusBackend

NOTHING_DELIVERED = "ORDER-DELIVERY-STATE-NOTHING"
NOT_CANCELLED = "ORDER-CANCEL-STATE-NOTHING"
TURNOVER_INVOICE = "DELIVER-ORDER-TURNOVER-TYPE-INVOICE"
TURNOVER_RECEIPT = "DELIVER-ORDER-TURNOVER-TYPE-RECEIPT"
#: getOrders / getOrderChanges without ``orderTypeList`` (WSDL GetOrdersRequest docs).
DEFAULT_ORDER_TYPES = frozenset(
    {"ORDER-TYPE-SALES-ORDER", "ORDER-TYPE-REPEAT-SALES-ORDER", "ORDER-TYPE-EXTERNAL-SALES-ORDER"}
)

#: Header fields an ``OrderChange`` reports as ``<name>Old`` / ``<name>New`` (WSDL OrderChange).
CHANGE_FIELDS = (
    "employeeNumber",
    "employeeName",
    "relationNumber",
    "relationName",
    "deliveryAddress",
    "invoiceAddress",
    "financialDate",
    "totalInclAmount",
    "totalExclAmount",
    "vatMethod",
    "deliveryMethod",
    "deliveryDate",
    "deliveryPeriodBegin",
    "deliveryPeriodEnd",
    "paymentMethod",
    "prepaidAmount",
    "fullyPaid",
    "deliveryState",
    "cancelState",
    "completeState",
    "numberOfGuests",
    "orderCategoryNumber",
    "orderCategoryDescription",
    "vatChange",
)
#: Line data an ``OrderChange`` line reports (WSDL LineChangeData), and its line text.
LINE_DATA_FIELDS = (
    "quantity",
    "decimalPlaces",
    "price",
    "priceExcl",
    "turnoverGroup",
    "vatCode",
    "vatPercentage",
    "discountAmount",
    "totalInclAmount",
    "totalExclAmount",
)
#: What a caller may set with updateOrder; the rest is the server's (states, totals, numbers).
_UPDATABLE = (
    "extOrderId",
    "orderType",
    "employeeNumber",
    "relationNumber",
    "deliveryAddress",
    "invoiceAddress",
    "financialDate",
    "workplaceNumber",
    "reference",
    "activityId",
    "vatMethod",
    "deliveryMethod",
    "deliveryDate",
    "deliveryPeriodBegin",
    "deliveryPeriodEnd",
    "paymentMethod",
    "tableNumber",
    "tableSubNumber",
    "tableDescription",
    "numberOfGuests",
    "orderCategoryNumber",
    "orderCategoryDescription",
    "onDeliveryUrl",
    "onInvoiceUrl",
)


def _qty(value: int, places: int | None) -> Decimal:
    return Decimal(value).scaleb(-(places or 0))


def _order_string(order: dict[str, Any]) -> str:
    number = order.get("orderNumber") or {}
    return f"{number.get('year', 0)}-{number.get('number', 0)}"


# ---- the change log ----------------------------------------------------------------------------


def _line_state(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {}
    for line in order.get("lineList", {}).get("line", []):
        data = line.get("data", {})
        state[line["lineId"]] = {
            "articleNumber": line["articleNumber"],
            "text": line.get("text"),
            **{k: data[k] for k in LINE_DATA_FIELDS if k in data},
        }
    return state


def record_change(backend: MplusBackend, order: dict[str, Any]) -> None:
    """Append the order's change since its last recorded state to the change log.

    Called by the backend every time an order gets a new syncMarker.
    """
    before: dict[str, Any] = order.get("_recorded") or {}
    old_lines: dict[str, dict[str, Any]] = order.get("_recorded_lines") or {}
    change: dict[str, Any] = {
        "orderId": order["orderId"],
        "extOrderId": order.get("extOrderId") or None,
        "entryTimestamp": order.get("entryTimestamp"),
        "entryBranchNumber": order.get("entryBranchNumber"),
        "workplaceNumber": order.get("workplaceNumber"),
        "financialBranchNumber": order.get("financialBranchNumber"),
        "reference": order.get("reference"),
        "versionNumber": order.get("versionNumber"),
        "orderNumber": order.get("orderNumber"),
        "syncMarker": order["syncMarker"],
        "orderType": order.get("orderType"),
    }
    now = {k: copy.deepcopy(order[k]) for k in CHANGE_FIELDS if order.get(k) is not None}
    for name in CHANGE_FIELDS:
        old, new = before.get(name), now.get(name)
        if old == new:
            continue
        if old is not None:
            change[f"{name}Old"] = old
        if new is not None:
            change[f"{name}New"] = new
    lines = _line_state(order)
    line_changes: list[dict[str, Any]] = []
    for line_id in [*old_lines, *(k for k in lines if k not in old_lines)]:
        old_line, new_line = old_lines.get(line_id), lines.get(line_id)
        if old_line == new_line:
            continue
        some = new_line or old_line
        assert some is not None  # noqa: S101 - one of the two exists by construction
        entry: dict[str, Any] = {"lineId": line_id, "articleNumber": some["articleNumber"]}
        if old_line is None:
            entry["added"] = True
        elif new_line is None:
            entry["removed"] = True
        data: dict[str, Any] = {}
        for key in LINE_DATA_FIELDS:
            was = old_line.get(key) if old_line else None
            is_ = new_line.get(key) if new_line else None
            if was != is_:
                if was is not None:
                    data[f"{key}Old"] = was
                if is_ is not None:
                    data[f"{key}New"] = is_
        if data:
            entry["data"] = data
        was_text = old_line.get("text") if old_line else None
        is_text = new_line.get("text") if new_line else None
        if was_text != is_text:
            if was_text is not None:
                entry["textOld"] = was_text
            if is_text is not None:
                entry["textNew"] = is_text
        line_changes.append(entry)
    if line_changes:
        change["lineChangeList"] = {"lineChange": line_changes}
    order["_recorded"] = now
    order["_recorded_lines"] = lines
    backend.order_changes.append(change)
    backend.order_change_markers.append(order["syncMarker"])


def _matches(backend: MplusBackend, order: dict[str, Any], req: dict[str, Any]) -> bool:
    types = set(req.get("orderTypeList", {}).get("orderType", ())) or DEFAULT_ORDER_TYPES
    if order.get("orderType", "ORDER-TYPE-SALES-ORDER") not in types:
        return False
    for key, field in (
        ("branchNumbers", "entryBranchNumber"),
        ("employeeNumbers", "employeeNumber"),
        ("relationNumbers", "relationNumber"),
    ):
        wanted = req.get(key)
        if wanted and order.get(field) not in wanted:
            return False
    day = order.get("financialDate") or {}
    when = (day.get("year", 0), day.get("mon", 0), day.get("day", 0))
    first, last = req.get("fromFinancialDate"), req.get("throughFinancialDate")
    if first and when < (first["year"], first["mon"], first["day"]):
        return False
    if last and when > (last["year"], last["mon"], last["day"]):
        return False
    lines = order.get("lineList", {}).get("line", [])
    articles = [backend.articles.get(line["articleNumber"], {}) for line in lines]
    if req.get("articleNumbers") and not {ln["articleNumber"] for ln in lines} & set(
        req["articleNumbers"]
    ):
        return False
    groups = req.get("articleTurnoverGroups")
    if groups and not {ln.get("data", {}).get("turnoverGroup") for ln in lines} & set(groups):
        return False
    for key, field in (("articlePluNumbers", "pluNumber"), ("articleBarcodes", "barcode")):
        texts = {t.get("text") for t in req.get(key, {}).get("text", [])}
        if texts and not {str(a.get(field) or "") for a in articles} & texts:
            return False
    return True


def get_order_changes(backend: MplusBackend, req: dict[str, Any]) -> dict[str, Any]:
    """``getOrderChanges``: the change log from ``syncMarker`` (``>=``), ascending, filtered."""
    from mkmw_emulators.mplus.backend import DEFAULT_LIMIT

    marker = req.get("syncMarker")
    limit = (req.get("syncMarkerLimit") or DEFAULT_LIMIT) if marker is not None else DEFAULT_LIMIT
    out: list[dict[str, Any]] = []
    with backend.lock:
        start = bisect_left(backend.order_change_markers, marker or 0)
        for change in backend.order_changes[start:]:
            order = backend.orders[change["orderId"]]
            if not _matches(backend, order, req):
                continue
            out.append(copy.deepcopy(change))
            if len(out) >= limit:
                break
    return {"orderChangeList": {"orderChange": out}}


# ---- V1 calls ------------------------------------------------------------------------------------


def create_order_v1(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``createOrder(order)``: no idempotency key, no payment; ``extOrderId`` stays unique."""
    with backend.lock:
        response = backend._create_order({"order": body.get("order") or {}})
    return {
        "result": response["result"],
        "info": response["info"],
        "errorMessage": response.get("errorMessage", ""),
    }


def pay_order_v1(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``payOrder{orderId, prepay, paymentList}``: ``payOrderV2`` without the idempotency key."""
    req = body["request"]
    with backend.lock:
        order = backend.orders.get(req["orderId"])
        if order is None:
            return {
                "result": "PAY-ORDER-RESULT-FAILED",
                "errorMessage": f"order {req['orderId']} not found",
            }
        response = backend._pay(order, req["prepay"], req.get("paymentList", {}).get("payment", []))
    response.setdefault("errorMessage", "")
    return response


def find_relation_v1(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``findRelation(relation)``: the partial, case-insensitive match (API-NOTES §5.4)."""
    return backend.find_relation({"relation": body.get("relation") or {}, "exactMatch": False})


# ---- cancel ------------------------------------------------------------------------------------


def cancel_order_v2(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``cancelOrderV2{workplace, employee, orderId}``: ``cancelOrder`` on behalf of a till.

    The employee and the workplace's branch must exist **[inferred: the request names them as
    required identifiers; the answer has no other result than FAILED to report them]**.
    """
    req = body["request"]
    employee = req["employee"]["employeeNumber"]
    branch = req["workplace"]["branchNumber"]
    if employee not in backend.employees:
        return {"result": "CANCEL-ORDER-RESULT-FAILED", "message": f"employee {employee} not found"}
    if branch not in backend.branches:
        return {"result": "CANCEL-ORDER-RESULT-FAILED", "message": f"branch {branch} not found"}
    return backend.cancel_order({"orderId": req["orderId"]})


# ---- deliver -------------------------------------------------------------------------------------


def deliver(
    backend: MplusBackend,
    order: dict[str, Any],
    quantities: dict[str, Decimal] | None,
    turnover: str,
) -> tuple[str, str | None]:
    """Deliver lines of an order: reservations become sales; returns (packingSlipId, invoiceId).

    Args:
        backend: The state (its lock held by the caller).
        order: The order.
        quantities: lineId -> quantity to deliver now; None: everything still open.
        turnover: ``DELIVER-ORDER-TURNOVER-TYPE-INVOICE`` books an invoice for what is
            delivered; ``…-RECEIPT`` books none here **[inferred: the turnover then goes to a
            receipt, which this emulator does not model]**.
    """
    branch = order["entryBranchNumber"]
    slip = backend._id("packingSlip")
    invoice_id = backend._id("invoice") if turnover != TURNOVER_RECEIPT else None
    delivered_lines: list[dict[str, Any]] = []
    open_left = False
    for line in order["lineList"]["line"]:
        data = line["data"]
        total = _qty(data["quantity"], data.get("decimalPlaces"))
        done = _qty(data.get("deliveredQuantity", 0), data.get("deliveredDecimalPlaces"))
        now = total - done if quantities is None else quantities.get(line["lineId"], Decimal(0))
        if now:
            number = line["articleNumber"]
            if backend.articles[number].get("stockArticle", True):
                level = backend._ensure_stock(branch, number)
                level["reserved"] -= now
                level["free"] += now  # the reservation ends; then the physical sale:
                backend._mutate_stock(
                    branch, number, -now, "STOCK-HISTORY-TYPE-SALES", order["orderId"], invoice_id
                )
            amount, places = _wire_qty(done + now)
            data["deliveredQuantity"] = amount
            if places or "deliveredDecimalPlaces" in data:
                data["deliveredDecimalPlaces"] = places
            part = copy.deepcopy(line)
            amount, places = _wire_qty(now)
            part["data"]["quantity"] = amount
            if places or "decimalPlaces" in part["data"]:
                part["data"]["decimalPlaces"] = places
            share = now / total if total else Decimal(0)
            for key in ("totalInclAmount", "totalExclAmount"):
                if key in part["data"]:
                    part["data"][key] = int((part["data"][key] * share).to_integral_value())
            delivered_lines.append(part)
        if done + now < total:
            open_left = True
    order["deliveryState"] = (
        "ORDER-DELIVERY-STATE-PARTIAL" if open_left else ("ORDER-DELIVERY-STATE-COMPLETE")
    )
    order["completeState"] = (
        "ORDER-COMPLETE-STATE-PARTIAL" if open_left else ("ORDER-COMPLETE-STATE-COMPLETE")
    )
    order.setdefault("packingSlipIds", {"id": []})["id"].append(slip)
    if invoice_id is not None:
        _invoice(backend, order, invoice_id, delivered_lines)
    return slip, invoice_id


def _wire_qty(value: Decimal) -> tuple[int, int]:
    from mkmw_flows.mplus.money import quantity_to_wire

    return quantity_to_wire(value)


def _invoice(
    backend: MplusBackend, order: dict[str, Any], invoice_id: str, lines: list[dict[str, Any]]
) -> None:
    incl = sum(line["data"].get("totalInclAmount", 0) for line in lines)
    excl = sum(line["data"].get("totalExclAmount", 0) for line in lines)
    paid = min(order["prepaidAmount"], incl)
    backend._invoice_number += 1
    order.setdefault("invoiceIds", {"id": []})["id"].append(invoice_id)
    backend._store_invoice(
        {
            "invoiceId": invoice_id,
            "orderIds": {"id": [order["orderId"]]},
            "extOrderIds": {"id": [order["extOrderId"]]} if order.get("extOrderId") else {"id": []},
            "invoiceNumber": {
                "year": order["orderNumber"]["year"],
                "number": backend._invoice_number,
            },
            "invoiceType": "INVOICE-TYPE-INVOICE",
            "employeeNumber": order["employeeNumber"],
            "entryTimestamp": backend._ts(),
            "relationNumber": order["relationNumber"],
            "relationName": order.get("relationName", ""),
            "financialDate": order["financialDate"],
            "financialBranchNumber": order["financialBranchNumber"],
            "reference": order.get("reference", ""),
            "totalInclAmount": incl,
            "totalExclAmount": excl,
            "vatMethod": order["vatMethod"],
            "paidAmount": paid,
            "state": "INVOICE-STATE-PAID" if paid >= incl else "INVOICE-STATE-PARTLY-PAID",
            "finalized": True,
            "lineList": {"line": lines},
            "paymentList": copy.deepcopy(order["paymentList"]),
        }
    )


def _deliverable(order: dict[str, Any] | None, order_id: str) -> str | None:
    if order is None:
        return f"order {order_id} not found"
    if order["cancelState"] != NOT_CANCELLED:
        return "a cancelled order cannot be delivered"
    return None


def deliver_order(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``deliverOrder{orderId, turnoverType?}``: deliver everything still open.

    ``turnoverType`` defaults to an invoice **[inferred: the orders tutorial books invoices for
    delivered web orders]**.
    """
    req = body["request"]
    with backend.lock:
        order = backend.orders.get(req["orderId"])
        problem = _deliverable(order, req["orderId"])
        if problem is not None:
            return {"result": "DELIVER-ORDER-RESULT-FAILED", "errorMessage": problem}
        assert order is not None  # noqa: S101 - checked above
        if order["deliveryState"] == "ORDER-DELIVERY-STATE-COMPLETE":
            return {
                "result": "DELIVER-ORDER-RESULT-ALREADY-DELIVERED",
                "errorMessage": "the order is already delivered",
            }
        slip, invoice = deliver(backend, order, None, req.get("turnoverType") or TURNOVER_INVOICE)
        backend._touch_order(order)
        response = {"result": "DELIVER-ORDER-RESULT-OK", "packingSlipId": slip, "errorMessage": ""}
        if invoice:
            response["invoiceId"] = invoice
        return response


def deliver_order_v2(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``deliverOrderV2{orderDelivery{orderId, lineList, turnoverType?}}``: per line quantities.

    An empty line list delivers everything still open **[inferred]**; more than a line still
    has open, or an unknown lineId, is refused.
    """
    spec = body["request"]["orderDelivery"]
    with backend.lock:
        order = backend.orders.get(spec["orderId"])
        problem = _deliverable(order, spec["orderId"])
        if problem is not None:
            return {"result": "DELIVER-ORDER-V2-RESULT-FAILED", "errorMessage": problem}
        assert order is not None  # noqa: S101 - checked above
        if order["deliveryState"] == "ORDER-DELIVERY-STATE-COMPLETE":
            return {
                "result": "DELIVER-ORDER-V2-RESULT-ALREADY-DELIVERED",
                "errorMessage": "the order is already delivered",
            }
        lines = {line["lineId"]: line for line in order["lineList"]["line"]}
        wanted: dict[str, Decimal] | None = None
        asked = spec.get("lineList", {}).get("line", [])
        if asked:
            wanted = {}
            for item in asked:
                line = lines.get(item["lineId"])
                if line is None:
                    return {
                        "result": "DELIVER-ORDER-V2-RESULT-FAILED",
                        "errorMessage": f"line {item['lineId']} is not on order {spec['orderId']}",
                    }
                data = line["data"]
                left = _qty(data["quantity"], data.get("decimalPlaces")) - _qty(
                    data.get("deliveredQuantity", 0), data.get("deliveredDecimalPlaces")
                )
                qty = _qty(item["quantity"], item.get("decimalPlaces"))
                if qty <= 0 or qty > left:
                    return {
                        "result": "DELIVER-ORDER-V2-RESULT-FAILED",
                        "errorMessage": f"line {item['lineId']}: {qty} to deliver, {left} open",
                    }
                wanted[item["lineId"]] = wanted.get(item["lineId"], Decimal(0)) + qty
        slip, invoice = deliver(
            backend, order, wanted, spec.get("turnoverType") or TURNOVER_INVOICE
        )
        backend._touch_order(order)
        response = {"result": "DELIVER-ORDER-V2-RESULT-OK", "packingSlipId": slip}
        if invoice:
            response["invoiceId"] = invoice
        return response


# ---- update --------------------------------------------------------------------------------------


def _reservations(backend: MplusBackend, order: dict[str, Any], sign: int) -> None:
    branch = order["entryBranchNumber"]
    for line in order["lineList"]["line"]:
        number = line["articleNumber"]
        if backend.articles[number].get("stockArticle", True):
            qty = _qty(line["data"]["quantity"], line["data"].get("decimalPlaces"))
            backend._reserve(branch, number, qty * sign)


def _line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    data = line.get("data", {})
    return (line["articleNumber"], line.get("text"), *(data.get(k) for k in LINE_DATA_FIELDS))


def update_order(
    backend: MplusBackend, body: dict[str, Any], *, v2: bool = False
) -> dict[str, Any]:
    """``updateOrder(order)`` / ``updateOrderV2{order, …}``: the same payload plus ``orderId``.

    Fields sent replace the stored ones; a ``lineList`` sent replaces the lines (re-priced, the
    reservations follow). Refused **[inferred]**: an order delivered or cancelled (even in
    part), a ``versionNumber`` that is not the stored one (``ORDER-HAS-CHANGED``), what
    ``createOrder`` refuses (relation, employee, articles, delivery method), an ``extOrderId``
    another order has. Nothing different -> ``NO-CHANGES``.
    """
    incoming = (body["request"]["order"] if v2 else body.get("order")) or {}
    order_id = incoming.get("orderId") or ""
    no_info = {"orderId": order_id, "orderString": ""}

    def answer(result: str, message: str, order: dict[str, Any] | None = None) -> dict[str, Any]:
        info = {"orderId": order_id, "orderString": _order_string(order)} if order else no_info
        out: dict[str, Any] = {
            "result": f"UPDATE-ORDER-RESULT-{result}",
            "info": info,
            "errorMessage": message,
        }
        if v2 and order is not None and result == "OK":
            out["order"] = backend._order_view(order)
        return out

    with backend.lock:
        order = backend.orders.get(order_id)
        if order is None:
            return answer("NOT-FOUND", f"order {order_id!r} not found")
        if order["cancelState"] != NOT_CANCELLED or order["deliveryState"] != NOTHING_DELIVERED:
            return answer("FAILED", "a delivered or cancelled order cannot be changed", order)
        version = incoming.get("versionNumber")
        if version is not None and version != order.get("versionNumber"):
            return answer(
                "ORDER-HAS-CHANGED",
                f"the order is at version {order.get('versionNumber')}, not {version}",
                order,
            )
        fields = {k: incoming[k] for k in _UPDATABLE if k in incoming}
        merged = {**order, **fields}
        if "lineList" in incoming:
            merged["lineList"] = incoming["lineList"]
        problem = backend._validate_order(merged)
        ext = fields.get("extOrderId") or ""
        if ext and ext != order.get("extOrderId") and ext in backend.ext_order_ids:
            problem = f"extOrderId {ext} already exists"
        if problem:
            return answer("FAILED", problem, order)
        new_lines = None
        if "lineList" in incoming:
            sent = incoming["lineList"].get("line", [])
            new_lines, incl, excl = backend._price_lines(sent)
            known = {line["lineId"] for line in order["lineList"]["line"]}
            for priced, raw in zip(new_lines, sent, strict=True):
                if raw.get("lineId") in known:  # a line sent back keeps its id
                    priced["lineId"] = raw["lineId"]
            same = sorted(map(_line_key, new_lines)) == sorted(
                map(_line_key, order["lineList"]["line"])
            )
            if same:
                new_lines = None
        changed = {k: v for k, v in fields.items() if order.get(k) != v}
        if not changed and new_lines is None:
            return answer("NO-CHANGES", "Order not saved because there were no changes.", order)
        order.update(changed)
        if "relationNumber" in changed:
            order["relationName"] = backend.relations[order["relationNumber"]].get("name", "")
        if "employeeNumber" in changed:
            order["employeeName"] = backend.employees[order["employeeNumber"]].get("name", "")
        if changed.get("extOrderId"):
            # the old extOrderId stays taken: an extOrderId is unique forever (API-NOTES §5)
            backend.ext_order_ids[changed["extOrderId"]] = order_id
        if new_lines is not None:
            _reservations(backend, order, -1)
            order["lineList"] = {"line": new_lines}
            order["totalInclAmount"], order["totalExclAmount"] = incl, excl
            order["fullyPaid"] = order["prepaidAmount"] >= incl
            _reservations(backend, order, 1)
        backend._touch_order(order)
        return answer("OK", "", order)


# ---- delivery methods ----------------------------------------------------------------------------


def delivery_methods_v2(backend: MplusBackend, body: dict[str, Any]) -> dict[str, Any]:
    """``getDeliveryMethodsV2{onlyEnabled?}``: the delivery methods, optionally enabled only."""
    only = body["request"].get("onlyEnabled", False)
    methods = [m for m in backend.delivery_methods if not only or m.get("enabled", True)]
    return {"deliveryMethodList": {"deliveryMethod": copy.deepcopy(methods)}}


def known_delivery_method(backend: MplusBackend, code: str | None) -> str | None:
    """Why an order's ``deliveryMethod`` is refused, or None.

    A code ``getDeliveryMethods`` does not list is refused like an unknown payment method
    **[inferred: no public source shows the answer to an unknown code; the real server
    validates the codes of master data it owns]**.
    """
    if not code:
        return None
    if any(m["deliveryMethod"] == code for m in backend.delivery_methods):
        return None
    return f"delivery method {code} not found"
