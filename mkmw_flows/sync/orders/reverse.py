"""MplusKASSA -> shop: orders made in MplusKASSA become shop orders, in the template's order.

The MplusKASSA order feed (syncMarker) is read page by page, each page committed with the
cursor :data:`~mkmw_flows.sync.orders.feed.CURSOR_REVERSE`. An order goes to the shop once:
the order binding says it is there; without one the shop is searched first (orders of the
customer's e-mail carrying the MplusKASSA order id in their internal comment), so an order
whose ``POST /orders`` answer was lost is found, not created twice. Orders that came from the
shop (extOrderId with our prefix) are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mkmw_flows.mapping import FieldChange
from mkmw_flows.mijnwebwinkel.errors import (
    MijnWebwinkelError,
    ServerError,
    TransportError,
    ValidationError,
)
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderInput
from mkmw_flows.mplus.errors import MplusError
from mkmw_flows.mplus.models import Order, Relation
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, ORDER
from mkmw_flows.sync.orders.feed import CURSOR_REVERSE
from mkmw_flows.sync.orders.record import reverse_map
from mkmw_flows.sync.orders.reverse_body import ReverseProblem, ShopOrderBuilder, marker
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import Page, PageRunner, RecordSteps, Results, Stop, direct, run_page

__all__ = ["REVERSE_FLOW", "ReverseSteps", "marker", "run_mplus_to_shop"]

REVERSE_FLOW = "orders-reverse"
ENTITY = "order"


@dataclass
class ReverseDeps:
    """What a MplusKASSA order needs for its shop order: its relation and article bindings."""

    relation: Relation | None
    articles: dict[str, Binding]


@dataclass
class ShopBody:
    """A shop order body ready to post, with the record it came from and the plan."""

    body: OrderInput
    record: dict[str, Any]
    payload: dict[str, Any]
    changes: list[FieldChange]


class ReverseSteps(RecordSteps[Order, ReverseDeps, ShopBody, ShopOrder]):
    """The steps of MplusKASSA orders into the shop; one object per run.

    Args:
        ctx: The run.
        since: Take only orders entered at or after this moment (None: every order read).
    """

    cursors = (CURSOR_REVERSE,)

    def __init__(self, ctx: SyncContext, since: dt.datetime | None = None) -> None:
        self.ctx = ctx
        self.since = since
        self.builder = ShopOrderBuilder(ctx, reverse_map(ctx.integration.orders.reverse_order_map))
        self.seen: set[str] = set()
        self.skips: dict[int, Results] = {}
        self.relations: dict[int, Relation] = {}
        self.articles: dict[str, Binding] = {}

    def prepare(self, records: list[Order]) -> None:
        """Filters, bindings, and the relations and article bindings of the orders to send."""
        settings = self.ctx.integration.orders
        prefix = settings.ext_order_id_prefix
        self.skips = {}
        wanted: list[Order] = []
        for order in records:
            if order.order_id in self.seen:
                self.skips[id(order)] = []  # read twice in one run (the feed, then the held)
                continue
            self.seen.add(order.order_id)
            dropped = _dropped(order, prefix, self.since, settings.reverse_branches)
            if dropped is not None:
                self.skips[id(order)] = dropped
                continue
            wanted.append(order)
        bound = self.ctx.bindings(ORDER).by_mplus_keys([o.order_id for o in wanted])
        todo = [o for o in wanted if o.order_id not in bound]
        for order in wanted:
            if order.order_id in bound:
                self.skips[id(order)] = RecordResult(
                    ENTITY,
                    f"mplus:{order.order_id}",
                    Outcome.UNCHANGED,
                    message=f"MplusKASSA order {order.order_id} is already shop order "
                    f"{bound[order.order_id].shop_key}.",
                )
        try:
            self.relations = _relations(self.ctx, todo)
            self.articles = self.ctx.bindings(ARTICLE).by_mplus_keys(
                {str(line.article_number) for o in todo for line in o.lines}
            )
        except MplusError as exc:
            for order in todo:
                self.skips[id(order)] = _failed(
                    order, Reason.API_UNAVAILABLE, f"MplusKASSA: {exc}", hold=True
                )
            self.relations, self.articles = {}, {}

    def skip(self, record: Order) -> Results | None:
        """Read twice, from the shop, too old, cancelled, another branch, bound, or no answer."""
        return self.skips.get(id(record))

    def dependencies(self, record: Order) -> ReverseDeps:
        """The order's relation (e-mail, addresses) and the bindings of its articles."""
        return ReverseDeps(self.relations.get(record.relation_number or 0), self.articles)

    def build(self, record: Order, deps: ReverseDeps) -> ShopBody:
        """The ``POST /orders`` body (mapped debtor, bound lines, payment)."""
        try:
            body, source = self.builder.build(record, deps.relation, deps.articles)
        except ReverseProblem as problem:
            raise Stop(_failed(record, problem.reason, problem.message, hold=True)) from None
        except MijnWebwinkelError as exc:
            raise Stop(
                _failed(record, Reason.API_UNAVAILABLE, f"The shop: {exc}", hold=True)
            ) from None
        payload = body.model_dump(mode="json", exclude_none=True)
        changes = [FieldChange(path, None, value) for path, value in _flat(payload)]
        return ShopBody(body, source, payload, changes)

    def planned(self, record: Order, built: ShopBody) -> Results:
        """The dry run's result: the shop order that would be created."""
        label = built.record["order_string"]
        return self._created(built, f"MplusKASSA order {label} would become a shop order.")

    def write(self, record: Order, built: ShopBody) -> ShopOrder:
        """Look in the shop first (a lost answer), then ``POST /orders``."""
        ctx = self.ctx
        email = built.record["email"]
        label = built.record["order_string"]
        try:
            existing = _find_in_shop(ctx, email, record)
            if existing is not None:
                raise Stop(
                    RecordResult(
                        ENTITY,
                        f"mplus:{record.order_id}",
                        Outcome.UNCHANGED,
                        Reason.ALREADY_EXISTS,
                        f"MplusKASSA order {label} is already shop order {existing.number}; "
                        "linked.",
                    ),
                    [Bind(ORDER, record.order_id, str(existing.number))],
                )
            try:
                return ctx.shop.create_order(built.body)
            except (TransportError, ServerError):
                # ambiguous: look before anything else
                found = _find_in_shop(ctx, email, record)
                if found is None:
                    raise
                return found
        except ValidationError as exc:
            raise Stop(
                _failed(
                    record,
                    Reason.REJECTED_BY_SHOP,
                    f"The shop refused MplusKASSA order {label}: {exc}",
                    hold=True,
                )
            ) from None
        except MijnWebwinkelError as exc:
            raise Stop(
                _failed(
                    record,
                    Reason.API_UNAVAILABLE,
                    f"MplusKASSA order {label} was not sent: the shop did not answer "
                    f"({type(exc).__name__}); it is taken again next run.",
                    hold=True,
                )
            ) from None

    def bind(self, record: Order, built: ShopBody, written: ShopOrder) -> list[Bind]:
        """The order binding: MplusKASSA order id -> shop order number."""
        return [Bind(ORDER, record.order_id, str(written.number))]

    def outcome(self, record: Order, built: ShopBody, written: ShopOrder) -> Results:
        """Created in the shop."""
        label = built.record["order_string"]
        return self._created(built, f"MplusKASSA order {label} is now shop order {written.number}.")

    def _created(self, built: ShopBody, message: str) -> RecordResult:
        return RecordResult(
            ENTITY,
            f"mplus:{built.record['order_id']}",
            Outcome.CREATED,
            None,
            message,
            changes=built.changes,
            source=built.record,
            sent=built.payload,
            personal=True,
        )


