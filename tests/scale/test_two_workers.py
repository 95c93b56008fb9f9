"""Two process workers, two overlapping `sync-orders` runs of one integration: no duplicate.

The set-up of docs/scaling.md in small: a Prefect server on PostgreSQL, the state store on
PostgreSQL, one process work pool with two `prefect worker start` processes, and a
sync-orders deployment without a deployment concurrency limit (the shipped deployments have
one; here the claims alone must hold). Two runs are started at once; the workers take them
and run each in its own process. Every process is stopped by its PID.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from typing import Any

import pytest
from ops.localprefect import BIN, ROOT, LocalPrefect, stop_process
from orders.helpers import BASE_SETTINGS, add_order, bind_articles, clear_demo_orders
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from sqlmodel import SQLModel

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.flows.orders import sync_orders
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.reasons import Reason

from .conftest import PG_URL

pytestmark = pytest.mark.timeout(240)

ORDERS = 36


def _wait_workers(client: Any, pool: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(client.read_workers_for_work_pool(pool)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} workers polled {pool} in {timeout}s")
        time.sleep(0.5)


def _wait_final(run_ids: list[uuid.UUID], timeout: float) -> list[Any]:
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(run_id) for run_id in run_ids]
            if all(r.state is not None and r.state.is_final() for r in runs):
                return runs
            if time.monotonic() > deadline:
                states = [r.state.name if r.state else None for r in runs]
                raise AssertionError(f"runs not finished in {timeout}s: {states}")
            time.sleep(1)


def test_two_workers_run_two_overlapping_order_runs_without_duplicates(
    pg_prefect: LocalPrefect,
) -> None:
    assert PG_URL
    state = StateStore(PG_URL)
    SQLModel.metadata.drop_all(state.engine)
    SQLModel.metadata.create_all(state.engine)
    name = f"workers-{uuid.uuid4().hex[:6]}"
    pool = f"scale-{uuid.uuid4().hex[:6]}"
    workers = []
    with (
        EmulatorPair(mplus_faults=FaultConfig(latency_ms=25, seed=3)) as pair,
        pg_prefect.as_api() as server,
    ):
        bind_articles(pair, state, name)
        clear_demo_orders(pair)
        for n in range(ORDERS):
            add_order(pair, f"werker{n % 4}@example.nl")
        block = Integration(
            **pair.credentials(),
            state_database_url=PG_URL,
            orders={**BASE_SETTINGS, "page_size": 3},
        )
        block.save(name, overwrite=True)

        with get_client(sync_client=True) as client:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
        sync_orders.to_deployment(
            name="scale-test",
            work_pool_name=pool,
            parameters={"integration": name},
            job_variables={"working_dir": str(ROOT)},  # the checkout, as prefect.yaml's pull step
        ).apply()
        server.env["PREFECT_WORKER_QUERY_SECONDS"] = "1"
        for n in range(2):
            workers.append(
                server.spawn(
                    f"worker-{n}",
                    [
                        str(BIN / "prefect"),
                        "worker",
                        "start",
                        "--pool",
                        pool,
                        "--name",
                        f"{pool}-w{n}",
                        "--limit",
                        "1",
                    ],
                )
            )
        try:
            with get_client(sync_client=True) as client:
                _wait_workers(client, pool, 2, timeout=90)  # both polling before the runs exist
                deployment = client.read_deployment_by_name("sync-orders/scale-test")
                run_ids = [
                    client.create_flow_run_from_deployment(deployment.id).id for _ in range(2)
                ]
            runs = _wait_final(run_ids, timeout=150)
        finally:
            for proc in workers:
                stop_process(proc)
        for r in runs:
            assert r.state.is_completed(), f"{r.state.name}: {r.state.message}\n" + "\n".join(
                server.tail(f"worker-{n}") for n in range(2)
            )
        assert all(proc.poll() is not None for proc in workers)
        # each worker (limit 1) took one of the two runs
        took = [
            server.tail(f"worker-{n}", 400).count("submitted to infrastructure") for n in range(2)
        ]
        assert took == [1, 1], took

    mplus = pair.mplus.backend
    ext_ids = Counter(o.get("extOrderId") for o in mplus.orders.values())
    assert ext_ids and max(ext_ids.values()) == 1, ext_ids
    emails = Counter(r.get("email") for r in mplus.relations.values())
    assert all(emails[f"werker{n}@example.nl"] == 1 for n in range(4)), emails
    created = Counter(
        e.record_key for e in state.ledger(integration=name, flow="orders", outcome=Outcome.CREATED)
    )
    assert created and max(created.values()) == 1, created
    assert pair.mplus.counters.writes["createOrderV3"] == len(created)
    elsewhere = state.ledger(integration=name, reason_code=Reason.IN_PROGRESS_ELSEWHERE.value)
    print(f"created {len(created)}, passed to the other run {len(elsewhere)}")  # noqa: T201
    assert state.claims(name) == []
    state.close()
