"""Alerts as code: the automations in ``deployments/automations.yaml``, applied idempotently.

The file names the notification block and lists the automations, each of a kind this module
knows (so a shop owner writes thresholds, not trigger syntax):

* ``run-failed``: any mkmw flow run failed or crashed (which integration, which flow, why);
* ``not-completed``: a flow has not completed for ``within_minutes`` (proactive);
* ``held-reason``: records were held for a reason that had no held records before (once per
  integration, flow and reason, not again every run while they stay held), with the fix;
* ``failed-records``: a run recorded more than ``more_than`` failed records (volume);
* ``stock-drift``: reconciliation found more than ``more_than`` articles out of step.

An entry with a ``trigger:`` (Prefect's own automation syntax) is taken as it is. Values may be
``${ENV}`` or ``${ENV:-default}``. Applying matches automations by name: a missing one is
created, a changed one updated, an equal one left alone, and duplicates of a name removed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml
from prefect.automations import AutomationCore
from prefect.client.orchestration import get_client
from pydantic import ValidationError

from mkmw_flows.ops.blockfile import substitute

#: The flows every mkmw automation watches by default.
MKMW_FLOWS = ("sync-orders", "sync-stock", "sync-products", "reconcile-stock", "purge-ledger")

RUN_FAILED_SUBJECT = (
    "mkmw: {{ flow.name }} {{ flow_run.state.name | lower }} for "
    "{{ flow_run.parameters.integration }}"
)
RUN_FAILED_BODY = """\
The {{ flow.name }} run {{ flow_run.name }} for integration \
{{ flow_run.parameters.integration }} ended {{ flow_run.state.name }}.
Why: {{ flow_run.state.message }}
{% if deployment %}Deployment: {{ deployment.name }}
{% endif %}Open it: {{ flow_run | ui_url }}
The run stopped before it finished; its log in the Prefect UI has the full error. The next \
scheduled run starts again from where the last finished run left off."""

NOT_COMPLETED_SUBJECT = (
    "mkmw: {{ labels.mkmw.flow }} for {{ labels.prefect.resource.name }} has not completed"
)
NOT_COMPLETED_BODY = """\
No {{ labels.mkmw.flow }} run for integration {{ labels.prefect.resource.name }} has \
completed in the last {minutes} minutes. Check that the worker (or serve process) is running \
and look at the latest runs in the Prefect UI."""

FAILED_RECORDS_SUBJECT = (
    "mkmw: {{ event.payload.counts.failed }} records failed in "
    "{{ event.payload.flow }} for {{ event.payload.integration }}"
)
FAILED_RECORDS_BODY = """\
The {{ event.payload.flow }} run for integration {{ event.payload.integration }} recorded \
{{ event.payload.counts.failed }} failed records (alert above {threshold}).
Top reasons: {% for code, n in event.payload.failed_reasons | dictsort(by='value', \
reverse=true) %}{{ code }} ({{ n }}){% if not loop.last %}, {% endif %}{% endfor %}
They are held and taken again on the next run; after fixing the cause, `mkmw retry \
--integration {{ event.payload.integration }} --reason CODE` takes them at once."""

HELD_REASON_SUBJECT = (
    "mkmw: {{ event.payload.count }} record(s) held by the {{ event.payload.flow }} flow for "
    "{{ event.payload.reason }} in {{ event.payload.integration }}"
)
HELD_REASON_BODY = """\
The {{ event.payload.flow }} run for integration {{ event.payload.integration }} held \
{{ event.payload.count }} record(s) for a reason that held none before: \
{{ event.payload.reason }}.
What it means: {{ event.payload.explanation }}
What to do: {{ event.payload.fix }}
Records: {{ event.payload.examples | join(', ') }}{% if event.payload.count > \
event.payload.examples | length %} and {{ event.payload.count - event.payload.examples | length \
}} more{% endif %} (each with its message in the run's log and in `mkmw ledger show`)
They stay held and are taken again by later runs; this alert does not repeat while records \
of this reason stay held. All of them: `mkmw ledger show --integration \
{{ event.payload.integration }} --run {{ event.payload.run_id }}`."""

DRIFT_SUBJECT = (
    "mkmw: stock drift in {{ event.payload.drift }} articles for {{ event.payload.integration }}"
)
DRIFT_BODY = """\
Reconciliation for integration {{ event.payload.integration }} found \
{{ event.payload.drift }} of {{ event.payload.checked }} articles whose shop stock differs \
from MplusKASSA ({{ event.payload.healed }} healed). The drift table is on the Prefect UI's \
artifacts page (key mkmw-{{ event.payload.integration }}-stock-reconcile-drift)."""


class AutomationFileError(ValueError):
    """An automations file that cannot be applied; nothing was changed."""


@dataclass(frozen=True)
class Applied:
    """What applying did to one automation: created, updated or unchanged."""

    name: str
    action: str


def glob_at_least(n: int) -> list[str]:
    """Glob patterns matching the decimal form (no leading zeros) of every integer >= n.

    Automation triggers match event labels with globs only, so "more than N failed records"
    becomes a list of patterns over the label's digits.

    Args:
        n: The smallest number to match (>= 0).

    Returns:
        Patterns for ``fnmatch``, e.g. 25 -> ``["2[5-9]", "[3-9][0-9]", "[1-9][0-9][0-9]*"]``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return ["[0-9]*"]
    digits = str(n)
    width = len(digits)
    patterns: list[str] = []
    # Same length, greater or equal: keep a prefix, raise one digit, anything after it.
    for i in range(width):
        head, d = digits[:i], int(digits[i])
        low = d if i == width - 1 else d + 1
        if low > 9:
            continue
        tail = "[0-9]" * (width - i - 1)
        patterns.append(f"{head}[{low}-9]{tail}")
    # Longer numbers.
    patterns.append("[1-9]" + "[0-9]" * width + "*")
    return patterns


def _minutes(value: Any, where: str) -> timedelta:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        raise AutomationFileError(f"{where}: within_minutes must be a whole number") from None
    if minutes < 1:
        raise AutomationFileError(f"{where}: within_minutes must be at least 1")
    return timedelta(minutes=minutes)


def _count(value: Any, where: str, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AutomationFileError(f"{where}: {name} must be a whole number") from None
    if number < 0:
        raise AutomationFileError(f"{where}: {name} must be 0 or more")
    return number


def _notify(entry: Mapping[str, Any], block_id: UUID, subject: str, body: str) -> dict[str, Any]:
    return {
        "type": "send-notification",
        "block_document_id": str(block_id),
        "subject": str(entry.get("subject", subject)),
        "body": str(entry.get("body", body)),
    }


def build_automation(
    entry: Mapping[str, Any], block_id: UUID, flows: tuple[str, ...] = MKMW_FLOWS
) -> AutomationCore:
    """Turn one entry of the file into a Prefect automation.

    Args:
        entry: The entry, placeholders already substituted.
        block_id: The notification block's document id.
        flows: The flow names a ``run-failed`` automation watches.

    Raises:
        AutomationFileError: On an unknown kind or a bad value.
    """
    name = str(entry.get("name") or "")
    where = f"automation {name or '(no name)'}"
    if not name:
        raise AutomationFileError(f"{where}: every automation needs a name")
    kind = entry.get("kind")
    data: dict[str, Any] = {
        "name": name,
        "description": str(entry.get("description", "")),
        "enabled": bool(entry.get("enabled", True)),
        "tags": ["mkmw"],
    }
    if "trigger" in entry:
        data["trigger"] = entry["trigger"]
        data["actions"] = [
            {**a, "block_document_id": str(block_id)}
            if a.get("type") == "send-notification" and "block_document_id" not in a
            else a
            for a in entry.get("actions") or [_notify(entry, block_id, name, name)]
        ]
    elif kind == "run-failed":
        data["trigger"] = {
            "type": "event",
            "posture": "Reactive",
            "expect": ["prefect.flow-run.Failed", "prefect.flow-run.Crashed"],
            "match": {"prefect.resource.id": "prefect.flow-run.*"},
            "match_related": {
                "prefect.resource.role": "flow",
                "prefect.resource.name": list(entry.get("flows", flows)),
            },
            "threshold": 1,
            "within": 0,
        }
        data["actions"] = [_notify(entry, block_id, RUN_FAILED_SUBJECT, RUN_FAILED_BODY)]
    elif kind == "not-completed":
        within = _minutes(entry.get("within_minutes"), where)
        watched = [str(f) for f in entry.get("flows") or []]
        if not watched:
            raise AutomationFileError(f"{where}: list the flows to watch under flows:")
        data["trigger"] = {
            "type": "event",
            "posture": "Proactive",
            # The same event in `after` and `expect`: each completed run opens a new window
            # for its integration and flow, and a window that ends with none fires. Without
            # `after`, Prefect 3.9.1 drops a for_each bucket once its first event fills it,
            # so the alert never fired (seen with a stopped worker on a real server).
            "after": ["mkmw.sync.completed"],
            "expect": ["mkmw.sync.completed"],
            "match": {"prefect.resource.id": "mkmw.integration.*", "mkmw.flow": watched},
            "for_each": ["prefect.resource.name", "mkmw.flow"],
            "threshold": 1,
            "within": within.total_seconds(),
        }
        body = NOT_COMPLETED_BODY.replace("{minutes}", str(int(within.total_seconds() // 60)))
        data["actions"] = [_notify(entry, block_id, NOT_COMPLETED_SUBJECT, body)]
    elif kind == "held-reason":
        data["trigger"] = {
            "type": "event",
            "posture": "Reactive",
            "expect": ["mkmw.records.held.new"],
            "match": {"prefect.resource.id": "mkmw.integration.*"},
            "threshold": 1,
            "within": 0,
        }
        data["actions"] = [_notify(entry, block_id, HELD_REASON_SUBJECT, HELD_REASON_BODY)]
    elif kind == "failed-records":
        more_than = _count(entry.get("more_than"), where, "more_than")
        data["trigger"] = {
            "type": "event",
            "posture": "Reactive",
            "expect": ["mkmw.sync.completed"],
            "match": {
                "prefect.resource.id": "mkmw.integration.*",
                "mkmw.failed": glob_at_least(more_than + 1),
            },
            "threshold": 1,
            "within": 0,
        }
        body = FAILED_RECORDS_BODY.replace("{threshold}", str(more_than))
        data["actions"] = [_notify(entry, block_id, FAILED_RECORDS_SUBJECT, body)]
    elif kind == "stock-drift":
        more_than = _count(entry.get("more_than", 0), where, "more_than")
        data["trigger"] = {
            "type": "event",
            "posture": "Reactive",
            "expect": ["mkmw.stock.drift"],
            "match": {
                "prefect.resource.id": "mkmw.integration.*",
                "mkmw.drift": glob_at_least(more_than + 1),
            },
            "threshold": 1,
            "within": 0,
        }
        data["actions"] = [_notify(entry, block_id, DRIFT_SUBJECT, DRIFT_BODY)]
    else:
        raise AutomationFileError(
            f"{where}: unknown kind {kind!r} (run-failed, not-completed, held-reason, "
            "failed-records, stock-drift, or give a trigger:)"
        )
    try:
        return AutomationCore.model_validate(data)
    except ValidationError as exc:
        raise AutomationFileError(f"{where}: {exc.errors()[0]['msg']}") from None


@dataclass
class AutomationsFile:
    """A parsed automations file."""

    notification_block: str
    flows: tuple[str, ...]
    entries: list[dict[str, Any]]


def read_file(path: Path, environ: Mapping[str, str] | None = None) -> AutomationsFile:
    """Read and substitute an automations file (no server needed).

    Raises:
        AutomationFileError: When the file is unreadable or a variable is missing.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AutomationFileError(f"cannot read {path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("automations"), list):
        raise AutomationFileError(f"{path}: expected a top-level 'automations:' list")
    missing: set[str] = set()
    data = substitute(raw, os.environ if environ is None else environ, missing)
    if missing:
        raise AutomationFileError(
            f"{path}: environment variables not set: {', '.join(sorted(missing))}"
        )
    return AutomationsFile(
        notification_block=str(data.get("notification_block") or ""),
        flows=tuple(data.get("flows") or MKMW_FLOWS),
        entries=[dict(e) for e in data["automations"]],
    )


def plan(
    path: Path, block_id: UUID, environ: Mapping[str, str] | None = None
) -> list[AutomationCore]:
    """Every automation of a file, validated, for a notification block."""
    parsed = read_file(path, environ)
    return [build_automation(e, block_id, parsed.flows) for e in parsed.entries]


async def _notification_block_id(name: str) -> UUID:
    """The document id of the notification block called `name` (of any notification type)."""
    async with get_client() as client:
        documents = await client.read_block_documents(include_secrets=False)
    for doc in documents:
        capabilities = doc.block_schema.capabilities if doc.block_schema else []
        if doc.name == name and "notify" in capabilities:
            return doc.id
    raise AutomationFileError(
        f"no notification block named {name!r}: create one (for example a Custom Webhook, "
        "Slack Webhook or Microsoft Teams Webhook block) in the Prefect UI or in code, "
        "then give its name with --notification-block"
    )


def _canonical(value: Any) -> Any:
    """Sets come back from the server in any order: sort lists of plain values."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if all(isinstance(v, str | int | float | bool) for v in items):
            return sorted(items, key=str)
        return items
    return value


def _comparable(automation: AutomationCore) -> dict[str, Any]:
    return _canonical(
        automation.model_dump(
            mode="json",
            include={"name", "description", "enabled", "trigger", "actions", "tags"},
            exclude_none=True,
        )
    )


async def apply_automations(automations: list[AutomationCore]) -> list[Applied]:
    """Create, update or leave alone each automation, matched by name; drop duplicates."""
    results: list[Applied] = []
    async with get_client() as client:
        for wanted in automations:
            existing = await client.read_automations_by_name(wanted.name)
            for extra in existing[1:]:
                await client.delete_automation(extra.id)
            if not existing:
                await client.create_automation(wanted)
                results.append(Applied(wanted.name, "created"))
                continue
            current = existing[0]
            same = _comparable(AutomationCore.model_validate(current.model_dump())) == (
                _comparable(wanted)
            )
            if same and len(existing) == 1:
                results.append(Applied(wanted.name, "unchanged"))
                continue
            await client.update_automation(current.id, wanted)
            results.append(Applied(wanted.name, "updated"))
    return results


def apply_file(
    path: Path,
    notification_block: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Applied]:
    """Apply an automations file to the Prefect server.

    Args:
        path: The file (see deployments/automations.yaml).
        notification_block: Name of the notification block; overrides the file's.
        environ: Where ``${NAME}`` values come from (default: os.environ).

    Returns:
        What happened to each automation.

    Raises:
        AutomationFileError: On a bad file or a missing block; nothing was changed.
    """
    parsed = read_file(path, environ)
    block_name = notification_block or parsed.notification_block
    if not block_name:
        raise AutomationFileError("name the notification block: --notification-block NAME")
    block_id = asyncio.run(_notification_block_id(block_name))
    automations = [build_automation(e, block_id, parsed.flows) for e in parsed.entries]
    return asyncio.run(apply_automations(automations))


__all__ = [
    "Applied",
    "AutomationFileError",
    "apply_file",
    "build_automation",
    "glob_at_least",
    "plan",
    "read_file",
]
