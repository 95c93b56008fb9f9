"""Fault injection: reads are retried, writes are not, commit-then-drop leaves one order."""

from __future__ import annotations

import pytest

from mkmw_emulators.core.faults import FaultConfig
from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.server import create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import ServerError, TransportError

from .conftest import PARTNER, TOKEN

ADDRESS = {
    "name": "Fien Fout",
    "zipcode": "3511LX",
    "street": "Oudegracht",
    "number": "1",
    "city": "Utrecht",
    "country_code": "NL",
}


def _client(url: str, retries: int = 4) -> MijnWebwinkelClient:
    return MijnWebwinkelClient(
        url, token=TOKEN, partner_token=PARTNER, retries=retries, backoff=0.01, timeout=3
    )


def test_get_is_retried_on_503() -> None:
    emulator = create_emulator(
        token=TOKEN,
        partner_token=PARTNER,
        faults=FaultConfig(fault_rate=0.5, kinds=("server_error",), seed=3),
    )
    with serve(emulator.app) as url, _client(url, retries=8) as client:
        numbers = [client.get_order(1001).number for _ in range(12)]
        assert numbers == [1001] * 12
        injected = emulator.faults.stats.injected["server_error"]
        assert injected > 0
        assert client.stats.snapshot()["GET /orders/{number}"]["errors"] == injected
        assert emulator.counters.calls["GET /v1/orders/{order_number}"] == 12


def test_get_is_retried_after_a_dropped_connection() -> None:
    emulator = create_emulator(
        token=TOKEN,
        partner_token=PARTNER,
        faults=FaultConfig(fault_rate=0.5, kinds=("drop",), seed=5),
    )
    with serve(emulator.app) as url, _client(url, retries=8) as client:
        assert len(list(client.iter_articles(page_size=2))) == 29
        assert emulator.faults.stats.injected["drop"] > 0


def test_post_is_not_retried_on_503() -> None:
    emulator = create_emulator(
        token=TOKEN,
        partner_token=PARTNER,
        faults=FaultConfig(fault_rate=1.0, kinds=("server_error",)),
    )
    with serve(emulator.app) as url, _client(url) as client:
        with pytest.raises(ServerError):
            client.create_category({"title": "Nieuw"})
        assert emulator.faults.stats.injected["server_error"] == 1
        assert client.stats.calls("POST /categories") == 1


def test_commit_then_drop_on_order_create_then_lookup_shows_one_order() -> None:
    emulator = create_emulator(
        token=TOKEN, partner_token=PARTNER, faults=FaultConfig(commit_then_drop_rate=1.0)
    )
    article_id = emulator.seed_info.article_for_number[20001][0]
    order = {
        "debtor": {"email": "fien@example.nl", "address": {"invoice": ADDRESS}},
        "orderlines": [{"type": "article", "quantity": 1, "articles": [{"id": article_id}]}],
        "payment": {"gateway_name": "basic", "method_name": "cash"},
    }
    with serve(emulator.app) as url, _client(url) as client:
        with pytest.raises(TransportError) as caught:
            client.create_order(order)
        assert caught.value.ambiguous
        assert client.stats.calls("POST /orders") == 1  # not retried blindly
        emulator.faults.reconfigure(FaultConfig())
        # look before you retry: the order was committed
        found = client.list_orders(debtor_email="fien@example.nl")
        assert len(found) == 1
        assert emulator.counters.writes["POST /v1/orders"] == 1
        assert emulator.faults.stats.injected["commit_then_drop"] == 1


def test_latency_is_applied() -> None:
    import time

    emulator = create_emulator(
        seed="empty", token=TOKEN, partner_token=PARTNER, faults=FaultConfig(latency_ms=50)
    )
    with serve(emulator.app) as url, _client(url) as client:
        started = time.perf_counter()
        for _ in range(4):
            client.count_orders()
        assert time.perf_counter() - started >= 0.2
