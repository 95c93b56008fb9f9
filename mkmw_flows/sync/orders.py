"""The orders flow, shop -> MplusKASSA: plain functions the Prefect flow calls per batch.

Per shop order, in this order:

1. already there? the order binding, else the extOrderId in MplusKASSA (one
   ``getOrdersByExtOrderIds`` call per batch) -> unchanged (and the status steps of
   :mod:`order_status` for orders already imported);
2. filters (test orders, cancelled, statuses to import) and the checks that need no call;
3. products: every line resolves to an MplusKASSA article (:mod:`order_lines`);
4. customer: default debtor, or find / update / create by e-mail (:mod:`customers`) - after
   the products, so an order that cannot be created leaves no new relation behind;
5. build (:mod:`order_build`) and write once with ``createOrderV3`` and an idempotency key;
   after an ambiguous failure ``findOrder`` comes before anything else;
6. bind, write the shop status for "imported", record the outcome.

Bindings, ledger rows and held records of a batch are committed in one transaction; the feed
cursor is committed when the whole run is through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, FieldRule, hashes_of, value_hash
from mkmw_flows.mapping.order_defaults import order_map
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mplus.errors import (
    MplusBusinessError,
    MplusError,
    MplusProtocolError,
    MplusServerFault,
    MplusTransportError,
)
from mkmw_flows.mplus.models import Order
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.claims import claim_owner
from mkmw_flows.sync import order_select
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.customers import CustomerResult, resolve_customer
from mkmw_flows.sync.keys import CUSTOMER, ORDER, customer_key
from mkmw_flows.sync.order_build import (
    BuiltOrder,
    OrderProblem,
    apply_map,
    build_order,
    check_order,
    line_record,
    shipping_names,
    shop_order_record,
)
from mkmw_flows.sync.order_lines import ArticleResolver, LineProblem
from mkmw_flows.sync.order_status import (
    bound_order_steps,
    mplus_order_pages,
    status_back_results,
    write_shop_status,
)
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, record_outcomes, write_outcomes

FLOW = "orders"
ENTITY = "order"

#: Runs one batch: ``batch(function, orders)``; the flow passes a Prefect task.
BatchFunction = Callable[[list[Any]], list[RecordResult]]
BatchRunner = Callable[[BatchFunction, list[Any]], list[RecordResult]]


@dataclass
class _Bind:
    entity: str
    mplus_key: str
    shop_key: str
    hashes: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrdersRun:
    """What one run keeps between its batches.

    Attributes:
        field_map: The effective order map.
        rules: Its rules by target.
        resolver: Article lookups, cached for the run.
        customers: E-mail key -> (relation number, field hashes) written this run.
        shipping_ids: Shop shipping method name -> id (read once, when needed).
        latest: The latest creation or status-change time seen (the next cursor).
        elsewhere_from: The earliest change among orders another run had claimed; the
            cursor stays before it so a later run reads them again.
        customer_claims: Claims on customers this batch holds (released with its orders).
    """

    field_map: FieldMap
    rules: dict[str, FieldRule]
    resolver: ArticleResolver
    customers: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    shipping_ids: dict[str, str] | None = None
    latest: dt.datetime | None = None
    seen: set[int] = field(default_factory=set)
    held: set[str] = field(default_factory=set)
    elsewhere_from: dt.datetime | None = None
    customer_claims: set[str] = field(default_factory=set)


def start_run(ctx: SyncContext) -> OrdersRun:
    """Prepare a run: the order map and the article resolver."""
    field_map = order_map(ctx.integration.orders.order_map)
    return OrdersRun(
        field_map=field_map,
        rules=field_map.rules(),
        resolver=ArticleResolver(ctx.store, ctx.name, ctx.mplus),
        held={h.record_key for h in ctx.store.held(ctx.name, FLOW)},
    )


def idempotency_key(integration: str, number: int, built: BuiltOrder) -> str:
    """A createOrderV3 key from the integration, the shop order number and what is sent.

    The content is part of the key so that an attempt MplusKASSA rejected (and would replay
    forever under the same key) can be made again once its cause is fixed; a repeat of the
    same order after a lost answer keeps its key and is replayed, not created twice.
    """
    content = value_hash(
        [
            built.order.to_wire(),
            [p.to_wire() for p in built.payments or []],
            built.prepay,
        ]
    )
    digest = hashlib.sha256(f"{integration}|{number}|{content}".encode()).hexdigest()
    return f"mkmw-{digest[:40]}"


# ---- one batch ---------------------------------------------------------------------------


def process_batch(
    ctx: SyncContext, run: OrdersRun, orders: list[ShopOrder], *, force: bool = False
) -> list[RecordResult]:
    """Take one page of shop orders through the steps and commit the batch.

    An imported order read again unchanged (the overlap of the feed) is passed over without a
    ledger row; `force` (held orders, explicit order numbers) takes every order.

    Returns:
        One result per order taken (also added to ``ctx.report``).
    """
    unique: dict[int, ShopOrder] = {}
    for order in orders:
        if order.number not in run.seen:
            unique[order.number] = order
    unique, elsewhere = _claim(ctx, run, unique)
    try:
        results = _process_claimed(ctx, run, unique, force=force)
    finally:
        if not ctx.dry_run and unique:
            owner = claim_owner(ctx.report.run_id)
            keys = [*map(str, unique), *run.customer_claims]
            ctx.store.release_claims(ctx.name, FLOW, keys, owner)
            run.customer_claims.clear()
    if elsewhere:
        record_outcomes(ctx.store, ctx.report, elsewhere)
        ctx.report.extend(elsewhere)
    return results + elsewhere


def _claim(
    ctx: SyncContext, run: OrdersRun, unique: dict[int, ShopOrder]
) -> tuple[dict[int, ShopOrder], list[RecordResult]]:
    """Claim the batch's orders so no other run takes them at the same time.

    Returns:
        The orders this run holds, and a skipped result per order another run holds.
    """
    if ctx.dry_run or not unique:
        return unique, []
    owner = claim_owner(ctx.report.run_id)
    mine = ctx.store.claim_many(ctx.name, FLOW, map(str, unique), owner)
    elsewhere: list[RecordResult] = []
    for number, order in list(unique.items()):
        if str(number) in mine:
            continue
        del unique[number]
        elsewhere.append(
            _elsewhere(
                run,
                order,
                f"Order {number} was being taken into MplusKASSA by another run at the same "
                "moment; it is left to that run.",
            )
        )
    return unique, elsewhere


def _elsewhere(run: OrdersRun, order: ShopOrder, message: str) -> RecordResult:
    """Skipped: another run holds the order or its customer; a later run reads it again."""
    changed = order_select.latest_change([order], None)
    if changed is not None and (run.elsewhere_from is None or changed < run.elsewhere_from):
        run.elsewhere_from = changed
    return RecordResult(
        ENTITY, str(order.number), Outcome.SKIPPED, Reason.IN_PROGRESS_ELSEWHERE, message
    )


def _claim_customer(ctx: SyncContext, run: OrdersRun, source: dict[str, Any]) -> bool:
    """Claim the order's customer, so two runs never find-or-create the same one at once.

    The claim key is a hash of the e-mail key: the claims table holds no personal data.
    """
    email = source.get("email") or None
    if ctx.dry_run or not email or ctx.integration.orders.default_debtor is not None:
        return True
    key = "customer:" + hashlib.sha256(customer_key(email).encode()).hexdigest()[:40]
    if ctx.store.claim(ctx.name, FLOW, key, claim_owner(ctx.report.run_id)):
        run.customer_claims.add(key)
        return True
    return False


def _process_claimed(
    ctx: SyncContext, run: OrdersRun, unique: dict[int, ShopOrder], *, force: bool
) -> list[RecordResult]:
    run.seen.update(unique)
    run.latest = order_select.latest_change(list(unique.values()), run.latest)
    results: list[RecordResult] = []
    binds: list[_Bind] = []
    found_bindings = ctx.store.bindings_by_shop_keys(ctx.name, ORDER, map(str, unique))
    bound: dict[int, Binding] = {int(k): b for k, b in found_bindings.items()}
    settings = ctx.integration.orders
    fresh = [o for n, o in unique.items() if n not in bound]
    existing = _existing_in_mplus(ctx, [o.number for o in fresh]) if fresh else {}
    todo: list[ShopOrder] = []
    for order in fresh:
        found = existing.get(order.number)
        if found is not None:
            # an earlier run created it and stopped before linking it (a crash, a lost
            # answer): link it now and finish what that run would have done next
            extra: dict[str, Any] = {
                "paid": bool(found.payments) or bool(found.prepaid_amount),
                "ext_order_id": found.ext_order_id,
            }
            later = ""
            try:
                extra.update(
                    write_shop_status(ctx, {}, order.number, "imported", order.status).extra
                )
                extra["seen_change"] = _change_mark(order)
            except Exception as exc:  # noqa: BLE001 - linked now; the status is set next run
                later = f" The shop status is set next run ({type(exc).__name__})."
            binds.append(_Bind(ORDER, found.order_id, str(order.number), extra=extra))
            results.append(
                RecordResult(
                    ENTITY,
                    str(order.number),
                    Outcome.UNCHANGED,
                    Reason.ALREADY_EXISTS,
                    f"Order {order.number} is already in MplusKASSA as {found.ext_order_id}; "
                    "it is linked and not created again." + later,
                    hold=bool(later),
                )
            )
            continue
        skip = order_select.eligibility(order, settings)
        if skip is not None:
            results.append(
                RecordResult(ENTITY, str(order.number), Outcome.SKIPPED, skip[0], skip[1])
            )
            continue
        todo.append(order)
    for number, binding in bound.items():
        order = unique[number]
        unchanged = binding.extra.get("seen_change") == _change_mark(order)
        if unchanged and not force and str(number) not in run.held:
            continue  # read again through the overlap; nothing changed since
        results.append(_bound_result(ctx, order, binding, binds))
    if todo:
        try:
            run.resolver.prefetch(todo)
        except MplusError as exc:
            for order in todo:
                results.append(_unavailable(order, exc))
            todo = []
    for order in todo:
        results.append(_import_one(ctx, run, order, binds))
    _commit(ctx, results, binds)
    return results


def _existing_in_mplus(ctx: SyncContext, numbers: list[int]) -> dict[int, Order]:
    prefix = ctx.integration.orders.ext_order_id_prefix
    wanted = {f"{prefix}{n}": n for n in numbers}
    found = ctx.mplus.get_orders_by_ext_order_ids(list(wanted))
    return {wanted[o.ext_order_id]: o for o in found if o.ext_order_id in wanted}


def _change_mark(order: ShopOrder) -> str:
    """What identifies the shop order's last change: status and status-change time."""
    moment = order.status_changed_at
    return f"{order.status}@{moment.isoformat() if moment else ''}"


