"""The emulator's wire layer and semantics, checked at the HTTP/SOAP level and on the backend."""
# ruff: noqa: E501  (hand-written SOAP fixtures read better on one line)

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.demo_catalog import ean13_valid
from mkmw_emulators.mplus.server import create_emulator
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.errors import MplusClientFault
from mkmw_flows.mplus.models import Article, Product

from .conftest import IDENT, SECRET

ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def soap(body: str, env: str = "env", urn: str = "urn") -> bytes:
    return (
        f'<{env}:Envelope xmlns:{env}="{ENV}" xmlns:{urn}="urn:mplusqapi"><{env}:Body>{body}'
        f"</{env}:Body></{env}:Envelope>"
    ).encode()


def post(
    url: str, body: bytes, ident: str = IDENT, secret: str = SECRET, **headers: str
) -> httpx.Response:
    return httpx.post(
        f"{url}/",
        params={"ident": ident, "secret": secret},
        content=body,
        headers={"Content-Type": "text/xml; charset=utf-8", **headers},
    )


def test_get_is_405_and_wsdl_is_served_with_its_address_rewritten(served) -> None:
    assert httpx.get(f"{served.url}/").status_code == 405
    wsdl = httpx.get(f"{served.url}/?wsdl")
    assert wsdl.status_code == 200
    assert f'location="{served.url}/"' in wsdl.text
    assert "127.0.0.1:18083" not in wsdl.text and wsdl.text.count("<operation name=") >= 374


@pytest.mark.parametrize(("ident", "secret"), [(IDENT, "wrong"), ("", ""), ("other", SECRET)])
def test_wrong_credentials_give_a_client_fault(served, ident: str, secret: str) -> None:
    response = post(served.url, soap("<urn:getApiVersion/>"), ident, secret)
    assert response.status_code == 500
    assert "<faultcode>SOAP-ENV:Client</faultcode>" in response.text
    client = MplusClient(served.url, IDENT, "wrong", retry_attempts=3, retry_wait_initial=0.01)
    with pytest.raises(MplusClientFault):
        client.get_api_version()
    assert client.stats.calls("getApiVersion") == 1  # a Client fault is never retried


def test_dispatch_on_body_any_prefix_soapaction_ignored(served) -> None:
    response = post(
        served.url, soap("<q:getApiVersion/>", env="s", urn="q"), SOAPAction='"somethingElse"'
    )
    assert response.status_code == 200
    assert (
        "<ns:getApiVersionResponse>" in response.text
        and "<ns:majorNumber>1</ns:majorNumber>" in response.text
    )
    products = post(
        served.url,
        soap(
            "<urn:getProducts><urn:request><urn:pluNumbers/><urn:syncMarker>1</urn:syncMarker>"
            "<urn:syncMarkerLimit>1</urn:syncMarkerLimit></urn:request></urn:getProducts>"
        ),
    )
    assert "<ns:GetProductsResponse>" in products.text


@pytest.mark.parametrize(
    "body",
    [
        "<urn:getProducts><urn:request><urn:pluNumbers/><urn:onlyActive></urn:onlyActive></urn:request></urn:getProducts>",
        "<urn:getProducts><urn:request><urn:articleNumbers>ABC</urn:articleNumbers><urn:pluNumbers/></urn:request></urn:getProducts>",
        "<urn:getProducts><urn:request><urn:pluNumbers/><urn:bogus>1</urn:bogus></urn:request></urn:getProducts>",
        "<urn:deleteEverything/>",
        "<other:getApiVersion xmlns:other='urn:not-mplus'/>",
    ],
    ids=[
        "empty-boolean",
        "non-numeric-article",
        "unknown-element",
        "unknown-operation",
        "wrong-namespace",
    ],
)
def test_bad_requests_give_client_faults(served, body: str) -> None:
    response = post(served.url, soap(body))
    assert response.status_code == 500
    assert "SOAP-ENV:Client" in response.text


def test_booleans_accept_true_false_1_0(served) -> None:
    for value in ("true", "1", "false", "0"):
        body = f"<urn:getProducts><urn:request><urn:articleNumbers>10001</urn:articleNumbers><urn:pluNumbers/><urn:onlyActive>{value}</urn:onlyActive></urn:request></urn:getProducts>"
        assert post(served.url, soap(body)).status_code == 200


