"""The shop's order status list: configurable, a cancelled status, PATCH, the status feed, stock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.backend import MijnWebwinkelBackend, Order, OrderStatus
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator, create_emulator
from mkmw_emulators.mijnwebwinkel.statuses import parse_order_statuses
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError

from .conftest import PARTNER, TOKEN
from .spec import validate_request, validate_response

AUTH = {"token": TOKEN, "partner_token": PARTNER}
INVOICE = {"name": "Eva de Vries", "zipcode": "3511AB", "city": "Utrecht", "country_code": "NL"}


class Clock:
    """A pinned shop clock a day after the demo seed's orders."""

    def __init__(self) -> None:
        self.now = (dt.datetime.now() + dt.timedelta(days=1)).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: int) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now


def _variant_order(backend: MijnWebwinkelBackend, product: int, quantity: int) -> Order:
    article = backend.articles[product]
    variant = article.variants[0]
    return backend.add_order(
        email="eva@example.nl",
        invoice=INVOICE,
        lines=[
            {
                "type": "article",
                "article_id": article.id,
                "quantity": quantity,
                "option_ids": list(variant.option_ids),
            }
        ],
    )


def test_default_list_has_a_cancelled_status(client: MijnWebwinkelClient) -> None:
    statuses = {s.status: s for s in client.list_order_statuses()}
    assert sorted(statuses) == [1, 2, 3, 6, 7, 10]
    assert statuses[7].description == "Geannuleerd"
    assert statuses[7].credit_order is False
    assert statuses[10].credit_order is True
    assert [s for s in statuses.values() if s.credit_order] == [statuses[10]]


def test_configured_list_is_served_and_validated() -> None:
    text = "1=Nieuw,4=Verzonden,9=Geannuleerd:cancelled,12=Creditnota:credit"
    emulator = create_emulator(
        seed="empty", token=TOKEN, partner_token=PARTNER, order_statuses=text
    )
    assert emulator.backend.statuses[9].cancelled
    with serve(emulator.app) as url:
        response = httpx.get(f"{url}/v1/orderstatuses", params={"partner_token": PARTNER})
        validate_response(response.request, 200, response.content, "application/json")
        assert response.json() == [
            {"status": 1, "description": "Nieuw", "credit_order": False},
            {"status": 4, "description": "Verzonden", "credit_order": False},
            {"status": 9, "description": "Geannuleerd", "credit_order": False},
            {"status": 12, "description": "Creditnota", "credit_order": True},
        ]
    # the demo seed's orders use 2, 3 and 6: a list without them is refused by name
    with pytest.raises(ValueError, match=r"statuses \[2, 3, 6\]"):
        create_emulator(seed="demo", order_statuses=text)
    kept = create_emulator(seed="empty").backend
    with pytest.raises(ValueError, match="cannot also mean cancelled"):
        kept.set_statuses([OrderStatus(1, "Open"), OrderStatus(4, "X", True, cancelled=True)])
    assert sorted(kept.statuses) == [1, 2, 3, 6, 7, 10]  # unchanged
    records = [OrderStatus(1, "Open"), OrderStatus(5, "Weg", cancelled=True)]
    backend = create_emulator(seed="empty", order_statuses=records).backend
    assert sorted(backend.statuses) == [1, 5] and backend.statuses[5].cancelled


@pytest.mark.parametrize(
    "text, message",
    [
        ("1:In behandeling", "use id=description"),
        ("x=Open", "use id=description"),
        ("1=Open:gone", "cancelled or credit"),
        (" , ", "empty"),
        ("1=Open,1=Dubbel", "duplicate"),
        ("10=Credit:credit", "normal orders"),
    ],
)
def test_bad_status_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        create_emulator(seed="empty", order_statuses=parse_order_statuses(text))


