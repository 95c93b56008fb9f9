"""What the leak scan scans when it runs alone: real flow runs that touch every place.

Against both emulators (demo seeds, credentials the suite knows as secrets) it runs, on the
session's Prefect server: a products dry run and a real products run, an orders dry run and
a real orders run in which MplusKASSA refuses some orders (an unknown delivery method: failed
records with MplusKASSA's own error text in the ledger) and others are held (an unmapped
payment method), a stock run, and a stock run that fails as a whole because MplusKASSA
refuses the secret it sends (a wrong secret and a wrong shop token, both known secrets: the
exception text goes into the flow run's state, and the test keeps it to scan).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.blocks import Integration

from .scan import exception_text

#: A wrong secret and token the failing run sends; both are in the suite's known secrets.
WRONG_MPLUS_SECRET = "s3cr3t-mplus-value"
WRONG_SHOP_TOKEN = "tok-abcdef123"
#: A delivery method MplusKASSA does not list: it refuses the orders that get it.
UNKNOWN_DELIVERY_METHOD = "BEZORGER-ONBEKEND"

ORDER_SETTINGS: dict[str, Any] = {
    "vat_codes": [
        {"rate": 21, "vat_code": 1},
        {"rate": 9, "vat_code": 2},
        {"rate": 0, "vat_code": 3},
    ],
    "shipping_articles": [
        {"shop_method": method, "article_number": 999}
        for method in ("PostNL pakket", "2274", "DHL Deutschland")
    ],
    # orders sent with bpost get a method MplusKASSA refuses; the others go through
    "delivery_methods": [
        {"shop_method": "PostNL pakket", "delivery_method": "POSTNL"},
        {"shop_method": "bpost België", "delivery_method": UNKNOWN_DELIVERY_METHOD},
    ],
    "default_delivery_method": "POSTNL",
    # no row for payment by card at the counter: those orders are held
    "payment_methods": [
        {"shop_method": shop, "mplus_method": mplus}
        for shop, mplus in (("ideal", "IDEAL"), ("paypal", "WEBSHOP"), ("advance", "WEBSHOP"))
    ],
    "backfill_days": 60,
}


@dataclass
class Material:
    """What the scenario made and where it is."""

    name: str
    state_db: Path
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    exception_texts: list[str] = field(default_factory=list)


def _save(block: Integration, name: str) -> None:
    from prefect.exceptions import ObjectAlreadyExists

    try:
        block.save(name, overwrite=True)
    except ObjectAlreadyExists:  # a first save on a fresh server can race on the block type
        block.save(name, overwrite=True)


def _option_lists(pair: EmulatorPair) -> dict[str, int]:
    backend = pair.shop.backend
    lists = {}
    for name in ("Kleur", "Maat"):
        found = next((lst.id for lst in backend.lists.values() if lst.name == name), None)
        lists[name] = found if found is not None else backend.create_list(name).id
    return lists


def produce(workdir: Path) -> Material:
    """Run the scenario (see the module docstring); the Prefect server must be up."""
    from mkmw_flows.flows.orders import sync_orders
    from mkmw_flows.flows.products import sync_products
    from mkmw_flows.flows.stock import sync_stock

    tag = uuid.uuid4().hex[:8]
    material = Material(name=f"leaks-{tag}", state_db=workdir / "state.db")
    with EmulatorPair() as pair:
        fields: dict[str, Any] = pair.credentials()
        fields["state_database_url"] = str(material.state_db)
        fields["products"] = {"option_lists": _option_lists(pair)}
        fields["orders"] = ORDER_SETTINGS
        _save(Integration(**fields), material.name)
        wrong = {**fields, "state_database_url": str(workdir / "wrong.db")}
        wrong["mplus"] = {**fields["mplus"], "secret": WRONG_MPLUS_SECRET}
        wrong["mijnwebwinkel"] = {**fields["mijnwebwinkel"], "token": WRONG_SHOP_TOKEN}
        _save(Integration(**wrong), f"{material.name}-wrong")

        runs = {
            "products plan": lambda: sync_products(integration=material.name, dry_run=True),
            "products": lambda: sync_products(integration=material.name),
            "orders plan": lambda: sync_orders(integration=material.name, dry_run=True),
            "orders": lambda: sync_orders(integration=material.name),
            "stock": lambda: sync_stock(integration=material.name),
        }
        for label, run in runs.items():
            material.summaries[label] = run()
        try:
            sync_stock(integration=f"{material.name}-wrong")
        except Exception as exc:  # noqa: BLE001 - the refused credentials: what we came for
            material.exception_texts.append(exception_text(exc))
    _flush_logs()
    return material


def _flush_logs() -> None:
    """Send the run loggers' buffered records to the server and let its event writer catch up."""
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    time.sleep(1)
