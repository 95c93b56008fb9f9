"""Client <-> emulator round trips over real HTTP on 127.0.0.1, for every operation."""

from __future__ import annotations

import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator, create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient

from .conftest import PARTNER, TOKEN
from .scenario import ALL_OPERATIONS, run_scenario


def test_every_operation_round_trips(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator
) -> None:
    called = run_scenario(client, emulator)
    assert called == ALL_OPERATIONS
    assert emulator.counters.writes["POST /v1/orders"] == 1
    assert client.stats.calls("GET /articles") >= 4
    assert client.stats.total_calls == emulator.counters.total_calls


def test_live_quirks_still_parse() -> None:
    """The live shapes (API-NOTES §9.1) are answered and the client parses them all."""
    emulator = create_emulator(seed="demo", token=TOKEN, partner_token=PARTNER, live_quirks=True)
    with (
        serve(emulator.app) as url,
        MijnWebwinkelClient(url, token=TOKEN, partner_token=PARTNER) as client,
    ):
        import httpx

        raw = httpx.get(
            f"{url}/v1/orders", params={"token": TOKEN, "partner_token": PARTNER, "limit": 100}
        ).json()
        assert all(isinstance(o["number"], str) for o in raw)
        assert any(isinstance(o["price"]["tax"], dict) for o in raw)
        assert any(o["shipping"] == [{"country": []}] for o in raw)
        regions = httpx.get(
            f"{url}/v1/tax-policy/regions", params={"token": TOKEN, "partner_token": PARTNER}
        ).json()
        assert set(regions) == {"regions"}
        article = httpx.get(
            f"{url}/v1/articles/{emulator.seed_info.article_for_product[100]}",
            params={"token": TOKEN, "partner_token": PARTNER},
        ).json()
        assert isinstance(article["variants"][0]["options"], list)  # API-NOTES §9.1
        assert isinstance(article["images"][0]["urls"], dict)
        called = run_scenario(client, emulator)
        assert called == ALL_OPERATIONS


@pytest.mark.parametrize("seed, articles, orders", [("empty", 0, 0), ("250", 250, 0)])
def test_other_seeds(seed: str, articles: int, orders: int) -> None:
    emulator = create_emulator(seed=seed, token=TOKEN, partner_token=PARTNER)
    with (
        serve(emulator.app) as url,
        MijnWebwinkelClient(url, token=TOKEN, partner_token=PARTNER) as client,
    ):
        assert client.count_articles() == articles
        assert len(list(client.iter_articles(concurrency=3))) == articles
        assert client.count_orders() == orders
        assert [s.status for s in client.list_order_statuses()] == [1, 2, 3, 6, 7, 10]
