"""Categories created into an empty shop stay unchanged on the next run (no shop call)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.products.categories import sync_categories
from mkmw_flows.sync.report import RunReport


def _run(name: str, block: Integration) -> RunReport:
    ctx = SyncContext(
        name,
        block,
        StateStore(block.state_database_url),
        block.mplus.client(),
        block.mijnwebwinkel.client(),
        RunReport("products", name, "run"),
    )
    try:
        sync_categories(ctx)
    finally:
        ctx.close()
    return ctx.report


def test_top_level_categories_created_in_an_empty_shop_are_unchanged_next_run(
    tmp_path: Path, make_integration: Callable[..., tuple[str, Integration]]
) -> None:
    with EmulatorPair("demo", "empty") as pair:
        name, block = make_integration(pair, save=False)
        first = _run(name, block)
        created = [r for r in first.results if r.outcome == Outcome.CREATED]
        shop = pair.shop.backend
        assert created and len(shop.categories) == len(created)
        assert any(c.parent_id is None for c in shop.categories.values())  # top-level ones too
        pair.shop.counters.reset()

        second = _run(name, block)
        assert {r.outcome for r in second.results} == {Outcome.UNCHANGED}
        assert dict(pair.shop.counters.writes) == {}