def test_products_page_limit_counts_articles_and_never_splits(local, emulator) -> None:
    # demo: product 100 has 12 articles, 101 has 15, 102 has 8 ...
    first = local.get_products(sync_marker=0, sync_marker_limit=5)
    assert [p.product_number for p in first] == [100] and len(
        first[0].articles
    ) == 12  # comes whole
    page = local.get_products(sync_marker=0, sync_marker_limit=30)
    assert [p.product_number for p in page] == [100, 101] and sum(
        len(p.articles) for p in page
    ) == 27
    sizes = [len(p.articles) for p in local.get_products(sync_marker=0, sync_marker_limit=1000)]
    assert sum(sizes) <= 1000 and sum(sizes) == len(emulator.backend.articles)


def test_relations_are_capped_at_1000_a_call() -> None:
    emulator = create_emulator("empty", ident=IDENT, secret=SECRET)
    for i in range(1500):
        emulator.backend.add_relation({"name": f"Klant {i}", "email": f"klant{i}@example.nl"})
    client = MplusClient("http://e", IDENT, SECRET, transport=emulator.transport())
    assert len(client.get_relations(sync_marker=0, sync_marker_limit=5000)) == 1000
    assert len(client.get_relations()) == 1000
    rest = client.get_relations(sync_marker=1001, sync_marker_limit=5000)
    assert len(rest) == 500 and rest[0].sync_marker == 1001


def test_counters_count_calls_and_writes(local, emulator) -> None:
    local.get_api_version()
    local.create_product(Product(description="x", articles=[Article(description="x", vat_code=1)]))
    assert emulator.counters.calls["getApiVersion"] == 1
    assert (
        emulator.counters.writes["createProduct"] == 1
        and emulator.counters.writes["getApiVersion"] == 0
    )


def test_demo_seed_is_deterministic_and_realistic() -> None:
    a = create_emulator("demo").backend
    b = create_emulator("demo").backend
    assert a.articles.keys() == b.articles.keys()
    assert [a.articles[n]["barcode"] for n in sorted(a.articles)] == [
        b.articles[n]["barcode"] for n in sorted(b.articles)
    ]
    assert 200 <= len(a.articles) <= 600
    assert all(ean13_valid(x["barcode"]) for x in a.articles.values())
    assert {x["vatPercentage"] for x in a.articles.values()} == {21, 9, 0}
    assert any(x.get("colour") and x.get("size") for x in a.articles.values())
    assert {branch for branch, _ in a.stock} == {1, 2}
    assert 999999 in a.employees
    assert any(r.get("companyName") for r in a.relations.values())
    assert any(g["_parent"] is not None for g in a.groups.values())
    empty = create_emulator("empty").backend
    assert not empty.articles and 999999 in empty.employees


def test_scaled_seed_builds_100k_articles_in_seconds() -> None:
    started = time.perf_counter()
    backend = create_emulator("100000").backend
    elapsed = time.perf_counter() - started
    assert len(backend.articles) == 100_000
    assert elapsed < 15, elapsed
    assert all(str(n).isdigit() for n in list(backend.articles)[:100])


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError):
        create_emulator("lots")


def test_undelivered_order_reserves_stock_in_its_branch(local, emulator) -> None:
    from mkmw_flows.mplus.models import Order, OrderLine

    before = {b: emulator.backend.stock_level(10010, b) for b in (1, 2)}
    local.create_order(
        Order(
            ext_order_id="R-1",
            employee_number=999999,
            relation_number=1,
            entry_branch_number=2,
            lines=[OrderLine(article_number=10010, quantity=Decimal(3))],
        ),
        idempotency_key="r-1",
    )
    assert emulator.backend.stock_level(10010, 1) == before[1]
    after = emulator.backend.stock_level(10010, 2)
    assert after["reserved"] == before[2]["reserved"] + 3 and after["free"] == before[2]["free"] - 3
    levels = local.get_stock(2, article_numbers=[10010])
    assert levels[0].amount_reserved == Decimal(3)


def test_serve_context_stops_cleanly() -> None:
    emulator = create_emulator("empty")
    with serve(emulator.app) as url:
        assert httpx.get(url + "/").status_code == 405
    with pytest.raises(httpx.HTTPError):
        httpx.get(url + "/", timeout=1)
