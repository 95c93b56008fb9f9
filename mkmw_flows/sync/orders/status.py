"""Order status both ways, cancellation, and a payment made after import.

The shop status is set after import (:func:`mark_imported`); an order already in MplusKASSA
gets its late steps (:func:`bound_result`: a shop cancellation cancels the MplusKASSA order, a
late payment is booked, a failed status write is finished); MplusKASSA delivered or cancelled
goes back to the shop (:func:`status_back`, from the MplusKASSA order feed and its cursor).

What was written is kept on the order binding (``extra``): ``shop_status`` (the last status we
set in the shop), ``cancelled`` (the MplusKASSA order is cancelled), ``paid`` (its payment is
booked), so nothing is written twice and nothing loops between the two systems.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mplus.errors import MplusBusinessError
from mkmw_flows.mplus.models import Order, Payment
from mkmw_flows.settings.orders import OrderSyncSettings
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ORDER
from mkmw_flows.sync.orders.check import is_paid, payment_code
from mkmw_flows.sync.orders.feed import CURSOR_MPLUS_ORDERS
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import commit_page

ENTITY = "order"

DELIVERED = "ORDER-DELIVERY-STATE-COMPLETE"
NOT_CANCELLED = "ORDER-CANCEL-STATE-NOTHING"


@dataclass
class StatusStep:
    """What a status step did to one bound order.

    Attributes:
        done: Plain-language list of what was written (or planned).
        extra: Binding ``extra`` values to store.
        problem: A reason and message when a write failed (the order is held).
        final: A problem that will not go away by retrying (not held).
    """

    done: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    problem: tuple[Reason, str] | None = None
    final: bool = False


def mplus_event(order: Order) -> str | None:
    """The write-back event an MplusKASSA order is in: cancelled, delivered or None."""
    if order.cancel_state and order.cancel_state != NOT_CANCELLED:
        return "cancelled"
    if order.delivery_state == DELIVERED:
        return "delivered"
    return None


def change_mark(order: ShopOrder) -> str:
    """What identifies the shop order's last change: status and status-change time."""
    moment = order.status_changed_at
    return f"{order.status}@{moment.isoformat() if moment else ''}"


def write_shop_status(
    ctx: SyncContext, binding_extra: dict[str, Any], number: int, event: str, current: int | None
) -> StatusStep:
    """Set the shop status mapped for `event`, unless it is unset or already there."""
    step = StatusStep()
    status = ctx.integration.orders.write_back_status(event)
    if status is None or binding_extra.get(f"written_{event}"):
        return step
    if current == status:
        step.extra[f"written_{event}"] = True
        return step
    if not ctx.dry_run:
        ctx.shop.set_order_status(number, status)
    step.done.append(f"shop status set to {status} ({event})")
    step.extra.update({f"written_{event}": True, "shop_status": status})
    return step


def mark_imported(ctx: SyncContext, order: ShopOrder) -> StatusStep:
    """After the order is created: set the shop status for "imported" and mark the change seen.

    A failed status write is not raised: ``problem`` names it and the next run sets it.
    """
    step = StatusStep(extra={"seen_change": change_mark(order)})
    try:
        written = write_shop_status(ctx, {}, order.number, "imported", order.status)
    except Exception as exc:  # noqa: BLE001 - the order is in; the status is retried
        step.problem = (Reason.API_UNAVAILABLE, type(exc).__name__)
        return step
    step.extra.update(written.extra)
    step.done += written.done
    return step


def found_result(ctx: SyncContext, order: ShopOrder, found: Order) -> tuple[RecordResult, Bind]:
    """An order an earlier run created and stopped before binding: bind it, finish its steps.

    A crash or a lost answer leaves such an order; it is linked now, not created again, and
    the shop status that run would have set next is set.
    """
    extra: dict[str, Any] = {
        "paid": bool(found.payments) or bool(found.prepaid_amount),
        "ext_order_id": found.ext_order_id,
    }
    later = ""
    try:
        extra.update(write_shop_status(ctx, {}, order.number, "imported", order.status).extra)
        extra["seen_change"] = change_mark(order)
    except Exception as exc:  # noqa: BLE001 - linked now; the status is set next run
        later = f" The shop status is set next run ({type(exc).__name__})."
    result = RecordResult(
        ENTITY,
        str(order.number),
        Outcome.UNCHANGED,
        Reason.ALREADY_EXISTS,
        f"Order {order.number} is already in MplusKASSA as {found.ext_order_id}; "
        "it is linked and not created again." + later,
        hold=bool(later),
    )
    return result, Bind(ORDER, found.order_id, str(order.number), extra=extra)


