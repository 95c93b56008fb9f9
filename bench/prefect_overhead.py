"""Benchmark: what Prefect adds to a sync run, per flow.

The same scenario runs on identical fresh emulator pairs (20 ms latency per request, served
from threads of this process) three times:

1. **plain**: the sync functions the flow calls, called directly (no Prefect at all);
2. **flow**: the real Prefect flow (``sync-products``, ``sync-stock``, ``sync-orders``) with
   Prefect's default settings, its Integration block loaded from the server by name;
3. **flow, heartbeat off**: the same flow with ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` unset
   (a synchronous flow run otherwise waits for its heartbeat thread when it ends).

A temporary Prefect server (SQLite) is started once before the runs; its boot time is
measured and reported on its own, not counted in any run. The ratio flow / plain is the
Prefect overhead.

Scenarios: products first sync of ~1,000 MplusKASSA articles into an empty shop; a stock
incremental run over 10,000 bound articles with 1% sold; an orders run of 100 new shop
orders with customers and status write-back.

    .venv/bin/python -m bench.prefect_overhead [--quick] [--repeat N] [--json OUT.json]
"""

from __future__ import annotations

import os
import tempfile

# Before anything imports prefect: a private home, no analytics, no UI.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mkmw-bench-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from bench.report import overhead_table, peak_rss_mb  # noqa: E402
from mkmw_emulators.core.faults import FaultConfig  # noqa: E402
from mkmw_emulators.pair import EmulatorPair  # noqa: E402
from mkmw_flows.blocks import Integration  # noqa: E402
from mkmw_flows.state import StateStore  # noqa: E402
from mkmw_flows.sync.context import SyncContext  # noqa: E402
from mkmw_flows.sync.report import RunReport  # noqa: E402

LATENCY_MS = 20.0
VARIANTS = ("plain", "flow", "flow_no_heartbeat")


@dataclass
class Prepared:
    """One fresh emulator pair and an Integration pointing at it, ready for one run."""

    pair: EmulatorPair
    block: Integration
    check: Callable[[dict[str, int]], str]


def _context(block: Integration, name: str, flow: str) -> SyncContext:
    """The SyncContext the flows' ``sync_context`` builds, without Prefect."""
    return SyncContext(
        name=name,
        integration=block,
        store=StateStore(block.state_database_url),
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow=flow, integration=name, run_id=uuid.uuid4().hex),
    )


def _state_url() -> str:
    return f"{tempfile.mkdtemp(prefix='mkmw-bench-overhead-')}/state.db"


def _faults() -> FaultConfig:
    return FaultConfig(latency_ms=LATENCY_MS)


# ---- products ------------------------------------------------------------------------------


def prepare_products(articles: int) -> Prepared:
    """An MplusKASSA seed of `articles` articles and an empty shop with two option lists."""
    pair = EmulatorPair(str(articles), "empty", mplus_faults=_faults(), shop_faults=_faults())
    lists = {
        "Kleur": pair.shop.backend.create_list("Kleur").id,
        "Maat": pair.shop.backend.create_list("Maat").id,
    }
    pair.start()
    block = Integration(
        **pair.credentials(), state_database_url=_state_url(), products={"option_lists": lists}
    )
    return Prepared(pair, block, lambda counts: f"created {counts.get('created', 0)}")


def plain_products(block: Integration, name: str) -> dict[str, int]:
    """What ``sync-products`` calls, in its order: categories, then page by page, finish."""
    from mkmw_flows.sync.products.categories import sync_categories
    from mkmw_flows.sync.products.run import FLOW, ProductSync

    ctx = _context(block, name, FLOW)
    try:
        engine = ProductSync(ctx)
        engine.categories, _ = sync_categories(ctx)
        for products, cursor in engine.batches():
            engine.run_page(products, cursor)
        engine.finish()
    finally:
        ctx.close()
    return ctx.report.counts()


def flow_products(name: str) -> Any:
    """The ``sync-products`` flow, the Integration block loaded by name."""
    from mkmw_flows.flows.products import sync_products

    return sync_products(integration=name, return_state=True)


# ---- stock ---------------------------------------------------------------------------------


