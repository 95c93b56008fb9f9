"""The crash drill's checks: invariants after every kill, and the two worlds compared.

`invariants` lists what a crash may never leave behind (duplicates, bindings to nothing,
cursors ahead of what was written); `snapshot` reads a world by business keys and
`differences` compares the crash world's snapshot with the reference world's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from typing import Any

from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, CATEGORY, ORDER, PRODUCT
from mkmw_flows.sync.orders.feed import CURSOR_MPLUS_ORDERS, CURSOR_SHOP_CHANGED
from mkmw_flows.sync.products.plan import CURSOR as PRODUCTS_CURSOR
from mkmw_flows.sync.report import RunReport
from mkmw_flows.sync.stock.feed import CURSOR as STOCK_CURSOR

from .agreement import duplicates
from .crash_world import DELIVERED, NAME, PAID, World
from .runs import drift_of

# ---- invariants -----------------------------------------------------------------------------


def invariants(world: World) -> list[str]:
    """What a crash may never leave behind (empty when all hold)."""
    problems = duplicates(world.pair)
    problems += _bindings_live(world)
    problems += _products_cursor(world)
    problems += _stock_cursor(world)
    problems += _orders_cursor(world)
    return problems


def _explained(store: StateStore, flow: str, key: str) -> bool:
    if key in {h.record_key for h in store.held(NAME, flow)}:
        return True
    last = store.ledger(integration=NAME, record_key=key, limit=1)
    return bool(last) and last[0].outcome in (Outcome.SKIPPED, Outcome.FAILED)


def _bindings_live(world: World) -> list[str]:
    problems = []
    shop, mplus = world.pair.shop.backend, world.pair.mplus.backend
    for b in world.store.bindings(NAME, ARTICLE):
        article = shop.articles.get(int(b.shop_key))
        variant = b.extra.get("variant_id")
        if article is None:
            problems.append(f"binding: article {b.mplus_key} -> shop article {b.shop_key} gone")
        elif variant is not None and not any(v.id == variant for v in article.variants):
            problems.append(f"binding: article {b.mplus_key} -> variant {variant} gone")
    for b in world.store.bindings(NAME, ORDER):
        order = mplus.orders.get(b.mplus_key)
        if order is None or order.get("extOrderId") != f"MW-{b.shop_key}":
            problems.append(f"binding: order {b.shop_key} -> MplusKASSA {b.mplus_key} wrong")
    return problems


def _products_cursor(world: World) -> list[str]:
    raw = world.store.get_cursor(NAME, PRODUCTS_CURSOR)
    if raw is None:
        return []
    mplus = world.pair.mplus.backend
    bound = {b.mplus_key for b in world.store.bindings(NAME, ARTICLE)}
    problems = []
    for number, numbers in mplus.product_articles.items():
        if int(mplus.products[number].get("syncMarker") or 0) > int(raw):
            continue
        sku = str(number) if len(numbers) > 1 else str(numbers[0])
        for n in numbers:
            if not mplus.articles[n].get("webshop") or str(n) in bound:
                continue
            if not _explained(world.store, "products", sku):
                problems.append(f"products cursor {raw} is past article {n}, which is not linked")
    return problems


def _stock_cursor(world: World) -> list[str]:
    raw = world.store.get_cursor(NAME, STOCK_CURSOR)
    if raw is None or world.flow != "stock":
        return []
    mplus = world.pair.mplus.backend
    ctx = SyncContext(
        NAME,
        world.block,
        world.store,
        world.block.mplus.client(),
        world.block.mijnwebwinkel.client(),
        RunReport(flow="stock-check", integration=NAME, run_id=uuid.uuid4().hex, dry_run=True),
        dry_run=True,
    )
    try:
        drift = drift_of(ctx)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    problems = []
    for row in drift.drift:
        number = int(row.sku)
        last = max((mplus.stock_index.marker((b, number)) or 0 for b in mplus.branches), default=0)
        if last <= int(raw) and not _explained(world.store, "stock", row.sku):
            problems.append(
                f"stock cursor {raw} is past article {row.sku} (last change {last}), "
                f"but the shop shows {row.shop_value}, MplusKASSA {row.mplus_value}"
            )
    return problems


def _orders_cursor(world: World) -> list[str]:
    problems = []
    shop, mplus = world.pair.shop.backend, world.pair.mplus.backend
    raw = world.store.get_cursor(NAME, CURSOR_SHOP_CHANGED.name)
    if raw is not None and world.flow == "orders":
        cursor = dt.datetime.fromisoformat(raw)
        for order in shop.orders.values():
            if order.status not in (PAID, 6, DELIVERED) or order.test or order.archived:
                continue
            changed = max(order.created_at, order.status_changed_at)
            if changed.tzinfo is None and cursor.tzinfo is not None:
                changed = changed.replace(tzinfo=cursor.tzinfo)
            # The shop's times have whole seconds and the feed is read again from the
            # cursor (minus an overlap), so an order changed in the cursor's own second is
            # still ahead of it.
            if changed >= cursor:
                continue
            if not mplus.orders_by_ext_id(f"MW-{order.number}") and not _explained(
                world.store, "orders", str(order.number)
            ):
                problems.append(f"orders cursor {raw} is past shop order {order.number}")
    raw = world.store.get_cursor(NAME, CURSOR_MPLUS_ORDERS.name)
    if raw is not None and world.flow == "orders":
        bound = {b.mplus_key: b for b in world.store.bindings(NAME, ORDER)}
        for oid, pos_order in mplus.orders.items():
            if int(pos_order.get("syncMarker") or 0) >= int(raw) or oid not in bound:
                continue
            if pos_order.get("deliveryState") == "ORDER-DELIVERY-STATE-COMPLETE":
                number = int(bound[oid].shop_key)
                if shop.orders[number].status != DELIVERED:
                    problems.append(
                        f"status cursor {raw} is past delivered order {number}, "
                        f"shop status {shop.orders[number].status}"
                    )
    return problems


# ---- comparing the worlds -------------------------------------------------------------------


def snapshot(world: World) -> dict[str, Any]:
    """Both systems and the store, by business keys (ids may differ between worlds)."""
    shop, mplus, store = world.pair.shop.backend, world.pair.mplus.backend, world.store
    categories = shop.categories

    def title(cid: int) -> str:
        c = categories.get(cid)
        return c.title if c is not None else str(cid)

    def option(oid: int) -> str:
        list_id, name, _ = shop.option_name(oid)
        return f"{shop.lists[list_id].name}={name}"

    articles: dict[str, Any] = {}
    for a in shop.articles.values():
        articles[a.sku or f"id:{a.id}"] = {
            "name": a.name,
            "price": str(a.price_default),
            "stock": a.stock,
            "categories": sorted(title(link.category_id) for link in a.categories),
            "variants": sorted(
                (sorted(option(o) for o in v.option_ids), v.stock) for v in a.variants
            ),
        }
    relations = Counter(str(r.get("email", "")).lower() for r in mplus.relations.values())
    orders = {}
    for o in mplus.orders.values():
        relation = mplus.relations.get(int(o.get("relationNumber") or 0), {})
        orders[str(o.get("extOrderId"))] = {
            "email": str(relation.get("email", "")).lower(),
            "lines": sorted(
                (line["articleNumber"], str(line["data"].get("quantity")))
                for line in o["lineList"]["line"]
            ),
            "total": str(o.get("totalInclAmount")),
            "delivered": o.get("deliveryState"),
        }
    stock = {
        f"{b}/{n}": {k: str(lv[k]) for k in ("free", "reserved", "incoming")}
        for (b, n), lv in mplus.stock.items()
    }
    bindings: dict[str, Any] = {}
    for entity in (ARTICLE, PRODUCT, CATEGORY, ORDER):
        rows = store.bindings(NAME, entity)
        if entity == ORDER:
            bindings[entity] = sorted(b.shop_key for b in rows)
        elif entity == CATEGORY:
            bindings[entity] = sorted(b.mplus_key for b in rows)
        else:
            skus = {str(a.id): a.sku for a in shop.articles.values()}
            bindings[entity] = sorted(
                (b.mplus_key, b.variant_key, skus.get(b.shop_key, "?")) for b in rows
            )
    cursors = {}
    for c in store.cursors(NAME):
        cursors[c.name] = c.value if c.value.lstrip("-").isdigit() else "(a date)"
    return {
        "shop articles": articles,
        "shop categories": sorted(title(c) for c in categories),
        "shop order statuses": {o.number: o.status for o in shop.orders.values()},
        "MplusKASSA orders": orders,
        "MplusKASSA relations": dict(relations),
        "MplusKASSA stock": stock,
        "bindings": bindings,
        "held": sorted(
            (h.flow, h.record_key)
            for f in ("products", "stock", "orders")
            for h in store.held(NAME, f)
        ),
        "cursors": cursors,
    }


def differences(crash: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """Where the crash world's snapshot differs from the reference's."""
    out = []
    for part, ref in reference.items():
        got = crash.get(part)
        if got == ref:
            continue
        if isinstance(ref, dict) and isinstance(got, dict):
            for key in sorted(set(ref) | set(got), key=str):
                if ref.get(key) != got.get(key):
                    out.append(f"{part} [{key}]: crash {got.get(key)!r} != ref {ref.get(key)!r}")
        else:
            out.append(f"{part}: crash {got!r} != reference {ref!r}")
    return out
