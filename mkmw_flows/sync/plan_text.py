"""A run's plan as markdown, field by field (old -> new), for every flow in one place.

:func:`plan_markdown` is the products plan (creates, updates, conflicts, skips with reasons);
the orders plan groups the fields by order, the stock plan is one line per article and field
with the shop article it goes to.
"""

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
    """The plan of a run (what a dry run would do, or what a real run did), for every flow."""
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


def orders_plan_markdown(report: RunReport, limit: int = 300) -> str:
    """The orders dry run's plan: per order its message, then its fields (old -> new)."""
    planned = [r for r in report.results if r.changes]
    lines = [
        f"# Orders plan for {report.integration} (dry run: nothing was written)",
        "",
        f"{len(planned)} orders would be created or changed.",
    ]
    for r in planned[:limit]:
        lines += ["", f"## {r.key}: {r.message}", "", "| field | old | new |", "|---|---|---|"]
        for c in r.changes:
            new = str(c.new).replace("|", "/")
            lines.append(f"| {c.target} | {'' if c.old is None else c.old} | {new} |")
    if len(planned) > limit:
        lines.append(f"\n… {len(planned) - limit} more orders")
    return "\n".join(lines)


def stock_plan_markdown(report: RunReport, limit: int = 1000) -> str:
    """The stock dry run's plan: one line per article and field, with its shop article."""
    planned = [r for r in report.results if r.changes]
    lines = [
        f"# Stock plan for {report.integration} (dry run: nothing was written)",
        "",
        f"{len(planned)} articles would change.",
        "",
        "| SKU | field | old | new | where |",
        "|---|---|---|---|---|",
    ]
    for r in planned[:limit]:
        where = r.sent or {}
        for c in r.changes:
            lines.append(
                f"| {r.key} | {c.target} | {_stock_cell(c.old)} | {_stock_cell(c.new)} | "
                f"article {where.get('article_id', '')} |"
            )
    if len(planned) > limit:
        lines.append(f"| … {len(planned) - limit} more | | | | |")
    return "\n".join(lines)


def _stock_cell(value: Any) -> str:
    return "unmanaged" if value is None else str(value)
