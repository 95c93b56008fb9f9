"""The sync-stock and reconcile-stock flows under Prefect, against both emulators over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from mkmw_emulators.pair import SECRET_VALUES, EmulatorPair
from mkmw_flows.flows import stock as stock_flows
from mkmw_flows.flows.common import artifact_key
from mkmw_flows.flows.stock import reconcile_stock, sync_stock
from mkmw_flows.state import StateStore

from .helpers import PATCH, bind_articles, free, shop_stock, shop_value

pytestmark = pytest.mark.usefixtures("prefect_server")

MakeIntegration = Callable[..., tuple[str, Any]]


def artifact(key: str) -> Any:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    assert found, f"no artifact {key}"
    return found[0].data


def test_sync_stock_flow_sends_a_sale_and_publishes(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    name, block = make_integration(emulators, save=True)
    store = StateStore(block.state_database_url)
    bound = bind_articles(emulators, store, name)
    first = sync_stock(integration=name)
    assert first["mode"] == "first" and first["counts"]["updated"] > 0

    number = next(
        n for n, t in sorted(bound.items()) if t[1] is not None and free(emulators, n, 1) >= 2
    )
    old = shop_value(emulators, bound[number])
    emulators.shop.counters.reset()
    emulators.mplus.backend.sell(number, 1)
    summary = sync_stock(integration=name)
    assert summary["mode"] == "incremental"
    assert summary["counts"]["updated"] == 1 and summary["shop_writes"] == 1
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}
    assert shop_value(emulators, bound[number]) == old - 1
    summary_md = artifact(artifact_key(name, "stock", "summary"))
    assert "updated | 1" in summary_md
    assert not any(secret in summary_md for secret in SECRET_VALUES)
    store.close()


def test_sync_stock_dry_run_publishes_the_plan_and_writes_nothing(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    name, block = make_integration(emulators, save=True, stock={"safety_buffer": 1})
    store = StateStore(block.state_database_url)
    bound = bind_articles(emulators, store, name)
    before = shop_stock(emulators)
    summary = sync_stock(integration=name, dry_run=True)
    assert summary["dry_run"] is True and summary["counts"]["updated"] > 0
    assert emulators.shop.counters.total_writes == 0
    assert shop_stock(emulators) == before
    assert store.ledger(integration=name) == []
    assert store.get_cursor(name, "stock.stock_id") is None
    plan = artifact(artifact_key(name, "stock", "plan"))
    number = min(n for n in bound if (1, n) in emulators.mplus.backend.stock)
    assert f"| {number} | stock |" in plan
    store.close()


def test_reconcile_finds_a_hand_edit_and_heals_it_when_asked(
    emulators: EmulatorPair, make_integration: MakeIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[dict[str, Any]] = []
    real_emit = stock_flows.emit_event

    def capture(**kwargs: Any) -> Any:
        events.append(kwargs)
        return real_emit(**kwargs)

    monkeypatch.setattr(stock_flows, "emit_event", capture)
    name, block = make_integration(emulators, save=True)
    store = StateStore(block.state_database_url)
    bound = bind_articles(emulators, store, name)
    sync_stock(integration=name)

    clean = reconcile_stock(integration=name)
    assert clean["drift"]["drift"] == 0 and clean["drift"]["checked"] > 0

    number = next(n for n, t in sorted(bound.items()) if t[1] is not None and free(emulators, n, 1))
    article_id, variant_id = bound[number]
    right = shop_value(emulators, bound[number])
    emulators.shop.backend.set_stock(article_id, right + 40, variant_id)  # edited by hand
    emulators.shop.counters.reset()

    found = reconcile_stock(integration=name)
    assert found["drift"]["drift"] == 1 and found["drift"]["healed"] == 0
    assert emulators.shop.counters.total_writes == 0
    assert shop_value(emulators, bound[number]) == right + 40
    table = json.loads(artifact(artifact_key(name, "stock-reconcile", "drift")))
    [row] = table
    assert row["sku"] == str(number)
    assert (row["mplus value"], row["shop value"], row["last pushed"]) == (right, right + 40, right)
    assert row["drift since"] and "edited by hand" in row["cause"]
    drift_events = [e for e in events if e["event"] == "mkmw.stock.drift"]
    assert drift_events[-1]["payload"]["drift"] == 1
    assert drift_events[-1]["resource"]["prefect.resource.id"] == f"mkmw.integration.{name}"
    assert drift_events[-1]["resource"]["mkmw.drift"] == "1"

    healed = reconcile_stock(integration=name, heal=True)
    assert healed["drift"]["healed"] == 1
    assert dict(emulators.shop.counters.writes) == {PATCH: 1}
    assert shop_value(emulators, bound[number]) == right
    after = reconcile_stock(integration=name)
    assert after["drift"]["drift"] == 0
    store.close()
