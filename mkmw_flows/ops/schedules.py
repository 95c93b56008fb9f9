"""The schedule table: which flow runs when. One source for prefect.yaml and deployments/serve.py.

``prefect.yaml`` holds the same table for a process work pool (a test keeps the two in
step); ``deployments/serve.py`` serves it from one process without a work pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.flows import Flow
from prefect.schedules import Cron, Interval, Schedule
from prefect.types.entrypoint import EntrypointType

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

#: Time zone of every cron schedule: the shops are Dutch, so "02:30" means Amsterdam time.
TIMEZONE = "Europe/Amsterdam"

#: The process work pool the prefect.yaml deployments use.
WORK_POOL = "mkmw-process"


@dataclass(frozen=True)
class ScheduledDeployment:
    """One deployment of one flow with its schedule.

    Attributes:
        flow: The flow's name (``@flow(name=...)``).
        name: The deployment's name; the full name is ``flow/name``.
        entrypoint: The flow as ``module:function`` (``mkmw_flows.flows.orders:sync_orders``):
            a worker imports it from the installed package, so it needs no checkout. The
            colon form (not Prefect's dotted ``module.function``) is what
            `prefect deploy --name flow/deployment` matches on; with no pull step and no
            path, Prefect 3.9's "copy the code" step copies the run's folder onto itself,
            which it skips.
        description: What the deployment is for, shown in the Prefect UI.
        interval_seconds: Run every so many seconds (or None).
        cron: Run on this cron schedule in :data:`TIMEZONE` (or None).
        parameters: Parameters besides ``integration``.
        concurrency_limit: Runs of this deployment at once; a run due while one is still busy
            is cancelled (the next one picks up its work through the cursors).
    """

    flow: str
    name: str
    entrypoint: str
    description: str
    interval_seconds: int | None = None
    cron: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    concurrency_limit: int = 1
    collision_strategy: str = "CANCEL_NEW"

    @property
    def full_name(self) -> str:
        """``flow/deployment`` as `prefect deployment run` takes it."""
        return f"{self.flow}/{self.name}"

    @property
    def module(self) -> str:
        """The entrypoint's module, e.g. ``mkmw_flows.flows.orders``."""
        return self.entrypoint.split(":", 1)[0]

    @property
    def function(self) -> str:
        """The entrypoint's function name."""
        return self.entrypoint.split(":", 1)[1]

    def schedule(self) -> dict[str, Any]:
        """The schedule as prefect.yaml writes it."""
        if self.cron is not None:
            return {"cron": self.cron, "timezone": TIMEZONE, "active": True}
        return {"interval": self.interval_seconds, "active": True}

    def concurrency(self) -> dict[str, Any]:
        """The concurrency limit as prefect.yaml writes it."""
        return {"limit": self.concurrency_limit, "collision_strategy": self.collision_strategy}

    def all_parameters(self, integration: str) -> dict[str, Any]:
        """Every parameter of a run for `integration`."""
        return {"integration": integration, **self.parameters}


DEPLOYMENTS: tuple[ScheduledDeployment, ...] = (
    ScheduledDeployment(
        flow="sync-orders",
        name="every-5-minutes",
        entrypoint="mkmw_flows.flows.orders:sync_orders",
        description="New and changed web orders (and their customers) every 5 minutes.",
        interval_seconds=300,
    ),
    ScheduledDeployment(
        flow="sync-stock",
        name="every-5-minutes",
        entrypoint="mkmw_flows.flows.stock:sync_stock",
        description="Stock changed in MplusKASSA to the shop every 5 minutes.",
        interval_seconds=300,
    ),
    ScheduledDeployment(
        flow="sync-products",
        name="hourly",
        entrypoint="mkmw_flows.flows.products:sync_products",
        description="Changed products and categories every hour.",
        cron="5 * * * *",
    ),
    ScheduledDeployment(
        flow="sync-products",
        name="nightly-full",
        entrypoint="mkmw_flows.flows.products:sync_products",
        description="Every product compared in full each night, catching what a feed missed.",
        cron="30 2 * * *",
        parameters={"full": True},
    ),
    ScheduledDeployment(
        flow="reconcile-stock",
        name="nightly",
        entrypoint="mkmw_flows.flows.stock:reconcile_stock",
        description="Both sides' stock compared each night; drift is reported (mkmw.stock.drift).",
        cron="30 3 * * *",
    ),
    ScheduledDeployment(
        flow="purge-ledger",
        name="daily",
        entrypoint="mkmw_flows.flows.maintenance:purge_ledger",
        description="Ledger entries and personal data past the retention period removed daily.",
        cron="15 4 * * *",
    ),
)


def by_full_name(full_name: str) -> ScheduledDeployment:
    """The deployment called ``flow/name``.

    Raises:
        KeyError: When the table has no such deployment.
    """
    for item in DEPLOYMENTS:
        if item.full_name == full_name:
            return item
    raise KeyError(full_name)


def prefect_schedule(item: ScheduledDeployment) -> Schedule:
    """The deployment's schedule as a Prefect schedule object."""
    if item.cron is not None:
        return Cron(item.cron, timezone=TIMEZONE)
    return Interval(item.interval_seconds or 0)


def _limit(item: ScheduledDeployment) -> ConcurrencyLimitConfig:
    return ConcurrencyLimitConfig(
        limit=item.concurrency_limit,
        collision_strategy=ConcurrencyLimitStrategy(item.collision_strategy),
    )


def load_flow(item: ScheduledDeployment) -> Flow[..., Any]:
    """Import the flow a deployment runs.

    Raises:
        ImportError: When the flow's module is not there.
        TypeError: When the entrypoint is not a Prefect flow.
    """
    module = importlib.import_module(item.module)
    candidate = getattr(module, item.function)
    if not isinstance(candidate, Flow):
        raise TypeError(f"{item.entrypoint} is not a Prefect flow")
    return candidate


def runner_deployments(
    integration: str, flows: Iterable[str] | None = None
) -> list[RunnerDeployment]:
    """The schedule table as deployments for ``prefect.serve``, all for one integration.

    Deployment names carry the integration (``sync-orders/shop1-every-5-minutes``), so one
    serve process per shop can share a Prefect server.

    Args:
        integration: Name of the Integration block every run uses.
        flows: Only these flow names (default: all).

    Returns:
        One RunnerDeployment per row of :data:`DEPLOYMENTS`.
    """
    wanted = set(flows) if flows is not None else None
    result: list[RunnerDeployment] = []
    for item in DEPLOYMENTS:
        if wanted is not None and item.flow not in wanted:
            continue
        flow = load_flow(item)
        schedule = prefect_schedule(item)
        deployment = flow.to_deployment(
            name=f"{integration}-{item.name}",
            description=item.description,
            parameters=item.all_parameters(integration),
            concurrency_limit=ConcurrencyLimitConfig(
                limit=item.concurrency_limit,
                collision_strategy=ConcurrencyLimitStrategy(item.collision_strategy),
            ),
            tags=["mkmw", f"integration:{integration}"],
            schedules=[schedule],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        # to_deployment dispatches on the calling context; from sync code it is not a coroutine
        runner = cast("RunnerDeployment", deployment)
        runner.entrypoint = item.entrypoint
        result.append(runner)
    return result


def deploy_to_pool(integration: str, flows: Iterable[str] | None = None) -> list[str]:
    """Create or update the schedule table's deployments on the process work pool.

    The deployments import the flows by module path from the installed ``mkmw-flows``
    package, so a worker needs the package installed and nothing else (no checkout, no
    pull step). They are named like serve's (``sync-orders/shop1-every-5-minutes``). The
    work pool is created when it does not exist.

    Args:
        integration: Name of the Integration block every run uses.
        flows: Only these flow names (default: all).

    Returns:
        The full names of the deployments created or updated.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import deploy
    from prefect.exceptions import ObjectAlreadyExists

    async def ensure_pool() -> None:
        async with get_client() as client:
            with contextlib.suppress(ObjectAlreadyExists):
                await client.create_work_pool(WorkPoolCreate(name=WORK_POOL, type="process"))

    asyncio.run(ensure_pool())
    wanted = set(flows) if flows is not None else None
    names: list[str] = []
    for item in DEPLOYMENTS:
        if wanted is not None and item.flow not in wanted:
            continue
        name = f"{integration}-{item.name}"
        deployment = cast(
            "RunnerDeployment",
            load_flow(item).to_deployment(
                name=name,
                description=item.description,
                parameters=item.all_parameters(integration),
                schedules=[prefect_schedule(item)],
                concurrency_limit=_limit(item),
                tags=["mkmw", f"integration:{integration}"],
                entrypoint_type=EntrypointType.MODULE_PATH,
            ),
        )
        deployment.entrypoint = item.entrypoint  # module:function, as prefect.yaml has it
        deploy(
            deployment,
            work_pool_name=WORK_POOL,
            build=False,
            push=False,
            print_next_steps_message=False,
        )
        names.append(f"{item.flow}/{name}")
    return names


def prefect_yaml_rows(integration: str = "default") -> list[dict[str, Any]]:
    """The ``deployments:`` rows of prefect.yaml, as the schedule table gives them.

    prefect.yaml spells the same rows out (with YAML anchors for the pool and the limit);
    tests/ops/test_schedules.py compares the two.
    """
    return [
        {
            "name": item.name,
            "description": item.description,
            "entrypoint": item.entrypoint,
            "parameters": item.all_parameters(integration),
            "tags": ["mkmw"],
            "work_pool": {"name": WORK_POOL},
            "concurrency_limit": item.concurrency(),
            "schedules": [item.schedule()],
        }
        for item in DEPLOYMENTS
    ]
