"""prefect.yaml and deployments/serve.py carry one schedule table (mkmw_flows/ops/schedules.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from mkmw_flows.ops.schedules import (
    DEPLOYMENTS,
    TIMEZONE,
    WORK_POOL,
    by_full_name,
    load_flow,
    prefect_yaml_rows,
)

ROOT = Path(__file__).resolve().parents[2]


def _prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def test_prefect_yaml_matches_the_schedule_table() -> None:
    config = _prefect_yaml()
    rows = config["deployments"]
    assert len(rows) == len(DEPLOYMENTS)
    for row, item in zip(rows, DEPLOYMENTS, strict=True):
        assert row["name"] == item.name
        assert row["entrypoint"] == item.entrypoint
        assert row["description"] == item.description
        assert row["parameters"] == item.all_parameters("default")
        assert row["work_pool"]["name"] == WORK_POOL
        assert row["concurrency_limit"] == item.concurrency()
        assert "mkmw" in row["tags"]
        assert row["schedules"] == [item.schedule()]
    assert rows == prefect_yaml_rows("default")


def test_every_flow_on_the_issue_list_is_scheduled() -> None:
    names = {d.full_name for d in DEPLOYMENTS}
    assert names == {
        "sync-orders/every-5-minutes",
        "sync-stock/every-5-minutes",
        "sync-products/hourly",
        "sync-products/nightly-full",
        "reconcile-stock/nightly",
        "purge-ledger/daily",
    }
    assert by_full_name("sync-products/nightly-full").parameters == {"full": True}
    assert by_full_name("sync-orders/every-5-minutes").interval_seconds == 300


def test_prefect_yaml_needs_no_checkout() -> None:
    """Module-path entrypoints and no pull step: a worker imports the installed package."""
    text = (ROOT / "prefect.yaml").read_text(encoding="utf-8")
    config = _prefect_yaml()
    assert config["pull"] == []  # explicit: `prefect deploy` would otherwise add a folder step
    for row in config["deployments"]:
        module, _, function = row["entrypoint"].partition(":")
        assert module.startswith("mkmw_flows.flows.") and "/" not in module and function
        assert "pull" not in row
    assert "MKMW_PROJECT_DIR" not in text
    assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text


@pytest.mark.parametrize("item", DEPLOYMENTS, ids=lambda d: d.full_name)
def test_entrypoints_are_the_named_flows(item) -> None:
    from prefect.flows import load_flow_from_entrypoint

    flow = load_flow(item)
    assert load_flow_from_entrypoint(item.entrypoint) is flow  # as the worker loads it
    assert flow.name == item.flow
    assert "integration" in flow.parameters.properties
    for name in item.parameters:
        assert name in flow.parameters.properties


def _serve_module():
    spec = importlib.util.spec_from_file_location("mkmw_serve", ROOT / "deployments" / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_builds_the_same_schedules_for_one_integration(monkeypatch) -> None:
    from mkmw_flows.ops.schedules import runner_deployments

    served: list = []
    module = _serve_module()
    monkeypatch.setattr(module, "serve", lambda *deps, **kw: served.extend(deps))
    monkeypatch.setenv("MKMW_INTEGRATION", "shop1")
    assert module.main([]) == 0

    expected = list(DEPLOYMENTS)
    assert [d.name for d in served] == [f"shop1-{d.name}" for d in expected]
    for deployment, item in zip(served, expected, strict=True):
        assert deployment.parameters == item.all_parameters("shop1")
        assert deployment.concurrency_limit == 1
        assert "integration:shop1" in deployment.tags
        schedule = deployment.schedules[0].schedule
        if item.cron:
            assert schedule.cron == item.cron and schedule.timezone == TIMEZONE
        else:
            assert schedule.interval.total_seconds() == item.interval_seconds
    assert runner_deployments("x", ["purge-ledger"])[0].name == "x-daily"
