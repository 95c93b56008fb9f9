"""Shop -> MplusKASSA, one order at a time, in the template's order (read top to bottom).

:func:`~mkmw_flows.sync.template.run_page` takes a page of shop orders through
:class:`OrderSteps`:

- ``prepare`` (once a page): claim the orders, read their bindings, find the unbound ones in
  MplusKASSA by extOrderId (:mod:`.feed`); map them (:mod:`.record`); decide which are taken
  (:mod:`.check`); resolve the products of their lines (:mod:`.articles`);
- ``skip``: another run holds it; already in MplusKASSA (bound: its late status steps; found
  by extOrderId: bound now, not created again) (:mod:`.status`); filtered out or refused;
- ``dependencies``: the MplusKASSA lines, VAT, rounding and delivery method (:mod:`.lines`),
  all checked before the customer is claimed and found, updated or created
  (:mod:`.customers`), so a refused order leaves no relation behind;
- ``build``: the order, with the customer's relation number (:mod:`.build`);
- ``write``: ``createOrderV3`` with its idempotency key (after a lost answer, ``findOrder``
  first), then the shop status for "imported" (:mod:`.status`);
- ``bind``: the customer and order bindings; ``outcome``: the ledger row.

Orders of different customers are taken ``write_concurrency`` at a time; ``group`` keeps the
orders of one customer (by e-mail key) in one unit of work, taken one after the other, so a
new customer is created once and its orders reach MplusKASSA in the shop's order.

Every step reads this module and calls each helper module once; no helper calls another.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mplus.errors import (
    MplusBusinessError,
    MplusError,
    MplusProtocolError,
    MplusServerFault,
    MplusTransportError,
)
from mkmw_flows.state import Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.state.claims import claim_owner
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, ORDER, customer_key
from mkmw_flows.sync.orders import status
from mkmw_flows.sync.orders.articles import ArticleResolver, LineProblem
from mkmw_flows.sync.orders.build import BuiltOrder, build_order
from mkmw_flows.sync.orders.check import OrderProblem, Verdict, verdicts
from mkmw_flows.sync.orders.customers import CustomerResult, Customers
from mkmw_flows.sync.orders.feed import (
    CURSOR_SHOP_CHANGED,
    FLOW,
    PageLookups,
    latest_change,
    look_up,
)
from mkmw_flows.sync.orders.lines import OrderLines, order_lines
from mkmw_flows.sync.orders.record import MappedOrder, map_orders, order_map
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import RecordSteps, Results, Stop

ENTITY = "order"


@dataclass
class OrderDeps:
    """What an order needs before it is built: its map, lines and customer."""

    mapped: MappedOrder
    verdict: Verdict
    lines: OrderLines
    customer: CustomerResult


@dataclass
class Written:
    """What ``createOrderV3`` (or the lookup after a lost answer) gave, and the status step.

    Attributes:
        order_id: The MplusKASSA order id.
        how: How it got there, for the message.
        paid: Its payment is booked.
        unpaid: MplusKASSA's payment result when it did not book the payment.
        status: The shop status step for "imported".
    """

    order_id: str
    how: str
    paid: bool
    unpaid: str
    status: status.StatusStep = field(default_factory=status.StatusStep)


class OrderSteps(RecordSteps[ShopOrder, OrderDeps, BuiltOrder, Written]):
    """The steps of shop orders into MplusKASSA; one object per run (its caches live here).

    Args:
        ctx: The run.

    Attributes:
        force: Take bound orders even when unchanged (held orders, orders asked for).
        seen: Order numbers taken this run (the feed overlaps; each is taken once).
        latest: The latest creation or status change seen (the next shop cursor).
        elsewhere_from: The earliest change among orders another run had; the cursor stays
            before it so a later run reads them again.
    """

    cursors = (CURSOR_SHOP_CHANGED,)

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.settings = ctx.integration.orders
        self.field_map = order_map(self.settings.order_map)
        self.resolver = ArticleResolver(ctx.bindings(ARTICLE), ctx.mplus)
        self.customers = Customers(ctx, FLOW, self.field_map.rules())
        self.held = {h.record_key for h in ctx.store.held(ctx.name, FLOW)}
        self.force = False
        self.seen: set[int] = set()
        self.latest: dt.datetime | None = None
        self.elsewhere_from: dt.datetime | None = None
        self.shipping_ids: dict[str, str] | None = None
        self.page = PageLookups()
        self.mapped: dict[int, MappedOrder] = {}
        self.verdicts: dict[int, Verdict] = {}
        self.articles: dict[int, dict[int, int | LineProblem]] = {}
        self.emails: list[str | None] = []  # the customers of the page's orders to take
        self.unavailable: MplusError | None = None
        self.parallel = self.settings.write_concurrency
        self._lock = threading.Lock()  # elsewhere_from, set from the write threads

    # ---- the page ----------------------------------------------------------------------

    def prepare(self, records: list[ShopOrder]) -> None:
        """Claims, bindings and extOrderIds; the map, the verdict and the products of each."""
        self.page = look_up(self.ctx, records, self.latest)
        self.latest = self.page.latest
        taken = [o for o in records if o.number not in self.page.elsewhere]
        self.seen.update(o.number for o in taken)
        known = set(self.page.bound) | set(self.page.found)
        fresh = [o for o in taken if o.number not in known]
        self.mapped = map_orders(self.field_map, fresh)
        self.verdicts = verdicts(fresh, self.settings, self.mapped)
        wanted = [o for o in fresh if self.verdicts[o.number].filtered is None]
        self.emails = [self.mapped[o.number].source.get("email") for o in wanted]
        self.articles, self.unavailable = {}, None
        if wanted:
            try:
                self.articles = self.resolver.resolve_orders(wanted)
            except MplusError as exc:
                self.unavailable = exc
        if self.unavailable is None and self.shipping_ids is None:
            clean = [self.verdicts[o.number] for o in wanted if not self.verdicts[o.number].problem]
            if any(v.needs_shipping_ids for v in clean):
                methods = self.ctx.shop.list_shipping_methods()
                self.shipping_ids = {(m.display_name or "").strip(): m.id for m in methods}

    def group(self, record: ShopOrder) -> str | None:
        """The customer's e-mail key: one customer's orders are taken one after the other.

        None (an order on its own) with a default debtor (no customer is written) or without
        an e-mail address (the order is refused before any write).
        """
        mapped = self.mapped.get(record.number)
        email = mapped.source.get("email") if mapped is not None else None
        if self.settings.default_debtor is not None or not email:
            return None
        return customer_key(str(email))

    # ---- one order ---------------------------------------------------------------------

    def skip(self, record: ShopOrder) -> Results | None:
        """Held by another run, already in MplusKASSA, filtered out, or refused."""
        number = record.number
        if number in self.page.elsewhere:
            return self._elsewhere(
                record,
                f"Order {number} was being taken into MplusKASSA by another run at the same "
                "moment; it is left to that run.",
            )
        found = self.page.found.get(number)
        if found is not None:
            result, bind = status.found_result(self.ctx, record, found)
            raise Stop(result, [bind])
        binding = self.page.bound.get(number)
        if binding is not None:
            again = self.force or str(number) in self.held
            bound, binds = status.bound_result(self.ctx, record, binding, again=again)
            if bound is None:
                return []  # read again through the overlap, unchanged: no ledger row
            raise Stop(bound, binds)
        verdict = self.verdicts[number]
        if verdict.filtered is not None:
            reason, message = verdict.filtered
            return RecordResult(ENTITY, str(number), Outcome.SKIPPED, reason, message)
        if self.unavailable is not None:
            return _unavailable(record, self.unavailable)
        if verdict.problem is not None:
            return self._problem(record, verdict.problem)
        return None

    def dependencies(self, record: ShopOrder) -> OrderDeps:
        """The lines (every check that needs no write), then the customer."""
        mapped = self.mapped[record.number]
        try:
            lines = order_lines(
                record,
                self.settings,
                mapped=mapped,
                articles=self.articles.get(record.number, {}),
                shipping_ids=self.shipping_ids or {},
            )
            customer = self.customers.take(mapped.source.get("email"), mapped.mapped, self.emails)
        except OrderProblem as problem:
            raise Stop(self._problem(record, problem)) from None
        except MplusError as exc:
            raise Stop(_unavailable(record, exc)) from None
        if customer is None:
            raise Stop(
                self._elsewhere(
                    record,
                    f"Order {record.number} waits: another run was creating or updating its "
                    "customer at the same moment; it is taken next run.",
                )
            )
        return OrderDeps(mapped, self.verdicts[record.number], lines, customer)

    def build(self, record: ShopOrder, deps: OrderDeps) -> BuiltOrder:
        """The MplusKASSA order, for the customer's relation."""
        return build_order(
            record,
            self.settings,
            integration=self.ctx.name,
            customer=deps.customer,
            mapped=deps.mapped,
            lines=deps.lines,
            verdict=deps.verdict,
        )

    def planned(self, record: ShopOrder, built: BuiltOrder) -> Results:
        """The dry run's result: the order that would be created, field by field."""
        return self._result(
            record,
            built,
            Reason.ROUNDING_LINE if built.rounding else None,
            f"Order {record.number} would be created as {_kind(built)} "
            f"{built.order.ext_order_id or ''}" + _notes(self._notes(built)),
        )

    def write(self, record: ShopOrder, built: BuiltOrder) -> Written:
        """``createOrderV3`` once, with its idempotency key; then the shop status."""
        ctx, binds = self.ctx, self._customer_binds(built)
        order_id, how, paid, unpaid = "", "created", False, ""
        try:
            created = ctx.mplus.create_order(
                built.order,
                idempotency_key=built.idempotency_key,
                prepay=built.prepay,
                payments=built.payments,
            )
            order_id = created.order_id
            paid = built.payments is not None and created.pay_result in (
                None,
                "PAY-ORDER-RESULT-OK",
            )
            if built.payments is not None and not paid:
                unpaid = str(created.pay_result)
        except MplusBusinessError as exc:
            if "EXT-ORDER-ID-ALREADY-EXISTS" not in exc.result:
                raise Stop(self._refused(record, built, exc), binds) from None
            how = "already there (an earlier attempt went through)"
        except (MplusTransportError, MplusServerFault, MplusProtocolError):
            # ambiguous: it may have been created; look it up before anything else
            how = "created (the answer was lost; found by its extOrderId)"
        if not order_id:
            try:
                found = ctx.mplus.find_order(built.order.ext_order_id or "")
            except MplusError as exc:
                raise Stop(_unavailable(record, exc), binds) from None
            if found is None:
                raise Stop(_unavailable(record, RuntimeError("no answer")), binds)
            order_id = found.order_id
            paid = bool(found.payments) or bool(found.prepaid_amount)
        return Written(order_id, how, paid, unpaid, status.mark_imported(ctx, record))

    def bind(self, record: ShopOrder, built: BuiltOrder, written: Written) -> list[Bind]:
        """The customer's binding and the order's (with what was written about it)."""
        extra: dict[str, Any] = {"paid": written.paid, "ext_order_id": built.order.ext_order_id}
        extra.update(written.status.extra)
        order = Bind(ORDER, written.order_id, str(record.number), extra=extra)
        return [*self._customer_binds(built), order]

    def outcome(self, record: ShopOrder, built: BuiltOrder, written: Written) -> Results:
        """Created; held when the shop status or the payment is still to be done."""
        ext = built.order.ext_order_id or ""
        head = f"Order {record.number} {written.how} as {_kind(built)} {ext}"
        notes = self._notes(built) + written.status.done
        if written.status.problem is not None:
            notes.append(f"shop status not set yet ({written.status.problem[1]})")
        imported = self.settings.write_back_status("imported")
        if imported is not None and "written_imported" not in written.status.extra:
            return self._result(
                record,
                built,
                Reason.API_UNAVAILABLE,
                f"{head}; the shop status is set next run.",
                hold=True,
            )
        text = head + _notes(notes)
        if written.unpaid:
            # Held, so the owner sees it (run state "Held", the held-reason alert) and the next
            # run books the payment again (status step); a wrong payment_methods code never would.
            method = ", ".join(sorted({p.method for p in built.payments or []}))
            return self._result(
                record,
                built,
                Reason.REJECTED_BY_MPLUS,
                f"{text}, but MplusKASSA did not book its payment ({written.unpaid}) with payment "
                f"method '{method}': check that payment_methods maps it to a method MplusKASSA "
                "has (`mkmw check` lists unknown ones). The next run books the payment again.",
                hold=True,
            )
        return self._result(record, built, Reason.ROUNDING_LINE if built.rounding else None, text)

    # ---- the page's claims -------------------------------------------------------------

    def release(self) -> None:
        """Release the claims the page holds on its orders and their customers."""
        ctx = self.ctx
        customers = self.customers.held_claims()
        if not ctx.dry_run and self.page.claimed:
            keys = [*self.page.claimed, *customers]
            ctx.store.release_claims(ctx.name, FLOW, keys, claim_owner(ctx.report.run_id))
        self.page = PageLookups()

    # ---- results -----------------------------------------------------------------------

    def _elsewhere(self, record: ShopOrder, message: str) -> RecordResult:
        """Skipped: another run holds the order or its customer; a later run reads it again."""
        changed = latest_change([record], None)
        with self._lock:
            if changed is not None and (
                self.elsewhere_from is None or changed < self.elsewhere_from
            ):
                self.elsewhere_from = changed
        return RecordResult(
            ENTITY, str(record.number), Outcome.SKIPPED, Reason.IN_PROGRESS_ELSEWHERE, message
        )

    def _problem(self, record: ShopOrder, problem: OrderProblem) -> RecordResult:
        return RecordResult(
            ENTITY,
            str(record.number),
            Outcome.FAILED,
            problem.reason,
            problem.message,
            source=self.mapped[record.number].source,
            personal=True,
            hold=True,
        )

    def _refused(self, record: ShopOrder, built: BuiltOrder, exc: MplusBusinessError) -> Results:
        return RecordResult(
            ENTITY,
            str(record.number),
            Outcome.FAILED,
            Reason.REJECTED_BY_MPLUS,
            f"MplusKASSA refused order {record.number}: {exc.error_message or exc.result}. "
            "It is taken again next run.",
            source=self.mapped[record.number].source,
            sent=built.order.to_wire(),
            personal=True,
            hold=True,
        )

    def _result(
        self,
        record: ShopOrder,
        built: BuiltOrder,
        reason: Reason | None,
        message: str,
        *,
        hold: bool = False,
    ) -> RecordResult:
        return RecordResult(
            ENTITY,
            str(record.number),
            Outcome.CREATED,
            reason,
            message,
            changes=built.changes,
            source=self.mapped[record.number].source,
            sent=built.order.to_wire(),
            personal=True,
            hold=hold,
        )

    @staticmethod
    def _notes(built: BuiltOrder) -> list[str]:
        notes = list(built.notes)
        action = built.customer.action if built.customer else None
        if action in ("created", "planned"):
            notes.append("new customer")
        elif action == "updated":
            notes.append("customer details updated")
        return notes

    @staticmethod
    def _customer_binds(built: BuiltOrder) -> list[Bind]:
        return list(built.customer.binds) if built.customer else []


def _kind(built: BuiltOrder) -> str:
    return "invoice" if built.prepay is False else "order"


def _notes(notes: list[str]) -> str:
    return f" ({'; '.join(notes)})" if notes else ""


def _unavailable(order: ShopOrder, exc: Exception) -> RecordResult:
    return RecordResult(
        ENTITY,
        str(order.number),
        Outcome.FAILED,
        Reason.API_UNAVAILABLE,
        f"Order {order.number} was not created: MplusKASSA did not answer "
        f"({type(exc).__name__}); it is taken again next run.",
        hold=True,
    )