def _bound_result(
    ctx: SyncContext, order: ShopOrder, binding: Binding, binds: list[_Bind]
) -> RecordResult:
    step = bound_order_steps(ctx, order, binding)
    key = str(order.number)
    extra = dict(step.extra)
    if step.problem is None:
        extra["seen_change"] = _change_mark(order)
    if extra and not extra.items() <= binding.extra.items():
        binds.append(_Bind(ORDER, binding.mplus_key, key, extra=extra))
    if step.problem is not None:
        reason, message = step.problem
        return RecordResult(
            ENTITY,
            key,
            Outcome.FAILED,
            reason,
            f"Order {order.number} is in MplusKASSA, but: {message}",
            hold=not step.final,
        )
    if step.done:
        return RecordResult(
            ENTITY,
            key,
            Outcome.UPDATED,
            Reason.CANCELLED_IN_SHOP if any("cancelled" in d for d in step.done) else None,
            f"Order {order.number}: " + "; ".join(step.done),
        )
    return RecordResult(
        ENTITY,
        key,
        Outcome.UNCHANGED,
        message=f"Order {order.number} is already in MplusKASSA; nothing to do.",
    )


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


def _import_one(
    ctx: SyncContext, run: OrdersRun, order: ShopOrder, binds: list[_Bind]
) -> RecordResult:
    key = str(order.number)
    source = shop_order_record(order)
    try:
        check_order(order, ctx.integration.orders)
        mapped = apply_map(run.field_map, source)
        articles = _resolve_lines(run, order)
        # everything that needs no write first, so a rejected order leaves no relation behind
        built = build_order(
            order,
            ctx.integration.orders,
            relation_number=0,
            mapped=mapped,
            line_map=lambda line: apply_map(run.field_map, line_record(line)),
            articles=articles,
            shipping_ids=_shipping_ids(ctx, run, order),
        )
        if not _claim_customer(ctx, run, source):
            return _elsewhere(
                run,
                order,
                f"Order {order.number} waits: another run was creating or updating its "
                "customer at the same moment; it is taken next run.",
            )
        customer = _customer(ctx, run, source, mapped)
        built.order.relation_number = customer.relation_number
    except OrderProblem as problem:
        return RecordResult(
            ENTITY,
            key,
            Outcome.FAILED,
            problem.reason,
            problem.message,
            source=source,
            personal=True,
            hold=True,
        )
    except MplusError as exc:
        return _unavailable(order, exc)
    if customer.email_key is not None and customer.action != "planned":
        run.customers[customer.email_key] = (customer.relation_number, customer.hashes)
        binds.append(
            _Bind(
                CUSTOMER,
                str(customer.relation_number),
                customer.email_key,
                hashes=customer.hashes,
            )
        )
    elif customer.email_key is not None:
        run.customers[customer.email_key] = (0, customer.hashes)
    return _write_order(ctx, order, built, customer, source, binds)


