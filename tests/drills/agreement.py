"""The agreement checks: what still differs between the two systems after a drill.

The soak checks all of them once its faults are off (`agreement`); the crash drill uses
`duplicates` after every kill and `options_own` at the end. Each check returns plain-language
problems, empty when the systems agree.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.keys import ARTICLE, PRODUCT
from mkmw_flows.sync.products.lists import LIST_REPAIR

from .runs import drift_of, fast_context, products_run


def agreement(
    pair: EmulatorPair,
    block: Integration,
    name: str,
    store: StateStore,
    expected: dict[int, bool] | None = None,
) -> tuple[list[str], dict[str, Any]]:
    """What still differs between the two systems (empty when they agree), and the figures."""
    problems: list[str] = []
    figures: dict[str, Any] = {}
    # products: a full dry-run compare plans nothing
    ctx = fast_context(block, name, "products", store=store, dry_run=True)
    try:
        products_run(ctx, full=True)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    counts = ctx.report.counts()
    figures["products compare"] = counts
    if counts.get("created") or counts.get("updated"):
        planned = [
            f"{r.key} {r.outcome.value}: "
            + ", ".join(f"{c.target} {c.old!r} -> {c.new!r}" for c in r.changes[:5])
            for r in ctx.report.results
            if r.outcome in (Outcome.CREATED, Outcome.UPDATED)
        ]
        problems.append(f"products: a full compare still plans {planned[:10]}")
    # stock: no drift
    ctx = fast_context(block, name, "stock-reconcile", store=store, dry_run=True)
    try:
        drift = drift_of(ctx)
    finally:
        ctx.mplus.close()
        ctx.shop.close()
    figures["stock drift"] = drift.counts()
    if drift.counts()["drift"]:
        problems.append(
            "stock: reconciliation finds drift at "
            + ", ".join(f"{d.sku} ({d.cause})" for d in drift.drift[:10])
        )
    problems += duplicates(pair)
    problems += orders_agree(pair, store, name, expected or {})
    problems += products_accounted(pair, store, name)
    problems += options_own(pair, store, name)
    figures["articles set back to their own options"] = sum(
        "options set back to its own" in e.message
        for e in store.ledger(integration=name, flow="products", outcome=Outcome.UPDATED)
    )
    return problems, figures


def duplicates(pair: EmulatorPair) -> list[str]:
    """No extOrderId twice in MplusKASSA, no SKU twice in the shop, no e-mail twice."""
    problems: list[str] = []
    mplus, shop = pair.mplus.backend, pair.shop.backend
    ext = Counter(o.get("extOrderId") for o in mplus.orders.values() if o.get("extOrderId"))
    problems += [
        f"orders: extOrderId {e} is in MplusKASSA {n} times" for e, n in ext.items() if n > 1
    ]
    skus = Counter(a.sku for a in shop.articles.values() if a.sku)
    problems += [f"products: SKU {s} is {n} shop articles" for s, n in skus.items() if n > 1]
    emails = Counter(
        str(r.get("email", "")).lower()
        for r in mplus.relations.values()
        if str(r.get("email", "")).startswith("soak-")
    )
    problems += [f"customers: {e} is {n} relations" for e, n in emails.items() if n > 1]
    return problems


def _explained(store: StateStore, name: str, key: str) -> bool:
    last = store.ledger(integration=name, record_key=key, limit=1)
    return (
        bool(last)
        and last[0].outcome in (Outcome.SKIPPED, Outcome.FAILED)
        and bool(last[0].reason_code)
    )


def orders_agree(
    pair: EmulatorPair, store: StateStore, name: str, expected: dict[int, bool]
) -> list[str]:
    """Every eligible shop order in MplusKASSA exactly once; every other one explained."""
    problems: list[str] = []
    mplus = pair.mplus.backend
    for order in pair.shop.backend.orders.values():
        if order.test or order.archived:
            continue
        copies = len(mplus.orders_by_ext_id(f"MW-{order.number}"))
        if expected.get(order.number) and copies != 1:
            problems.append(f"orders: shop order {order.number} is in MplusKASSA {copies} times")
        elif copies == 0 and not _explained(store, name, str(order.number)):
            problems.append(f"orders: shop order {order.number} is missing without a reason")
    return problems


def products_accounted(pair: EmulatorPair, store: StateStore, name: str) -> list[str]:
    """Every MplusKASSA webshop product is linked to a live shop article, or explained."""
    problems: list[str] = []
    mplus, shop = pair.mplus.backend, pair.shop.backend
    articles = {b.mplus_key: b for b in store.bindings(name, ARTICLE)}
    products = {b.mplus_key: b for b in store.bindings(name, PRODUCT)}
    for number, numbers in sorted(mplus.product_articles.items()):
        web = [n for n in numbers if mplus.articles[n].get("webshop")]
        if not web:
            continue
        sku = str(number) if len(numbers) > 1 else str(numbers[0])
        for n in web:
            binding = articles.get(str(n))
            if binding is None:
                if not _explained(store, name, sku) and not (
                    len(numbers) > 1 and str(number) in products
                ):
                    problems.append(f"products: article {n} (SKU {sku}) unlinked without a reason")
                continue
            article = shop.articles.get(int(binding.shop_key))
            if article is None:
                problems.append(f"products: article {n} is linked to a shop article that is gone")
                continue
            variant = binding.extra.get("variant_id")
            if variant is not None and not any(v.id == variant for v in article.variants):
                problems.append(f"products: article {n} is linked to a variant that is gone")
    return problems


def options_own(pair: EmulatorPair, store: StateStore, name: str) -> list[str]:
    """Every linked variant product offers exactly its own options; no option repair is owed.

    Its own options are those the products flow last wrote (the binding's ``lists``; the full
    compare checks those against MplusKASSA). An option added to a shared list that was not
    taken off the other articles again shows here as an extra option.
    """
    problems: list[str] = []
    shop = pair.shop.backend
    for binding in store.bindings(name, PRODUCT):
        article = shop.articles.get(int(binding.shop_key))
        if article is None:
            continue  # products_accounted reports a binding to a gone article
        offered = {
            str(attached.list_id): {shop.option_name(i)[1] for i in attached.option_ids}
            for attached in article.lists
        }
        own = {k: set(v) for k, v in binding.extra.get("lists", {}).items()}
        if offered != own:
            extra = {k: sorted(v - own.get(k, set())) for k, v in offered.items()}
            problems.append(
                f"products: SKU {binding.mplus_key} offers options that are not its own "
                f"{ {k: v for k, v in extra.items() if v} or offered }"
            )
    owed = store.repairs_owed(name, LIST_REPAIR)
    if owed:
        problems.append(
            "products: option repairs still owed to SKUs "
            + ", ".join(sorted(r.mplus_key for r in owed))
        )
    return problems
