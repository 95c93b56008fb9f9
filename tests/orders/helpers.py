"""Helpers of the orders tests: integrations, hand-built contexts, shop orders, bindings."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

from drills.runs import fast_clients

from mkmw_emulators.mijnwebwinkel.backend import Address
from mkmw_emulators.mijnwebwinkel.backend import Order as BackendOrder
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.ops.demo import DEMO_ORDER_SETTINGS
from mkmw_flows.state import StateStore
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, variant_key
from mkmw_flows.sync.report import RunReport

#: Settings every test starts from (the demo seeds' codes).
#: The demo's order settings without its delivery-method rows (the delivery tests set their own).
BASE_SETTINGS: dict[str, Any] = {
    key: copy.deepcopy(value)
    for key, value in DEMO_ORDER_SETTINGS.items()
    if key not in ("delivery_methods", "default_delivery_method")
}

#: Shop article ids of the demo seed used by the tests.
GIFT_10 = 1025  # SKU 20033, VAT 0 %, stock not managed
GIFT_25 = 1026
COFFEE = 1012  # SKU 20001, VAT 9 %
TSHIRT = 1001  # variants, SKU = product number 100


def integration(pair: EmulatorPair, tmp_path: Path, **orders: Any) -> Integration:
    """An Integration for the pair with the base order settings plus `orders`."""
    fields: dict[str, Any] = pair.credentials()
    fields["state_database_url"] = str(tmp_path / f"state-{uuid.uuid4().hex[:6]}.db")
    fields["orders"] = {**BASE_SETTINGS, **orders}
    return Integration(**fields)


def context(
    block: Integration,
    name: str | None = None,
    *,
    dry_run: bool = False,
    fast: bool = False,
    store: StateStore | None = None,
) -> SyncContext:
    """A SyncContext built by hand (no Prefect); `fast` gives short timeouts and retry waits."""
    name = name or f"t-{uuid.uuid4().hex[:8]}"
    if fast:
        mplus, shop = fast_clients(block)
    else:
        mplus, shop = block.mplus.client(), block.mijnwebwinkel.client()
    return SyncContext(
        name=name,
        integration=block,
        store=store or StateStore(block.state_database_url),
        mplus=mplus,
        shop=shop,
        report=RunReport(flow="orders", integration=name, run_id=uuid.uuid4().hex, dry_run=dry_run),
        dry_run=dry_run,
    )


def again(ctx: SyncContext, *, dry_run: bool = False, fast: bool = False) -> SyncContext:
    """A new run (new report and clients) of the same integration and store."""
    ctx.mplus.close()
    ctx.shop.close()
    return context(ctx.integration, ctx.name, dry_run=dry_run, fast=fast, store=ctx.store)


def bind_articles(pair: EmulatorPair, store: StateStore, name: str) -> None:
    """Write ``article`` bindings as the products flow does, for the demo seed's shop articles."""
    info = pair.shop.seed_info
    assert info is not None
    backend = pair.shop.backend
    with store.transaction() as tx:
        for number, (article_id, variant_id) in sorted(info.article_for_number.items()):
            key, extra = "", {}
            if variant_id is not None:
                article = backend.articles[article_id]
                variant = next(v for v in article.variants if v.id == variant_id)
                options = {}
                for option_id in variant.option_ids:
                    list_id, option, _ = backend.option_name(option_id)
                    options[backend.lists[list_id].name] = option
                key, extra = variant_key(options), {"variant_id": variant_id}
            tx.put_binding(
                name,
                ARTICLE,
                mplus_key=str(number),
                shop_key=str(article_id),
                variant_key=key,
                extra=extra,
            )


def person(
    name: str = "Jan Jansen", *, company: str = "", country: str = "NL", zipcode: str = "5341GE"
) -> Address:
    """An invoice address."""
    return Address(
        name=name,
        zipcode=zipcode,
        street="Molenstraat",
        number="62",
        city="Oss",
        country_code=country,
        company=company,
        phone="0612345678",
    )


def add_order(
    pair: EmulatorPair,
    email: str,
    *,
    lines: list[dict[str, Any]] | None = None,
    address: Address | None = None,
    ship: str | None = None,
    pay: tuple[str, str] | None = ("mollie", "ideal"),
    paid: bool = True,
    status: int = 1,
    **kwargs: Any,
) -> BackendOrder:
    """A new shop order through the emulator backend (gift cards by default: no stock)."""
    return pair.shop.backend.add_order(
        email=email,
        invoice=address or person(),
        lines=lines or [{"type": "article", "article_id": GIFT_10, "quantity": 1}],
        shipping_method_id=ship,
        payment=pay,
        payment_status_id=1 if paid else 5,
        status=status,
        **kwargs,
    )


def clear_demo_orders(pair: EmulatorPair) -> None:
    """Forget the demo seed's orders so a test sees only its own."""
    pair.shop.backend.orders.clear()


def mplus_orders_by_ext(pair: EmulatorPair, ext: str) -> list[dict[str, Any]]:
    """MplusKASSA orders carrying this extOrderId."""
    return pair.mplus.backend.orders_by_ext_id(ext)
