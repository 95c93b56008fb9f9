"""One API budget per external system, shared by every flow run of an integration.

Each integration gets two Prefect global concurrency limits used as rate limits:
``mkmw-<integration>-shop`` (MijnWebwinkel) and ``mkmw-<integration>-mplus`` (MplusKASSA).
A limit's ``slot_decay_per_second`` is the sustained calls per second; its ``limit`` is the
burst. With ``api_budget: true`` on the Integration block every client call of every flow
run - on any worker, in any process - first takes one slot (``rate_limit(..., strict=True)``),
so all runs together stay within the budget. ``strict`` makes a missing limit an error
instead of silently unthrottled calls.

The clients know nothing of Prefect: they take a ``throttle`` callable, and
:func:`throttle` builds it here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
)
from prefect.exceptions import ObjectNotFound

System = Literal["shop", "mplus"]
SYSTEMS: tuple[System, ...] = ("shop", "mplus")


def limit_name(integration: str, system: System) -> str:
    """The global concurrency limit of one system of one integration.

    Lower-case letters, digits and dashes: ``mkmw-<integration>-shop`` / ``-mplus``.
    """
    raw = f"mkmw-{integration}-{system}".lower()
    return re.sub(r"[^a-z0-9-]+", "-", raw).strip("-")


@dataclass(frozen=True)
class BudgetLimit:
    """One rate limit as it should be on the server.

    Attributes:
        name: The global concurrency limit's name.
        limit: The burst: calls that may start at once after a quiet spell.
        slot_decay_per_second: The sustained calls per second.
    """

    name: str
    limit: int
    slot_decay_per_second: float


def plan_budget(
    integration: str, *, shop_rate: float | None = None, mplus_rate: float | None = None
) -> list[BudgetLimit]:
    """The limits for the rates given (calls per second; the burst is the whole-number rate).

    Raises:
        ValueError: A rate that is not positive, or no rate at all.
    """
    rates: dict[System, float | None] = {"shop": shop_rate, "mplus": mplus_rate}
    planned: list[BudgetLimit] = []
    for system in SYSTEMS:
        rate = rates[system]
        if rate is None:
            continue
        if not rate > 0:
            raise ValueError(f"the {system} rate must be a positive number of calls per second")
        planned.append(BudgetLimit(limit_name(integration, system), max(1, math.floor(rate)), rate))
    if not planned:
        raise ValueError("give a rate for the shop, for MplusKASSA, or both")
    return planned


@dataclass(frozen=True)
class BudgetResult:
    """What applying did to one limit: created, updated or unchanged."""

    limit: BudgetLimit
    action: str


def apply_budget(
    integration: str, *, shop_rate: float | None = None, mplus_rate: float | None = None
) -> list[BudgetResult]:
    """Create or update the integration's limits on the Prefect server; idempotent.

    Args:
        integration: The Integration block's name.
        shop_rate: MijnWebwinkel calls per second for all runs together (None: leave it).
        mplus_rate: MplusKASSA calls per second for all runs together (None: leave it).

    Returns:
        One result per limit given.
    """
    results: list[BudgetResult] = []
    with get_client(sync_client=True) as client:
        for wanted in plan_budget(integration, shop_rate=shop_rate, mplus_rate=mplus_rate):
            try:
                current = client.read_global_concurrency_limit_by_name(wanted.name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(
                        name=wanted.name,
                        limit=wanted.limit,
                        slot_decay_per_second=wanted.slot_decay_per_second,
                        active=True,
                    )
                )
                results.append(BudgetResult(wanted, "created"))
                continue
            same = (
                current.limit == wanted.limit
                and math.isclose(current.slot_decay_per_second or 0.0, wanted.slot_decay_per_second)
                and current.active
            )
            if same:
                results.append(BudgetResult(wanted, "unchanged"))
                continue
            client.update_global_concurrency_limit(
                wanted.name,
                GlobalConcurrencyLimitUpdate(
                    limit=wanted.limit,
                    slot_decay_per_second=wanted.slot_decay_per_second,
                    active=True,
                ),
            )
            results.append(BudgetResult(wanted, "updated"))
    return results


class BudgetMissingError(RuntimeError):
    """``api_budget`` is on but the Prefect server has no limit of that name."""


def throttle(integration: str, system: System) -> Callable[[], None]:
    """A client throttle that takes one slot of the system's limit before each call.

    The limit must exist (``mkmw budget apply``): a missing one raises
    :class:`BudgetMissingError` rather than letting calls through unthrottled.
    """
    from prefect.concurrency.sync import rate_limit

    name = limit_name(integration, system)

    def take_slot() -> None:
        try:
            rate_limit(name, occupy=1, strict=True)
        except Exception as exc:
            if type(exc).__name__ != "ConcurrencySlotAcquisitionError":
                raise
            raise BudgetMissingError(
                f"api_budget is on for {integration!r}, but this Prefect server has no limit "
                f"{name!r}: create it with `mkmw budget apply --integration {integration} "
                f"--{system}-rate CALLS_PER_SECOND`, or set api_budget to false"
            ) from exc

    return take_slot
