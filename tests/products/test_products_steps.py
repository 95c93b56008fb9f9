"""The products wing on the step template: dry run = the same steps minus the write, and a
page (its bindings, ledger rows and cursor) is committed once, in one transaction.

Plain classes over HTTP against both emulators, no Prefect (as the benchmarks drive them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.products.plan import CURSOR
from mkmw_flows.sync.products.reverse import REVERSE_CURSOR, ReverseProductSync
from mkmw_flows.sync.products.run import ProductSync
from mkmw_flows.sync.report import RecordResult, RunReport

Make = Callable[..., tuple[str, Integration]]


def _context(name: str, block: Integration, *, dry_run: bool = False) -> SyncContext:
    return SyncContext(
        name,
        block,
        StateStore(block.state_database_url),
        block.mplus.client(),
        block.mijnwebwinkel.client(),
        RunReport("products", name, f"test-{time.time()}", dry_run=dry_run),
        dry_run=dry_run,
    )


def _forward(name: str, block: Integration, *, dry_run: bool = False) -> list[RecordResult]:
    ctx = _context(name, block, dry_run=dry_run)
    try:
        engine = ProductSync(ctx)
        engine.categories, _ = sync_categories(ctx)
        for products, cursor in engine.batches():
            engine.run_page(products, cursor)
        engine.finish()
    finally:
        ctx.close()
    return ctx.report.results


def _reverse(name: str, block: Integration, *, dry_run: bool = False) -> list[RecordResult]:
    ctx = _context(name, block, dry_run=dry_run)
    try:
        engine = ReverseProductSync(ctx)
        for articles, cursor in engine.batches():
            engine.run_page(articles, cursor)
    finally:
        ctx.close()
    return ctx.report.results


def _settled(results: list[RecordResult]) -> list[tuple[Any, ...]]:
    """What each record came to, without values a dry run cannot know (new shop ids)."""
    return sorted(
        (r.entity, r.key, r.outcome.value, r.reason, sorted(c.target for c in r.changes))
        for r in results
    )


def _writes(pair: EmulatorPair) -> int:
    return sum(pair.shop.counters.writes.values()) + sum(pair.mplus.counters.writes.values())


def test_a_forward_dry_run_settles_every_record_as_the_real_run_then_does(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(save=False)
    store = StateStore(block.state_database_url)
    emulators.shop.counters.reset()
    emulators.mplus.counters.reset()

    planned = _forward(name, block, dry_run=True)

    assert _writes(emulators) == 0
    assert store.get_cursor(name, CURSOR) is None
    assert store.bindings(name, ARTICLE) == [] and store.bindings(name, PRODUCT) == []
    done = _forward(name, block)
    assert _settled(planned) == _settled(done)
    created = [r for r in done if r.entity == "product" and r.outcome.value == "created"]
    assert created and any(r.key.startswith("1") for r in created)  # variant products too
    assert store.get_cursor(name, CURSOR) is not None
    store.close()


def test_a_reverse_dry_run_settles_every_record_as_the_real_run_then_does(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    shop = emulators.shop.backend
    shop.add_article("Honingpot klein", sku="40001", price="6.50", barcode="8712340000018")
    name, block = product_integration(save=False, direction="shop_to_mplus")
    store = StateStore(block.state_database_url)
    emulators.mplus.counters.reset()

    planned = _reverse(name, block, dry_run=True)

    assert sum(emulators.mplus.counters.writes.values()) == 0
    assert store.get_cursor(name, REVERSE_CURSOR) is None
    assert store.bindings(name, ARTICLE) == []
    done = _reverse(name, block)
    assert _settled(planned) == _settled(done)
    assert {"created", "updated", "skipped"} <= {r.outcome.value for r in done}
    assert emulators.mplus.backend.articles[40001]["priceIncl"] == 650
    assert store.get_cursor(name, REVERSE_CURSOR) is not None
    store.close()


def test_a_page_is_committed_once_with_its_bindings_ledger_rows_and_cursor(
    emulators: EmulatorPair, product_integration: Make
) -> None:
    name, block = product_integration(save=False)
    _forward(name, block)
    emulators.mplus.backend.set_price(20001, Decimal("2.99"))
    ctx = _context(name, block)
    commits: list[int] = []
    original = ctx.store.transaction

    @contextmanager
    def counted() -> Iterator[Any]:
        commits.append(1)
        with original() as tx:
            yield tx

    ctx.store.transaction = counted  # type: ignore[method-assign]
    before = ctx.store.get_cursor(name, CURSOR)
    try:
        engine = ProductSync(ctx)
        engine.categories, _ = sync_categories(ctx)
        commits.clear()
        for pages, (products, cursor) in enumerate(engine.batches(), 1):
            results = engine.run_page(products, cursor)
            assert len(commits) == pages  # one transaction per page, nothing else
    finally:
        ctx.close()
    store = StateStore(block.state_database_url)
    after = store.get_cursor(name, CURSOR)
    assert after is not None and before is not None and int(after) > int(before)
    updated = [r for r in results if r.outcome.value == "updated"]
    assert [r.key for r in updated] == ["20001"]
    binding = store.find_binding(name, ARTICLE, mplus_key="20001")
    assert binding is not None and "price.default" in binding.field_hashes
    ledger = store.ledger(integration=name, record_key="20001")
    assert any(e.outcome == "updated" for e in ledger)
    store.close()
