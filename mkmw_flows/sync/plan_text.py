"""A run's plan as markdown: creates, updates field by field (old -> new), skips with reasons."""

from __future__ import annotations

from typing import Any

from mkmw_flows.state import Outcome
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RunReport

_LIMIT = 300


def _short(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def plan_markdown(report: RunReport) -> str:
    """The plan of a run (what a dry run would do, or what a real run did)."""
    title = "Plan" if report.dry_run else "What was done"
    counts = report.counts()
    lines = [
        f"# {title}: {report.flow} for {report.integration}",
        "",
        f"Create {counts['created']}; update {counts['updated']}; unchanged {counts['unchanged']}; "
        f"skip {counts['skipped']}; failed {counts['failed']}.",
    ]
    changed = [
        r
        for r in report.results
        if r.outcome in (Outcome.CREATED, Outcome.UPDATED) or r.reason == Reason.FIELD_CONFLICT
    ]
    if changed:
        lines += ["", "| record | outcome | field | old | new |", "|---|---|---|---|---|"]
        rows = 0
        for r in changed:
            for change in r.changes or []:
                if rows >= _LIMIT:
                    break
                mark = " (kept: conflict)" if change.action == "conflict" else ""
                lines.append(
                    f"| {r.entity} {r.key} | {r.outcome.value} | {change.target}{mark} | "
                    f"{_short(change.old)} | {_short(change.new)} |"
                )
                rows += 1
        if rows >= _LIMIT:
            lines.append("| … | | | | more in the ledger |")
    skipped = report.problems()
    if skipped:
        lines += ["", "| record | outcome | reason | message |", "|---|---|---|---|"]
        for r in skipped[:_LIMIT]:
            reason = r.reason or ""
            lines.append(
                f"| {r.entity} {r.key} | {r.outcome.value} | {reason} | {_short(r.message)} |"
            )
    return "\n".join(lines)
