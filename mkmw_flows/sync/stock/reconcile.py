"""Stock reconciliation: read both systems fully, list where the shop differs, heal on request.

Every linked article's MplusKASSA figure (computed as the stock flow does) is compared with
what the shop shows *now*. A difference is drift: a figure edited by hand in the shop, a write
that was lost, or a web order that lowered the shop's stock before the orders flow booked it
in MplusKASSA (that last kind heals itself within a sync cycle). Unlinked MplusKASSA articles
are matched by SKU in the shop read that is made anyway. With ``heal=True`` the corrections
are written like the stock flow writes (one PATCH per shop article).

The drift table notes when the difference was first seen (``extra["stock_drift_since"]`` on
the binding; kept across runs, cleared once the figures agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mkmw_flows.mapping import FieldChange
from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind, scoped_transaction
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, write_outcomes
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.feed import ENTITY
from mkmw_flows.sync.stock.targets import ShopCatalog, ShopTarget
from mkmw_flows.sync.stock.writes import group_writes, send_writes

FLOW = "stock-reconcile"


@dataclass
class DriftRow:
    """One article whose shop stock differs from the MplusKASSA figure."""

    sku: str
    shop_article: str
    target: ShopTarget
    mplus_value: int
    shop_value: int | None
    pushed_value: int | None
    pushed_at: str | None
    drift_since: str
    cause: str
    healed: bool | None = None

    def row(self) -> dict[str, Any]:
        """The row of the drift table artifact."""
        return {
            "sku": self.sku,
            "shop article": self.shop_article,
            "mplus value": self.mplus_value,
            "shop value": "unlimited" if self.shop_value is None else self.shop_value,
            "last pushed": "" if self.pushed_value is None else self.pushed_value,
            "pushed at": self.pushed_at or "",
            "drift since": self.drift_since,
            "cause": self.cause,
            "healed": {None: "", True: "yes", False: "failed"}[self.healed],
        }


@dataclass
class DriftReport:
    """What a reconciliation found."""

    checked: int = 0
    in_sync: int = 0
    unmanaged: int = 0
    unlinked: int = 0
    missing_in_shop: int = 0
    drift: list[DriftRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """The figures for the artifact and the event."""
        return {
            "checked": self.checked,
            "in_sync": self.in_sync,
            "drift": len(self.drift),
            "healed": sum(1 for d in self.drift if d.healed),
            "heal_failed": sum(1 for d in self.drift if d.healed is False),
            "unmanaged": self.unmanaged,
            "unlinked": self.unlinked,
            "missing_in_shop": self.missing_in_shop,
        }


def read_all_levels(ctx: SyncContext, policy: StockPolicy) -> dict[int, list[StockLevel]]:
    """Every stock level of every counted branch, by article number."""
    branches = sorted(policy.branches) or sorted(b.branch_number for b in ctx.mplus.get_branches())
    levels: dict[int, list[StockLevel]] = {}
    for branch in branches:
        for level in ctx.mplus.get_stock(branch):
            levels.setdefault(level.article_number, []).append(level)
    return levels


def reconcile(
    ctx: SyncContext,
    levels: dict[int, list[StockLevel]],
    catalog: ShopCatalog,
    *,
    heal: bool = False,
) -> DriftReport:
    """Compare both sides; with `heal`, write the corrections.

    Args:
        ctx: The run's context (``dry_run`` makes heal a plan only).
        levels: MplusKASSA levels by article (:func:`read_all_levels`).
        catalog: The shop's articles (:meth:`ShopCatalog.read`).
        heal: Write the MplusKASSA figure where the shop differs.

    Returns:
        The drift found (and healed); every record's result is in ``ctx.report``.
    """
    policy = StockPolicy.from_settings(ctx.integration.stock)
    bindings = {b.mplus_key: b for b in ctx.bindings(ARTICLE).all()}
    now = datetime.now(UTC).isoformat(timespec="seconds")
    report = DriftReport()
    results: dict[str, RecordResult] = {}
    binding_extra: dict[str, tuple[ShopTarget, Binding | None, dict[str, Any]]] = {}
    for number in sorted(levels):
        key = str(number)
        binding = bindings.get(key)
        target = ShopTarget.of(binding) if binding is not None else None
        if target is None:
            target, _, _ = catalog.resolve_sku(key)
            if target is None:
                report.unlinked += 1
                continue
            binding_extra[key] = (target, None, {"bound_by": "stock-sku"})
        info = catalog.by_id.get(target.article_id)
        found, shop_value = info.value_of(target) if info else (False, None)
        if not found:
            report.missing_in_shop += 1
            results[key] = RecordResult(
                ENTITY,
                key,
                Outcome.SKIPPED,
                Reason.STOCK_ARTICLE_UNKNOWN,
                f"Article {key} is linked to {target.label()}, which is not in the shop "
                "any more; run the products flow to link it again.",
            )
            continue
        report.checked += 1
        if policy.unmanaged_reason(key, bool(info and info.field_unmanaged)):
            report.unmanaged += 1
            continue
        extra = binding.extra if binding is not None else {}
        mplus_value = policy.compute(levels[number])
        if shop_value == mplus_value:
            report.in_sync += 1
            if extra.get("stock_drift_since"):
                binding_extra[key] = (target, binding, {"stock_drift_since": None})
            continue
        pushed = extra.get("stock_pushed")
        since = extra.get("stock_drift_since") or now
        cause = _cause(pushed, shop_value, mplus_value, "stock_pushed" in extra)
        row = DriftRow(
            sku=key,
            shop_article=f"{info.name if info else ''} ({target.label()})",
            target=target,
            mplus_value=mplus_value,
            shop_value=shop_value,
            pushed_value=pushed,
            pushed_at=extra.get("stock_pushed_at"),
            drift_since=since,
            cause=cause,
        )
        report.drift.append(row)
        previous = binding_extra.get(key, (target, binding, {}))[2]
        binding_extra[key] = (target, binding, {**previous, "stock_drift_since": since})
        results[key] = RecordResult(
            ENTITY,
            key,
            Outcome.SKIPPED,
            Reason.STOCK_DRIFT,
            f"The shop shows {_show(shop_value)} for article {key} ({target.label()}); "
            f"MplusKASSA says {mplus_value} ({policy.explain(levels[number], mplus_value)}). "
            f"{cause}. Different since {since}.",
            changes=[FieldChange("stock", shop_value, mplus_value)],
        )
    if heal:
        _heal(ctx, report, results, binding_extra, now)
    ctx.report.extend(results.values())
    if not ctx.dry_run:
        binds = [
            Bind(
                ARTICLE,
                key,
                shop_key=binding.shop_key if binding else str(target.article_id),
                variant_key=binding.variant_key if binding else "",
                extra=extra,
            )
            for key, (target, binding, extra) in binding_extra.items()
        ]
        with scoped_transaction(ctx.store, ctx.name) as tx:
            tx.bind(binds)
            write_outcomes(tx.tx, ctx.report, list(results.values()))
    return report


def _heal(
    ctx: SyncContext,
    report: DriftReport,
    results: dict[str, RecordResult],
    binding_extra: dict[str, tuple[ShopTarget, Binding | None, dict[str, Any]]],
    now: str,
) -> None:
    rows = {d.sku: d for d in report.drift}
    writes = group_writes(((d.sku, d.target, d.mplus_value) for d in report.drift), None)
    if ctx.dry_run:
        for write in writes:
            for key in write.keys:
                results[key].message = "Would be corrected: " + results[key].message
        return
    for outcome in send_writes(ctx.shop, writes):
        for key in outcome.write.keys:
            row, result = rows[key], results[key]
            target, binding, extra = binding_extra[key]
            error, why = outcome.result_of(key)
            row.healed = error is None
            if error is None:
                result.outcome = Outcome.UPDATED
                result.message = f"Corrected to {row.mplus_value}. " + result.message
                result.sent = outcome.write.sent()
                extra.update(
                    stock_pushed=row.mplus_value,
                    stock_pushed_at=now,
                    stock_pending=False,
                    stock_drift_since=None,
                )
            else:
                result.outcome = Outcome.FAILED
                result.reason = error
                result.message = f"Could not correct: {why}. " + result.message
                extra["stock_pending"] = True


def _cause(pushed: Any, shop_value: int | None, mplus_value: int, ever_pushed: bool) -> str:
    if not ever_pushed:
        return "The stock flow has not sent this article's stock yet"
    if pushed == mplus_value:
        return (
            "The shop's figure changed after the last push (edited by hand, or a web order "
            "not yet booked in MplusKASSA)"
        )
    if pushed == shop_value:
        return "MplusKASSA changed since the last push and the stock flow has not sent it yet"
    return "Both changed since the last push"


def _show(value: int | None) -> str:
    return "unlimited" if value is None else str(value)


def drift_markdown(integration: str, report: DriftReport, *, heal: bool, limit: int = 500) -> str:
    """A markdown summary of a reconciliation with its drift table."""
    counts = report.counts()
    lines = [
        f"# Stock reconciliation for {integration}" + (" (healing)" if heal else ""),
        "",
        "| figure | articles |",
        "|---|---|",
        *[f"| {k.replace('_', ' ')} | {v} |" for k, v in counts.items()],
    ]
    if report.drift:
        lines += [
            "",
            "## Drift",
            "",
            "| SKU | shop article | MplusKASSA | shop | last pushed | since | cause | healed |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for d in report.drift[:limit]:
            r = d.row()
            lines.append(
                f"| {r['sku']} | {r['shop article']} | {r['mplus value']} | {r['shop value']} | "
                f"{r['last pushed']} | {r['drift since']} | {r['cause']} | {r['healed']} |"
            )
        if len(report.drift) > limit:
            lines.append(f"| … {len(report.drift) - limit} more in the table artifact | |||||||")
    return "\n".join(lines)
