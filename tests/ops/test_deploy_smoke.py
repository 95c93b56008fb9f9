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
from mkmw_flows.schedules import DEPLOYMENTS, WORK_POOL, by_full_name

from .localprefect import ROOT, LocalPrefect

pytestmark = pytest.mark.timeout(240)

#: The deployment the smoke test runs: a sync flow that calls both systems, once it landed.
PREFERRED = ["sync-stock/every-5-minutes", "sync-products/hourly", "purge-ledger/daily"]


def _landed(entrypoint: str) -> bool:
    return (ROOT / entrypoint.split(":", 1)[0]).exists()


def _deploy_args() -> list[str]:
    if all(_landed(d.entrypoint) for d in DEPLOYMENTS):
        return ["--all"]
    args: list[str] = []
    for item in DEPLOYMENTS:
        if _landed(item.entrypoint):
            args += ["--name", item.full_name]
    return args


async def _read_run(run_id: str):
    async with get_client() as client:
        return await client.read_flow_run(uuid.UUID(run_id))


async def _deployments():
    async with get_client() as client:
        return await client.read_deployments()


def test_deploy_and_run_one_deployment_with_a_process_worker(
    tmp_path: Path, local_server: LocalPrefect
) -> None:
    target = next(name for name in PREFERRED if _landed(by_full_name(name).entrypoint))
    with EmulatorPair() as pair, local_server.as_api() as server:
        server.prefect("work-pool", "create", WORK_POOL, "--type", "process")
        deployed = server.prefect("--no-prompt", "deploy", *_deploy_args(), timeout=180)
        assert "error" not in deployed.stdout.lower(), deployed.stdout

        names = {(d.name, d.work_pool_name) for d in asyncio.run(_deployments())}
        for item in DEPLOYMENTS:
            if _landed(item.entrypoint):
                assert (item.name, WORK_POOL) in names

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

    mplus_calls = sum(pair.mplus.counters.calls.values())
    shop_calls = sum(pair.shop.counters.calls.values())
    if target.startswith("purge-ledger"):
        assert (tmp_path / "state.db").exists()  # the purge opened the integration's store
        assert mplus_calls == 0 and shop_calls == 0
    else:
        assert mplus_calls > 0 and shop_calls > 0