def _resolve_lines(run: OrdersRun, order: ShopOrder) -> dict[int, int | LineProblem]:
    return {
        index: run.resolver.resolve(line)
        for index, line in enumerate(order.orderlines)
        if line.type == "article"
    }


def _customer(
    ctx: SyncContext, run: OrdersRun, source: dict[str, Any], mapped: dict[str, Any]
) -> CustomerResult:
    email = source.get("email") or None
    if ctx.integration.orders.default_debtor is None and email:
        cached = run.customers.get(customer_key(email))
        if cached is not None:
            number, hashes = cached
            relation = {k: v for k, v in mapped.items() if k.startswith("relation.")}
            if hashes_of(relation) == hashes:
                return CustomerResult(number, "bound", customer_key(email), hashes=hashes)
    return resolve_customer(ctx, email, mapped, run.rules)


def _shipping_ids(ctx: SyncContext, run: OrdersRun, order: ShopOrder) -> dict[str, str]:
    settings = ctx.integration.orders
    needs = any(
        line.type == "shipping" and settings.shipping_article_for(line.description) is None
        for line in order.orderlines
    ) or (
        bool(settings.delivery_methods)
        and any(settings.delivery_method_for(name) is None for name in shipping_names(order))
    )
    if needs and run.shipping_ids is None:
        run.shipping_ids = {
            (m.display_name or "").strip(): m.id for m in ctx.shop.list_shipping_methods()
        }
    return run.shipping_ids or {}


