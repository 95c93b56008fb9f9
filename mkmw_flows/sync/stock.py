"""The stock flow's logic: MplusKASSA stock levels -> MijnWebwinkel article and variant stock.

Read (:func:`read_stock`):

* **incremental**: ``getCurrentSyncMarkers`` gives the stock head; when it has not moved since
  the stored cursor the run ends there (one call). Otherwise ``getStock`` per counted branch
  with ``stockId = cursor + 1`` returns just the levels that changed since (the vendor's
  documented stock change feed: it carries reservations of undelivered orders and incoming
  goods, which the mutation log ``getStockHistoryV2`` does not); the other branches' levels
  of those articles are read by article number, in batches. The new cursor is the head read
  *before* the levels, so a change made during the run is read again next run, never lost.
* **full** (``full=True``, and the first run): every level of every counted branch.

Then per batch of articles (:func:`process_batch`): plan (compute, compare with what was last
pushed, look unbound articles up by SKU), write (one PATCH per shop article), and commit the
bindings, the ledger and, with the last batch, the cursor in one transaction.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mkmw_flows.mapping import FieldChange
from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, write_outcomes
from mkmw_flows.sync.stock_calc import StockPolicy
from mkmw_flows.sync.stock_targets import ShopCatalog, ShopTarget, group_writes, send_writes

logger = logging.getLogger("mkmw_flows.sync.stock")

FLOW = "stock"
CURSOR = "stock.stock_id"
ENTITY = "stock"
_NEVER = object()
#: Held for these, an article is not looked up again until asked (or bound by the products flow).
LOOKUP_REASONS = frozenset({Reason.STOCK_ARTICLE_UNKNOWN.value, Reason.SKU_DUPLICATE.value})


@dataclass
class StockRead:
    """What a run read from MplusKASSA.

    Attributes:
        mode: idle (nothing changed), incremental, full, or first (no cursor yet: full read).
        levels: Article number -> its levels in the counted branches.
        branches: The branches that count.
        since: The cursor the run started from.
        new_cursor: The cursor to commit with the last batch (None: leave it).
        held_unknown: Keys held as STOCK_ARTICLE_UNKNOWN that are not to be looked up again.
        retried: Held keys taken again this run.
    """

    mode: str
    levels: dict[int, list[StockLevel]] = field(default_factory=dict)
    branches: list[int] = field(default_factory=list)
    since: int | None = None
    new_cursor: int | None = None
    held_unknown: set[str] = field(default_factory=set)
    retried: list[str] = field(default_factory=list)

    def batches(self, size: int, shop_key_of: dict[str, str] | None = None) -> list[list[int]]:
        """The article numbers in batches of about `size`, ascending.

        Args:
            size: Articles per batch.
            shop_key_of: Article number (str) -> shop article id of the bound articles: the
                articles of one shop article (its variants) stay in one batch, so they share
                one write.
        """
        groups: dict[str, list[int]] = {}
        for number in sorted(self.levels):
            key = (shop_key_of or {}).get(str(number)) or f"#{number}"
            groups.setdefault(key, []).append(number)
        batches: list[list[int]] = []
        current: list[int] = []
        for group in groups.values():
            if current and len(current) + len(group) > size:
                batches.append(current)
                current = []
            current.extend(group)
        if current:
            batches.append(current)
        return batches


class StockRun:
    """One run's state shared by its batches (a plain class: Prefect passes it through as is).

    Args:
        ctx: The run's context.
        read: What was read from MplusKASSA.
        full: A full run (held unknown articles are looked up again).
    """

    def __init__(self, ctx: SyncContext, read: StockRead, *, full: bool = False) -> None:
        self.ctx = ctx
        self.read = read
        self.full = full
        self.policy = StockPolicy.from_settings(ctx.integration.stock)
        self.catalog: ShopCatalog | None = None
        self.writes = 0
        if full and self.policy.unmanaged_field:
            self.shop_catalog()  # a full run refreshes the per-article unmanaged field

    def shop_catalog(self) -> ShopCatalog:
        """The shop's articles, read at most once per run."""
        if self.catalog is None:
            self.catalog = ShopCatalog.read(self.ctx.shop, self.policy)
        return self.catalog


# ---- read --------------------------------------------------------------------------------


