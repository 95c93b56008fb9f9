"""What the orders flow's rules tests share (test_rules_*.py, also test_credit_orders.py).

`make` builds a SyncContext over the pair with the shop's articles bound; `result`,
`only_order` and `lines_of` read back what a run did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.report import RecordResult

from .helpers import (
    bind_articles,
    context,
    integration,
    mplus_orders_by_ext,
)


def make(pair: EmulatorPair, tmp_path: Path, **settings: Any) -> SyncContext:
    ctx = context(integration(pair, tmp_path, **settings))
    bind_articles(pair, ctx.store, ctx.name)
    return ctx


def result(ctx: SyncContext, number: int) -> RecordResult:
    found = [r for r in ctx.report.results if r.key == str(number) and r.entity == "order"]
    assert found, f"no result for order {number}: {[r.key for r in ctx.report.results]}"
    return found[-1]


def only_order(pair: EmulatorPair, number: int, prefix: str = "MW-") -> dict[str, Any]:
    orders = mplus_orders_by_ext(pair, f"{prefix}{number}")
    assert len(orders) == 1, f"{len(orders)} MplusKASSA orders for {prefix}{number}"
    return orders[0]


def lines_of(order: dict[str, Any]) -> list[dict[str, Any]]:
    return list(order["lineList"]["line"])