def _dropped(
    order: Order, prefix: str, since: dt.datetime | None, branches: list[int]
) -> Results | None:
    """Why an order is not sent: [] (passed over without a row) or a skipped result."""
    if prefix and (order.ext_order_id or "").startswith(prefix):
        return []  # came from the shop
    if since and order.entry_timestamp and order.entry_timestamp < since:
        return []
    key = f"mplus:{order.order_id}"
    label = str(order.order_number) if order.order_number else order.order_id
    if order.cancel_state and order.cancel_state != "ORDER-CANCEL-STATE-NOTHING":
        return RecordResult(
            ENTITY,
            key,
            Outcome.SKIPPED,
            Reason.FILTERED_OUT,
            f"MplusKASSA order {label} is cancelled; it is not sent to the shop.",
        )
    branch = order.entry_branch_number
    if branches and branch not in branches:
        return RecordResult(
            ENTITY,
            key,
            Outcome.SKIPPED,
            Reason.FILTERED_OUT,
            f"MplusKASSA order {label} is from branch {branch}, which is not sent.",
        )
    return None


def _relations(ctx: SyncContext, orders: list[Order]) -> dict[int, Relation]:
    numbers = sorted({o.relation_number for o in orders if o.relation_number})
    if not numbers:
        return {}
    found = ctx.mplus.get_relations(relation_numbers=numbers)
    return {r.relation_number: r for r in found if r.relation_number is not None}


