"""Prefect wiring shared by every flow: load the integration, publish artifacts and events."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.runtime import flow_run

from mkmw_flows.blocks import Integration
from mkmw_flows.budget import throttle
from mkmw_flows.settings.errors import invalid_settings
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.reasons import EXPLANATIONS, Reason
from mkmw_flows.sync.report import RunReport


def load_integration(name: str) -> Integration:
    """Load the Integration block document called `name`.

    Raises:
        ValueError: With a message that says how to create it.
        InvalidSettingsError: When the stored settings do not validate; one plain message
            naming each field path, its bad value and the allowed values (no traceback).
    """
    try:
        block = Integration.load(name)
    except RuntimeError as exc:  # Prefect wraps the ValidationError of a stored document
        invalid = invalid_settings(name, exc)
        if invalid is None:
            raise
        raise invalid from None
    except ValueError as exc:
        raise ValueError(
            f"no Integration block named {name!r}: create it with `mkmw setup` or "
            f"`mkmw blocks apply FILE` ({exc.__class__.__name__})"
        ) from None
    if not isinstance(block, Integration):  # pragma: no cover - Prefect returns the class asked for
        raise TypeError(f"block {name!r} is not an Integration")
    return block


def current_run_id() -> str:
    """The Prefect flow run id, or a fresh id outside a flow run."""
    run_id = flow_run.get_id()
    return str(run_id) if run_id else f"local-{uuid.uuid4()}"


@contextmanager
def sync_context(
    name: str, flow: str, *, dry_run: bool = False, integration: Integration | None = None
) -> Iterator[SyncContext]:
    """Open clients and the store for one run; close them afterwards.

    Args:
        name: Integration name.
        flow: The flow's short name (products, stock, orders, ...).
        dry_run: Plan only.
        integration: An already loaded block (tests); loaded by name otherwise.
    """
    block = integration or load_integration(name)
    ctx = SyncContext(
        name=name,
        integration=block,
        store=StateStore(block.state_database_url),
        mplus=block.mplus.client(),
        shop=block.mijnwebwinkel.client(),
        report=RunReport(flow=flow, integration=name, run_id=current_run_id(), dry_run=dry_run),
        dry_run=dry_run,
    )
    if block.api_budget:  # one budget per system, shared with every other run
        ctx.mplus.throttle = throttle(name, "mplus")
        ctx.shop.throttle = throttle(name, "shop")
    try:
        yield ctx
    finally:
        ctx.close()


def artifact_key(integration: str, flow: str, suffix: str = "") -> str:
    """An artifact key per integration and flow (lower-case letters, digits and dashes)."""
    raw = f"mkmw-{integration}-{flow}{'-' + suffix if suffix else ''}".lower()
    return re.sub(r"[^a-z0-9-]+", "-", raw).strip("-")


def summary_markdown(report: RunReport, calls: dict[str, int] | None = None) -> str:
    """A markdown summary: counts, calls made, and every problem with its reason."""
    counts = report.counts()
    title = f"{report.flow} for {report.integration}" + (" (dry run)" if report.dry_run else "")
    lines = [f"# {title}", "", "| outcome | records |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in counts.items()]
    if calls:
        lines += ["", "Calls made: " + ", ".join(f"{k} {v}" for k, v in calls.items())]
    for note in report.notes:
        lines += ["", f"- {note}"]
    problems = report.problems()
    if problems:
        lines += ["", "## Skipped and failed", "", "| record | outcome | reason | message |"]
        lines += ["|---|---|---|---|"]
        for r in problems[:500]:
            msg = r.message.replace("|", "/").replace("\n", " ")
            lines.append(f"| {r.key} | {r.outcome.value} | {r.reason or ''} | {msg} |")
        if len(problems) > 500:
            lines.append(f"| … | | | {len(problems) - 500} more in `mkmw ledger show` |")
        lines += ["", "## What the reasons mean", ""]
        for code in sorted({r.reason for r in problems if r.reason}):
            lines.append(f"- **{code}**: {EXPLANATIONS.get(Reason(code), '')}")
    return "\n".join(lines)


def publish_report(
    report: RunReport, *, calls: dict[str, int] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Publish a run's table and markdown artifacts and its events; return the summary.

    The artifacts have a key per integration and flow, so the Prefect UI's artifacts page
    shows the latest state of each flow. Events: ``mkmw.sync.completed`` with the counts and
    ``mkmw.records.failed`` per reason code with failures.
    """
    counts = report.counts()
    key = artifact_key(report.integration, report.flow)
    rows = [{"outcome": k, "records": v} for k, v in counts.items()]
    create_table_artifact(key=key, table=rows, description=f"{report.flow}: records by outcome")
    create_markdown_artifact(
        key=artifact_key(report.integration, report.flow, "summary"),
        markdown=summary_markdown(report, calls),
        description=f"{report.flow}: summary with failures and reasons",
    )
    resource = {
        "prefect.resource.id": f"mkmw.integration.{report.integration}",
        "prefect.resource.name": report.integration,
        "mkmw.flow": report.flow,
    }
    payload: dict[str, Any] = {
        "flow": report.flow,
        "integration": report.integration,
        "dry_run": report.dry_run,
        "counts": counts,
        "calls": calls or {},
        **(extra or {}),
    }
    # The failed count as a label lets an automation match "more than N" (labels only).
    completed_resource = {**resource, "mkmw.failed": str(counts.get(Outcome.FAILED.value, 0))}
    payload["failed_reasons"] = report.reasons(Outcome.FAILED)
    emit_event(event="mkmw.sync.completed", resource=completed_resource, payload=payload)
    for code, number in report.reasons(Outcome.FAILED).items():
        emit_event(
            event="mkmw.records.failed",
            resource={**resource, "mkmw.reason": code},
            payload={"flow": report.flow, "reason": code, "count": number},
        )
    return payload