def _plan_changes(built: BuiltOrder, customer: CustomerResult) -> list[FieldChange]:
    changes = list(customer.changes)
    wire = built.order.model_dump(exclude_none=True, exclude={"lines"})
    for name, value in wire.items():
        changes.append(FieldChange(f"order.{name}", None, value))
    for index, line in enumerate(built.order.lines, start=1):
        text = (
            f"{line.quantity.normalize()} x {line.article_number} {line.text or ''} @ {line.price}"
        )
        if line.vat_code is not None:
            text += f" vatCode {line.vat_code}"
        if line.turnover_group is not None:
            text += f" turnoverGroup {line.turnover_group}"
        changes.append(FieldChange(f"order.lines[{index}]", None, text))
    if built.payments:
        for payment in built.payments:
            changes.append(FieldChange("order.payment", None, f"{payment.method} {payment.amount}"))
    return changes


def _write_order(
    ctx: SyncContext,
    order: ShopOrder,
    built: BuiltOrder,
    customer: CustomerResult,
    source: dict[str, Any],
    binds: list[_Bind],
) -> RecordResult:
    key = str(order.number)
    settings = ctx.integration.orders
    ext = built.order.ext_order_id or ""
    kind = "invoice" if built.prepay is False else "order"
    notes = list(built.notes)
    reason = Reason.ROUNDING_LINE if built.rounding else None
    if customer.action in ("created", "planned"):
        notes.append("new customer")
    elif customer.action == "updated":
        notes.append("customer details updated")
    changes = _plan_changes(built, customer)
    sent = built.order.to_wire()
    if ctx.dry_run:
        return RecordResult(
            ENTITY,
            key,
            Outcome.CREATED,
            reason,
            f"Order {order.number} would be created as {kind} {ext}"
            + (f" ({'; '.join(notes)})" if notes else ""),
            changes=changes,
            source=source,
            sent=sent,
            personal=True,
        )
    order_id, how, unpaid = "", "created", ""
    try:
        result = ctx.mplus.create_order(
            built.order,
            idempotency_key=idempotency_key(ctx.name, order.number, built),
            prepay=built.prepay,
            payments=built.payments,
        )
        order_id = result.order_id
        paid = built.payments is not None and result.pay_result in (None, "PAY-ORDER-RESULT-OK")
        if built.payments is not None and not paid:
            unpaid = str(result.pay_result)
    except MplusBusinessError as exc:
        if "EXT-ORDER-ID-ALREADY-EXISTS" not in exc.result:
            return RecordResult(
                ENTITY,
                key,
                Outcome.FAILED,
                Reason.REJECTED_BY_MPLUS,
                f"MplusKASSA refused order {order.number}: {exc.error_message or exc.result}. "
                "It is taken again next run.",
                source=source,
                sent=sent,
                personal=True,
                hold=True,
            )
        how, paid = "already there (an earlier attempt went through)", False
    except (MplusTransportError, MplusServerFault, MplusProtocolError):
        # ambiguous: it may have been created; look it up before anything else
        how, paid = "created (the answer was lost; found by its extOrderId)", False
    if not order_id:
        try:
            found = ctx.mplus.find_order(ext)
        except MplusError as exc:
            return _unavailable(order, exc)
        if found is None:
            return _unavailable(order, RuntimeError("no answer"))
        order_id = found.order_id
        paid = bool(found.payments) or bool(found.prepaid_amount)
    extra: dict[str, Any] = {"paid": paid, "ext_order_id": ext, "seen_change": _change_mark(order)}
    try:
        step = write_shop_status(ctx, {}, order.number, "imported", order.status)
        extra.update(step.extra)
        notes += step.done
    except Exception as exc:  # noqa: BLE001 - the order is in; the status is retried
        notes.append(f"shop status not set yet ({type(exc).__name__})")
    binds.append(_Bind(ORDER, order_id, key, extra=extra))
    if settings.write_back_status("imported") is not None and "written_imported" not in extra:
        return RecordResult(
            ENTITY,
            key,
            Outcome.CREATED,
            Reason.API_UNAVAILABLE,
            f"Order {order.number} {how} as {kind} {ext}; the shop status is set next run.",
            changes=changes,
            source=source,
            sent=sent,
            personal=True,
            hold=True,
        )
    text = f"Order {order.number} {how} as {kind} {ext}" + (
        f" ({'; '.join(notes)})" if notes else ""
    )
    if unpaid:
        # Held, so the owner sees it (run state "Held", the held-reason alert) and the next
        # run books the payment again (status step); a wrong payment_methods code never would.
        method = ", ".join(sorted({p.method for p in built.payments or []}))
        return RecordResult(
            ENTITY,
            key,
            Outcome.CREATED,
            Reason.REJECTED_BY_MPLUS,
            f"{text}, but MplusKASSA did not book its payment ({unpaid}) with payment method "
            f"'{method}': check that payment_methods maps it to a method MplusKASSA has "
            "(`mkmw check` lists unknown ones). The next run books the payment again.",
            changes=changes,
            source=source,
            sent=sent,
            personal=True,
            hold=True,
        )
    return RecordResult(
        ENTITY,
        key,
        Outcome.CREATED,
        reason,
        text,
        changes=changes,
        source=source,
        sent=sent,
        personal=True,
    )