def _failed(order: Order, reason: Reason, message: str, *, hold: bool) -> RecordResult:
    return RecordResult(
        ENTITY, f"mplus:{order.order_id}", Outcome.FAILED, reason, message, hold=hold
    )


def _find_in_shop(ctx: SyncContext, email: str, order: Order) -> ShopOrder | None:
    tag = marker(order.order_id)
    start = None
    if order.entry_timestamp is not None:
        start = (order.entry_timestamp - dt.timedelta(days=1)).date()
    for candidate in ctx.shop.iter_orders(debtor_email=email, start_date=start, test=True):
        if tag in (candidate.comments.internal or ""):
            return candidate
    return None


def _flat(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flat(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


def run_mplus_to_shop(
    ctx: SyncContext,
    *,
    since: dt.datetime | None = None,
    order_ids: Iterable[str] | None = None,
    batch: PageRunner = direct,
) -> ReverseSteps:
    """Send new MplusKASSA orders (or just `order_ids`) to the shop.

    Args:
        ctx: The run (its report's flow is ``orders-reverse``).
        since: Read the whole feed again, taking orders entered at or after this moment.
        order_ids: Only these MplusKASSA order ids (the cursor stays).
        batch: Runs one page (the flow passes a Prefect task); direct call by default.
    """
    settings = ctx.integration.orders
    ctx.report.flow = REVERSE_FLOW
    steps = ReverseSteps(ctx)

    def take(orders: list[Order], cursors: dict[str, str]) -> None:
        batch(lambda: run_page(ctx, steps, Page(orders, cursors)))

    if order_ids is not None:
        ids = [str(i) for i in order_ids]
        if ids:
            take(ctx.mplus.get_orders(order_ids=ids), {})
        return steps
    raw = ctx.cursor(CURSOR_REVERSE.name)
    if since is not None:
        steps.since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
        start = 0
    elif raw is not None:
        start = int(raw)
    else:
        steps.since = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.backfill_days)
        start = 0
    while True:
        page = ctx.mplus.get_orders(
            sync_marker=start, sync_marker_limit=settings.page_size, include_lines=True
        )
        if not page:
            break
        start = max(o.sync_marker or 0 for o in page) + 1
        take(page, {CURSOR_REVERSE.name: str(start)})
    held = [
        h.record_key.split(":", 1)[1]
        for h in ctx.store.held(ctx.name, REVERSE_FLOW)
        if h.record_key.startswith("mplus:")
    ]
    if held:
        take(ctx.mplus.get_orders(order_ids=held), {})
    return steps
