"""Alerts as code against a real local Prefect server (its trigger services running)."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from uuid import uuid4

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from mkmw_flows.cli.main import app
from mkmw_flows.flows.common import publish_report
from mkmw_flows.ops.automations import (
    AutomationFileError,
    build_automation,
    glob_at_least,
    plan,
    read_file,
)
from mkmw_flows.state import Outcome
from mkmw_flows.sync.reasons import FIXES, Reason
from mkmw_flows.sync.report import RecordResult, RunReport

from .localprefect import ROOT, LocalPrefect

pytestmark = pytest.mark.timeout(240)
FILE = ROOT / "deployments" / "automations.yaml"


@pytest.mark.parametrize("n", [1, 5, 9, 10, 11, 25, 99, 100, 101, 250, 1000])
def test_glob_at_least_matches_exactly_the_numbers_from_n(n: int) -> None:
    patterns = glob_at_least(n)
    for value in range(0, 2500):
        matched = any(fnmatch.fnmatchcase(str(value), p) for p in patterns)
        assert matched == (value >= n), (n, value, patterns)


def test_the_file_builds_every_kind_with_thresholds_from_the_environment() -> None:
    block = uuid4()
    env = {"MKMW_ALERT_FAILED_RECORDS": "25", "MKMW_ALERT_STALE_MINUTES": "45"}
    automations = {a.name: a for a in plan(FILE, block, env)}
    assert set(automations) == {
        "mkmw-run-failed",
        "mkmw-orders-stock-not-completed",
        "mkmw-products-not-completed",
        "mkmw-held-reason",
        "mkmw-failed-records",
        "mkmw-stock-drift",
    }
    failed = automations["mkmw-run-failed"].trigger
    assert failed.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    stale = automations["mkmw-orders-stock-not-completed"].trigger
    assert stale.posture == "Proactive" and stale.within.total_seconds() == 45 * 60
    # each completion opens the next window (without `after` a for_each bucket never fires)
    assert stale.after == {"mkmw.sync.completed"} == stale.expect
    records = automations["mkmw-failed-records"].trigger
    assert records.match["mkmw.failed"] == glob_at_least(26)
    assert automations["mkmw-held-reason"].trigger.expect == {"mkmw.records.held.new"}
    for automation in automations.values():
        assert automation.actions[0].block_document_id == block
    assert read_file(FILE, {}).notification_block == "mkmw-alerts"


def test_a_bad_entry_is_refused_with_its_name() -> None:
    with pytest.raises(AutomationFileError, match="mkmw-x.*within_minutes"):
        build_automation({"name": "mkmw-x", "kind": "not-completed", "flows": ["orders"]}, uuid4())
    with pytest.raises(AutomationFileError, match="unknown kind"):
        build_automation({"name": "mkmw-y", "kind": "nope"}, uuid4())


@flow(name="mkmw-test-publish")
def publishing_flow(failed: int) -> None:
    report = RunReport(flow="orders", integration="shop7", run_id="r")
    for n in range(failed):
        reason = Reason.VAT_UNMAPPED if n < failed - 1 else Reason.PAYMENT_UNMAPPED
        report.results.append(RecordResult("order", str(n), Outcome.FAILED, reason, "x"))
    report.results.append(RecordResult("order", "ok", Outcome.CREATED))
    publish_report(report)


@flow(name="mkmw-test-held")
def holding_flow(held_before: list[str]) -> None:
    """Holds 2 orders for PAYMENT_UNMAPPED, as sync-orders does, given what was held before."""
    report = RunReport(flow="orders", integration="shop9", run_id="r9")
    report.held_before = {("orders", code) for code in held_before}
    for n in ("1001", "1002"):
        report.results.append(
            RecordResult(
                "order",
                n,
                Outcome.FAILED,
                Reason.PAYMENT_UNMAPPED,
                f"Order {n}: payment method mollie:giropay has no MplusKASSA code.",
                hold=True,
            )
        )
    publish_report(report)


class _Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self) -> None:
        received: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, needle: str, timeout: float = 180.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.received):
                if needle in json.dumps(message):
                    return message
            time.sleep(0.25)
        raise AssertionError(f"no notification containing {needle!r}; got {self.received}")


async def _automations() -> list:
    async with get_client() as client:
        return await client.read_automations()


def test_apply_twice_keeps_one_of_each_and_a_failing_run_notifies(
    local_server: LocalPrefect,
) -> None:
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.events import emit_event

    from mkmw_flows.flows.maintenance import purge_ledger

    runner = CliRunner()
    with local_server.as_api(), _Receiver() as receiver:
        CustomWebhookNotificationBlock(
            name="mkmw-test-hook",
            url=receiver.url,
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        ).save("mkmw-test-hook", overwrite=True)

        first = runner.invoke(
            app, ["automations", "apply", str(FILE), "--notification-block", "mkmw-test-hook"]
        )
        assert first.exit_code == 0, first.output
        assert first.output.count("created") == 6
        second = runner.invoke(
            app, ["automations", "apply", str(FILE), "--notification-block", "mkmw-test-hook"]
        )
        assert second.exit_code == 0, second.output
        assert second.output.count("unchanged") == 6 and "created" not in second.output
        names = [a.name for a in asyncio.run(_automations())]
        assert sorted(names) == sorted(set(names)) and len(names) == 6

        # A changed threshold updates in place.
        third = runner.invoke(
            app,
            ["automations", "apply", str(FILE), "--notification-block", "mkmw-test-hook"],
            env={"MKMW_ALERT_FAILED_RECORDS": "3"},
        )
        assert "mkmw-failed-records updated" in " ".join(third.output.split())
        assert len(asyncio.run(_automations())) == 6

        # A failing flow run: the integration block does not exist.
        with pytest.raises(ValueError, match="no Integration block"):
            purge_ledger(integration="shop-without-block")
        failed = receiver.wait_for("shop-without-block")
        assert "purge-ledger" in failed["subject"] and "failed" in failed["subject"]
        assert "no Integration block named" in failed["body"]
        assert "held" not in failed["body"]  # the run failed; it held no records

        # Orders held for a reason held before: no alert. For a new reason: reason and fix.
        holding_flow(["PAYMENT_UNMAPPED"])
        holding_flow([])
        held = receiver.wait_for("shop9")
        subject = "2 record(s) held by the orders flow for PAYMENT_UNMAPPED in shop9"
        assert subject in held["subject"]
        assert FIXES[Reason.PAYMENT_UNMAPPED] in held["body"]
        assert "PAYMENT_UNMAPPED" in held["body"] and "1001, 1002" in held["body"]
        assert "mollie:giropay" not in held["body"]  # record messages stay inside Prefect
        time.sleep(3)  # had the run with the reason held before alerted, it would be here by now
        assert sum("held by" in m.get("subject", "") for m in receiver.received) == 1

        # A run with more failed records than the threshold (3), published as every flow does.
        publishing_flow(4)
        records = receiver.wait_for("shop7")
        assert "4 records failed" in records["subject"]
        assert "VAT_UNMAPPED (3), PAYMENT_UNMAPPED (1)" in records["body"]

        # Drift found by reconciliation (the event reconcile-stock emits).
        emit_event(
            event="mkmw.stock.drift",
            resource={
                "prefect.resource.id": "mkmw.integration.shop8",
                "prefect.resource.name": "shop8",
                "mkmw.flow": "stock-reconcile",
                "mkmw.drift": "2",
            },
            payload={"integration": "shop8", "heal": False, "drift": 2, "checked": 40, "healed": 0},
        )
        drift = receiver.wait_for("shop8")
        assert "drift in 2 articles" in drift["subject"]