def read_stock(ctx: SyncContext, *, full: bool = False) -> StockRead:
    """Read the stock levels this run must look at (see the module docstring).

    Args:
        ctx: The run's context.
        full: Read every level instead of the changes since the cursor.

    Returns:
        The levels per article and the cursor to commit.
    """
    settings = ctx.integration.stock
    policy = StockPolicy.from_settings(settings)
    stored = ctx.store.get_cursor(ctx.name, CURSOR)
    since = int(stored) if stored not in (None, "") else None
    head = ctx.mplus.get_current_sync_markers().stock_id

    held = [h for h in ctx.store.held(ctx.name, FLOW) if h.record_key.isdigit()]
    unknown = {
        h.record_key for h in held if h.reason_code in LOOKUP_REASONS and not h.retry_requested
    }
    # An unknown article that a products run has bound since is taken again without asking.
    bound_now = set(ctx.store.bindings_by_mplus_keys(ctx.name, ARTICLE, unknown))
    unknown -= bound_now
    retry = sorted(
        {
            h.record_key
            for h in held
            if h.retry_requested
            or h.record_key in bound_now
            or h.reason_code == Reason.API_UNAVAILABLE
        },
        key=int,
    )

    mode = "full" if full else ("first" if since is None else "incremental")
    unmoved = head is not None and since is not None and head <= since
    if mode == "incremental" and unmoved and not retry:
        return StockRead("idle", since=since, held_unknown=unknown)
    branches = sorted(policy.branches) or sorted(b.branch_number for b in ctx.mplus.get_branches())
    levels: dict[int, list[StockLevel]] = defaultdict(list)
    seen_max = since or 0
    if mode in ("full", "first"):
        for branch in branches:
            for level in ctx.mplus.get_stock(branch):
                levels[level.article_number].append(level)
                seen_max = max(seen_max, level.stock_id)
    else:
        assert since is not None
        per_branch: dict[int, set[int]] = {}
        if head is None or head > since:
            for branch in branches:
                changed = ctx.mplus.get_stock(branch, stock_id=since + 1)
                per_branch[branch] = {lv.article_number for lv in changed}
                for level in changed:
                    levels[level.article_number].append(level)
                    seen_max = max(seen_max, level.stock_id)
        wanted = set(levels) | {int(k) for k in retry}
        for branch in branches:
            missing = sorted(wanted - per_branch.get(branch, set()))
            for start in range(0, len(missing), settings.batch_size):
                chunk = missing[start : start + settings.batch_size]
                for level in ctx.mplus.get_stock(branch, article_numbers=chunk):
                    levels[level.article_number].append(level)
    new_cursor = head if head is not None else seen_max
    return StockRead(
        mode=mode,
        levels=dict(levels),
        branches=branches,
        since=since,
        new_cursor=new_cursor if new_cursor != since else None,
        held_unknown=unknown,
        retried=retry,
    )


# ---- plan --------------------------------------------------------------------------------


@dataclass
class StockItem:
    """One MplusKASSA article in a batch: what it should be in the shop and where it goes."""

    number: int
    levels: list[StockLevel]
    desired: int | None = None
    target: ShopTarget | None = None
    binding: Binding | None = None
    new_binding: bool = False
    pushed: Any = _NEVER
    unmanaged: str = ""
    field_unmanaged: bool | None = None
    result: RecordResult | None = None

    @property
    def key(self) -> str:
        """The SKU (the MplusKASSA article number)."""
        return str(self.number)

    def source(self) -> dict[str, Any]:
        """The levels read, for the ledger."""
        return {
            "levels": {
                str(lv.branch_number): {
                    "free": str(lv.amount_free),
                    "reserved": str(lv.amount_reserved),
                    "incoming": str(lv.amount_incoming),
                }
                for lv in self.levels
            }
        }


def explain(policy: StockPolicy, levels: Iterable[StockLevel], value: int) -> str:
    """How a figure was computed, in words: ``free 9 (branch 1: 5, branch 2: 4), buffer 2``."""
    counted = [lv for lv in levels if policy.counts_branch(lv.branch_number)]
    parts = ", ".join(f"branch {lv.branch_number}: {policy.base_amount(lv):f}" for lv in counted)
    label = policy.calculation.replace("_", " ")
    text = f"{label} ({parts or 'no stock in the counted branches'})"
    if policy.safety_buffer:
        text += f" minus safety buffer {policy.safety_buffer}"
    return f"{text} = {value}"


