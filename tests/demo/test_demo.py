"""The demo (what `make demo` runs) end to end, under the session's Prefect server."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from mkmw_flows.demo import run_demo

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_demo_runs_every_flow_twice_and_the_systems_agree() -> None:
    out = io.StringIO()
    result = run_demo(Console(file=out, width=160), name="demo-under-test")
    text = out.getvalue()
    assert result.ok, result.disagreements
    assert "Both systems agree." in text
    flows = [(r.round, r.flow) for r in result.runs]
    assert flows == [
        (1, "sync-products"),
        (1, "sync-orders"),
        (1, "sync-stock"),
        (2, "sync-products"),
        (2, "sync-orders"),
        (2, "sync-stock"),
    ]
    by_key = {(r.round, r.flow): r.summary["counts"] for r in result.runs}
    assert by_key[(1, "sync-products")]["created"] > 0
    assert by_key[(2, "sync-products")]["created"] == 1  # the new product
    assert by_key[(2, "sync-products")]["updated"] >= 1  # the price change
    assert by_key[(2, "sync-orders")]["created"] == 2  # the person and the company order
    assert by_key[(2, "sync-stock")]["updated"] >= 1  # the store sale
    held = {(flow, reason.split(":")[0]) for flow, _, reason in result.held}
    assert ("orders", "PAYMENT_UNMAPPED") in held  # the order paid by card is held
    assert "prefect server start" in text
