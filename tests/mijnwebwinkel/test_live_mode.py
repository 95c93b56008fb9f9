"""Live mode answers in the shapes the live evidence shows (API-NOTES §9.1), and the product's
client reads every one of them into the same values as the spec-mode answers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator, create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient

from .conftest import PARTNER, TOKEN

AUTH = {"token": TOKEN, "partner_token": PARTNER}


class Served:
    def __init__(self, emulator: MijnWebwinkelEmulator, url: str) -> None:
        self.emulator = emulator
        self.url = url

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}/v1{path}", params={**AUTH, **params})
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def live() -> Iterator[Served]:
    emulator = create_emulator(seed="demo", token=TOKEN, partner_token=PARTNER, live_quirks=True)
    emulator.backend.edit_article(
        emulator.seed_info.article_for_product[100],
        images=[{"url": "https://example.org/shirt.jpg", "position": 1}],
    )
    with serve(emulator.app) as url:
        yield Served(emulator, url)


@pytest.fixture
def spec_mode() -> Iterator[Served]:
    emulator = create_emulator(seed="demo", token=TOKEN, partner_token=PARTNER)
    emulator.backend.edit_article(
        emulator.seed_info.article_for_product[100],
        images=[{"url": "https://example.org/shirt.jpg", "position": 1}],
    )
    with serve(emulator.app) as url:
        yield Served(emulator, url)


def test_article_shapes(live: Served, spec_mode: Served) -> None:
    article_id = live.emulator.seed_info.article_for_product[100]
    raw = live.get(f"/articles/{article_id}")
    variant = raw["variants"][0]
    # variant options: a list of {list_id, option_id, name}, never a {list id: name} map
    assert isinstance(variant["options"], list) and len(variant["options"]) == 2
    lists = {item["id"]: {o["id"]: o["name"] for o in item["options"]} for item in raw["lists"]}
    for option in variant["options"]:
        assert set(option) == {"list_id", "option_id", "name"}
        assert lists[option["list_id"]][option["option_id"]] == option["name"]
    # images: position an int, urls one object
    (image,) = raw["images"]
    assert image["position"] == 1
    assert isinstance(image["urls"], dict) and set(image["urls"]) == {"full", "article", "thumb"}
    # spec mode keeps the schema's shapes for the image
    spec_image = spec_mode.get(f"/articles/{article_id}")["images"][0]
    assert spec_image["position"] == "1" and isinstance(spec_image["urls"], list)
    # unlimited stock is an explicit null live; spec mode leaves the key out
    backend = live.emulator.backend
    unlimited = next(a.id for a in backend.ordered_articles() if a.stock is None)
    assert live.get(f"/articles/{unlimited}")["stock"] is None
    assert "stock" not in spec_mode.get(f"/articles/{unlimited}")


def test_order_and_lookup_shapes(live: Served) -> None:
    orders = live.get("/orders", limit=100)
    assert orders and all(isinstance(o["number"], str) for o in orders)
    assert any(isinstance(o["price"]["tax"], dict) for o in orders)
    assert any(o["shipping"] == [{"country": []}] for o in orders)  # the pickup order
    assert all(isinstance(o["credit_order_numbers"], list) for o in orders)
    regions = live.get("/tax-policy/regions")
    assert list(regions) == ["regions"] and regions["regions"][0]["regionCode"] == "NL"
    methods = {m["id"]: m for m in live.get("/shipping/methods")}
    assert methods["2273"]["no_costs_above"] == "50.00"


def test_the_client_reads_live_answers_as_spec_answers(live: Served, spec_mode: Served) -> None:
    with (
        MijnWebwinkelClient(live.url, token=TOKEN, partner_token=PARTNER) as live_client,
        MijnWebwinkelClient(spec_mode.url, token=TOKEN, partner_token=PARTNER) as spec_client,
    ):
        article_id = live.emulator.seed_info.article_for_product[100]
        a_live = live_client.get_article(article_id)
        a_spec = spec_client.get_article(article_id)
        assert [v.option_names() for v in a_live.variants] == [
            v.option_names() for v in a_spec.variants
        ]
        assert all(len(v.option_names()) == 2 for v in a_live.variants)
        assert [o.option_id for o in a_live.variants[0].options] == list(
            live.emulator.backend.articles[article_id].variants[0].option_ids
        )
        for image in (a_live.images[0], a_spec.images[0]):  # image ids are uuids per emulator
            assert set(image.urls) == {"full", "article", "thumb"}
            assert all(url.endswith(f"/{image.id}") for url in image.urls.values())
        assert a_live.images[0].position == a_spec.images[0].position == 1
        assert (a_live.stock is None) == (a_spec.stock is None)  # unlimited stock reads alike

        o_live = list(live_client.iter_orders())
        o_spec = list(spec_client.iter_orders())
        assert [o.number for o in o_live] == [o.number for o in o_spec]
        assert all(isinstance(o.number, int) for o in o_live)
        for one, other in zip(o_live, o_spec, strict=True):
            assert one.price is not None and other.price is not None
            assert one.price.total == other.price.total
            assert [(t.rate, t.amount) for t in one.price.tax] == [
                (t.rate, t.amount) for t in other.price.tax
            ]
        regions = live_client.list_tax_regions()
        assert {r.region_code for r in regions} == {"NL", "BE", "DE"}
        methods = {m.id: m for m in live_client.list_shipping_methods()}
        assert methods["2273"].display_name == "PostNL pakket"
        assert sum(Decimal(str(o.price.total)) for o in o_live if o.price) > 0
