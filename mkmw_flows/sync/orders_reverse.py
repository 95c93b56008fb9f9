"""The orders flow, MplusKASSA -> shop: orders made in MplusKASSA become shop orders.

The MplusKASSA order feed (syncMarker) is read page by page. An order goes to the shop once:
the order binding says it is there; without one the shop is searched first (orders of the
customer's e-mail carrying the MplusKASSA order id in their internal comment), so an order
whose ``POST /orders`` answer was lost is found, not created twice. Orders that came from the
shop (extOrderId with our prefix) are left alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, TransformError, nest
from mkmw_flows.mapping.order_defaults import reverse_map
from mkmw_flows.mijnwebwinkel.errors import (
    MijnWebwinkelError,
    ServerError,
    TransportError,
    ValidationError,
)
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderInput
from mkmw_flows.mplus.errors import MplusError
from mkmw_flows.mplus.models import Order, Relation
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, ORDER, parse_variant_key
from mkmw_flows.sync.order_build import split_street
from mkmw_flows.sync.order_select import CURSOR_REVERSE
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, write_outcomes

REVERSE_FLOW = "orders-reverse"
ENTITY = "order"


def marker(order_id: str) -> str:
    """The tag in the shop order's internal comment that names its MplusKASSA order."""
    return f"[mplus:{order_id}]"


class _Problem(Exception):
    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class ReverseRun:
    """What one reverse run keeps between batches."""

    field_map: FieldMap
    articles: dict[int, ShopArticle] = field(default_factory=dict)
    shipping_ids: dict[str, str] | None = None
    since: dt.datetime | None = None
    seen: set[str] = field(default_factory=set)


def mplus_order_record(order: Order, relation: Relation | None) -> dict[str, Any]:
    """The flat record of a MplusKASSA order and its relation the reverse map reads."""
    rel = relation or Relation()
    invoice = order.invoice_address
    delivery = order.delivery_address
    street, number = split_street((invoice.address if invoice else None) or rel.address)
    d_street, d_number = split_street(
        (delivery.address if delivery else None) or rel.delivery_address
    )
    person = (rel.contact if rel.company_name else rel.name) or rel.name or order.relation_name
    return {
        "order_id": order.order_id,
        "order_string": str(order.order_number) if order.order_number else order.order_id,
        "reference": order.reference,
        "email": (rel.email or "").strip(),
        "person_name": person,
        "company": rel.company_name,
        "street": street,
        "house_number": number,
        "zipcode": (invoice.zipcode if invoice else None) or rel.zipcode,
        "city": (invoice.city if invoice else None) or rel.city,
        "country": ((invoice.country if invoice else None) or rel.country or "NL").upper()[:2],
        "telephone": rel.telephone or rel.mobile,
        "delivery_name": (delivery.name if delivery else None) or None,
        "delivery_company": (delivery.company_name if delivery else None) or None,
        "delivery_street": d_street or None,
        "delivery_house_number": d_number or None,
        "delivery_zipcode": (delivery.zipcode if delivery else None) or rel.delivery_zipcode,
        "delivery_city": (delivery.city if delivery else None) or rel.delivery_city,
        "delivery_country": (
            ((delivery.country if delivery else None) or rel.delivery_country or "").upper()[:2]
            or None
        ),
    }


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", {})}
    return value


def build_shop_order(
    ctx: SyncContext,
    run: ReverseRun,
    order: Order,
    relation: Relation | None,
    articles: dict[str, Binding],
) -> tuple[OrderInput, dict[str, Any]]:
    """The ``POST /orders`` body of a MplusKASSA order.

    Raises:
        _Problem: The order cannot go to the shop as it is.
    """
    record = mplus_order_record(order, relation)
    if not record["email"]:
        raise _Problem(
            Reason.MISSING_EMAIL,
            f"MplusKASSA order {record['order_string']}: relation {order.relation_number} has "
            "no e-mail address; the shop needs one. Add it in MplusKASSA.",
        )
    try:
        mapped = run.field_map.apply(record)
    except TransformError as exc:
        raise _Problem(Reason.MAPPING_ERROR, f"The reverse order map failed: {exc}") from None
    body = _clean(nest(mapped))
    body.setdefault("comments", {})
    body["comments"]["internal"] = (
        f"{body['comments'].get('internal', '')} {marker(order.order_id)}".strip()
    )
    invoice = body.setdefault("debtor", {}).setdefault("address", {}).setdefault("invoice", {})
    if not invoice.get("name") or not invoice.get("zipcode"):
        raise _Problem(
            Reason.MAPPING_ERROR,
            f"MplusKASSA order {record['order_string']}: the customer's name or postcode is "
            "missing; the shop needs both.",
        )
    delivery = body["debtor"]["address"].get("delivery")
    if delivery is not None and not (delivery.get("name") and delivery.get("zipcode")):
        body["debtor"]["address"].pop("delivery")
    body["orderlines"] = _lines(ctx, run, order, articles, body)
    body["payment"] = _payment(ctx, order)
    return OrderInput.model_validate(body), record