def bound_result(
    ctx: SyncContext, order: ShopOrder, binding: Binding, *, again: bool
) -> tuple[RecordResult | None, list[Bind]]:
    """An order imported before: its late steps (cancel, late payment, a status write).

    Args:
        ctx: The run.
        order: The shop order as read now.
        binding: Its order binding.
        again: Take it even when unchanged (held, or asked for by number).

    Returns:
        Its result (None: read again through the overlap, nothing changed since; no ledger
        row) and the binding update.
    """
    if binding.extra.get("seen_change") == change_mark(order) and not again:
        return None, []
    step = bound_order_steps(ctx, order, binding)
    key = str(order.number)
    extra = dict(step.extra)
    if step.problem is None:
        extra["seen_change"] = change_mark(order)
    binds: list[Bind] = []
    if extra and not extra.items() <= binding.extra.items():
        binds.append(Bind(ORDER, binding.mplus_key, key, extra=extra))
    if step.problem is not None:
        reason, message = step.problem
        failed = RecordResult(
            ENTITY,
            key,
            Outcome.FAILED,
            reason,
            f"Order {order.number} is in MplusKASSA, but: {message}",
            hold=not step.final,
        )
        return failed, binds
    if step.done:
        updated = RecordResult(
            ENTITY,
            key,
            Outcome.UPDATED,
            Reason.CANCELLED_IN_SHOP if any("cancelled" in d for d in step.done) else None,
            f"Order {order.number}: " + "; ".join(step.done),
        )
        return updated, binds
    unchanged = RecordResult(
        ENTITY,
        key,
        Outcome.UNCHANGED,
        message=f"Order {order.number} is already in MplusKASSA; nothing to do.",
    )
    return unchanged, binds


