"""Order changes: the ``getOrderChanges`` feed of what changed on each order, old and new.

Every change of an order (each new order syncMarker) appends one ``OrderChange`` with the
header fields that changed as ``<field>Old`` / ``<field>New`` and the lines added, removed or
changed, stamped with the order's new syncMarker, so ``getOrderChanges`` pages exactly like
``getOrders`` (``>=``, ascending, ``syncMarkerLimit``) **[inferred: the WSDL gives
``OrderChange.syncMarker`` and the request filters; no public source says whether the marker is
the order's; sharing it is the reading that keeps the two feeds consistent]**. A new order's
first change carries only ``…New`` values.
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from typing import Any

from mkmw_emulators.mplus.models.invoices import InvoicesMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT

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
#: Line data an ``OrderChange`` line reports (a subset of WSDL LineChangeData).
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


def _old_new(name: str, old: Any, new: Any, into: dict[str, Any]) -> None:
    if old == new:
        return
    if old is not None:
        into[f"{name}Old"] = old
    if new is not None:
        into[f"{name}New"] = new


def _line_change(
    line_id: str, old: dict[str, Any] | None, new: dict[str, Any] | None
) -> dict[str, Any]:
    some = new if new is not None else old
    assert some is not None  # noqa: S101 - one of the two exists by construction
    entry: dict[str, Any] = {"lineId": line_id, "articleNumber": some["articleNumber"]}
    if old is None:
        entry["added"] = True
    elif new is None:
        entry["removed"] = True
    data: dict[str, Any] = {}
    for key in LINE_DATA_FIELDS:
        _old_new(key, (old or {}).get(key), (new or {}).get(key), data)
    if data:
        entry["data"] = data
    _old_new("text", (old or {}).get("text"), (new or {}).get("text"), entry)
    return entry


class OrderChangesMixin(InvoicesMixin):
    """The order change log and ``getOrderChanges``."""

    orders: dict[str, dict[str, Any]]  # kept by OrdersMixin

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.order_changes: list[dict[str, Any]] = []
        self.order_change_markers: list[int] = []  # ascending: markers only grow

    def _record_order_change(self, order: dict[str, Any]) -> None:
        """Append what changed on `order` since its last recorded state (at its new marker)."""
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
            _old_new(name, before.get(name), now.get(name), change)
        lines = _line_state(order)
        changed = [
            _line_change(line_id, old_lines.get(line_id), lines.get(line_id))
            for line_id in [*old_lines, *(k for k in lines if k not in old_lines)]
            if old_lines.get(line_id) != lines.get(line_id)
        ]
        if changed:
            change["lineChangeList"] = {"lineChange": changed}
        order["_recorded"] = now
        order["_recorded_lines"] = lines
        self.order_changes.append(change)
        self.order_change_markers.append(order["syncMarker"])

    def _change_matches(self, order: dict[str, Any], req: dict[str, Any]) -> bool:
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
        numbers = {line["articleNumber"] for line in lines}
        if req.get("articleNumbers") and not numbers & set(req["articleNumbers"]):
            return False
        groups = req.get("articleTurnoverGroups")
        if groups and not {ln.get("data", {}).get("turnoverGroup") for ln in lines} & set(groups):
            return False
        articles = [self.articles.get(n, {}) for n in numbers]
        for key, field in (("articlePluNumbers", "pluNumber"), ("articleBarcodes", "barcode")):
            texts = {t.get("text") for t in req.get(key, {}).get("text", [])}
            if texts and not {str(a.get(field) or "") for a in articles} & texts:
                return False
        return True

    def get_order_changes(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getOrderChanges``: the change log from ``syncMarker`` (``>=``), ascending, filtered.

        The filters look at the order as it is now **[inferred]**.
        """
        marker = req.get("syncMarker")
        limit = (req.get("syncMarkerLimit") or DEFAULT_LIMIT) if marker is not None else None
        out: list[dict[str, Any]] = []
        with self.lock:
            start = bisect_left(self.order_change_markers, marker or 0)
            for change in self.order_changes[start:]:
                if not self._change_matches(self.orders[change["orderId"]], req):
                    continue
                out.append(copy.deepcopy(change))
                if limit is not None and len(out) >= limit:
                    break
        return {"orderChangeList": {"orderChange": out}}
