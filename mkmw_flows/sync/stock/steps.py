"""The stock sync as the step template's steps: MplusKASSA levels -> shop article stock.

A record is one shop article with the MplusKASSA articles that feed it (its variants, or
the article itself): it is written in one ``PATCH`` and settled with one result per
MplusKASSA article. :func:`~mkmw_flows.sync.template.run_page` takes a page of them through

* ``prepare``: the page's look-ups, once and in article order: the bindings in one query;
  for an unbound article its shop article by SKU (the shop's articles are read at most once
  per run; misses are held); whether the shop article's field switches its stock off;
* ``skip``: an unbound article held earlier as unknown is not looked up again (held), and a
  record whose every article is settled is done;
* ``dependencies``: where each article's stock goes (its shop article or variant);
* ``build``: the figure (:mod:`~mkmw_flows.sync.stock.calc`), compared with what was last
  sent; unchanged articles are settled, the rest become one write of the shop article;
* ``write``: the PATCH (:class:`~mkmw_flows.sync.stock.writes.ShopWriter`);
* ``bind``: what was sent (``stock_pushed``, ``stock_pushed_at``, ``stock_pending``,
  ``backorder_pushed``) and SKU links on the ``article`` bindings;
* ``outcome``: one result per article.

The records of a page are taken ``write_concurrency`` at a time (``parallel``), so a few
writes are in flight at once; every store and catalogue look-up is done in ``prepare``,
before the threads start. The unavailable streak that stops a page's writes lives in the
shared :class:`~mkmw_flows.sync.stock.writes.ShopWriter`, which each page resets.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from mkmw_flows.state import Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.stock.calc import StockPolicy
from mkmw_flows.sync.stock.feed import STOCK_ID, StockRead
from mkmw_flows.sync.stock.record import (
    NEVER,
    StockItem,
    StockRecord,
    failed,
    held_unknown,
    not_found,
    unchanged,
    written,
)
from mkmw_flows.sync.stock.targets import ShopCatalog, ShopTarget
from mkmw_flows.sync.stock.writes import ShopWriter, StockWrite, WriteOutcome, group_writes
from mkmw_flows.sync.template import RecordSteps, Results, Stop


class StockSteps(RecordSteps[StockRecord, list[StockItem], list[StockWrite], list[WriteOutcome]]):
    """One stock run: its steps and the state its pages share.

    A plain class: Prefect passes it to the page tasks as is.

    Args:
        ctx: The run's context.
        read: What was read from MplusKASSA.
        full: A full run (held unknown articles are looked up again).

    Attributes:
        writes: Shop writes sent (or, once the shop stopped answering, not tried) so far.
    """

    cursors = (STOCK_ID,)

    def __init__(self, ctx: SyncContext, read: StockRead, *, full: bool = False) -> None:
        self.ctx = ctx
        self.read = read
        self.full = full
        self.policy = StockPolicy.from_settings(ctx.integration.stock)
        self.parallel = ctx.integration.stock.write_concurrency
        self.articles = ctx.bindings(ARTICLE)
        self.catalog: ShopCatalog | None = None
        self.writer = ShopWriter(ctx.shop)
        self.writes = 0
        self._lock = threading.Lock()
        self._now = ""
        if full and self.policy.unmanaged_field:
            self.shop_catalog()  # a full run refreshes the per-article unmanaged field

    def shop_catalog(self) -> ShopCatalog:
        """The shop's articles, read at most once per run."""
        if self.catalog is None:
            self.catalog = ShopCatalog.read(self.ctx.shop, self.policy)
        return self.catalog

    def cursors_after(self) -> dict[str, str]:
        """Where the stock cursor stands once the run's last page is committed."""
        if self.read.new_cursor is None:
            return {}
        return {STOCK_ID.name: str(self.read.new_cursor)}

    # ---- the steps ------------------------------------------------------------------------

    def prepare(self, records: list[StockRecord]) -> None:
        """The page's look-ups, once and in article order (see the module docstring)."""
        self.writer.reset()
        self._now = datetime.now(UTC).isoformat(timespec="seconds")
        numbers = [n for record in records for n in record.numbers]
        bindings = self.articles.by_mplus_keys(str(n) for n in numbers)
        for record in records:
            record.items = []
            for number in record.numbers:
                item = StockItem(number, self.read.levels.get(number, []))
                record.items.append(item)
                binding = bindings.get(item.key)
                if binding is not None:
                    item.binding = binding
                    item.target = ShopTarget.of(binding)
                    item.pushed = binding.extra.get("stock_pushed", NEVER)
                if item.target is None and not self._held_unknown(item):
                    self._look_up(item)
                if item.target is not None:
                    self._field_unmanaged(item)

    def skip(self, record: StockRecord) -> Results | None:
        """Hold unbound articles held before as unknown; a record with nothing open is done."""
        for item in record.open():
            if item.target is None and self._held_unknown(item):
                item.result = held_unknown(item)
        return None if record.open() else record.results()

    def dependencies(self, record: StockRecord) -> list[StockItem]:
        """The record's open articles, each with the shop article or variant it goes to."""
        return [i for i in record.open() if i.target is not None]

    def build(self, record: StockRecord, deps: list[StockItem]) -> list[StockWrite]:
        """Each article's figure; the ones not sent yet become one write per shop article.

        Raises:
            Stop: Every figure was already sent (the bindings still learn what the shop says).
        """
        wanted_backorder = self.policy.backorder_value()
        for item in deps:
            binding = item.binding
            item.unmanaged = self.policy.unmanaged_reason(item.key, bool(item.field_unmanaged))
            computed = self.policy.compute(item.levels)
            item.desired = None if item.unmanaged else computed
            backorder_due = (
                item.desired is not None
                and wanted_backorder is not None
                and (binding is None or binding.extra.get("backorder_pushed") != wanted_backorder)
            )
            pending = binding is not None and binding.extra.get("stock_pending")
            if (
                item.pushed is not NEVER
                and item.pushed == item.desired
                and not backorder_due
                and not pending
            ):
                item.result = unchanged(self.policy, item, computed)
        to_write = [(i.key, i.target, i.desired) for i in record.open() if i.target is not None]
        if not to_write:
            raise Stop(record.results(), self._binds(record, {}))
        return group_writes(to_write, wanted_backorder)

    def planned(self, record: StockRecord, built: list[StockWrite]) -> Results:
        """What the writes would set, article by article (dry run)."""
        items = {i.key: i for i in record.items}
        for write in built:
            for key in write.keys:
                items[key].result = written(self.policy, items[key], write.sent(), planned=True)
        return record.results()

    def write(self, record: StockRecord, built: list[StockWrite]) -> list[WriteOutcome]:
        """PATCH the shop article (one call for all its variants, as a rule).

        Raises:
            CredentialsError: The shop refused the token (the page is not committed).
        """
        outcomes = [self.writer.send(write) for write in built]
        with self._lock:
            self.writes += len(outcomes)
        return outcomes

    def bind(
        self, record: StockRecord, built: list[StockWrite], outcomes: list[WriteOutcome]
    ) -> list[Bind]:
        """What was sent (or is pending after a failure) and SKU links, per article."""
        outcome_of: dict[str, Outcome] = {}
        for result in outcomes:
            for key in result.write.keys:
                error, _ = result.result_of(key)
                outcome_of[key] = Outcome.UPDATED if error is None else Outcome.FAILED
        return self._binds(record, outcome_of)

    def outcome(
        self, record: StockRecord, built: list[StockWrite], outcomes: list[WriteOutcome]
    ) -> Results:
        """One result per article: the figure set, or why the shop did not take it."""
        items = {i.key: i for i in record.items}
        for result in outcomes:
            sent = result.write.sent()
            for key in result.write.keys:
                item = items[key]
                error, why = result.result_of(key)
                item.result = (
                    written(self.policy, item, sent, planned=False)
                    if error is None
                    else failed(item, error, why, sent)
                )
        return record.results()

    def committed(self, results: list[RecordResult]) -> None:
        """Let go of what the ledger now holds, so a run's memory stays flat.

        The run's report keeps every result (counts, verdict, alerts), so over a full run of
        a large catalogue the levels read (``source``) and the "already sent" texts would be
        most of its memory. Once the page is committed both are in the ledger, and nothing
        shows them from the report (the summary lists held and failed records, whose texts
        stay). A dry run commits nothing and keeps everything.
        """
        if self.ctx.dry_run:
            return
        for result in results:
            result.source = None
            if result.outcome is Outcome.UNCHANGED and result.reason is None and not result.hold:
                result.message = ""

    # ---- helpers --------------------------------------------------------------------------

    def _held_unknown(self, item: StockItem) -> bool:
        """An article held as unknown that this run does not look up again."""
        return item.key in self.read.held_unknown and not self.full

    def _look_up(self, item: StockItem) -> None:
        """Find the shop article of an unbound article by SKU (a miss is held)."""
        key = item.key
        target, reason, why = self.shop_catalog().resolve_sku(key)
        if target is not None:
            owner = self.articles.find(shop_key=str(target.article_id), variant_key="")
            if owner is not None and owner.mplus_key != key:
                target, reason = None, Reason.SKU_DUPLICATE
                why = (
                    f"shop article {owner.shop_key} is already linked to article {owner.mplus_key}"
                )
        if target is None:
            assert reason is not None
            item.result = not_found(item, reason, why)
            return
        item.target = target
        item.new_binding = True

    def _field_unmanaged(self, item: StockItem) -> None:
        """What the shop article's field says (the catalogue if read, else the binding)."""
        assert item.target is not None
        if self.catalog is not None and item.target.article_id in self.catalog.by_id:
            item.field_unmanaged = self.catalog.by_id[item.target.article_id].field_unmanaged
        elif item.binding is not None:
            item.field_unmanaged = item.binding.extra.get("stock_field_unmanaged")

    def _binds(self, record: StockRecord, outcome_of: dict[str, Outcome]) -> list[Bind]:
        binds = []
        for item in record.items:
            if item.target is None:
                continue
            outcome = outcome_of.get(item.key) or (item.result.outcome if item.result else None)
            if outcome is None:
                continue
            bind = self._bind(item, outcome)
            if bind is not None:
                binds.append(bind)
        return binds

    def _bind(self, item: StockItem, outcome: Outcome) -> Bind | None:
        assert item.target is not None
        extra: dict[str, Any] = {}
        if outcome is Outcome.UPDATED:
            extra.update(stock_pushed=item.desired, stock_pushed_at=self._now, stock_pending=False)
            backorder = self.policy.backorder_value()
            if backorder is not None and item.desired is not None:
                extra["backorder_pushed"] = backorder
        elif outcome is Outcome.FAILED:
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
            return None
        binding = item.binding
        return Bind(
            ARTICLE,
            item.key,
            shop_key=binding.shop_key if binding else str(item.target.article_id),
            variant_key=binding.variant_key if binding else "",
            extra=extra,
        )
