"""CI smoke test of the deployments: a real server, `prefect deploy`, a process worker.

`prefect server start` (SQLite in a temp PREFECT_HOME) on a free 127.0.0.1 port, the
process work pool, `prefect --no-prompt deploy`, an Integration block pointing at both
emulators (served by this test process), `prefect deployment run`, then
`prefect worker start --run-once`: the run must end Completed and the emulators must
have seen the flow's calls. Every process is stopped by its PID.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.ops.schedules import DEPLOYMENTS, WORK_POOL, by_full_name

from .localprefect import LocalPrefect

pytestmark = pytest.mark.timeout(240)

#: The deployment the smoke test runs: a sync flow that calls both systems.
TARGET = "sync-stock/every-5-minutes"


async def _read_run(run_id: str):
    async with get_client() as client:
        return await client.read_flow_run(uuid.UUID(run_id))


async def _deployments():
    async with get_client() as client:
        return await client.read_deployments()


def test_deploy_and_run_one_deployment_with_a_process_worker(
    tmp_path: Path, local_server: LocalPrefect
) -> None:
    target = by_full_name(TARGET).full_name
    with EmulatorPair() as pair, local_server.as_api() as server:
        server.prefect("work-pool", "create", WORK_POOL, "--type", "process", "--overwrite")
        deployed = server.prefect("--no-prompt", "deploy", "--all", timeout=180)
        assert "error" not in deployed.stdout.lower(), deployed.stdout

        deployments = asyncio.run(_deployments())
        for deployment in deployments:
            assert deployment.work_pool_name == WORK_POOL
            assert not deployment.pull_steps  # nothing to fetch: the package is installed
        assert {d.entrypoint for d in DEPLOYMENTS} <= {d.entrypoint for d in deployments}
        assert {d.name for d in DEPLOYMENTS} <= {d.name for d in deployments}

        block = Integration(**pair.credentials(), state_database_url=str(tmp_path / "state.db"))
        block.save("smoke", overwrite=True)

        started = server.prefect(
            "deployment", "run", target, "--param", "integration=smoke", timeout=60
        )
        match = re.search(r"UUID:\s*([0-9a-f-]{36})", started.stdout)
        assert match, started.stdout
        run_id = match.group(1)

        worker = server.prefect(
            "worker", "start", "--pool", WORK_POOL, "--run-once", "--name", "smoke", timeout=180
        )
        run = asyncio.run(_read_run(run_id))
        assert run.state is not None
        assert run.state.is_completed(), (
            f"{run.state.name}: {run.state.message}\n{worker.stdout[-4000:]}{worker.stderr[-4000:]}"
        )
        assert run.parameters["integration"] == "smoke"

    assert sum(pair.mplus.counters.calls.values()) > 0
    assert sum(pair.shop.counters.calls.values()) > 0
