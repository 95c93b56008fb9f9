"""The stock sync's logic against both emulators over HTTP (plain functions, no Prefect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.state import Outcome
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock.feed import CURSOR, FLOW
from mkmw_flows.sync.stock.run import sync_stock

from .helpers import (
    LIST,
    PATCH,
    bind_articles,
    context,
    expect_incoming,
    free,
    fresh,
    reserve,
    shop_stock,
    shop_value,
)

MakeIntegration = Callable[..., tuple[str, Any]]


def pick(pair: EmulatorPair, bound: dict[int, tuple[int, int | None]], *, variant: bool) -> int:
    """A bound article with stock in both branches (a variant, or a simple article)."""
    for number, (_, variant_id) in sorted(bound.items()):
        in_stock = free(pair, number, 1) >= 4 and free(pair, number, 2) >= 1
        if (variant_id is not None) == variant and in_stock:
            return number
    raise AssertionError("no suitable article in the demo seed")


def first_run(pair: EmulatorPair, make_integration: MakeIntegration, **stock: Any) -> Any:
    """Bindings as the products flow writes them, then a first (full) run; counters reset."""
    _, block = make_integration(pair, stock=stock)
    ctx = context(block)
    bound = bind_articles(pair, ctx.store, ctx.name)
    sync_stock(ctx)
    pair.shop.counters.reset()
    pair.mplus.counters.reset()
    return fresh(ctx), bound


def test_first_run_pushes_every_bound_article_once(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    _, block = make_integration(emulators)
    ctx = context(block)
    bound = bind_articles(emulators, ctx.store, ctx.name)
    sync_stock(ctx)
    shop_articles = {a for a, _ in bound.values()}
    # one PATCH per shop article: every variant of an article in the same call
    assert emulators.shop.counters.writes[PATCH] <= len(shop_articles)
    for number, target in bound.items():
        if (1, number) in emulators.mplus.backend.stock:
            expected = max(int(free(emulators, number, 1) + free(emulators, number, 2)), 0)
            assert shop_value(emulators, target) == expected, number
    cursor = ctx.store.get_cursor(ctx.name, CURSOR)
    assert cursor == str(emulators.mplus.backend.counters["stock"])
    binding = ctx.store.find_binding(ctx.name, ARTICLE, mplus_key=str(min(bound)))
    assert binding is not None
    assert binding.field_hashes == {"name": "products-flow-hash"}  # products' hashes kept
    assert "stock_pushed" in binding.extra and binding.extra["variant_id"] == bound[min(bound)][1]


def test_a_sale_reaches_exactly_that_variant_and_nothing_else(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    # nothing changed: one MplusKASSA call, nothing in the shop
    sync_stock(ctx)
    assert dict(emulators.mplus.counters.calls) == {"getCurrentSyncMarkers": 1}
    assert emulators.shop.counters.total_calls == 0

    number = pick(emulators, bound, variant=True)
    before = shop_stock(emulators)
    old = shop_value(emulators, bound[number])
    emulators.mplus.backend.sell(number, 2, branch=1)
    ctx = fresh(ctx)
    sync_stock(ctx)
    after = shop_stock(emulators)
    changed = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    assert changed == {bound[number]: ((old, None), (old - 2, None))}
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}
    assert emulators.shop.counters.calls[LIST] == 0
    [result] = ctx.report.results
    assert (result.key, result.outcome) == (str(number), Outcome.UPDATED)
    assert result.changes[0].old == old and result.changes[0].new == old - 2
    [entry] = ctx.store.ledger(integration=ctx.name, run_id=ctx.report.run_id)
    assert entry.outcome == Outcome.UPDATED and entry.record_key == str(number)
    assert "branch 1" in entry.message

    # the same figure is not sent twice
    emulators.shop.counters.reset()
    emulators.mplus.backend.sell(number, 1, branch=1)
    emulators.mplus.backend.receive(number, 1, branch=1)
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert emulators.shop.counters.total_writes == 0
    assert [r.outcome for r in ctx.report.results] == [Outcome.UNCHANGED]


def test_sales_of_two_variants_of_one_article_share_one_patch(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    by_article: dict[int, list[int]] = {}
    for number, (article_id, variant_id) in bound.items():
        if variant_id is not None and free(emulators, number, 1) >= 1:
            by_article.setdefault(article_id, []).append(number)
    article_id, numbers = next((a, n) for a, n in by_article.items() if len(n) >= 2)
    for number in numbers[:2]:
        emulators.mplus.backend.sell(number, 1, branch=1)
    sync_stock(ctx)
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}
    assert {r.key for r in ctx.report.results if r.outcome == Outcome.UPDATED} == {
        str(n) for n in numbers[:2]
    }


def test_a_reservation_lowers_free(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    number = pick(emulators, bound, variant=False)
    old = shop_value(emulators, bound[number])
    reserve(emulators, number, 3, branch=1)  # an undelivered order: no stock history entry
    sync_stock(ctx)
    assert shop_value(emulators, bound[number]) == old - 3
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}


@pytest.mark.parametrize(
    ("stock", "change", "expected"),
    [
        ({"calculation": "free_plus_incoming"}, "incoming", lambda f1, f2: f1 + f2 + 5),
        ({"calculation": "on_hand"}, "reserve", lambda f1, f2: f1 + f2),  # reserved counts
        ({"calculation": "free"}, "reserve", lambda f1, f2: f1 + f2 - 2),
        ({"branches": [2]}, "sale", lambda f1, f2: f2),
        ({"branches": [1]}, "sale", lambda f1, f2: f1 - 1),
        ({"safety_buffer": 2}, "sale", lambda f1, f2: f1 + f2 - 1 - 2),
    ],
    ids=["free_plus_incoming", "on_hand", "free", "branch-2", "branch-1", "buffer"],
)
def test_each_setting_changes_the_pushed_value(
    emulators: EmulatorPair,
    make_integration: MakeIntegration,
    stock: dict[str, Any],
    change: str,
    expected: Callable[[int, int], int],
) -> None:
    ctx, bound = first_run(emulators, make_integration, **stock)
    number = pick(emulators, bound, variant=False)
    f1, f2 = int(free(emulators, number, 1)), int(free(emulators, number, 2))
    if change == "incoming":
        expect_incoming(emulators, number, 5, branch=1)
    elif change == "reserve":
        reserve(emulators, number, 2, branch=1)  # moves 2 from free to reserved
    else:
        emulators.mplus.backend.sell(number, 1, branch=1)
    sync_stock(ctx)
    assert shop_value(emulators, bound[number]) == max(expected(f1, f2), 0)


def test_manage_stock_off_sets_unmanaged_once_and_then_leaves_it(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    _, block = make_integration(emulators, stock={"manage_stock": False})
    ctx = context(block)
    bound = bind_articles(emulators, ctx.store, ctx.name)
    sync_stock(ctx)
    assert all(shop_value(emulators, t) is None for n, t in bound.items() if free(emulators, n, 1))
    assert {r.reason for r in ctx.report.results if r.outcome == Outcome.UPDATED} == {
        Reason.STOCK_UNMANAGED
    }
    # the shop owner sets a figure by hand; a sale later does not overwrite it
    number = pick(emulators, bound, variant=True)
    article_id, variant_id = bound[number]
    emulators.shop.backend.set_stock(article_id, 7, variant_id)
    emulators.shop.counters.reset()
    emulators.mplus.backend.sell(number, 1)
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert emulators.shop.counters.total_writes == 0
    assert shop_value(emulators, bound[number]) == 7
    [result] = ctx.report.results
    assert (result.outcome, result.reason) == (Outcome.UNCHANGED, Reason.STOCK_UNMANAGED)


def test_per_article_override_by_sku_list_and_by_shop_field(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    info = emulators.shop.seed_info
    assert info is not None
    simple = sorted(
        n for n, (_, v) in info.article_for_number.items() if v is None and free(emulators, n, 1)
    )
    listed, flagged, normal = simple[0], simple[1], simple[2]
    emulators.shop.backend.edit_article(
        info.article_for_number[flagged][0], extra_invisible={"geen_voorraad": "ja"}
    )
    _, block = make_integration(
        emulators,
        stock={"unmanaged_skus": [str(listed)], "unmanaged_field": "geen_voorraad"},
    )
    ctx = context(block)
    bound = bind_articles(emulators, ctx.store, ctx.name)
    sync_stock(ctx, full=True)  # a full run reads the shop's fields
    assert shop_value(emulators, bound[listed]) is None
    assert shop_value(emulators, bound[flagged]) is None
    assert shop_value(emulators, bound[normal]) == int(
        free(emulators, normal, 1) + free(emulators, normal, 2)
    )
    # incremental runs remember the field without reading the shop again
    emulators.shop.counters.reset()
    emulators.mplus.backend.sell(flagged, 1)
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert emulators.shop.counters.total_calls == 0
    assert [(r.outcome, r.reason) for r in ctx.report.results] == [
        (Outcome.UNCHANGED, Reason.STOCK_UNMANAGED)
    ]


def test_backorders_allow_is_set_with_the_stock(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration, backorders="allow")
    number = pick(emulators, bound, variant=True)
    article_id, variant_id = bound[number]
    variant = next(
        v for v in emulators.shop.backend.articles[article_id].variants if v.id == variant_id
    )
    assert variant.can_backorder is True
    emulators.mplus.backend.sell(number, 1)
    sync_stock(ctx)
    assert emulators.shop.counters.total_writes == 1


def test_dry_run_writes_nothing_and_plans_every_change(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    _, block = make_integration(emulators)
    ctx = context(block, dry_run=True)
    bound = bind_articles(emulators, ctx.store, ctx.name)
    before = shop_stock(emulators)
    bindings_before = {b.mplus_key: dict(b.extra) for b in ctx.store.bindings(ctx.name, ARTICLE)}
    sync_stock(ctx)
    assert emulators.shop.counters.total_writes == 0
    assert emulators.mplus.counters.writes.total() == 0
    assert shop_stock(emulators) == before
    assert ctx.store.get_cursor(ctx.name, CURSOR) is None
    assert ctx.store.ledger(integration=ctx.name) == []
    assert ctx.store.held(ctx.name, FLOW) == []
    after = {b.mplus_key: dict(b.extra) for b in ctx.store.bindings(ctx.name, ARTICLE)}
    assert after == bindings_before
    planned = [r for r in ctx.report.results if r.outcome == Outcome.UPDATED]
    assert len(planned) >= len(bound) - 3  # gift cards keep no stock
    assert all(r.changes and r.changes[0].target == "stock" for r in planned)
    assert all("would be set" in r.message for r in planned)


def test_unbound_articles_are_looked_up_by_sku_once_and_misses_are_held(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    info = emulators.shop.seed_info
    assert info is not None
    _, block = make_integration(emulators)
    ctx = context(block)  # no bindings at all: a stock-only integration
    sync_stock(ctx)
    assert emulators.shop.counters.calls[LIST] == 1  # the shop read once, for the whole run
    simple = {n: t for n, t in info.article_for_number.items() if t[1] is None}
    stocked = [n for n in simple if (1, n) in emulators.mplus.backend.stock]
    for number in stocked:
        binding = ctx.store.find_binding(ctx.name, ARTICLE, mplus_key=str(number))
        assert binding is not None and binding.shop_key == str(simple[number][0])
        assert binding.extra["bound_by"] == "stock-sku"
        assert shop_value(emulators, simple[number]) == binding.extra["stock_pushed"]
    unknown = ctx.report.reasons(Outcome.SKIPPED)
    assert unknown.get(Reason.STOCK_ARTICLE_UNKNOWN.value, 0) > 0
    variant_number = next(n for n, t in info.article_for_number.items() if t[1] is not None)
    missing_number = info.missing_numbers[0]
    held = {h.record_key: h for h in ctx.store.held(ctx.name, FLOW)}
    assert {str(variant_number), str(missing_number)} <= set(held)
    assert held[str(missing_number)].reason_code == Reason.STOCK_ARTICLE_UNKNOWN

    # a sale of an unknown article: no new look-up, the ledger says why again
    emulators.shop.counters.reset()
    emulators.mplus.backend.sell(missing_number, 1)
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert emulators.shop.counters.total_calls == 0
    [result] = ctx.report.results
    assert (result.outcome, result.reason) == (Outcome.SKIPPED, Reason.STOCK_ARTICLE_UNKNOWN)

    # the products flow links it: the next run sends its stock without being asked
    article = emulators.shop.backend.add_article("Nieuw", sku=str(missing_number), stock=0)
    with ctx.store.transaction() as tx:
        tx.put_binding(ctx.name, ARTICLE, mplus_key=str(missing_number), shop_key=str(article.id))
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert article.stock == max(
        int(free(emulators, missing_number, 1) + free(emulators, missing_number, 2)), 0
    )
    assert str(missing_number) not in {h.record_key for h in ctx.store.held(ctx.name, FLOW)}


def test_a_requested_retry_looks_up_again(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    info = emulators.shop.seed_info
    assert info is not None
    _, block = make_integration(emulators)
    ctx = context(block)
    sync_stock(ctx)
    number = next(n for n in info.missing_numbers if (1, n) in emulators.mplus.backend.stock)
    article = emulators.shop.backend.add_article("Met de hand", sku=str(number), stock=0)
    assert ctx.store.request_retry(ctx.name, record_key=str(number), flow=FLOW) == 1
    emulators.shop.counters.reset()
    ctx = fresh(ctx)
    sync_stock(ctx)
    assert emulators.shop.counters.calls[LIST] == 1
    assert [r.key for r in ctx.report.results] == [str(number)]
    assert article.stock == ctx.report.results[0].changes[0].new


def test_a_refused_write_is_held_and_does_not_stop_the_batch(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    simple = sorted(n for n, t in bound.items() if t[1] is None and free(emulators, n, 1) >= 2)
    gone, kept = simple[0], simple[1]
    emulators.shop.backend.delete_article(bound[gone][0])
    emulators.mplus.backend.sell(gone, 1)
    emulators.mplus.backend.sell(kept, 1)
    sync_stock(ctx)
    outcomes = {r.key: (r.outcome, r.reason) for r in ctx.report.results}
    assert outcomes[str(gone)] == (Outcome.FAILED, Reason.REJECTED_BY_SHOP)
    assert outcomes[str(kept)] == (Outcome.UPDATED, None)
    held = ctx.store.held(ctx.name, FLOW, reason_code=Reason.REJECTED_BY_SHOP)
    assert [h.record_key for h in held] == [str(gone)]
    assert ctx.store.get_cursor(ctx.name, CURSOR) == str(emulators.mplus.backend.counters["stock"])


def test_a_shop_that_stops_answering_stops_the_writes_and_they_are_sent_next_run(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    ctx.shop.close()
    ctx.shop = MijnWebwinkelClient(
        emulators.shop_url,
        token=emulators.shop.token,
        partner_token=emulators.shop.partner_token,
        retries=0,
    )
    simple = sorted(n for n, t in bound.items() if t[1] is None and free(emulators, n, 1) >= 2)
    sold = simple[:8]
    for number in sold:
        emulators.mplus.backend.sell(number, 1)
    emulators.shop.faults.reconfigure(FaultConfig(fault_rate=1.0, kinds=("server_error",)))
    sync_stock(ctx)
    assert {(r.outcome, r.reason) for r in ctx.report.results} == {
        (Outcome.FAILED, Reason.API_UNAVAILABLE)
    }
    # stopped after a few: not one time-out per record
    assert emulators.shop.counters.calls[PATCH] < len(sold)
    held = ctx.store.held(ctx.name, FLOW, reason_code=Reason.API_UNAVAILABLE)
    assert sorted(h.record_key for h in held) == [str(n) for n in sold]
    assert ctx.store.get_cursor(ctx.name, CURSOR) == str(emulators.mplus.backend.counters["stock"])

    emulators.shop.faults.reconfigure(FaultConfig())
    ctx = fresh(ctx)
    sync_stock(ctx)  # nothing new in MplusKASSA: the held records are taken again
    assert {r.key: r.outcome for r in ctx.report.results} == {str(n): Outcome.UPDATED for n in sold}
    for number in sold:
        expected = int(free(emulators, number, 1) + free(emulators, number, 2))
        assert shop_value(emulators, bound[number]) == expected
    assert ctx.store.held(ctx.name, FLOW, reason_code=Reason.API_UNAVAILABLE) == []


def test_a_full_run_compares_everything_and_writes_only_what_differs(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    number = pick(emulators, bound, variant=True)
    # a change the feed never showed (e.g. lost before the cursor): no stockId bump
    emulators.mplus.backend.stock[(1, number)]["free"] += 5
    sync_stock(ctx)
    assert emulators.shop.counters.total_calls == 0
    ctx = fresh(ctx)
    sync_stock(ctx, full=True)
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}
    updated = [r.key for r in ctx.report.results if r.outcome == Outcome.UPDATED]
    assert updated == [str(number)]
    assert ctx.report.counts()["unchanged"] > 100
    assert shop_value(emulators, bound[number]) == int(
        free(emulators, number, 1) + free(emulators, number, 2)
    )


def test_a_variant_deleted_in_the_shop_fails_alone(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    ctx, bound = first_run(emulators, make_integration)
    by_article: dict[int, list[int]] = {}
    for number, (article_id, variant_id) in sorted(bound.items()):
        if variant_id is not None and free(emulators, number, 1) >= 1:
            by_article.setdefault(article_id, []).append(number)
    article_id, (gone, kept) = next((a, n[:2]) for a, n in by_article.items() if len(n) >= 2)
    article = emulators.shop.backend.articles[article_id]
    article.variants = [v for v in article.variants if v.id != bound[gone][1]]
    emulators.mplus.backend.sell(gone, 1)
    emulators.mplus.backend.sell(kept, 1)
    sync_stock(ctx)
    outcomes = {r.key: (r.outcome, r.reason) for r in ctx.report.results}
    assert outcomes == {
        str(gone): (Outcome.FAILED, Reason.REJECTED_BY_SHOP),
        str(kept): (Outcome.UPDATED, None),
    }
    assert shop_value(emulators, bound[kept]) == int(
        free(emulators, kept, 1) + free(emulators, kept, 2)
    )
    # one refused PATCH of both, then one per variant
    assert emulators.shop.counters.calls[PATCH] == 3