def bound_order_steps(ctx: SyncContext, order: ShopOrder, binding: Binding) -> StatusStep:
    """The steps for a shop order already in MplusKASSA.

    Cancel it there, book a late payment, and finish a status write-back that failed earlier.

    Write errors are caught per step and reported as the step's problem.
    """
    settings = ctx.integration.orders
    step = StatusStep()
    extra = dict(binding.extra)
    try:
        if (
            settings.cancel_sync
            and order.status in settings.shop_cancelled_statuses()
            and not extra.get("cancelled")
        ):
            _cancel(ctx, binding, step)
        elif (
            not extra.get("cancelled")
            and not extra.get("paid")
            and settings.register_payments
            and is_paid(order)
            and order.total != 0
        ):
            _late_payment(ctx, order, binding, settings, step)
        pending = extra.get("pending_event")
        if pending:
            late = write_shop_status(ctx, extra, order.number, pending, order.status)
            step.done += late.done
            step.extra.update(late.extra)
            step.extra["pending_event"] = None
        later = extra.get("written_delivered") or extra.get("written_cancelled")
        if (
            settings.write_back_status("imported") is not None
            and not extra.get("written_imported")
            and not later
            and not step.extra.get("cancelled")
        ):
            imported = write_shop_status(ctx, extra, order.number, "imported", order.status)
            step.done += imported.done
            step.extra.update(imported.extra)
    except MplusBusinessError as exc:
        step.problem = (Reason.REJECTED_BY_MPLUS, f"MplusKASSA refused: {exc.error_message or exc}")
        step.final = True
    except Exception as exc:  # noqa: BLE001 - any transport failure: hold and take again
        step.problem = (Reason.API_UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    return step


def _cancel(ctx: SyncContext, binding: Binding, step: StatusStep) -> None:
    if not ctx.dry_run:
        try:
            ctx.mplus.cancel_order(binding.mplus_key)
        except MplusBusinessError as exc:
            if "ALREADY-CANCELLED" not in exc.result:
                raise
    step.done.append("cancelled in MplusKASSA (cancelled in the shop)")
    step.extra.update(cancelled=True, written_cancelled=True)


def _late_payment(
    ctx: SyncContext,
    order: ShopOrder,
    binding: Binding,
    settings: OrderSyncSettings,
    step: StatusStep,
) -> None:
    code = payment_code(order, settings)
    if code is None:
        return
    if not ctx.dry_run:
        try:
            ctx.mplus.pay_order(
                binding.mplus_key,
                [
                    Payment(
                        method=code,
                        amount=order.total,
                        financial_date=order.status_changed_date or order.date,
                        external_reference=f"webshop order {order.number}",
                    )
                ],
                idempotency_key=f"mkmw:{ctx.name}:{order.number}:pay",
                prepay=settings.document_type != "invoice",
            )
        except MplusBusinessError as exc:
            if "ALREADY-INVOICED" not in exc.result:
                raise
    step.done.append(f"payment of {order.total:.2f} booked ({code})")
    step.extra["paid"] = True


def mplus_order_pages(ctx: SyncContext, start: int, limit: int) -> Iterator[list[Order]]:
    """Pages of the MplusKASSA order feed (headers only) from syncMarker `start`."""
    marker = start
    while True:
        page = ctx.mplus.get_orders(
            sync_marker=marker, sync_marker_limit=limit, include_lines=False
        )
        if not page:
            return
        yield page
        marker = max(o.sync_marker or 0 for o in page) + 1


def status_back_results(
    ctx: SyncContext, orders: list[Order], bindings: dict[str, Binding]
) -> tuple[list[RecordResult], list[tuple[Binding, dict[str, Any]]]]:
    """Write MplusKASSA delivered / cancelled back to the shop for the bound orders of a page.

    Returns:
        (results, bindings with the extra values to store).
    """
    results: list[RecordResult] = []
    updates: list[tuple[Binding, dict[str, Any]]] = []
    for order in orders:
        binding = bindings.get(order.order_id)
        event = mplus_event(order)
        if binding is None or event is None:
            continue
        number = int(binding.shop_key)
        key = binding.shop_key
        try:
            step = write_shop_status(ctx, binding.extra, number, event, None)
        except Exception as exc:  # noqa: BLE001 - held; the shop order is taken again
            updates.append((binding, {"pending_event": event}))
            results.append(
                RecordResult(
                    "order_status",
                    key,
                    Outcome.FAILED,
                    Reason.API_UNAVAILABLE,
                    f"Order {number}: the shop status for {event} in MplusKASSA could not be "
                    f"set ({type(exc).__name__}); it is tried again next run.",
                    hold=True,
                )
            )
            continue
        extra = dict(step.extra)
        if binding.extra.get("pending_event"):
            extra["pending_event"] = None
        if event == "cancelled":
            extra["cancelled"] = True
        if not step.done and extra.items() <= binding.extra.items():
            continue
        updates.append((binding, extra))
        if step.done:
            results.append(
                RecordResult(
                    "order_status",
                    key,
                    Outcome.UPDATED,
                    message=f"Order {number} is {event} in MplusKASSA: " + "; ".join(step.done),
                )
            )
    return results, updates


def status_back(ctx: SyncContext) -> None:
    """MplusKASSA delivered / cancelled -> the shop, from the MplusKASSA order feed.

    Each page is committed with the cursor :data:`CURSOR_MPLUS_ORDERS`; a first run only
    places the cursor at the feed's head (older orders are not written back).
    """
    settings = ctx.integration.orders
    if not {"delivered", "cancelled"} & set(settings.status_write_back.events()):
        return
    raw = ctx.cursor(CURSOR_MPLUS_ORDERS.name)
    if raw is None:
        if ctx.dry_run:
            return
        head = ctx.mplus.get_current_sync_markers().order
        commit_page(ctx, [], cursors={CURSOR_MPLUS_ORDERS.name: str(head + 1)})
        return
    for page in mplus_order_pages(ctx, int(raw), settings.page_size):
        bindings = ctx.bindings(ORDER).by_mplus_keys([o.order_id for o in page])
        results, updates = status_back_results(ctx, page, bindings)
        binds = [Bind(ORDER, b.mplus_key, b.shop_key, extra=extra) for b, extra in updates]
        next_marker = max(o.sync_marker or 0 for o in page) + 1
        commit_page(ctx, results, binds, {CURSOR_MPLUS_ORDERS.name: str(next_marker)})
