"""The shop's option lists: the options a page needs, and the durable "repair owed" marker.

The shop offers an option added to a list on every article using the list. So before options
are added, every bound article sharing the list is recorded as owing a repair (committed
first, in its own transaction: a lost answer or a crash leaves the debt visible); after the
page's writes, :meth:`OptionLists.settle` sets owed articles back to their own options and
clears a marker only when that write went through (or the article or its binding is gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import (
    ArticleList,
    ArticlePatch,
    ListAttach,
    ListOptionAttach,
    NewListOption,
)
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import PRODUCT
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, RunReport

if TYPE_CHECKING:
    from mkmw_flows.sync.products.plan import ProductPlan

#: kind of the "repair owed" markers of articles that must be set back to their own options
#: after options were added to an option list they share (see :meth:`OptionLists.ensure`)
LIST_REPAIR = "lists"


class OptionLists:
    """The option lists of one run (each list read at most once, kept after a change).

    Args:
        ctx: The run's context.
    """

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self._lists: dict[int, ArticleList] = {}

    def get(self, list_id: int) -> ArticleList:
        """One option list, read once per run."""
        if list_id not in self._lists:
            self._lists[list_id] = self.ctx.shop.get_article_list(list_id)
        return self._lists[list_id]

    def ensure(self, plans: list[ProductPlan]) -> set[int]:
        """Add the option names the page needs to their lists (one call per list).

        Every bound article sharing a list that gets options is first marked as owing a
        repair (see the module docstring).

        Returns:
            The ids of the lists options were (or may have been) added to.
        """
        wanted: dict[int, list[str]] = {}
        for plan in plans:
            if plan.action not in ("create", "update") or not plan.writes_lists():
                continue
            for name, values in plan.lists.items():
                bucket = wanted.setdefault(plan.list_ids[name], [])
                bucket.extend(v for v in values if v not in bucket)
        new: dict[int, list[str]] = {}
        for list_id, names in wanted.items():
            known = {o.name for o in self.get(list_id).options}
            if [n for n in names if n not in known]:
                new[list_id] = [n for n in names if n not in known]
        if not new:
            return set()
        self._owe_repairs(plans, set(new))
        for list_id, names in new.items():
            try:
                self._lists[list_id] = self.ctx.shop.add_list_options(
                    list_id, [NewListOption(name=n) for n in names]
                )
            except MijnWebwinkelError:
                self._lists.pop(list_id, None)  # it may have gone through: read it again
                raise
        return set(new)

    def _owe_repairs(self, plans: list[ProductPlan], list_ids: set[int]) -> None:
        """Record every bound article on these lists as owing a repair (own transaction)."""
        owed: dict[str, str] = {}
        for binding in self.ctx.bindings(PRODUCT).all():
            if list_ids & {int(k) for k in binding.extra.get("lists", {})}:
                owed[binding.shop_key] = binding.mplus_key
        for plan in plans:
            if plan.shop_id is not None and list_ids & set(plan.list_ids.values()):
                owed[str(plan.shop_id)] = str(plan.src.product_number)
        detail = "options added to list(s) " + ", ".join(str(i) for i in sorted(list_ids))
        with self.ctx.store.transaction() as tx:
            tx.owe_repairs(self.ctx.name, LIST_REPAIR, owed, detail)

    def attach(self, plan: ProductPlan) -> list[ListAttach]:
        """The plan's option lists with its options, by shop id (the options exist)."""
        attach = []
        for name, values in plan.lists.items():
            option_list = self.get(plan.list_ids[name])
            ids = {o.name: o.id for o in option_list.options}
            attach.append(
                ListAttach(
                    id=plan.list_ids[name],
                    options=[ListOptionAttach(id=int(ids[v] or 0)) for v in values],
                )
            )
        return attach

    def owed(self) -> bool:
        """True when an earlier run left repairs owed."""
        return bool(self.ctx.store.repairs_owed(self.ctx.name, LIST_REPAIR))

    def settle(
        self, plans: list[ProductPlan], results: list[RecordResult]
    ) -> tuple[list[RecordResult], list[str]]:
        """Set owed articles back to their own options, after a page's writes.

        An article of this page whose own write set its options went through needs nothing
        more; every other owed article gets a write of its options: those planned in this
        page, else those its binding says were last written. A marker is cleared only when
        that write went through (or the article or its binding is gone).

        Returns:
            (ledger results of the repair writes, shop keys whose markers are cleared).
        """
        owed = self.ctx.store.repairs_owed(self.ctx.name, LIST_REPAIR)
        if not owed:
            return [], []
        in_page = {str(p.shop_id): p for p in plans if p.shop_id is not None}
        outcome = {p.src.sku: r.outcome for p, r in zip(plans, results, strict=True)}
        bindings = self.ctx.bindings(PRODUCT).by_mplus_keys([r.mplus_key for r in owed])
        cleared: list[str] = []
        repairs: list[RecordResult] = []
        for row in owed:
            plan = in_page.get(row.shop_key)
            if plan is not None and plan.action in ("create", "update", "delete"):
                wrote = plan.action == "delete" or plan.writes_lists()
                if wrote and outcome.get(plan.src.sku) != Outcome.FAILED:
                    cleared.append(row.shop_key)
                    continue
            if plan is not None and plan.lists and plan.action not in ("skip", "fail"):
                own = {
                    str(plan.list_ids[n]): v for n, v in plan.lists.items() if n in plan.list_ids
                }
            else:
                binding = bindings.get(row.mplus_key)
                if binding is None or binding.shop_key != row.shop_key:
                    cleared.append(row.shop_key)  # no longer ours: nothing to set back
                    continue
                own = dict(binding.extra.get("lists", {}))
            result = self._repair(row.shop_key, row.mplus_key, own, row.detail)
            if result.outcome != Outcome.FAILED:
                cleared.append(row.shop_key)
            repairs.append(result)
        return repairs, cleared

    def commit(self, repairs: list[RecordResult], cleared: list[str]) -> None:
        """Log the repair writes and clear the settled markers, in one transaction.

        Repairs are only logged: their debt is the marker, not a held product record.
        """
        self.ctx.report.extend(repairs)
        if not repairs and not cleared:
            return
        report = self.ctx.report
        with self.ctx.store.transaction() as tx:
            tx.add_ledger(
                RunReport(
                    report.flow, report.integration, report.run_id, results=repairs
                ).ledger_rows()
            )
            tx.clear_repairs(self.ctx.name, LIST_REPAIR, cleared)

    def _repair(
        self, shop_key: str, mplus_key: str, own: dict[str, list[str]], why: str
    ) -> RecordResult:
        """One write: the article's option lists with exactly its own options."""
        key = f"product {mplus_key} (shop article {shop_key})"
        try:
            attach = []
            for list_id, values in own.items():
                ids = {o.name: o.id for o in self.get(int(list_id)).options}
                options = [ListOptionAttach(id=int(ids[v] or 0)) for v in values if v in ids]
                if options:
                    attach.append(ListAttach(id=int(list_id), options=options))
            if not attach:
                return RecordResult(
                    "product", mplus_key, Outcome.UNCHANGED, None, f"{key}: no options to set"
                )
            self.ctx.shop.update_article(int(shop_key), ArticlePatch(lists=attach))
        except MijnWebwinkelError as exc:
            if exc.status_code == 404:  # the article (or the list) is gone: nothing owed
                return RecordResult(
                    "product",
                    mplus_key,
                    Outcome.SKIPPED,
                    None,
                    f"{key}: gone from the shop ({exc})",
                )
            reason = Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP
            return RecordResult(
                "product",
                mplus_key,
                Outcome.FAILED,
                reason,
                f"{key}: could not set its options back to its own after {why} ({exc}); "
                "the repair stays owed and the next run tries again",
            )
        names = "; ".join(f"list {lid}: {', '.join(v)}" for lid, v in own.items())
        return RecordResult(
            "product",
            mplus_key,
            Outcome.UPDATED,
            None,
            f"{key}: options set back to its own after {why} ({names})",
        )
