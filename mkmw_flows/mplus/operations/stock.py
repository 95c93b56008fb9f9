"""Stock operations: levels, the mutation history, and a change by delta."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mkmw_flows.mplus.models import StockHistory, StockLevel, StockUpdateResult
from mkmw_flows.mplus.money import quantity_to_wire
from mkmw_flows.mplus.session import MplusSession, optional_list


class StockOperations(MplusSession):
    """Stock per article and branch."""

    def get_stock(
        self,
        branch_number: int,
        *,
        article_numbers: Sequence[int] | None = None,
        stock_id: int | None = None,
    ) -> list[StockLevel]:
        """Return stock per article in a branch; with ``stock_id`` only levels changed since.

        Args:
            branch_number: The branch.
            article_numbers: Only these articles (default all).
            stock_id: Inclusive lower bound on the stock change id (send last seen + 1).
        """
        request = {
            "branchNumber": branch_number,
            "articleNumbers": {"articleNumbers": list(article_numbers or ())},
            "stockId": stock_id,
        }
        raw = self.call("getStock", {"request": request})
        return [StockLevel.from_wire(s) for s in raw.get("articleStocks", [])]

    def get_stock_history(
        self,
        *,
        branch_numbers: Sequence[int] | None = None,
        article_numbers: Sequence[int] | None = None,
        since_stock_id: int | None = None,
        since_stock_id_limit: int | None = None,
    ) -> list[StockHistory]:
        """Return individual stock mutations since ``since_stock_id`` (``getStockHistoryV2``)."""
        request: dict[str, Any] = {
            "branchNumbers": optional_list(branch_numbers),
            "sinceStockId": since_stock_id,
            "sinceStockIdLimit": since_stock_id_limit,
        }
        if article_numbers is not None:
            request["articleNumbers"] = {"articleNumbers": list(article_numbers)}
        raw = self.call("getStockHistoryV2", {"request": request})
        return [StockHistory.from_wire(h) for h in raw.get("articleStockHistory", [])]

    def update_stock(
        self,
        branch_number: int,
        article_number: int,
        amount_changed: Decimal,
        *,
        employee_number: int | None = None,
        reference: str | None = None,
    ) -> StockUpdateResult:
        """Change stock by a delta (not idempotent: never retried).

        Raises:
            MplusBusinessError: e.g. ``UPDATE-STOCK-RESULT-ARTICLE-NOT-FOUND``.
        """
        amount, places = quantity_to_wire(amount_changed)
        request = {
            "branchNumber": branch_number,
            "articleNumber": article_number,
            "amountChanged": amount,
            "decimalPlaces": places,
            "employeeNumber": employee_number,
            "reference": reference,
        }
        raw = self._checked(
            "updateStock", self.call("updateStock", {"request": request}, retry=False)
        )
        return StockUpdateResult(stock_id=raw.get("stockId"))