def _lines(
    ctx: SyncContext,
    run: ReverseRun,
    order: Order,
    articles: dict[str, Binding],
    body: dict[str, Any],
) -> list[dict[str, Any]]:
    settings = ctx.integration.orders
    custom = {settings.custom_line_article, settings.rounding_article} - {None}
    lines: list[dict[str, Any]] = []
    missing: list[str] = []
    for line in order.lines:
        quantity = line.quantity
        if quantity != quantity.to_integral_value() or quantity <= 0:
            raise _Problem(
                Reason.INVALID_QUANTITY,
                f"MplusKASSA order {order.order_id}: article {line.article_number} has quantity "
                f"{quantity}; the shop takes whole positive quantities only.",
            )
        shipping = settings.shipping_method_for(line.article_number)
        if shipping is not None:
            method = _shipping_id(ctx, run, shipping)
            if method:
                body["shipping_method_id"] = method
            continue
        if line.article_number in custom:
            lines.append(
                {
                    "type": "custom",
                    "quantity": int(quantity),
                    "description": line.text or "",
                    "unit_price": {
                        "amount_including_tax": str(line.price or Decimal(0)),
                        "rate": str(line.vat_percentage if line.vat_percentage is not None else 21),
                    },
                    "unit_weight": "0",
                }
            )
            continue
        binding = articles.get(str(line.article_number))
        if binding is None:
            missing.append(f"{line.text or ''} (article {line.article_number})".strip())
            continue
        chosen: dict[str, Any] = {"id": int(binding.shop_key)}
        if binding.variant_key:
            chosen["options"] = [
                {"list_option_id": option}
                for option in _option_ids(ctx, run, int(binding.shop_key), binding.variant_key)
            ]
        lines.append({"type": "article", "quantity": int(quantity), "articles": [chosen]})
    if missing:
        raise _Problem(
            Reason.PRODUCT_MISSING,
            f"MplusKASSA order {order.order_id}: not in the shop: {'; '.join(missing)}. Run the "
            "products flow (or link them); the order is taken again.",
        )
    if not lines:
        raise _Problem(
            Reason.PRODUCT_MISSING, f"MplusKASSA order {order.order_id} has no lines for the shop."
        )
    return lines


def _option_ids(ctx: SyncContext, run: ReverseRun, article_id: int, key: str) -> list[int]:
    article = run.articles.get(article_id)
    if article is None:
        article = ctx.shop.get_article(article_id)
        run.articles[article_id] = article
    wanted = parse_variant_key(key)
    found: list[int] = []
    for name, value in wanted.items():
        option = next(
            (
                o.id
                for lst in article.lists
                if lst.name == name
                for o in lst.options
                if o.name == value and o.id is not None
            ),
            None,
        )
        if option is None:
            raise _Problem(
                Reason.VARIANT_UNMATCHED,
                f"Shop article {article_id} has no option {name}={value}.",
            )
        found.append(option)
    return found


def _shipping_id(ctx: SyncContext, run: ReverseRun, key: str) -> str | None:
    if run.shipping_ids is None:
        run.shipping_ids = {}
        for method in ctx.shop.list_shipping_methods():
            run.shipping_ids[method.id] = method.id
            run.shipping_ids[(method.display_name or "").strip()] = method.id
    return run.shipping_ids.get(key)