def plan_batch(run: StockRun, numbers: list[int]) -> list[StockItem]:
    """Work out, for each article of a batch, the shop figure and whether it must be sent.

    Items that need no write get their final result here; items to write have none yet.
    """
    ctx, policy = run.ctx, run.policy
    bindings = ctx.store.bindings_by_mplus_keys(ctx.name, ARTICLE, (str(n) for n in numbers))
    wanted_backorder = policy.backorder_value()
    items: list[StockItem] = []
    for number in numbers:
        item = StockItem(number, run.read.levels.get(number, []))
        items.append(item)
        binding = bindings.get(item.key)
        if binding is not None:
            item.binding = binding
            item.target = ShopTarget.of(binding)
            item.pushed = binding.extra.get("stock_pushed", _NEVER)
        if item.target is None and not _resolve(run, item):
            continue
        assert item.target is not None
        if run.catalog is not None and item.target.article_id in run.catalog.by_id:
            item.field_unmanaged = run.catalog.by_id[item.target.article_id].field_unmanaged
        elif binding is not None:
            item.field_unmanaged = binding.extra.get("stock_field_unmanaged")
        item.unmanaged = policy.unmanaged_reason(item.key, bool(item.field_unmanaged))
        computed = policy.compute(item.levels)
        item.desired = None if item.unmanaged else computed
        backorder_due = (
            item.desired is not None
            and wanted_backorder is not None
            and (binding is None or binding.extra.get("backorder_pushed") != wanted_backorder)
        )
        pending = binding is not None and binding.extra.get("stock_pending")
        if (
            item.pushed is not _NEVER
            and item.pushed == item.desired
            and not backorder_due
            and not pending
        ):
            item.result = _unchanged(run, item, computed)
    return items


def _resolve(run: StockRun, item: StockItem) -> bool:
    """Find the shop article of an unbound MplusKASSA article by SKU (once; misses are held)."""
    key = item.key
    if key in run.read.held_unknown and not run.full:
        item.result = RecordResult(
            ENTITY,
            key,
            Outcome.SKIPPED,
            Reason.STOCK_ARTICLE_UNKNOWN,
            f"Article {key} is still not linked to a shop article, so its stock is not sent. "
            "Not looked up again: add it to the shop (or run the products flow), then "
            "`mkmw retry --reason STOCK_ARTICLE_UNKNOWN` or a full stock run.",
            source=item.source(),
            hold=True,
        )
        return False
    target, reason, why = run.shop_catalog().resolve_sku(key)
    if target is not None:
        owner = run.ctx.store.find_binding(
            run.ctx.name, ARTICLE, shop_key=str(target.article_id), variant_key=""
        )
        if owner is not None and owner.mplus_key != key:
            target, reason = None, Reason.SKU_DUPLICATE
            why = f"shop article {owner.shop_key} is already linked to article {owner.mplus_key}"
    if target is None:
        assert reason is not None
        item.result = RecordResult(
            ENTITY,
            key,
            Outcome.SKIPPED,
            reason,
            f"Stock of article {key} is not sent: {why}. Add or fix it in the shop (or run the "
            "products flow); it is not looked up again until "
            f"`mkmw retry --reason {reason.value}` or a full stock run.",
            source=item.source(),
            hold=True,
        )
        return False
    item.target = target
    item.new_binding = True
    return True


def _unchanged(run: StockRun, item: StockItem, computed: int) -> RecordResult:
    if item.desired is None:
        return RecordResult(
            ENTITY,
            item.key,
            Outcome.UNCHANGED,
            Reason.STOCK_UNMANAGED,
            f"The shop does not manage the stock of article {item.key} ({item.unmanaged}); "
            "left alone.",
            source=item.source(),
        )
    return RecordResult(
        ENTITY,
        item.key,
        Outcome.UNCHANGED,
        message=f"Stock {item.desired} was already sent to the shop; nothing to do "
        f"({explain(run.policy, item.levels, computed)}).",
        source=item.source(),
    )


# ---- apply -------------------------------------------------------------------------------


def process_batch(run: StockRun, numbers: list[int], *, commit_cursor: bool) -> list[RecordResult]:
    """Plan, write and commit one batch of articles.

    Args:
        run: The run.
        numbers: Article numbers of the batch.
        commit_cursor: Commit the run's new cursor with this batch (the last one).

    Returns:
        The batch's results (also added to the run's report).
    """
    ctx, policy = run.ctx, run.policy
    items = plan_batch(run, numbers)
    to_write = [i for i in items if i.result is None]
    backorder = policy.backorder_value()
    by_key = {i.key: i for i in to_write}
    writes = group_writes(((i.key, i.target, i.desired) for i in to_write if i.target), backorder)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    if ctx.dry_run:
        for write in writes:
            for key in write.keys:
                by_key[key].result = _written(run, by_key[key], write.sent(), planned=True)
    else:
        concurrency = ctx.integration.stock.write_concurrency
        for outcome in send_writes(ctx.shop, writes, concurrency=concurrency):
            run.writes += 1
            for key in outcome.write.keys:
                item = by_key[key]
                error, why = outcome.result_of(key)
                if error is None:
                    item.result = _written(run, item, outcome.write.sent(), planned=False)
                else:
                    item.result = RecordResult(
                        ENTITY,
                        key,
                        Outcome.FAILED,
                        error,
                        f"Stock {item.desired} of article {key} did not reach "
                        f"{item.target.label() if item.target else 'the shop'}: {why}. "
                        + (
                            "It is sent again next run."
                            if error is Reason.API_UNAVAILABLE
                            else "It is sent again when it changes, on request or in a full run."
                        ),
                        source=item.source(),
                        sent=outcome.write.sent(),
                        hold=True,
                    )
    results = [i.result for i in items if i.result is not None]
    ctx.report.extend(results)
    if ctx.dry_run:
        return results
    with ctx.store.transaction() as tx:
        for item in items:
            _store_binding(tx, ctx.name, item, backorder, now)
        write_outcomes(tx, ctx.report, results)
        if commit_cursor and run.read.new_cursor is not None:
            tx.set_cursor(ctx.name, CURSOR, str(run.read.new_cursor))
    return results


