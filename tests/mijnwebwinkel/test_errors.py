"""Typed errors over real HTTP against the emulator: 401/403/404/422/429."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mkmw_emulators.core.serving import serve
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator, create_emulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import (
    CredentialsError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)

from .conftest import PARTNER, TOKEN

ADDRESS = {
    "name": "Jan Jansen",
    "zipcode": "5341GE",
    "street": "Molenstraat",
    "number": "62",
    "city": "Oss",
    "country_code": "NL",
}


def test_wrong_store_token_is_401_and_partner_only_endpoints_still_work(base_url: str) -> None:
    with MijnWebwinkelClient(
        base_url, token="wrong-store", partner_token=PARTNER, retries=0
    ) as client:
        with pytest.raises(CredentialsError) as caught:
            client.get_store()
        assert caught.value.status_code == 401
        assert caught.value.problem and caught.value.problem.title == "Unauthorized"
        assert "wrong-store" not in str(caught.value) and "wrong-store" not in repr(caught.value)
        assert [s.status for s in client.list_order_statuses()] == [1, 2, 3, 6, 7, 10]
        assert client.list_payment_gateways()


def test_wrong_partner_token_is_401_everywhere(base_url: str) -> None:
    with MijnWebwinkelClient(
        base_url, token=TOKEN, partner_token="nope-partner", retries=0
    ) as client:
        for call in (client.get_store, client.list_order_statuses):
            with pytest.raises(CredentialsError):
                call()


def test_special_access_is_403(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator
) -> None:
    article_id = emulator.seed_info.article_for_number[20001][0]
    order = {
        "debtor": {"email": "a@example.nl", "address": {"invoice": ADDRESS}},
        "orderlines": [{"type": "article", "quantity": 1, "articles": [{"id": article_id}]}],
        "payment": {"gateway_name": "basic", "method_name": "cash"},
    }
    with pytest.raises(CredentialsError) as caught:
        client.create_order(order, override_stock=True)
    assert caught.value.status_code == 403
    assert len(emulator.backend.orders) == 10


def test_unknown_ids_are_404(client: MijnWebwinkelClient) -> None:
    for call, arg in (
        (client.get_article, 999999),
        (client.get_order, 1),
        (client.get_category, 9),
        (client.get_article_list, 1),
        (client.get_tax_region, "FR"),
    ):
        with pytest.raises(NotFoundError) as caught:
            call(arg)  # type: ignore[operator]
        assert caught.value.status_code == 404
    assert client.stats.snapshot()["GET /articles/{id}"]["errors"] == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "categories": [], "colour": "red"}, "colour"),  # unknown field
        ({"name": 5, "categories": []}, "name"),  # wrong type
        ({"categories": []}, "name"),  # missing required
        ({"name": "x", "categories": [], "stock": "12"}, "stock"),  # no coercion
        ({"name": "x", "categories": [], "price": {"default": "abc"}}, "price.default"),
        ({"name": "x", "categories": [{"category_id": 1}]}, "categories.category_id"),  # unknown id
    ],
)
def test_invalid_article_bodies_are_422_with_field_errors(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator, body: dict, field: str
) -> None:
    before = len(emulator.backend.articles)
    with pytest.raises(ValidationError) as caught:
        client.create_article(body)
    error = caught.value
    assert error.status_code == 422 and error.problem and error.problem.status == 422
    assert field in {e.field for e in error.field_errors}
    assert len(emulator.backend.articles) == before
    assert client.stats.calls("POST /articles") == 1  # never retried


def test_order_rules_are_422_and_do_not_consume_a_number(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator
) -> None:
    backend = emulator.backend
    article_id = emulator.seed_info.article_for_number[20001][0]
    stock = backend.articles[article_id].stock
    line = {"type": "article", "quantity": stock + 1, "articles": [{"id": article_id}]}
    order = {
        "debtor": {"email": "a@example.nl", "address": {"invoice": ADDRESS}},
        "orderlines": [line],
        "payment": {"gateway_name": "basic", "method_name": "cash"},
    }
    with pytest.raises(ValidationError) as caught:
        client.create_order(order)
    assert caught.value.field_errors[0].field == "orderlines[0].quantity"
    with pytest.raises(ValidationError) as caught:
        client.create_order(
            {**order, "orderlines": [{**line, "quantity": 1}], "business_model": "B2B"}
        )
    assert caught.value.field_errors[0].field == "debtor.address.invoice.company"
    with pytest.raises(ValidationError):
        client.update_order(1001, {"status": 99})
    next_number = backend.next_order_number
    created = client.create_order({**order, "orderlines": [{**line, "quantity": 1}]})
    assert created.number == next_number
    assert backend.articles[article_id].stock == stock - 1


def test_variant_articles_need_a_complete_option_choice(
    client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator
) -> None:
    article_id = emulator.seed_info.article_for_product[100]
    order = {
        "debtor": {"email": "a@example.nl", "address": {"invoice": ADDRESS}},
        "orderlines": [{"type": "article", "quantity": 1, "articles": [{"id": article_id}]}],
        "payment": {"gateway_name": "basic", "method_name": "cash"},
    }
    with pytest.raises(ValidationError) as caught:
        client.create_order(order)
    assert "incomplete variant" in caught.value.field_errors[0].message


def test_rate_limit_429_carries_retry_after_and_the_client_waits() -> None:
    emulator = create_emulator(seed="empty", token=TOKEN, partner_token=PARTNER, rate_limit=4)
    with serve(emulator.app) as url:
        with MijnWebwinkelClient(url, token=TOKEN, partner_token=PARTNER, retries=0) as impatient:
            with pytest.raises(RateLimitedError) as caught:
                for _ in range(20):
                    impatient.count_articles()
            assert caught.value.status_code == 429 and caught.value.retry_after == 1.0
        emulator.rate_limit.rejected = 0
        with MijnWebwinkelClient(url, token=TOKEN, partner_token=PARTNER, retries=5) as patient:
            for _ in range(8):
                assert patient.count_articles() == 0
            assert patient.limiter.pauses >= 1
            assert patient.limiter.waited_seconds >= 0.5


def test_problem_details_keep_the_body(client: MijnWebwinkelClient) -> None:
    with pytest.raises(ValidationError) as caught:
        client.update_article(1001, {"price": {"default": Decimal("1.00")}, "bogus": True})
    problem = caught.value.problem
    assert problem is not None and problem.type and problem.title == "Invalid Payload"
    assert ("bogus", "Extra inputs are not permitted") in {
        (e.field, e.message) for e in problem.errors
    }
