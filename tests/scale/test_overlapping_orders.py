"""Two `sync-orders` runs of the same integration at the same time create no duplicate.

Both runs read the same shop feed page by page and would both take every new order; the
claim per order (``mkmw_claim``) lets exactly one of them take it. The store is PostgreSQL
when ``MKMW_TEST_DATABASE_URL`` is set (CI), else SQLite. The emulator's MplusKASSA latency
keeps both runs inside the same batches long enough to collide.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest
from orders.helpers import add_order, bind_articles, clear_demo_orders, context, integration

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.orders.run import run_shop_to_mplus
from mkmw_flows.sync.reasons import Reason

from .conftest import BACKENDS, PG_URL, fresh_store

ORDERS = 24
EMAILS = 8  # three orders per customer: racing runs would create a customer twice


@pytest.mark.parametrize("backend", [BACKENDS[-1]])
def test_two_overlapping_runs_create_every_order_once(tmp_path: Path, backend: str) -> None:
    with EmulatorPair(mplus_faults=FaultConfig(latency_ms=15, seed=9)) as pair:
        store = fresh_store(backend, tmp_path)
        url = PG_URL if backend == "postgresql" else str(tmp_path / "state.db")
        block = integration(pair, tmp_path, page_size=5)
        block.state_database_url = url
        name = f"scale-{uuid.uuid4().hex[:6]}"
        bind_articles(pair, store, name)
        clear_demo_orders(pair)
        numbers = [add_order(pair, f"klant{n % EMAILS}@example.nl").number for n in range(ORDERS)]

        runs = [context(block, name, store=StateStore(url)) for _ in range(2)]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(ctx: SyncContext) -> None:
            try:
                start.wait(timeout=30)
                run_shop_to_mplus(ctx)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(ctx,)) for ctx in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        assert all(not t.is_alive() for t in threads)

        overlap_created = sum(ctx.report.counts()["created"] for ctx in runs)
        results = [r for ctx in runs for r in ctx.report.results]
        elsewhere = [r for r in results if r.reason == Reason.IN_PROGRESS_ELSEWHERE]
        assert all(r.outcome == Outcome.SKIPPED for r in elsewhere)
        assert elsewhere, "the two runs did not overlap"
        assert overlap_created + len(elsewhere) >= ORDERS
        assert store.claims(name) == []  # every claim released

        # the next run takes what the two left to each other (the cursor stayed before it)
        follow = context(block, name, store=StateStore(url))
        run_shop_to_mplus(follow)
        assert overlap_created + follow.report.counts()["created"] == ORDERS

        # MplusKASSA: one order per shop order (counted by extOrderId), one relation per e-mail
        backend_mplus = pair.mplus.backend
        for number in numbers:
            assert len(backend_mplus.orders_by_ext_id(f"MW-{number}")) == 1, number
        assert len(backend_mplus.orders) == ORDERS
        emails = Counter(r.get("email") for r in backend_mplus.relations.values())
        assert all(emails[f"klant{n}@example.nl"] == 1 for n in range(EMAILS)), emails
        assert pair.mplus.counters.writes["createOrderV3"] == ORDERS

        # the ledger: every order created exactly once over the runs, nothing failed
        created = Counter(
            e.record_key for e in store.ledger(integration=name, outcome=Outcome.CREATED)
        )
        assert created == Counter({str(n): 1 for n in numbers})
        assert store.ledger(integration=name, outcome=Outcome.FAILED) == []
        assert store.held(name, "orders") == []
        assert store.claims(name) == []

        # a later run finds nothing left to do and writes nothing
        writes = sum(pair.mplus.counters.writes.values())
        later = context(block, name, store=StateStore(url))
        run_shop_to_mplus(later)
        assert later.report.counts()["created"] == 0
        assert sum(pair.mplus.counters.writes.values()) == writes
        for ctx in [*runs, follow, later]:
            ctx.close()
        store.close()
