"""What changed in MplusKASSA stock: the stock change feed, the full read, the stock cursor.

* **incremental**: ``getCurrentSyncMarkers`` gives the stock head; when it has not moved since
  the stored cursor the run ends there (one call). Otherwise ``getStock`` per counted branch
  with ``stockId = cursor + 1`` returns just the levels that changed since (the vendor's
  documented stock change feed: it carries reservations of undelivered orders and incoming
  goods, which the mutation log ``getStockHistoryV2`` does not); the other branches' levels
  of those articles are read by article number, in batches. The new cursor is the head read
  *before* the levels, so a change made during the run is read again next run, never lost.
* **full** (``full=True``, and the first run): every level of every counted branch.

The levels are then cut into pages (:meth:`StockRead.pages`): the MplusKASSA articles of one
shop article (its variants) always in the same page and the same record, so they share one
write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mkmw_flows.mplus.models import StockLevel
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.template import CursorSpec

FLOW = "stock"
#: The entity of the stock flow's results and ledger rows.
ENTITY = "stock"
STOCK_ID = CursorSpec(
    "stock.stock_id", "the MplusKASSA stockId up to which every stock change has been sent"
)
CURSOR = STOCK_ID.name
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
        new_cursor: The cursor to commit with the last page (None: leave it).
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

    def pages(self, size: int, shop_key_of: dict[str, str] | None = None) -> list[list[list[int]]]:
        """The article numbers in pages of about `size`, each page a list of records.

        A record is the article numbers of one shop article (ascending); records are in the
        order of their lowest number, and a record is never split over two pages.

        Args:
            size: Articles per page.
            shop_key_of: Article number (str) -> shop article id of the bound articles; an
                unbound article is a record of its own.
        """
        groups: dict[str, list[int]] = {}
        for number in sorted(self.levels):
            key = (shop_key_of or {}).get(str(number)) or f"#{number}"
            groups.setdefault(key, []).append(number)
        pages: list[list[list[int]]] = []
        current: list[list[int]] = []
        count = 0
        for group in groups.values():
            if current and count + len(group) > size:
                pages.append(current)
                current, count = [], 0
            current.append(group)
            count += len(group)
        if current:
            pages.append(current)
        return pages


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
    stored = ctx.cursor(CURSOR)
    since = int(stored) if stored not in (None, "") else None
    head = ctx.mplus.get_current_sync_markers().stock_id

    held = [h for h in ctx.store.held(ctx.name, FLOW) if h.record_key.isdigit()]
    unknown = {
        h.record_key for h in held if h.reason_code in LOOKUP_REASONS and not h.retry_requested
    }
    # An unknown article that a products run has bound since is taken again without asking.
    bound_now = set(ctx.bindings(ARTICLE).by_mplus_keys(unknown))
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
