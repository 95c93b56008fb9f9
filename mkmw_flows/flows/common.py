"""Prefect wiring shared by every flow: load the integration, publish artifacts and events."""

from __future__ import annotations

import logging
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.orchestration import get_client
from prefect.events import emit_event
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run
from prefect.states import Completed

from mkmw_flows.blocks import Integration
from mkmw_flows.flows.budget import throttle
from mkmw_flows.settings.errors import invalid_settings
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.plan_text import plan_markdown
from mkmw_flows.sync.reasons import explain
from mkmw_flows.sync.report import RecordResult, RunReport, held_reasons

#: Held and failed records logged one by one per run; the rest in one line.
LOG_RECORDS = 50
#: Record keys named in a "new reason" event.
EXAMPLE_KEYS = 5


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
        invalid = invalid_settings(name, exc, linked_documents(name))
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


def linked_documents(name: str) -> dict[str, tuple[str, str]]:
    """The block documents Integration `name` links, by field: (block type name, document name).

    Best effort (empty when the server cannot say): only used to tell where a setting is fixed.
    """
    try:
        with get_client(sync_client=True) as client:
            document = client.read_block_document_by_name(
                name, Integration.get_block_type_slug(), include_secrets=False
            )
        return {
            part: (ref["block_document"]["block_type"]["name"], ref["block_document"]["name"])
            for part, ref in document.block_document_references.items()
        }
    except Exception:  # noqa: BLE001 - a hint only; the invalid-settings message stands anyway
        return {}


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
    if not dry_run:  # what was held before, so a reason held for the first time can alert
        ctx.report.held_before = held_reasons(ctx.store, name)
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


def publish_plan(report: RunReport, markdown: str | None = None) -> None:
    """The run's plan, field by field (old -> new), as the flow's ``plan`` markdown artifact.

    Args:
        report: The run.
        markdown: The plan's text (:mod:`mkmw_flows.sync.plan_text`); the products plan
            by default.
    """
    what = "what a run would write (dry run)" if report.dry_run else "the plan"
    create_markdown_artifact(
        key=artifact_key(report.integration, report.flow, "plan"),
        markdown=markdown if markdown is not None else plan_markdown(report),
        description=f"{report.flow}: {what}, field by field (old -> new)",
    )


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
            explanation, fix = explain(code)
            lines.append(f"- **{code}**: {explanation}" + (f" What to do: {fix}" if fix else ""))
    return "\n".join(lines)


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:  # publish_report called outside a run (tools, tests)
        return logging.getLogger("mkmw_flows")


def log_problems(report: RunReport, limit: int = LOG_RECORDS) -> int:
    """Log each held or failed record at WARNING with its key, reason and fix; return how many.

    At most `limit` records are logged one by one; the rest go in one line per run (with
    their reasons and each reason's fix), so a run with 10,000 failures does not flood the log.
    """
    logger = _logger()
    problems = report.attention()
    if not problems:
        return 0
    verb = "would be held" if report.dry_run else None
    for r in problems[:limit]:
        _, fix = explain(r.reason)
        state = verb or ("held" if r.hold else "failed")
        code = r.reason.value if r.reason else "NO_REASON"
        logger.warning(
            "%s %s %s [%s]: %s Fix: %s", r.entity, r.key, state, code, r.message, fix or "-"
        )
    rest = problems[limit:]
    if rest:
        shown = {r.reason for r in problems[:limit]}
        reasons = Counter(r.reason.value if r.reason else "NO_REASON" for r in rest)
        logger.warning(
            "... and %d more held or failed records (%s); all of them: `mkmw ledger show "
            "--integration %s --run %s`",
            len(rest),
            ", ".join(f"{code} ×{n}" for code, n in reasons.most_common()),
            report.integration,
            report.run_id,
        )
        for code in sorted({r.reason for r in rest if r.reason} - shown):
            logger.warning("%s: %s Fix: %s", code.value, *explain(code))
    return len(problems)


def final_state(report: RunReport, summary: dict[str, Any]) -> dict[str, Any]:
    """What a flow returns: its summary, as a state that says what the run left behind.

    A clean run returns the summary (plain Completed). A run that held or failed records
    returns ``Completed(name="Held" | "Partly failed", message="5 of 6 orders held: ...")``
    and a dry run ``Completed(name="Dry run", message="Plan only, ...")``, so the Prefect
    runs list tells them apart. Callers of the flow still get the summary: Prefect unwraps
    a returned state's data.
    """
    name, message = report.verdict()
    if name is None:
        return summary
    # Typed as the summary: the engine, not the caller, sees the state.
    return cast(dict[str, Any], Completed(data=summary, name=name, message=message))


def _emit_new_reasons(report: RunReport, resource: dict[str, str]) -> None:
    """One ``mkmw.records.held.new`` per reason that had no held record before this run.

    Notifications leave Prefect (Slack, e-mail), so the payload carries no record messages
    (they may quote an e-mail address) and no keys that are e-mail addresses.
    """
    new: dict[str, list[RecordResult]] = report.new_held_reasons()
    for code, records in new.items():
        explanation, fix = explain(code)
        examples = [r.key for r in records if "@" not in r.key][:EXAMPLE_KEYS]
        emit_event(
            event="mkmw.records.held.new",
            resource={**resource, "mkmw.reason": code, "mkmw.integration": report.integration},
            payload={
                "flow": report.flow,
                "integration": report.integration,
                "run_id": report.run_id,
                "reason": code,
                "count": len(records),
                "examples": examples,
                "explanation": explanation,
                "fix": fix,
            },
        )


def publish_report(
    report: RunReport, *, calls: dict[str, int] | None = None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Publish a run's artifacts, log and events; return the summary.

    The artifacts have a key per integration and flow, so the Prefect UI's artifacts page
    shows the latest state of each flow. Each held or failed record is logged at WARNING
    (bounded, see :func:`log_problems`). Events: ``mkmw.sync.completed`` with the counts,
    ``mkmw.records.failed`` per reason code with failures, and ``mkmw.records.held.new`` per
    reason held for the first time (not while records of that reason were already held).
    """
    counts = report.counts()
    log_problems(report)
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
    state_name, state_message = report.verdict()
    payload["state"] = {"name": state_name or "Completed", "message": state_message}
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
    _emit_new_reasons(report, resource)
    if state_name is not None:
        log = _logger().info if report.dry_run else _logger().warning
        log("%s: %s", state_name, state_message)
    return payload
