"""The client alone, against pytest-httpx mocks: retries, Retry-After, redaction, paging."""

from __future__ import annotations

import logging
import pickle
import re
from decimal import Decimal

import httpx
import pytest
from pydantic import SecretStr

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import ServerError, TransportError
from mkmw_flows.mijnwebwinkel.ratelimit import StoreRateLimiter, limiter_for_store

TOKEN = "s3cr3t-store-token"
PARTNER = "s3cr3t-partner-token"
BASE = "https://api.myonlinestore.com"
STORE_URL = re.compile(r"https://api\.myonlinestore\.com/v1/store\?.*")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _client(limiter: StoreRateLimiter | None = None, retries: int = 3) -> MijnWebwinkelClient:
    return MijnWebwinkelClient(
        BASE,
        token=SecretStr(TOKEN),
        partner_token=SecretStr(PARTNER),
        retries=retries,
        backoff=0.001,
        limiter=limiter,
    )


def test_get_retries_server_errors_then_succeeds(httpx_mock) -> None:
    httpx_mock.add_response(url=STORE_URL, status_code=502)
    httpx_mock.add_response(url=STORE_URL, status_code=503, json={"title": "busy", "status": 503})
    httpx_mock.add_response(url=STORE_URL, json={"currency": "EUR", "prices_include_tax": False})
    with _client() as client:
        store = client.get_store()
    assert store.prices_include_tax is False
    assert client.stats.snapshot()["GET /store"] == {
        "calls": 3,
        "errors": 2,
        "seconds": pytest.approx(0, abs=5),
    }


def test_post_is_never_retried_on_5xx(httpx_mock) -> None:
    httpx_mock.add_response(method="POST", status_code=500)
    with _client() as client, pytest.raises(ServerError):
        client.create_category({"title": "x"})
    assert len(httpx_mock.get_requests()) == 1


def test_ambiguous_transport_error_on_post_is_not_retried(httpx_mock) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("timed out"), method="POST")
    with _client() as client, pytest.raises(TransportError) as caught:
        client.create_category({"title": "x"})
    assert caught.value.ambiguous and len(httpx_mock.get_requests()) == 1


def test_connect_error_is_safe_to_retry_even_for_post(httpx_mock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("refused"), method="POST")
    httpx_mock.add_response(method="POST", json={"id": 7, "title": "x"})
    with _client() as client:
        assert client.create_category({"title": "x"}).id == 7


def test_patch_is_retried(httpx_mock) -> None:
    httpx_mock.add_response(method="PATCH", status_code=503)
    httpx_mock.add_response(
        method="PATCH", json={"number": "12", "date": "2024-01-02", "status": 2}
    )
    with _client() as client:
        assert client.set_order_status(12, 2).number == 12
    body = httpx_mock.get_requests()[-1].read()
    assert body == b'{"status":2}'


def test_429_retry_after_pauses_every_client_of_the_store(httpx_mock) -> None:
    fake = FakeTime()
    limiter = StoreRateLimiter(clock=fake.clock, sleep=fake.sleep)
    httpx_mock.add_response(url=STORE_URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=STORE_URL, json={"currency": "EUR"})
    with _client(limiter) as client:
        client.get_store()
    assert fake.slept == [pytest.approx(7.0)]
    assert limiter.pauses == 1


def test_limiter_is_shared_per_store_and_rate_limits() -> None:
    a = limiter_for_store(BASE, TOKEN, 5)
    assert limiter_for_store(BASE + "/", SecretStr(TOKEN)) is a
    assert limiter_for_store(BASE, "another-store") is not a
    fake = FakeTime()
    bucket = StoreRateLimiter(10, clock=fake.clock, sleep=fake.sleep)
    for _ in range(30):
        bucket.acquire()
    assert fake.now == pytest.approx(2.0, abs=0.01)  # 10 burst + 20 at 10/s


def test_two_clients_of_one_store_share_the_limiter() -> None:
    with _client() as one, _client() as two:
        assert one.limiter is two.limiter


def test_tokens_never_in_repr_logs_or_errors(httpx_mock, caplog) -> None:
    httpx_mock.add_response(
        url=STORE_URL,
        status_code=401,
        json={"title": "Unauthorized", "detail": f"bad token {TOKEN}", "status": 401},
    )
    httpx_mock.add_exception(
        httpx.ReadError(f"boom {BASE}/v1/orders?token={TOKEN}&partner_token={PARTNER}")
    )
    caplog.set_level(logging.DEBUG, logger="mkmw_flows")
    with _client(retries=0) as client:
        texts = [repr(client), str(client)]
        for call in (client.get_store, client.count_orders):
            with pytest.raises(Exception) as caught:
                call()
            texts += [
                str(caught.value),
                repr(caught.value),
                repr(pickle.loads(pickle.dumps(caught.value))),
            ]
    texts += [r.getMessage() for r in caplog.records]
    assert len(caplog.records) >= 2
    for text in texts:
        assert TOKEN not in text and PARTNER not in text, text


