"""`mkmw demo`: both emulators, one Integration, every flow twice, and a check that they agree.

The demo starts the MplusKASSA and MijnWebwinkel emulators with their demo seeds on free
loopback ports, saves an Integration block ``demo`` pointing at them, runs products, orders and
stock, makes changes on both sides (a sale in the store, a price change, a new product, new
shop orders including a company order and one with an unmapped payment method, an order
cancelled in the shop and one cancelled at the till), runs again, prints what each flow did and
what became of the cancelled orders (with their delivery method), and checks that the two
systems agree. It runs on Prefect's embedded default: nothing to configure.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mkmw_emulators.demo_catalog import demo_catalog, ean13
from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration
from mkmw_flows.ops.demo_lock import one_demo_at_a_time, prefect_home
from mkmw_flows.state import Outcome, StateStore
from mkmw_flows.sync.keys import ARTICLE

#: The shop status that means cancelled, added when the shop has none (a back-office setting).
CANCELLED_STATUS = 7

#: Order settings that fit the demo seeds: VAT codes, shipping articles and delivery methods,
#: payment codes. Card payments (basic:card) are left unmapped on purpose, to show a held order.
DEMO_ORDER_SETTINGS: dict[str, Any] = {
    "vat_codes": [
        {"rate": 21, "vat_code": 1},
        {"rate": 9, "vat_code": 2},
        {"rate": 0, "vat_code": 3},
    ],
    "shipping_articles": [
        {"shop_method": method, "article_number": 999}
        for method in ("PostNL pakket", "2274", "DHL Deutschland")
    ],
    "delivery_methods": [
        {"shop_method": "PostNL pakket", "delivery_method": "POSTNL"},
        {"shop_method": "DHL Deutschland", "delivery_method": "DHL"},
        {"shop_method": "2276", "delivery_method": "AFHALEN"},
    ],
    "default_delivery_method": "POSTNL",
    "payment_methods": [
        {"shop_method": shop, "mplus_method": mplus}
        for shop, mplus in (
            ("ideal", "IDEAL"),
            ("bancontact", "IDEAL"),
            ("mollie:creditcard", "WEBSHOP"),
            ("paypal", "WEBSHOP"),
            ("klarna_paylater", "WEBSHOP"),
            ("advance", "WEBSHOP"),
            ("rembours", "WEBSHOP"),
            ("pickup", "CONTANT"),
        )
    ],
    "backfill_days": 60,
}

#: The demo's cancellations both ways: a shop cancellation cancels the MplusKASSA order, an
#: MplusKASSA cancellation sets the shop's cancelled status.
DEMO_CANCEL_SETTINGS: dict[str, Any] = {
    "cancel_sync": True,
    "cancelled_statuses": [CANCELLED_STATUS],
    "status_write_back": {"cancelled": CANCELLED_STATUS},
}

FlowFn = Callable[..., dict[str, Any]]


@dataclass
class DemoRun:
    """One flow run of the demo and what it reported."""

    round: int
    flow: str
    summary: dict[str, Any]
    seconds: float


@dataclass
class DemoResult:
    """Everything the demo did and found."""

    runs: list[DemoRun] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    held: list[tuple[str, str, str]] = field(default_factory=list)
    cancelled: dict[str, int] = field(default_factory=dict)  # in_shop / at_till: shop number
    orders: list[tuple[int, str, str, int | None]] = field(default_factory=list)
    """Per imported order: shop number, deliveryMethod, cancel state, shop status."""

    @property
    def ok(self) -> bool:
        """True when the two systems agree."""
        return not self.disagreements


def _flows() -> dict[str, FlowFn]:
    from mkmw_flows.flows.orders import sync_orders
    from mkmw_flows.flows.products import sync_products
    from mkmw_flows.flows.stock import sync_stock

    # Orders before stock: the stock run then carries the reservations of the orders just imported.
    return {"sync-products": sync_products, "sync-orders": sync_orders, "sync-stock": sync_stock}


def make_changes(pair: EmulatorPair, cancelled: dict[str, int] | None = None) -> list[str]:
    """Change both systems the way a shop day does; return what was changed, in words.

    Args:
        pair: The emulators.
        cancelled: Filled with the shop numbers of the orders cancelled ``in_shop`` and
            ``at_till``.
    """
    catalog = demo_catalog()
    simple = next(
        p for p in catalog if p.webshop and len(p.articles) == 1 and p.articles[0].stock_article
    )
    variant_product = next(p for p in catalog if p.webshop and len(p.articles) > 1)
    sold = variant_product.articles[0]
    mplus = pair.mplus.backend
    mplus.sell(sold.article_number, 1)
    article = simple.articles[0]
    new_price = (article.price_incl + Decimal("0.50")).quantize(Decimal("0.01"))
    mplus.set_price(article.article_number, new_price)
    new_number = max(a.article_number for p in catalog for a in p.articles) + 1000
    new_product = max(p.product_number for p in catalog) + 1
    mplus.add_product(
        new_product,
        "Stroopwafels 8 stuks",
        [
            {
                "articleNumber": new_number,
                "description": "Stroopwafels 8 stuks",
                "barcode": ean13("871230090" + str(new_number)[-3:]),
                "priceIncl": 349,
                "vatCode": 2,
                "webshop": True,
            }
        ],
        [simple.group],
    )
    shop = pair.shop.backend
    gift = next(a for a in shop.articles.values() if a.sku and a.sku.isdigit() and not a.variants)
    person = {
        "name": "Sanne de Vries",
        "street": "Lindenlaan",
        "number": "12",
        "zipcode": "3512 AB",
        "city": "Utrecht",
        "country_code": "NL",
    }
    company = {
        **person,
        "name": "Joost Bakker",
        "company": "Bakker Bloemen B.V.",
        "street": "Marktplein",
        "number": "3",
        "zipcode": "2011 AA",
        "city": "Haarlem",
    }
    line = [{"type": "article", "article_id": gift.id, "quantity": 1}]
    orders = [
        shop.add_order(
            email="sanne@example.nl", invoice=person, lines=line, payment=("mollie", "ideal")
        ),
        shop.add_order(
            email="inkoop@bakkerbloemen.nl",
            invoice=company,
            lines=line,
            payment=("mollie", "ideal"),
        ),
        shop.add_order(
            email="kees@example.nl",
            invoice={**person, "name": "Kees Jansen"},
            lines=line,
            payment=("basic", "card"),
        ),
    ]
    # orders of other articles than the sale and the new orders, so each change shows alone
    in_shop, at_till = _cancel_two_orders(pair, {sold.article_number, int(gift.sku)})
    if cancelled is not None:
        cancelled.update(in_shop=in_shop, at_till=at_till)
    return [
        f"store sale: 1 x article {sold.article_number} ({sold.description})",
        f"price change: article {article.article_number} ({article.description})"
        f" -> EUR {new_price}",
        f"new product: {new_product} 'Stroopwafels 8 stuks' (article {new_number})",
        f"new shop orders: {', '.join(str(o.number) for o in orders)} "
        "(a person, a company, and one paid by card at the counter: no payment mapping)",
        f"shop order {in_shop} cancelled in the shop (status {CANCELLED_STATUS})",
        f"shop order {at_till} cancelled at the till in MplusKASSA",
    ]


def ensure_cancelled_status(pair: EmulatorPair) -> int:
    """The shop's cancelled status id; the demo adds it when the shop has none."""
    shop = pair.shop.backend
    if CANCELLED_STATUS not in shop.statuses:
        shop.add_status(CANCELLED_STATUS, "Geannuleerd", cancelled=True)
    return CANCELLED_STATUS


