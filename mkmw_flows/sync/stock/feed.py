"""What changed in MplusKASSA stock: the stock change feed, the full read, the stock cursor.

* **incremental**: ``getCurrentSyncMarkers`` gives the stock head; when it has not moved since
  the stored cursor the run ends there (one call). Otherwise ``getStock`` per counted branch
  with ``stockId = cursor + 1`` returns just the levels that changed since (the vendor's
  documented stock change feed: it carries reservations of undelivered orders and incoming
  goods, which the mutation log ``getStockHistoryV2`` does not); the other branches' levels
  of those articles are read by article number, in batches. The new cursor is the head read
  *before* the levels, so a change made during the run is read again next run, never lost.
* **first** (no cursor yet): every level of every counted branch, which finds every
  MplusKASSA article (each one is then bound by SKU or held).
* **full** (``full=True`` once a run has committed a cursor): every article the state store
  knows, bound or held, read by article number in chunks of :data:`READ_CHUNK` as the pages
  reach them (:meth:`StockRead.load`), so memory stays flat however large the catalogue: only
  one chunk of levels is held at a time. Since the first run every MplusKASSA article with
  stock is bound or held, and an article added later shows up in the feed with its first
  stock change. (With ``full=True`` and no cursor yet, everything is read as in a first run.)

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
#: Articles per ``getStock`` call of a full run (one call per counted branch and chunk).
READ_CHUNK = 2_000
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
        wanted: A full run read in chunks: every article number to look at, ascending (the
            levels are read per chunk as the pages reach them, see :meth:`load`); None when
            ``levels`` holds everything read.
        head: The stock head read before the levels (None: the server gave none).
        articles_read: Articles with a level in the counted branches, over the whole run.
    """

    mode: str
    levels: dict[int, list[StockLevel]] = field(default_factory=dict)
    branches: list[int] = field(default_factory=list)
    since: int | None = None
    new_cursor: int | None = None
    held_unknown: set[str] = field(default_factory=set)
    retried: list[str] = field(default_factory=list)
    wanted: list[int] | None = None
    head: int | None = None
    articles_read: int = 0
    _order: list[int] = field(default_factory=list, repr=False)
    _next: int = field(default=0, repr=False)
    _loaded: set[int] = field(default_factory=set, repr=False)

    @property
    def chunked(self) -> bool:
        """Whether the levels are read in chunks as the pages reach them (a full run)."""
        return self.wanted is not None

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
        numbers = self.wanted if self.wanted is not None else sorted(self.levels)
        for number in numbers:
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
        if self.wanted is not None:
            self._order = [n for page in pages for group in page for n in group]
            self._next, self._loaded = 0, set()
        return pages

    def load(self, ctx: SyncContext, groups: list[list[int]]) -> list[list[int]]:
        """A chunked read: make sure one page's levels are read; return its records.

        Reads the next :data:`READ_CHUNK` articles in page order (one ``getStock`` per counted
        branch) until every article of the page is read, keeping only the levels of this page
        and the ones read ahead: memory holds one chunk. Articles with no level in the counted
        branches leave their record (a record left empty is dropped), as in a read of
        everything.

        Args:
            ctx: The run's context.
            groups: The page's records (article numbers of one shop article each).

        Returns:
            The page's records with only the articles that have levels.
        """
        needed = [n for group in groups for n in group]
        while any(n not in self._loaded for n in needed) and self._next < len(self._order):
            chunk = self._order[self._next : self._next + READ_CHUNK]
            self._next += len(chunk)
            keep = set(needed)
            self.levels = {n: lv for n, lv in self.levels.items() if n in keep}
            self._loaded = {n for n in self._loaded if n in keep} | set(chunk)
            fresh = read_levels(ctx, self.branches, chunk)
            self.articles_read += len(fresh)
            self.levels.update(fresh)
            if self.head is None:
                top = max((lv.stock_id for lvs in fresh.values() for lv in lvs), default=0)
                if top > (self.new_cursor or self.since or 0):
                    self.new_cursor = top
        records = [[n for n in group if n in self.levels] for group in groups]
        return [record for record in records if record]


def read_levels(
    ctx: SyncContext, branches: list[int], numbers: list[int]
) -> dict[int, list[StockLevel]]:
    """The levels of some articles in the counted branches (one ``getStock`` per branch)."""
    levels: dict[int, list[StockLevel]] = defaultdict(list)
    if not numbers:
        return {}
    for branch in branches:
        for level in ctx.mplus.get_stock(branch, article_numbers=numbers):
            levels[level.article_number].append(level)
    return dict(levels)


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
    if mode == "full" and since is not None:
        known = {int(k) for k in ctx.bindings(ARTICLE).shop_key_of() if k.isdigit()}
        known.update(int(h.record_key) for h in held)
        return StockRead(
            mode=mode,
            branches=branches,
            since=since,
            new_cursor=head if head is not None and head != since else None,
            held_unknown=unknown,
            retried=retry,
            wanted=sorted(known),
            head=head,
        )
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
        head=head,
        articles_read=len(levels),
    )