def prepare_stock(articles: int, changed: float) -> Prepared:
    """A shop mirroring `articles` MplusKASSA articles, bound, then `changed` of them sold."""
    from bench.stock import _mirror_shop, seed_bindings
    from mkmw_flows.sync.stock.feed import CURSOR

    pair = EmulatorPair(str(articles), "empty", mplus_faults=_faults(), shop_faults=_faults())
    rows = _mirror_shop(pair)
    pair.start()
    block = Integration(**pair.credentials(), state_database_url=_state_url())
    store = StateStore(block.state_database_url)
    backend = pair.mplus.backend
    seed_bindings(store, rows, backend.counters["stock"])
    # bench.stock seeds under its own integration name; the runs use that name too
    assert store.get_cursor("bench", CURSOR) is not None
    store.close()
    count = max(1, int(articles * changed))
    rng = random.Random(7)
    candidates = [n for (b, n), level in backend.stock.items() if b == 1 and level["free"] >= 1]
    for number in sorted(rng.sample(candidates, count)):
        backend.sell(number, 1, branch=1)
    return Prepared(
        pair,
        block,
        lambda counts: f"updated {counts.get('updated', 0)} of {count} sold",
    )


def plain_stock(block: Integration, name: str) -> dict[str, int]:
    """What ``sync-stock`` calls: ``read_stock``, then ``run_stock_page`` per page."""
    from mkmw_flows.sync.stock.feed import FLOW
    from mkmw_flows.sync.stock.run import sync_stock

    ctx = _context(block, name, FLOW)
    try:
        sync_stock(ctx)
    finally:
        ctx.close()
    return ctx.report.counts()


def flow_stock(name: str) -> Any:
    """The ``sync-stock`` flow."""
    from mkmw_flows.flows.stock import sync_stock

    return sync_stock(integration=name, return_state=True)


# ---- orders --------------------------------------------------------------------------------


def prepare_orders(count: int) -> Prepared:
    """The demo seeds without shop orders, then `count` new orders from new customers."""
    from bench.orders import SETTINGS, add_orders, bind_articles

    pair = EmulatorPair(mplus_faults=_faults(), shop_faults=_faults())
    pair.shop.backend.orders.clear()
    pair.start()
    block = Integration(**pair.credentials(), state_database_url=_state_url(), orders=SETTINGS)
    store = StateStore(block.state_database_url)
    bind_articles(pair, store)  # under the name "bench", like the other scenarios
    store.close()
    add_orders(pair, list(range(100_000, 100_000 + count)), 0)
    return Prepared(pair, block, lambda counts: f"created {counts.get('created', 0)} of {count}")


def plain_orders(block: Integration, name: str) -> dict[str, int]:
    """What ``sync-orders`` calls (shop -> MplusKASSA): ``run_shop_to_mplus``."""
    from mkmw_flows.sync.orders.run import FLOW, run_shop_to_mplus

    ctx = _context(block, name, FLOW)
    try:
        run_shop_to_mplus(ctx)
    finally:
        ctx.close()
    return ctx.report.counts()


def flow_orders(name: str) -> Any:
    """The ``sync-orders`` flow."""
    from mkmw_flows.flows.orders import sync_orders

    return sync_orders(integration=name, return_state=True)


# ---- measuring -----------------------------------------------------------------------------


@contextmanager
def prefect_server() -> Iterator[float]:
    """A temporary Prefect server for this process; yields its boot time in seconds."""
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=180):
        yield time.perf_counter() - started


def _task_runs(flow_run_id: Any) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    return len(runs)