def _store_binding(tx: Any, name: str, item: StockItem, backorder: bool | None, now: str) -> None:
    if item.target is None or item.result is None:
        return
    extra: dict[str, Any] = {}
    if item.result.outcome is Outcome.UPDATED:
        extra.update(stock_pushed=item.desired, stock_pushed_at=now, stock_pending=False)
        if backorder is not None and item.desired is not None:
            extra["backorder_pushed"] = backorder
    elif item.result.outcome is Outcome.FAILED:
        # The write may have landed before the connection dropped: send it again next run
        # even when the figure is back to what was pushed before.
        extra["stock_pending"] = True
    if item.field_unmanaged is not None and (
        item.binding is None
        or item.binding.extra.get("stock_field_unmanaged") != item.field_unmanaged
    ):
        extra["stock_field_unmanaged"] = item.field_unmanaged
    if item.new_binding:
        if item.target.variant_id is not None:
            extra["variant_id"] = item.target.variant_id
        extra["bound_by"] = "stock-sku"
    if not extra:
        return
    binding = item.binding
    tx.put_binding(
        name,
        ARTICLE,
        mplus_key=item.key,
        shop_key=binding.shop_key if binding else str(item.target.article_id),
        variant_key=binding.variant_key if binding else "",
        extra=extra,
    )


def _written(
    run: StockRun, item: StockItem, sent: dict[str, Any], *, planned: bool
) -> RecordResult:
    assert item.target is not None
    old = None if item.pushed is _NEVER else item.pushed
    change = FieldChange("stock", old, item.desired)
    where = item.target.label()
    verb = "would be set" if planned else "set"
    if item.desired is None:
        return RecordResult(
            ENTITY,
            item.key,
            Outcome.UPDATED,
            Reason.STOCK_UNMANAGED,
            f"Stock of article {item.key} {verb} to unmanaged (unlimited) in {where}: "
            f"{item.unmanaged}. The flow leaves it alone from now on.",
            changes=[change],
            source=item.source(),
            sent=sent,
        )
    was = "never sent before" if item.pushed is _NEVER else f"last sent {old}"
    return RecordResult(
        ENTITY,
        item.key,
        Outcome.UPDATED,
        message=f"Stock of article {item.key} {verb} to {item.desired} in {where} ({was}; "
        f"{explain(run.policy, item.levels, item.desired)}).",
        changes=[change],
        source=item.source(),
        sent=sent,
    )


def sync_stock(ctx: SyncContext, *, full: bool = False) -> StockRun:
    """Run the whole stock sync without Prefect: read, then every batch (tests, CLI).

    Args:
        ctx: The run's context.
        full: Read every level instead of the changes since the cursor.

    Returns:
        The run (its results are in ``ctx.report``).
    """
    read = read_stock(ctx, full=full)
    run = StockRun(ctx, read, full=full)
    finish(run)
    return run


def plan_batches(run: StockRun) -> list[list[int]]:
    """The run's batches: variants of one shop article always in the same batch."""
    ctx = run.ctx
    bindings = ctx.store.bindings_by_mplus_keys(ctx.name, ARTICLE, map(str, run.read.levels))
    shop_key_of = {key: b.shop_key for key, b in bindings.items()}
    return run.read.batches(ctx.integration.stock.batch_size, shop_key_of)


def finish(run: StockRun) -> None:
    """Process every batch of a run, committing the cursor with the last one."""
    batches = plan_batches(run)
    for index, numbers in enumerate(batches):
        process_batch(run, numbers, commit_cursor=index == len(batches) - 1)
    if not batches:
        commit_cursor_only(run)


def commit_cursor_only(run: StockRun) -> None:
    """Move the cursor when a run had no article to process (e.g. changes in other branches)."""
    if run.ctx.dry_run or run.read.new_cursor is None:
        return
    with run.ctx.store.transaction() as tx:
        tx.set_cursor(run.ctx.name, CURSOR, str(run.read.new_cursor))