def _imported(pair: EmulatorPair) -> list[tuple[int, dict[str, Any]]]:
    """(shop order number, MplusKASSA order) of the imported orders, oldest first."""
    prefix = DEMO_ORDER_SETTINGS.get("ext_order_id_prefix", "MW-")
    found = []
    for order in pair.mplus.backend.orders.values():
        ext = str(order.get("extOrderId") or "")
        if ext.startswith(prefix) and ext[len(prefix) :].isdigit():
            found.append((int(ext[len(prefix) :]), order))
    return sorted(found, key=lambda pair_: pair_[0])


def _cancel_two_orders(pair: EmulatorPair, avoid: set[int]) -> tuple[int, int]:
    """Cancel one imported order in the shop and another at the till; their shop numbers.

    Taken: open orders (not shipped in the shop, not delivered or cancelled in MplusKASSA)
    with none of the `avoid` article numbers.
    """
    shipped = {2, 6}  # the demo shop's "Verzonden" and "Betaald & afgehaald"
    live = [
        (number, order)
        for number, order in _imported(pair)
        if order["cancelState"] == "ORDER-CANCEL-STATE-NOTHING"
        and order["deliveryState"] == "ORDER-DELIVERY-STATE-NOTHING"
        and pair.shop.backend.orders[number].status not in shipped
        and not avoid & {line["articleNumber"] for line in order["lineList"]["line"]}
    ]
    (in_shop, _), (at_till, till_order) = live[0], live[1]
    pair.shop.backend.set_order_status(in_shop, ensure_cancelled_status(pair))
    pair.mplus.backend.cancel_order({"orderId": till_order["orderId"]})
    return in_shop, at_till


