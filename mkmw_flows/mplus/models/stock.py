"""Stock: levels per article and branch, the mutation history, a stock change's result."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel

from mkmw_flows.mplus.models.wire import MDateTime, W, WireModel


class StockLevel(WireModel):
    """Stock of one article in one branch."""

    branch_number: int | None = None
    article_number: int
    change_timestamp: MDateTime = None
    stock_id: int
    amount_free: Annotated[Decimal, W(kind="qty", places="decimalPlacesFree")]
    amount_reserved: Annotated[Decimal, W(kind="qty", places="decimalPlacesReserved")]
    amount_incoming: Annotated[Decimal, W(kind="qty", places="decimalPlacesIncoming")]
    is_day_stock_article: bool = False


class StockHistory(WireModel):
    """One stock mutation (``getStockHistoryV2``)."""

    stock_id: int
    timestamp: MDateTime = None
    branch_number: int | None = None
    article_number: int
    amount_changed: Annotated[Decimal, W(kind="qty", places="decimalPlaces")]
    type: str
    order_id: str | None = None
    invoice_id: str | None = None


class StockUpdateResult(BaseModel):
    """``updateStock`` succeeded."""

    stock_id: int | None = None