def run_variant(
    variant: str,
    prepare: Callable[[], Prepared],
    plain: Callable[[Integration, str], dict[str, int]],
    flow: Callable[[str], Any],
) -> tuple[float, str, int | None]:
    """Prepare a fresh pair, run one variant; return (wall seconds, check text, task runs)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    prepared = prepare()
    name = "bench"  # the name the bindings were seeded under
    try:
        if variant == "plain":
            started = time.perf_counter()
            counts = plain(prepared.block, name)
            return time.perf_counter() - started, prepared.check(counts), None
        prepared.block.save(name, overwrite=True)
        with ExitStack() as stack:
            if variant == "flow_no_heartbeat":
                stack.enter_context(
                    temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
                )
            started = time.perf_counter()
            state = flow(name)
            wall = time.perf_counter() - started
        if not state.is_completed():
            raise RuntimeError(f"{variant}: the flow run ended {state.name}: {state.message}")
        summary = state.result()
        tasks = _task_runs(state.state_details.flow_run_id)
        return wall, prepared.check(summary["counts"]), tasks
    finally:
        prepared.pair.stop()


def measure(
    label: str,
    prepare: Callable[[], Prepared],
    plain: Callable[[Integration, str], dict[str, int]],
    flow: Callable[[str], Any],
    repeat: int,
) -> dict[str, Any]:
    """Every variant `repeat` times (interleaved); the fastest of each counts."""
    walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
    checks: dict[str, str] = {}
    tasks: int | None = None
    for _ in range(repeat):
        for variant in VARIANTS:
            wall, check, task_runs = run_variant(variant, prepare, plain, flow)
            walls[variant].append(wall)
            checks[variant] = check
            tasks = task_runs if task_runs is not None else tasks
            print(f"  {label} / {variant}: {wall:.2f} s ({check})", flush=True)
    return {
        "label": label,
        "direct": min(walls["plain"]),
        "flow": min(walls["flow"]),
        "flow_no_heartbeat": min(walls["flow_no_heartbeat"]),
        "all": walls,
        "checks": checks,
        "tasks": tasks,
    }


def main(argv: list[str] | None = None) -> None:
    """Boot a Prefect server, measure every scenario, print (and optionally write) figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke check")
    parser.add_argument("--repeat", type=int, default=1, help="runs per variant (fastest kept)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    articles, stock_articles, orders = (300, 2_000, 20) if args.quick else (1_000, 10_000, 100)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    with prefect_server() as boot:
        print(f"Prefect server boot: {boot:.1f} s (not counted in any run)", flush=True)
        scenarios: list[tuple[str, Callable[[], Prepared], Any, Any]] = [
            (
                f"sync-products, first sync of {articles:,} articles",
                lambda: prepare_products(articles),
                plain_products,
                flow_products,
            ),
            (
                f"sync-stock, incremental, {stock_articles // 100:,} of {stock_articles:,} "
                "articles sold",
                lambda: prepare_stock(stock_articles, 0.01),
                plain_stock,
                flow_stock,
            ),
            (
                f"sync-orders, {orders:,} new orders",
                lambda: prepare_orders(orders),
                plain_orders,
                flow_orders,
            ),
        ]
        for label, prepare, plain, flow in scenarios:
            rows.append(measure(label, prepare, plain, flow, args.repeat))
    for line in overhead_table(rows):
        print(line)
    mismatched = [
        f"{row['label']}: {row['checks']}" for row in rows if len(set(row["checks"].values())) != 1
    ]
    notes = [
        f"Prefect server boot (temporary server on SQLite, once, before the runs): {boot:.1f} s; "
        "not counted in any run. A deployment's worker talks to a server that is already up.",
        "Each variant runs on its own fresh emulator pair and state database with the same "
        "seed; the outcome of every variant: "
        + "; ".join(f"{row['label']}: {row['checks']['flow']}" for row in rows)
        + ".",
        "Heartbeat: Prefect 3.9.1 defaults to a flow-run heartbeat every 180 s, and a "
        "synchronous flow run waits for the heartbeat thread when it ends; the heartbeat-off "
        "column shows the flow without that wait.",
        f"Fastest of {args.repeat} run(s) per variant.",
    ]
    if mismatched:
        notes.append("MISMATCH between variants' outcomes: " + "; ".join(mismatched))
    doc = {
        "name": "prefect-overhead",
        "title": "Prefect overhead: the flow against its plain sync functions",
        "setup": (
            "The same scenario on identical fresh emulator pairs (20 ms latency per request, "
            "emulators in threads of the measuring process), once through the plain sync "
            "functions the flow calls and once through the real flow against a running "
            "Prefect server. Products: `sync_categories` + `ProductSync.batches()` / "
            "`run_page()` / `finish()`; stock: `sync_stock` (read_stock, then run_stock_page "
            "per batch); orders: `run_shop_to_mplus`. The flow adds: loading the Integration "
            "block from the server, one task run per page or batch, artifacts and events."
        ),
        "overhead": rows,
        "notes": notes,
        "boot": boot,
        "elapsed": time.perf_counter() - started,
        "self_peak_rss_mb": peak_rss_mb(),
    }
    if args.json:
        args.json.write_text(json.dumps(doc, indent=1, default=str))


if __name__ == "__main__":
    main()