def check_agreement(
    pair: EmulatorPair, store: StateStore, name: str, run: Callable[..., Any]
) -> list[str]:
    """What still differs between the systems after the demo's runs (empty when they agree).

    * products: a full dry-run compare plans nothing to create or update;
    * stock: reconciliation finds no drift;
    * orders: every shop order is in MplusKASSA exactly once, or held with a reason.
    """
    from mkmw_flows.flows.products import sync_products
    from mkmw_flows.flows.stock import reconcile_stock

    problems: list[str] = []
    plan = run(sync_products, name, full=True, dry_run=True)
    counts = plan.get("counts", {})
    if counts.get("created") or counts.get("updated"):
        problems.append(f"products: a full compare still plans {counts}")
    drift = run(reconcile_stock, name)
    drifted = drift.get("drift", {}).get("drift", 0)
    if drifted:
        problems.append(f"stock: reconciliation found {drifted} article(s) drifting")
    held = {h.record_key for h in store.held(name, "orders")}
    prefix = DEMO_ORDER_SETTINGS.get("ext_order_id_prefix", "MW-")
    for order in pair.shop.backend.orders.values():
        if getattr(order, "test", False) or getattr(order, "archived", False):
            continue
        ext = f"{prefix}{order.number}"
        copies = len(pair.mplus.backend.orders_by_ext_id(ext))
        if copies > 1:
            problems.append(f"orders: shop order {order.number} is in MplusKASSA {copies} times")
        if copies == 0 and str(order.number) not in held:
            entries = store.ledger(integration=name, record_key=str(order.number), limit=1)
            if not entries or entries[0].outcome not in (Outcome.SKIPPED, Outcome.FAILED):
                problems.append(f"orders: shop order {order.number} is neither imported nor held")
    bound = len(store.bindings(name, ARTICLE))
    if not bound:
        problems.append("products: no article is linked between the systems")
    return problems


def run_demo(console: Console | None = None, *, name: str = "demo") -> DemoResult:
    """Run the whole demo; see the module docstring.

    Args:
        console: Where to print (a new Console by default).
        name: Name of the Integration block the demo saves.

    Returns:
        What ran, what changed, what was held and what disagrees.
    """
    console = console or Console()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    printer = console

    def waiting() -> None:
        printer.print(
            f"Another demo is running with the Integration block '{name}'; waiting for it."
        )

    with one_demo_at_a_time(name, waiting):
        return _run_demo(console, name)


