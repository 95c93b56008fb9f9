"""Helpers of the stock tests: stand-in product bindings, contexts, shop snapshots."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, variant_key
from mkmw_flows.sync.report import RunReport

PATCH = "PATCH /v1/articles/{article_id}"
LIST = "GET /v1/articles"


def bind_articles(
    pair: EmulatorPair, store: StateStore, name: str, numbers: Iterable[int] | None = None
) -> dict[int, tuple[int, int | None]]:
    """Write ``article`` bindings as the products flow does, for the demo seed's shop articles.

    Returns:
        MplusKASSA article number -> (shop article id, variant id or None) of what was bound.
    """
    info = pair.shop.seed_info
    assert info is not None
    backend = pair.shop.backend
    wanted = set(numbers) if numbers is not None else None
    bound: dict[int, tuple[int, int | None]] = {}
    with store.transaction() as tx:
        for number, (article_id, variant_id) in sorted(info.article_for_number.items()):
            if wanted is not None and number not in wanted:
                continue
            key, extra = "", {}
            if variant_id is not None:
                article = backend.articles[article_id]
                variant = next(v for v in article.variants if v.id == variant_id)
                options = {}
                for option_id in variant.option_ids:
                    list_id, option, _ = backend.option_name(option_id)
                    options[backend.lists[list_id].name] = option
                key, extra = variant_key(options), {"variant_id": variant_id}
            tx.put_binding(
                name,
                ARTICLE,
                mplus_key=str(number),
                shop_key=str(article_id),
                variant_key=key,
                field_hashes={"name": "products-flow-hash"},
                extra=extra,
            )
            bound[number] = (article_id, variant_id)
    return bound


def context(block: Integration, name: str | None = None, *, dry_run: bool = False) -> SyncContext:
    """A SyncContext built by hand (no Prefect)."""
    name = name or f"t-{uuid.uuid4().hex[:8]}"
    return SyncContext(
        name=name,
        integration=block,
        store=StateStore(block.state_database_url),
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow="stock", integration=name, run_id=uuid.uuid4().hex, dry_run=dry_run),
        dry_run=dry_run,
    )


def fresh(ctx: SyncContext, *, dry_run: bool = False) -> SyncContext:
    """A new context (new run id and report) for the same integration and store."""
    ctx.mplus.close()
    ctx.shop.close()
    new = context(ctx.integration, ctx.name, dry_run=dry_run)
    new.store.close()
    new.store = ctx.store
    return new


def shop_stock(pair: EmulatorPair) -> dict[tuple[int, int | None], Any]:
    """Every stock figure in the shop: (article id, variant id or None) -> stock."""
    snapshot: dict[tuple[int, int | None], Any] = {}
    for article in pair.shop.backend.articles.values():
        snapshot[(article.id, None)] = (article.stock, article.can_backorder)
        for variant in article.variants:
            snapshot[(article.id, variant.id)] = (variant.stock, variant.can_backorder)
    return snapshot


def shop_value(pair: EmulatorPair, target: tuple[int, int | None]) -> int | None:
    """The stock of one shop article or variant."""
    article = pair.shop.backend.articles[target[0]]
    if target[1] is None:
        return article.stock
    return next(v.stock for v in article.variants if v.id == target[1])


def free(pair: EmulatorPair, number: int, branch: int) -> Decimal:
    """Free stock of an article in a branch (0 when it has no level there)."""
    level = pair.mplus.backend.stock.get((branch, number))
    return level["free"] if level else Decimal(0)


def reserve(pair: EmulatorPair, number: int, qty: int, branch: int = 1) -> None:
    """An undelivered MplusKASSA order for `qty` of article `number` (reserves stock)."""
    backend = pair.mplus.backend
    relation = min(backend.relations)
    result = backend.create_order(
        {
            "idempotencyKey": uuid.uuid4().hex,
            "order": {
                "relationNumber": relation,
                "employeeNumber": 999999,
                "entryBranchNumber": branch,
                "lineList": {"line": [{"articleNumber": number, "data": {"quantity": qty}}]},
            },
        }
    )
    assert result["result"] == "CREATE-ORDER-RESULT-OK", result


def expect_incoming(pair: EmulatorPair, number: int, qty: int, branch: int = 1) -> None:
    """Goods ordered from a supplier: incoming stock goes up (bumps the stockId)."""
    backend = pair.mplus.backend
    with backend.lock:
        level = backend._ensure_stock(branch, number)
        level["incoming"] += qty
        backend._stock_changed((branch, number))