def test_patch_to_cancelled_moves_the_feed_and_gives_stock_back(
    emulator: MijnWebwinkelEmulator, base_url: str
) -> None:
    backend = emulator.backend
    clock = Clock()
    backend.set_clock(clock)
    product = emulator.seed_info.article_for_product[100]
    variant = backend.articles[product].variants[0]
    backend.set_stock(product, 5, variant.id)
    order = _variant_order(backend, product, 2)
    assert variant.stock == 3

    clock.advance(90)
    cancelled_at = clock.now
    response = httpx.patch(f"{base_url}/v1/orders/{order.number}", params=AUTH, json={"status": 7})
    validate_request(response.request)
    validate_response(response.request, response.status_code, response.content, "application/json")
    body = response.json()
    assert (body["status"], body["status_changed_date"], body["status_changed_time"]) == (
        7,
        cancelled_at.date().isoformat(),
        cancelled_at.strftime("%H:%M:%S"),
    )
    assert variant.stock == 5  # given back (inferred: API-NOTES §9.2)

    # the change feed: only orders whose status changed since the cursor
    cursor = (cancelled_at - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    feed = httpx.get(
        f"{base_url}/v1/orders",
        params={**AUTH, "status_changed_start_date": cursor, "limit": 100},
    )
    validate_request(feed.request)
    assert [o["number"] for o in feed.json()] == [order.number]
    by_status = httpx.get(f"{base_url}/v1/orders", params={**AUTH, "status_id": 7}).json()
    assert [o["number"] for o in by_status] == [order.number]

    # cancelling again changes nothing; the same status does not stamp a new time
    clock.advance(5)
    again = httpx.patch(f"{base_url}/v1/orders/{order.number}", params=AUTH, json={"status": 7})
    assert again.json()["status_changed_time"] == cancelled_at.strftime("%H:%M:%S")
    assert variant.stock == 5

    # reopening takes the stock again
    reopened_at = clock.advance(5)
    back = httpx.patch(f"{base_url}/v1/orders/{order.number}", params=AUTH, json={"status": 3})
    assert back.status_code == 200
    assert back.json()["status_changed_time"] == reopened_at.strftime("%H:%M:%S")
    assert variant.stock == 3


def test_reopening_needs_stock_unless_overridden(
    emulator: MijnWebwinkelEmulator, base_url: str
) -> None:
    backend = emulator.backend
    product = emulator.seed_info.article_for_product[100]
    variant = backend.articles[product].variants[0]
    backend.set_stock(product, 2, variant.id)
    order = _variant_order(backend, product, 2)
    backend.set_order_status(order.number, 7)
    assert variant.stock == 2
    backend.set_stock(product, 1, variant.id)  # sold elsewhere meanwhile

    refused = httpx.patch(f"{base_url}/v1/orders/{order.number}", params=AUTH, json={"status": 1})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "status", "message": "insufficient stock"}]
    assert (backend.orders[order.number].status, variant.stock) == (7, 1)  # nothing changed

    forbidden = httpx.patch(
        f"{base_url}/v1/orders/{order.number}",
        params={**AUTH, "override_stock": "true"},
        json={"status": 1},
    )
    assert forbidden.status_code == 403
    backend.special_access = True
    forced = httpx.patch(
        f"{base_url}/v1/orders/{order.number}",
        params={**AUTH, "override_stock": "true"},
        json={"status": 1},
    )
    assert forced.status_code == 200 and variant.stock == -1


def test_credit_status_and_unknown_status_are_refused(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator
) -> None:
    number = emulator.seed_info.order_numbers[0]
    for status, message in ((10, "credit"), (8, "Unknown order status 8")):
        with pytest.raises(MijnWebwinkelError) as caught:
            client.set_order_status(number, status)
        assert caught.value.status_code == 422
        assert message in str(caught.value)
    assert emulator.backend.orders[number].status != 10


def test_placing_an_order_as_cancelled_keeps_no_stock(emulator: MijnWebwinkelEmulator) -> None:
    backend = emulator.backend
    product = emulator.seed_info.article_for_product[100]
    variant = backend.articles[product].variants[0]
    backend.set_stock(product, 4, variant.id)
    article = backend.articles[product]
    order = backend.add_order(
        email="eva@example.nl",
        invoice=INVOICE,
        status=7,
        lines=[
            {
                "type": "article",
                "article_id": article.id,
                "quantity": 3,
                "option_ids": list(variant.option_ids),
            }
        ],
    )
    assert variant.stock == 4 and order.stock_returned
    backend.set_order_status(order.number, 1)
    assert variant.stock == 1


def test_cli_flag_configures_the_served_list(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from mkmw_flows.cli.main import app

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda asgi, **kwargs: served.append(asgi))
    runner = CliRunner()
    flag = "1=Open,5=Geannuleerd:cancelled,11=Credit:credit"
    result = runner.invoke(
        app,
        [
            "emulate",
            "mijnwebwinkel",
            "--seed",
            "empty",
            "--partner-token",
            PARTNER,
            "--order-statuses",
            flag,
        ],
    )
    assert result.exit_code == 0, result.output
    with serve(served[0]) as url:
        listed = httpx.get(f"{url}/v1/orderstatuses", params={"partner_token": PARTNER}).json()
    flags = [(s["status"], s["credit_order"]) for s in listed]
    assert flags == [(1, False), (5, False), (11, True)]

    bad = runner.invoke(app, ["emulate", "mijnwebwinkel", "--order-statuses", "1:Open"])
    assert bad.exit_code == 2
    assert "id=description" in bad.output
    assert len(served) == 1
