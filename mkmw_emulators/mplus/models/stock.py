"""Stock levels per (branch, article) and the stock history.

Every change of a level bumps the shared ``stockId``; physical mutations are logged in the stock
history (``getStockHistoryV2``); undelivered orders reserve stock (API-NOTES.md §4).
"""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import Any

from mkmw_emulators.mplus.models.exceptions import BackendFault
from mkmw_emulators.mplus.models.reference import ReferenceMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT, MarkerIndex
from mkmw_emulators.mplus.models.values import quantity_to_wire, wire_quantity


class StockMixin(ReferenceMixin):
    """Stock levels and history."""

    #: articleNumber -> Article dict; owned (and set) by the catalogue.
    articles: dict[int, dict[str, Any]]

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.stock: dict[tuple[int, int], dict[str, Any]] = {}  # (branch, article) -> levels
        self.stock_index = MarkerIndex()
        self.stock_history: list[dict[str, Any]] = []
        self._history_ids: list[int] = []

    def _ensure_stock(self, branch: int, article_number: int) -> dict[str, Any]:
        key = (branch, article_number)
        level = self.stock.get(key)
        if level is None:
            level = {"free": Decimal(0), "reserved": Decimal(0), "incoming": Decimal(0)}
            self.stock[key] = level
            self._stock_changed(key)
        return level

    def _stock_changed(self, key: tuple[int, int]) -> int:
        stock_id = self.bump("stock")
        level = self.stock[key]
        level["stockId"] = stock_id
        level["changeTimestamp"] = self._ts()
        self.stock_index.set(key, stock_id)
        return stock_id

    def _mutate_stock(
        self,
        branch: int,
        article_number: int,
        delta: Decimal,
        kind: str,
        order_id: str | None = None,
        invoice_id: str | None = None,
        delivery_number: dict[str, int] | None = None,
    ) -> int:
        level = self._ensure_stock(branch, article_number)
        level["free"] += delta
        stock_id = self._stock_changed((branch, article_number))
        amount, places = quantity_to_wire(delta)
        entry: dict[str, Any] = {
            "stockId": stock_id,
            "timestamp": self._ts(),
            "branchNumber": branch,
            "articleNumber": article_number,
            "amountChanged": amount,
            "decimalPlaces": places,
            "type": kind,
        }
        if order_id:
            entry["orderId"] = order_id
        if invoice_id:
            entry["invoiceId"] = invoice_id
        if delivery_number:
            entry["deliveryNumber"] = delivery_number
        self.stock_history.append(entry)
        self._history_ids.append(stock_id)
        return stock_id

    def _reserve(self, branch: int, article_number: int, qty: Decimal) -> None:
        level = self._ensure_stock(branch, article_number)
        level["free"] -= qty
        level["reserved"] += qty
        self._stock_changed((branch, article_number))

    def set_stock(self, article_number: int, amount: Decimal, branch: int = 1) -> int:
        """Test helper: set the free stock (logged as a correction); returns the stockId."""
        with self.lock:
            level = self._ensure_stock(branch, article_number)
            delta = Decimal(amount) - level["free"]
            return self._mutate_stock(
                branch, article_number, delta, "STOCK-HISTORY-TYPE-CORRECTION"
            )

    def sell(self, article_number: int, qty: Decimal | int = 1, branch: int = 1) -> int:
        """Test helper: a till sale in a shop: free stock goes down; returns the stockId."""
        with self.lock:
            if article_number not in self.articles:
                raise KeyError(article_number)
            return self._mutate_stock(
                branch, article_number, -Decimal(qty), "STOCK-HISTORY-TYPE-SALES"
            )

    def receive(self, article_number: int, qty: Decimal | int, branch: int = 1) -> int:
        """Test helper: goods received (a delivery): free stock goes up; returns the stockId."""
        with self.lock:
            return self._mutate_stock(
                branch, article_number, Decimal(qty), "STOCK-HISTORY-TYPE-DELIVERY"
            )

    def stock_level(self, article_number: int, branch: int = 1) -> dict[str, Decimal]:
        """Test helper: the current levels {free, reserved, incoming} of an article."""
        level = self.stock[(branch, article_number)]
        return {k: level[k] for k in ("free", "reserved", "incoming")}

    def _stock_dict(self, key: tuple[int, int]) -> dict[str, Any]:
        level = self.stock[key]
        free, free_places = quantity_to_wire(level["free"])
        reserved, reserved_places = quantity_to_wire(level["reserved"])
        incoming, incoming_places = quantity_to_wire(level["incoming"])
        return {
            "branchNumber": key[0],
            "articleNumber": key[1],
            "changeTimestamp": level["changeTimestamp"],
            "stockId": level["stockId"],
            "amountFree": free,
            "decimalPlacesFree": free_places,
            "amountReserved": reserved,
            "decimalPlacesReserved": reserved_places,
            "amountIncoming": incoming,
            "decimalPlacesIncoming": incoming_places,
            "isDayStockArticle": False,
        }

    def get_stock(self, req: dict[str, Any]) -> dict[str, Any]:
        branch = req["branchNumber"]
        wanted = req.get("articleNumbers", {}).get("articleNumbers", [])
        stock_id = req.get("stockId")
        with self.lock:
            if branch not in self.branches:
                raise BackendFault(f"branch {branch} not found")
            if stock_id is not None:
                wanted_set = set(wanted)
                keys = [
                    k
                    for k in self.stock_index.since(stock_id)
                    if k[0] == branch and (not wanted_set or k[1] in wanted_set)
                ]
            elif wanted:
                keys = [(branch, n) for n in wanted if (branch, n) in self.stock]
            else:
                keys = sorted(k for k in self.stock if k[0] == branch)
            return {"articleStocks": [self._stock_dict(k) for k in keys]}

    def get_stock_history(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getStockHistoryV2``: changes since a stockId, for some branches and articles."""
        return {"articleStockHistory": self._history(req, set(req.get("branchNumbers", ())))}

    def get_stock_history_v1(self, req: dict[str, Any]) -> dict[str, Any]:
        """``getStockHistory``: one branch (required, must exist), optionally a time window.

        The window compares the entries' ``timestamp`` (Amsterdam wall clock) with
        ``fromFinancialDateTime`` / ``throughFinancialDateTime``, both included [inferred: the
        WSDL names them financial times; the emulator books every change on its own time].
        """
        branch = req["branchNumber"]
        with self.lock:
            if branch not in self.branches:
                raise BackendFault(f"branch {branch} not found")
        return {"articleStockHistory": self._history(req, {branch})}

    def _history(self, req: dict[str, Any], branches: set[int]) -> list[dict[str, Any]]:
        articles = set(req.get("articleNumbers", {}).get("articleNumbers", []))
        since = req.get("sinceStockId") or 0
        limit = req.get("sinceStockIdLimit") or DEFAULT_LIMIT
        low, high = req.get("fromFinancialDateTime"), req.get("throughFinancialDateTime")
        out: list[dict[str, Any]] = []
        with self.lock:
            for i in range(bisect_left(self._history_ids, since), len(self.stock_history)):
                entry = self.stock_history[i]
                if branches and entry["branchNumber"] not in branches:
                    continue
                if articles and entry["articleNumber"] not in articles:
                    continue
                moment = _moment(entry["timestamp"])
                if (low and moment < _moment(low)) or (high and moment > _moment(high)):
                    continue
                out.append(entry)
                if len(out) >= limit:
                    break
        return out

    def update_stock(self, req: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            branch, number = req["branchNumber"], req["articleNumber"]
            if branch not in self.branches:
                return {"result": "UPDATE-STOCK-RESULT-BRANCH-NOT-FOUND"}
            article = self.articles.get(number)
            if article is None:
                return {"result": "UPDATE-STOCK-RESULT-ARTICLE-NOT-FOUND"}
            if not article.get("stockArticle", True):
                return {"result": "UPDATE-STOCK-RESULT-NO-STOCK-ARTICLE"}
            delta = wire_quantity(req["amountChanged"], req.get("decimalPlaces"))
            stock_id = self._mutate_stock(branch, number, delta, "STOCK-HISTORY-TYPE-API")
            return {"result": "UPDATE-STOCK-RESULT-OK", "stockId": stock_id}


def _moment(value: dict[str, Any]) -> tuple[int, ...]:
    """A SoapMplusDateTime as a sortable wall-clock tuple."""
    return tuple(int(value.get(k, 0)) for k in ("year", "mon", "day", "hour", "min", "sec"))