def _commit(ctx: SyncContext, results: list[RecordResult], binds: list[_Bind]) -> None:
    ctx.report.extend(results)
    if ctx.dry_run:
        return
    with ctx.store.transaction() as tx:
        for bind in binds:
            tx.put_binding(
                ctx.name,
                bind.entity,
                mplus_key=bind.mplus_key,
                shop_key=bind.shop_key,
                field_hashes=bind.hashes or None,
                extra=bind.extra or None,
            )
        write_outcomes(tx, ctx.report, results)


# ---- a whole run -------------------------------------------------------------------------


def _direct(function: BatchFunction, orders: list[ShopOrder]) -> list[RecordResult]:
    return function(orders)


def run_shop_to_mplus(
    ctx: SyncContext,
    *,
    since: dt.datetime | None = None,
    order_numbers: Iterable[int] | None = None,
    batch: BatchRunner = _direct,
) -> OrdersRun:
    """Take the shop's new and changed orders (or just `order_numbers`) into MplusKASSA.

    Args:
        ctx: The run.
        since: Read the shop feed from this moment (a backfill) instead of the cursor.
        order_numbers: Only these shop orders (no feed, the cursor stays).
        batch: Runs one batch (the flow passes a Prefect task); direct call by default.

    Returns:
        The run's state (for the flow's summary).
    """
    settings = ctx.integration.orders
    run = start_run(ctx)

    def one(orders: list[ShopOrder]) -> list[RecordResult]:
        return process_batch(ctx, run, orders)

    def forced(orders: list[ShopOrder]) -> list[RecordResult]:
        return process_batch(ctx, run, orders, force=True)

    if order_numbers is not None:
        numbers = [int(n) for n in order_numbers]
        for start in range(0, len(numbers), settings.page_size):
            found, missing = order_select.fetch_orders(
                ctx.shop, numbers[start : start + settings.page_size]
            )
            for number in missing:
                ctx.report.notes.append(f"Shop order {number} does not exist.")
            if found:
                batch(forced, found)
        _status_back(ctx)
        return run
    window = order_select.feed_window(ctx.store, ctx.name, settings, since=since)
    for page in order_select.feed_pages(ctx.shop, settings, window):
        batch(one, page)
    again, aged = order_select.retry_candidates(ctx.store, ctx.name, FLOW, settings)
    numbers = [int(h.record_key) for h in again if h.record_key.isdigit()]
    numbers = [n for n in numbers if n not in run.seen]
    for start in range(0, len(numbers), settings.page_size):
        found, missing = order_select.fetch_orders(
            ctx.shop, numbers[start : start + settings.page_size]
        )
        if found:
            batch(forced, found)
        for number in missing:
            ctx.report.notes.append(f"Held shop order {number} no longer exists in the shop.")
    if aged:
        ctx.report.notes.append(
            f"{len(aged)} held order(s) aged out after {settings.hold_days} days; take them "
            "again with `mkmw retry`."
        )
    _status_back(ctx)
    if not ctx.dry_run and run.latest is not None:
        latest = max(run.latest, window.cursor) if window.cursor else run.latest
        if run.elsewhere_from is not None:  # orders another run had: read them again next run
            latest = min(latest, run.elsewhere_from)
        ctx.store.set_cursor(ctx.name, order_select.CURSOR_SHOP_CHANGED, latest.isoformat())
    return run


