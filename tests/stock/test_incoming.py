"""Incoming stock: a MplusKASSA purchase order counts under ``free_plus_incoming`` only.

The purchase order and its delivery are made in raw SOAP (``savePurchaseOrder``,
``savePurchaseDelivery``) against the emulator; the sync-stock flow then runs for two
integrations on the same shop article, one per calculation.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import httpx
import pytest
from lxml import etree

from mkmw_emulators.pair import EmulatorPair
from mkmw_flows.flows.stock import sync_stock
from mkmw_flows.state import StateStore

from .helpers import bind_articles, shop_value

pytestmark = pytest.mark.usefixtures("prefect_server")

MakeIntegration = Callable[..., tuple[str, Any]]
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def _xml(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "".join(_xml(name, v) for v in value)
    if isinstance(value, dict):
        return f"<ns1:{name}>{''.join(_xml(k, v) for k, v in value.items())}</ns1:{name}>"
    return f"<ns1:{name}>{escape(str(value))}</ns1:{name}>"


def _soap(pair: EmulatorPair, operation: str, fields: dict[str, Any]) -> Any:
    envelope = (
        f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{ENV}" xmlns:ns1="urn:mplusqapi">'
        f"<SOAP-ENV:Body>{_xml(operation, fields)}</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    response = httpx.post(
        pair.mplus_url + "/",
        params={"ident": pair.mplus.ident, "secret": pair.mplus.secret},
        content=envelope.encode(),
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": operation},
    )
    assert response.status_code == 200, response.text[:300]
    return etree.fromstring(response.content).find(f"{{{ENV}}}Body")[0]


def _result(answer: Any) -> str:
    return str(answer.findtext("{urn:mplusqapi}result"))


def test_purchase_order_counts_as_incoming_and_its_delivery_is_not_counted_twice(
    emulators: EmulatorPair, make_integration: MakeIntegration
) -> None:
    free_name, free_block = make_integration(emulators, save=True, stock={"calculation": "free"})
    plus_name, _ = make_integration(
        emulators, save=True, stock={"calculation": "free_plus_incoming"}
    )
    store = StateStore(free_block.state_database_url)
    backend = emulators.mplus.backend
    bound = bind_articles(emulators, store, free_name)
    bind_articles(emulators, store, plus_name)
    number = next(
        n
        for n, target in sorted(bound.items())
        if target[1] is None
        and backend.articles[n].get("stockArticle", True)
        and all(lv["incoming"] == 0 for (_b, a), lv in backend.stock.items() if a == n)
        and any(a == n for (_b, a) in backend.stock)
    )
    target = bound[number]
    sync_stock(integration=free_name)
    base = shop_value(emulators, target)
    assert base is not None

    ordered = _soap(
        emulators,
        "savePurchaseOrder",
        {
            "purchaseOrder": {
                "extPurchaseOrderId": "PO-INCOMING-1",
                "branchNumber": 1,
                "lineList": {"line": [{"articleNumber": number, "data": {"quantity": 10}}]},
            }
        },
    )
    assert _result(ordered) == "SAVE-PURCHASE-ORDER-RESULT-OK"
    po = ordered.find("{urn:mplusqapi}info/{urn:mplusqapi}purchaseOrderNumber")
    po_number = {
        "year": po.findtext("{urn:mplusqapi}year"),
        "number": po.findtext("{urn:mplusqapi}number"),
    }
    assert backend.stock_level(number)["incoming"] == Decimal(10)

    # free: the order changes nothing in the shop
    emulators.shop.counters.reset()
    summary = sync_stock(integration=free_name)
    assert summary["shop_writes"] == 0
    assert shop_value(emulators, target) == base

    # free_plus_incoming: the ten ordered pieces are for sale
    sync_stock(integration=plus_name)
    assert shop_value(emulators, target) == base + 10

    delivered = _soap(
        emulators,
        "savePurchaseDelivery",
        {
            "purchaseDelivery": {
                "branchNumber": 1,
                "lineList": {
                    "line": [{"articleNumber": number, "data": {"deliveredQuantity": 10}}]
                },
                "purchaseOrderNumber": po_number,
            }
        },
    )
    assert _result(delivered) == "SAVE-PURCHASE-DELIVERY-RESULT-OK"
    assert backend.stock_level(number)["incoming"] == 0

    # the delivery moves them from incoming to free: the same figure, no write
    emulators.shop.counters.reset()
    summary = sync_stock(integration=plus_name)
    assert summary["mode"] == "incremental"
    assert summary["shop_writes"] == 0
    assert shop_value(emulators, target) == base + 10
    # and now the free calculation counts them too
    sync_stock(integration=free_name)
    assert shop_value(emulators, target) == base + 10
    store.close()
