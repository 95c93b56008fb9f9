"""A full run reads what the state store knows, a chunk of articles at a time (flat memory)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock import feed
from mkmw_flows.sync.stock.feed import CURSOR, FLOW, StockRead
from mkmw_flows.sync.stock.run import sync_stock

from .helpers import PATCH, bind_articles, context, free, fresh, shop_value

MakeIntegration = Callable[..., tuple[str, Any]]
CHUNK = 7
BATCH = 10


def test_a_full_run_reads_in_chunks_and_settles_every_article_with_stock(
    emulators: EmulatorPair, make_integration: MakeIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, block = make_integration(emulators, stock={"batch_size": BATCH})
    ctx = context(block)
    bound = bind_articles(emulators, ctx.store, ctx.name)
    sync_stock(ctx)  # the first run reads everything: unbound articles are held
    held_unknown = {
        h.record_key
        for h in ctx.store.held(ctx.name, FLOW)
        if h.reason_code == Reason.STOCK_ARTICLE_UNKNOWN
    }
    assert held_unknown

    backend = emulators.mplus.backend
    with_stock = {str(n) for (_, n) in backend.stock}
    number = next(n for n in sorted(bound) if free(emulators, n, 1) >= 1)
    backend.stock[(1, number)]["free"] += 3  # a change the feed never showed
    sold = next(
        n for n in sorted(bound) if bound[n][0] != bound[number][0] and free(emulators, n, 2) >= 1
    )
    backend.sell(sold, 1, branch=2)  # the head moves: the full run moves the cursor

    monkeypatch.setattr(feed, "READ_CHUNK", CHUNK)
    chunks: list[list[int]] = []
    largest = 0
    read_levels, load = feed.read_levels, StockRead.load

    def counting_read(c: Any, branches: list[int], numbers: list[int]) -> Any:
        chunks.append(list(numbers))
        return read_levels(c, branches, numbers)

    def watched_load(self: StockRead, c: Any, groups: list[list[int]]) -> list[list[int]]:
        nonlocal largest
        records = load(self, c, groups)
        largest = max(largest, len(self.levels))
        return records

    monkeypatch.setattr(feed, "read_levels", counting_read)
    monkeypatch.setattr(StockRead, "load", watched_load)
    emulators.mplus.counters.reset()
    emulators.shop.counters.reset()
    ctx = fresh(ctx)
    sync_stock(ctx, full=True)

    known = {b.mplus_key for b in ctx.store.bindings(ctx.name, ARTICLE)} | held_unknown
    assert sorted(n for chunk in chunks for n in chunk) == sorted(int(k) for k in known)
    assert all(len(chunk) <= CHUNK for chunk in chunks)
    assert largest <= CHUNK + BATCH  # one chunk and the page it started in, never the branch
    calls = emulators.mplus.counters.calls
    assert calls["getStock"] == 2 * math.ceil(len(known) / CHUNK)  # 2 counted branches
    assert sum(calls.values()) == calls["getStock"] + 2  # head + getBranches

    # every MplusKASSA article with stock settled once, as a read of everything would
    results = {r.key: r for r in ctx.report.results}
    assert len(results) == len(ctx.report.results)
    assert set(results) == with_stock
    updated = sorted(k for k, r in results.items() if r.outcome == Outcome.UPDATED)
    assert updated == sorted([str(number), str(sold)])
    assert dict(emulators.shop.counters.writes) == {PATCH: 2}
    assert shop_value(emulators, bound[number]) == int(
        free(emulators, number, 1) + free(emulators, number, 2)
    )
    for key in held_unknown & with_stock:  # looked up again (a full run), held again
        assert results[key].reason == Reason.STOCK_ARTICLE_UNKNOWN and results[key].hold
    assert ctx.store.get_cursor(ctx.name, CURSOR) == str(backend.counters["stock"])
    # the ledger keeps what the report let go of
    assert all(r.source is None for r in ctx.report.results)
    [entry] = ctx.store.ledger(
        integration=ctx.name, run_id=ctx.report.run_id, record_key=str(number)
    )
    assert entry.source_data and set(entry.source_data["levels"]) == {"1", "2"}