def test_query_carries_tokens_format_and_language(httpx_mock) -> None:
    httpx_mock.add_response(json=[])
    with MijnWebwinkelClient(BASE, token=TOKEN, partner_token=PARTNER, language="en_GB") as client:
        client.list_orders(status_id=3, archived=False, start_date="2024-01-01", ordering="desc")
    request = httpx_mock.get_requests()[0]
    params = dict(request.url.params)
    assert params["token"] == TOKEN and params["partner_token"] == PARTNER
    assert params["format"] == "json" and params["language"] == "en_GB"
    assert (
        params["archived"] == "false"
        and params["status_id"] == "3"
        and params["ordering"] == "desc"
    )
    assert "authorization" not in request.headers


def test_partner_only_endpoints_send_no_store_token(httpx_mock) -> None:
    httpx_mock.add_response(json=[{"status": 1, "description": "x", "credit_order": False}])
    with _client() as client:
        client.list_order_statuses()
    assert "token" not in dict(httpx_mock.get_requests()[0].url.params)


def test_concurrent_paging_uses_the_count_and_keeps_order(httpx_mock) -> None:
    items = [{"id": i, "name": f"a{i}", "categories": []} for i in range(250)]

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/count"):
            return httpx.Response(200, json={"count": 250})
        offset = int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        return httpx.Response(200, json=items[offset : offset + limit])

    httpx_mock.add_callback(respond, is_reusable=True)
    with _client() as client:
        ids = [a.id for a in client.iter_articles(concurrency=4)]
    assert ids == list(range(250))
    assert len(httpx_mock.get_requests()) == 1 + 3  # count + pages of 100, 100, 50


def test_client_reads_the_live_shapes_of_the_python_sdk(httpx_mock) -> None:
    """The shapes API-NOTES §9.1 lists for live answers ([PY-SDK] 1.0.2), as raw JSON."""
    article = {
        "id": 7,
        "name": "Shirt",
        "stock": None,
        "variants": [
            {
                "id": 90001,
                "options": [
                    {"list_id": 5001, "option_id": 70001, "name": "Rood"},
                    {"list_id": 5002, "option_id": 70004, "name": "M"},
                ],
                "stock": 3,
            }
        ],
        "images": [
            {
                "id": "7e2009bf-0000-4000-8000-000000000001",
                "position": 1,
                "urls": {"full": "https://a/f", "article": "https://a/a", "thumb": "https://a/t"},
            }
        ],
    }
    order = {
        "number": "1001",
        "uuid": "af88e19b-a57b-4aae-a92b-f7078454d1e3",
        "date": "2025-01-01",
        "time": "12:00:00",
        "status": 2,
        "payment": {"gateway_name": "basic", "method_name": "advance", "status": {"id": 1}},
        "price": {"tax": {"amount": "11.80", "rate": "21.00"}, "total": "68.00"},
        "orderlines": [
            {
                "id": "5e77ab8b-c46f-11ec-9c3c-aaee87cff863",
                "type": "article",
                "quantity": 1,
                "description": "Product",
                "price": {"amount": "56.198347", "amount_including_tax": "68.00", "rate": "21.00"},
            }
        ],
        "shipping": [{"country": []}],
        "credited_order_number": 999,
        "credit_order_numbers": [],
        "debtor": {"email": "test@example.com", "address": {"invoice": {"name": "T"}}},
    }
    httpx_mock.add_response(json=article)
    httpx_mock.add_response(json=order)
    with _client() as client:
        parsed = client.get_article(7)
        got = client.get_order(1001)
    assert parsed.stock is None  # "stock": null = unlimited
    assert parsed.variants[0].option_names() == {5001: "Rood", 5002: "M"}
    assert [o.option_id for o in parsed.variants[0].options] == [70001, 70004]
    assert parsed.images[0].position == 1 and parsed.images[0].urls["thumb"] == "https://a/t"
    assert got.number == 1001 and got.credited_order_number == 999
    assert got.price is not None and [t.rate for t in got.price.tax] == [Decimal("21.00")]
    assert got.price.total == Decimal("68.00")
    assert [s.country for s in got.shipping] == [None]