def _payment(ctx: SyncContext, order: Order) -> dict[str, Any]:
    settings = ctx.integration.orders
    gateway, method = settings.reverse_payment.split(":", 1)
    for payment in order.payments or []:
        shop = settings.shop_payment_for(payment.method)
        if shop:
            if ":" in shop:
                gateway, method = shop.split(":", 1)
            else:
                method = shop
            break
    return {
        "gateway_name": gateway,
        "method_name": method,
        "status": {"id": 1 if order.fully_paid else 5},
    }


def _find_in_shop(ctx: SyncContext, email: str, order: Order) -> ShopOrder | None:
    tag = marker(order.order_id)
    start = None
    if order.entry_timestamp is not None:
        start = (order.entry_timestamp - dt.timedelta(days=1)).date()
    for candidate in ctx.shop.iter_orders(debtor_email=email, start_date=start, test=True):
        if tag in (candidate.comments.internal or ""):
            return candidate
    return None


def process_reverse_batch(
    ctx: SyncContext, run: ReverseRun, orders: list[Order], next_marker: int | None
) -> list[RecordResult]:
    """Send one page of MplusKASSA orders to the shop and commit it with the cursor."""
    settings = ctx.integration.orders
    prefix = settings.ext_order_id_prefix
    results: list[RecordResult] = []
    binds: list[tuple[str, str]] = []
    wanted: list[Order] = []
    for order in orders:
        if order.order_id in run.seen:
            continue  # read twice in one run (the feed, then the held records)
        run.seen.add(order.order_id)
        if prefix and (order.ext_order_id or "").startswith(prefix):
            continue  # came from the shop
        if run.since and order.entry_timestamp and order.entry_timestamp < run.since:
            continue
        key = f"mplus:{order.order_id}"
        label = str(order.order_number) if order.order_number else order.order_id
        if order.cancel_state and order.cancel_state != "ORDER-CANCEL-STATE-NOTHING":
            results.append(
                RecordResult(
                    ENTITY,
                    key,
                    Outcome.SKIPPED,
                    Reason.FILTERED_OUT,
                    f"MplusKASSA order {label} is cancelled; it is not sent to the shop.",
                )
            )
            continue
        branch = order.entry_branch_number
        if settings.reverse_branches and branch not in settings.reverse_branches:
            results.append(
                RecordResult(
                    ENTITY,
                    key,
                    Outcome.SKIPPED,
                    Reason.FILTERED_OUT,
                    f"MplusKASSA order {label} is from branch {branch}, which is not sent.",
                )
            )
            continue
        wanted.append(order)
    bound = ctx.store.bindings_by_mplus_keys(ctx.name, ORDER, [o.order_id for o in wanted])
    todo = [o for o in wanted if o.order_id not in bound]
    for order in wanted:
        if order.order_id in bound:
            results.append(
                RecordResult(
                    ENTITY,
                    f"mplus:{order.order_id}",
                    Outcome.UNCHANGED,
                    message=f"MplusKASSA order {order.order_id} is already shop order "
                    f"{bound[order.order_id].shop_key}.",
                )
            )
    try:
        relations = _relations(ctx, todo)
        articles = ctx.store.bindings_by_mplus_keys(
            ctx.name, ARTICLE, {str(line.article_number) for o in todo for line in o.lines}
        )
    except MplusError as exc:
        for order in todo:
            results.append(_failed(order, Reason.API_UNAVAILABLE, f"MplusKASSA: {exc}", hold=True))
        todo = []
        relations, articles = {}, {}
    for order in todo:
        results.append(
            _send_one(ctx, run, order, relations.get(order.relation_number or 0), articles, binds)
        )
    ctx.report.extend(results)
    if not ctx.dry_run:
        with ctx.store.transaction() as tx:
            for mplus_key, shop_key in binds:
                tx.put_binding(ctx.name, ORDER, mplus_key=mplus_key, shop_key=shop_key)
            write_outcomes(tx, ctx.report, results)
            if next_marker is not None:
                tx.set_cursor(ctx.name, CURSOR_REVERSE, str(next_marker))
    return results


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