def _run_demo(console: Console, name: str) -> DemoResult:
    workdir = Path(tempfile.mkdtemp(prefix="mkmw-demo-"))
    result = DemoResult()
    flows = _flows()

    def run(fn: FlowFn, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return fn(*args, **kwargs)

    with EmulatorPair() as pair:
        console.print(f"MplusKASSA emulator    {pair.mplus_url}")
        console.print(f"MijnWebwinkel emulator {pair.shop_url}")
        # The shop API cannot create option lists: a merchant makes them once in the back office.
        lists = {n: pair.shop.backend.create_list(n).id for n in ("Kleur", "Maat")}
        ensure_cancelled_status(pair)
        console.print(f"One-time shop set-up: option lists {lists} (made in the back office)")
        block = Integration(
            **pair.credentials(),
            products={"option_lists": lists},
            orders={**DEMO_ORDER_SETTINGS, **DEMO_CANCEL_SETTINGS},
            state_database_url=str(workdir / "state.db"),
        )
        block.save(name, overwrite=True)
        console.print(
            f"Integration block [bold]{name}[/bold] saved; state in {workdir / 'state.db'}"
        )
        for round_no in (1, 2):
            if round_no == 2:
                result.changes = make_changes(pair, result.cancelled)
                console.print("\n[bold]Changes made[/bold]")
                for change in result.changes:
                    console.print(f"  - {change}")
            console.print(f"\n[bold]Round {round_no}[/bold]")
            for flow_name, fn in flows.items():
                started = time.perf_counter()
                with console.status(f"running {flow_name} ..."):
                    summary = run(fn, name)
                seconds = time.perf_counter() - started
                result.runs.append(DemoRun(round_no, flow_name, summary, seconds))
                console.print(f"  {flow_name:<14} {_counts_text(summary)}  ({seconds:.1f} s)")
        result.orders = [
            (
                number,
                str(order.get("deliveryMethod") or "-"),
                str(order["cancelState"]).removeprefix("ORDER-CANCEL-STATE-"),
                pair.shop.backend.orders[number].status
                if number in pair.shop.backend.orders
                else None,
            )
            for number, order in _imported(pair)
        ]
        store = StateStore(block.state_database_url)
        try:
            result.held = [
                (h.flow, h.record_key, f"{h.reason_code}: {h.message}")
                for flow in ("products", "stock", "orders")
                for h in store.held(name, flow)
            ]
            with console.status("checking that both systems agree ..."):
                result.disagreements = check_agreement(pair, store, name, run)
        finally:
            store.close()
    _print_report(console, result, workdir / "state.db", name)
    return result


def _counts_text(summary: dict[str, Any]) -> str:
    counts = summary.get("counts", {})
    return ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing to do"


def _print_report(console: Console, result: DemoResult, state: Path, name: str) -> None:
    table = Table(title="What each flow did", show_lines=False)
    for column in (
        "round",
        "flow",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
        "seconds",
    ):
        table.add_column(column, justify="right" if column not in ("flow",) else "left")
    for run in result.runs:
        counts = run.summary.get("counts", {})
        table.add_row(
            str(run.round),
            run.flow,
            *(
                str(counts.get(k, 0))
                for k in ("created", "updated", "unchanged", "skipped", "failed")
            ),
            f"{run.seconds:.1f}",
        )
    console.print(table)
    if result.orders:
        orders = Table(title="Orders in MplusKASSA (delivery method, cancelled, shop status)")
        for column in ("shop order", "deliveryMethod", "cancel state", "shop status"):
            orders.add_column(column)
        for number, method, cancel, status in result.orders:
            orders.add_row(str(number), method, cancel, "-" if status is None else str(status))
        console.print(orders)
    if result.held:
        held = Table(title="Held records (taken again on the next run once fixed)")
        for column in ("flow", "record", "reason"):
            held.add_column(column)
        for row in result.held:
            held.add_row(*row)
        console.print(held)
    if result.ok:
        console.print("[green]Both systems agree.[/green]")
    else:
        console.print("[red]The systems do not agree:[/red]")
        for problem in result.disagreements:
            console.print(f"  - {problem}")
    home = prefect_home()
    console.print(
        "\nSee the runs, artifacts and ledger in the Prefect UI:\n"
        f"  PREFECT_HOME={home} .venv/bin/prefect server start\n"
        "  then open http://127.0.0.1:4200 (Runs, and Artifacts for each flow's latest summary)\n"
        f"The activity log: .venv/bin/mkmw ledger show --integration {name} --database {state}"
    )