def _status_back(ctx: SyncContext) -> None:
    """MplusKASSA delivered / cancelled -> the shop, from the MplusKASSA order feed."""
    settings = ctx.integration.orders
    if not {"delivered", "cancelled"} & set(settings.status_write_back.events()):
        return
    raw = ctx.store.get_cursor(ctx.name, order_select.CURSOR_MPLUS_ORDERS)
    if raw is None:
        if ctx.dry_run:
            return
        head = ctx.mplus.get_current_sync_markers().order
        ctx.store.set_cursor(ctx.name, order_select.CURSOR_MPLUS_ORDERS, str(head + 1))
        return
    for page in mplus_order_pages(ctx, int(raw), settings.page_size):
        bindings = ctx.store.bindings_by_mplus_keys(ctx.name, ORDER, [o.order_id for o in page])
        results, updates = status_back_results(ctx, page, bindings)
        ctx.report.extend(results)
        if ctx.dry_run:
            continue
        next_marker = max(o.sync_marker or 0 for o in page) + 1
        with ctx.store.transaction() as tx:
            for binding, extra in updates:
                tx.put_binding(
                    ctx.name,
                    ORDER,
                    mplus_key=binding.mplus_key,
                    shop_key=binding.shop_key,
                    extra=extra,
                )
            write_outcomes(tx, ctx.report, results)
            tx.set_cursor(ctx.name, order_select.CURSOR_MPLUS_ORDERS, str(next_marker))