def _send_one(
    ctx: SyncContext,
    run: ReverseRun,
    order: Order,
    relation: Relation | None,
    articles: dict[str, Binding],
    binds: list[tuple[str, str]],
) -> RecordResult:
    key = f"mplus:{order.order_id}"
    try:
        body, record = build_shop_order(ctx, run, order, relation, articles)
    except _Problem as problem:
        return _failed(order, problem.reason, problem.message, hold=True)
    except MijnWebwinkelError as exc:
        return _failed(order, Reason.API_UNAVAILABLE, f"The shop: {exc}", hold=True)
    payload = body.model_dump(mode="json", exclude_none=True)
    changes = [FieldChange(path, None, value) for path, value in _flat(payload)]
    label = record["order_string"]
    if ctx.dry_run:
        return RecordResult(
            ENTITY,
            key,
            Outcome.CREATED,
            None,
            f"MplusKASSA order {label} would become a shop order.",
            changes=changes,
            source=record,
            sent=payload,
            personal=True,
        )
    email = record["email"]
    try:
        existing = _find_in_shop(ctx, email, order)
        if existing is not None:
            binds.append((order.order_id, str(existing.number)))
            return RecordResult(
                ENTITY,
                key,
                Outcome.UNCHANGED,
                Reason.ALREADY_EXISTS,
                f"MplusKASSA order {label} is already shop order {existing.number}; linked.",
            )
        try:
            created = ctx.shop.create_order(body)
        except (TransportError, ServerError):
            # ambiguous: look before anything else
            found = _find_in_shop(ctx, email, order)
            if found is None:
                raise
            created = found
    except ValidationError as exc:
        return _failed(
            order,
            Reason.REJECTED_BY_SHOP,
            f"The shop refused MplusKASSA order {label}: {exc}",
            hold=True,
        )
    except MijnWebwinkelError as exc:
        return _failed(
            order,
            Reason.API_UNAVAILABLE,
            f"MplusKASSA order {label} was not sent: the shop did not answer "
            f"({type(exc).__name__}); it is taken again next run.",
            hold=True,
        )
    binds.append((order.order_id, str(created.number)))
    return RecordResult(
        ENTITY,
        key,
        Outcome.CREATED,
        None,
        f"MplusKASSA order {label} is now shop order {created.number}.",
        changes=changes,
        source=record,
        sent=payload,
        personal=True,
    )


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
    batch: Any = None,
) -> ReverseRun:
    """Send new MplusKASSA orders (or just `order_ids`) to the shop.

    Args:
        ctx: The run (its report's flow is ``orders-reverse``).
        since: Read the whole feed again, taking orders entered at or after this moment.
        order_ids: Only these MplusKASSA order ids (the cursor stays).
        batch: Runs one batch (the flow passes a Prefect task); direct call by default.
    """
    settings = ctx.integration.orders
    run = ReverseRun(field_map=reverse_map(settings.reverse_order_map))
    ctx.report.flow = REVERSE_FLOW

    def runner(orders: list[Order], next_marker: int | None) -> list[RecordResult]:
        def one(items: list[Order]) -> list[RecordResult]:
            return process_reverse_batch(ctx, run, items, next_marker)

        return batch(one, orders) if batch is not None else one(orders)

    if order_ids is not None:
        ids = [str(i) for i in order_ids]
        if ids:
            runner(ctx.mplus.get_orders(order_ids=ids), None)
        return run
    raw = ctx.store.get_cursor(ctx.name, CURSOR_REVERSE)
    if since is not None:
        run.since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
        start = 0
    elif raw is not None:
        start = int(raw)
    else:
        run.since = dt.datetime.now(dt.UTC) - dt.timedelta(days=settings.backfill_days)
        start = 0
    while True:
        page = ctx.mplus.get_orders(
            sync_marker=start, sync_marker_limit=settings.page_size, include_lines=True
        )
        if not page:
            break
        start = max(o.sync_marker or 0 for o in page) + 1
        runner(page, start)
    held = [
        h.record_key.split(":", 1)[1]
        for h in ctx.store.held(ctx.name, REVERSE_FLOW)
        if h.record_key.startswith("mplus:")
    ]
    if held:
        runner(ctx.mplus.get_orders(order_ids=held), None)
    return run
