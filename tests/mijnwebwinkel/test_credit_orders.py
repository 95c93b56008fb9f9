"""POST /orders/credit as the spec defines it, every exchange validated with openapi-core."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from mkmw_emulators.mijnwebwinkel.backend import Order
from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator
from mkmw_flows.mijnwebwinkel.models import Order as ClientOrder

from .conftest import PARTNER, TOKEN
from .spec import schema_errors, validate_request, validate_response

AUTH = {"token": TOKEN, "partner_token": PARTNER}
INVOICE = {"name": "Eva de Vries", "zipcode": "3511AB", "city": "Utrecht", "country_code": "NL"}


class Shop:
    """An order of 2 of a variant (stock 5 - 2), 2 custom lines and PostNL shipping (4.95)."""

    def __init__(self, emulator: MijnWebwinkelEmulator, url: str) -> None:
        self.backend = emulator.backend
        self.url = url
        self.product = emulator.seed_info.article_for_product[100]
        self.variant = self.backend.articles[self.product].variants[0]
        self.option_ids = list(self.variant.option_ids)
        self.backend.set_stock(self.product, 5, self.variant.id)
        self.order: Order = self.backend.add_order(
            email="eva@example.nl",
            invoice=INVOICE,
            lines=[
                {
                    "type": "article",
                    "article_id": self.product,
                    "quantity": 2,
                    "option_ids": self.option_ids,
                },
                {
                    "type": "custom",
                    "description": "Cadeauverpakking",
                    "quantity": 2,
                    "unit_price_excl": Decimal("1.95"),
                    "rate": Decimal("21.00"),
                    "unit_weight": Decimal("0.1"),
                },
            ],
            shipping_method_id="2273",
        )
        assert self.variant.stock == 3
        assert [line.type for line in self.order.lines] == ["article", "custom", "shipping"]

    def article_line(self, quantity: int) -> dict[str, Any]:
        return {
            "type": "article",
            "quantity": quantity,
            "articles": [
                {
                    "id": self.product,
                    "options": [{"list_option_id": o} for o in self.option_ids],
                }
            ],
        }

    def credit(self, body: dict[str, Any], **params: str) -> httpx.Response:
        body = {"credited_order_number": str(self.order.number), "status": 10, **body}
        response = httpx.post(f"{self.url}/v1/orders/credit", params={**AUTH, **params}, json=body)
        try:
            validate_request(response.request)
        except Exception as exc:  # noqa: BLE001
            pytest.fail(f"request breaks the spec: {schema_errors(exc)}")
        if response.status_code == 200:
            try:
                validate_response(
                    response.request, 200, response.content, response.headers["content-type"]
                )
            except Exception as exc:  # noqa: BLE001
                pytest.fail(f"response breaks the spec: {schema_errors(exc)}")
        return response


@pytest.fixture
def shop(emulator: MijnWebwinkelEmulator, base_url: str) -> Shop:
    return Shop(emulator, base_url)


def _lines(order: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [line for line in order["orderlines"] if line["type"] == kind]


def test_partial_credit_returns_stock_and_links_the_orders(shop: Shop) -> None:
    response = shop.credit(
        {
            "orderlines": [shop.article_line(1)],
            "shipping_costs": "0",
            "comments": {"internal": "Retour in de winkel"},
            "offline_location_id": "7127e08a-4af0-4fdf-ac7b-157be3345df0",
        }
    )
    assert response.status_code == 200, response.text
    credit = response.json()
    original = shop.order
    assert credit["number"] == original.number + 1
    assert credit["credited_order_number"] == original.number
    assert credit["status"] == 10
    assert "payment" not in credit  # credit orders carry no payment information (spec)
    assert credit["comments"] == {"customer": "", "internal": "Retour in de winkel"}
    (line,) = credit["orderlines"]
    unit = original.lines[0].unit_prices[0]
    assert line["quantity"] == 1
    assert line["price"]["amount_including_tax"] == f"{-unit.amount_including_tax}"
    assert line["articles"][0]["id"] == shop.product
    assert credit["price"]["total"] == f"{-unit.amount_including_tax}"
    assert shop.variant.stock == 4  # mutate_stock defaults to true
    again = httpx.get(f"{shop.url}/v1/orders/{original.number}", params=AUTH).json()
    assert again["credit_order_numbers"] == [credit["number"]]
    # the product's client reads a credit order
    parsed = ClientOrder.model_validate(credit)
    assert parsed.credited_order_number == original.number
    assert parsed.price is not None and parsed.price.total == -unit.amount_including_tax


def test_full_credit_credits_the_costs_by_default(shop: Shop) -> None:
    response = shop.credit(
        {
            "orderlines": [
                shop.article_line(2),
                {
                    "type": "custom",
                    "quantity": 2,
                    "description": "Cadeauverpakking",
                    "unit_price": {"amount": "1.95", "rate": "21.00"},
                },
            ],
            "archived": True,
        },
        mutate_stock="false",
    )
    assert response.status_code == 200, response.text
    credit = response.json()
    assert credit["archived"] is True
    (shipping,) = _lines(credit, "shipping")
    assert shipping["price"]["amount_including_tax"] == "-4.95"  # PostNL, the original cost
    assert Decimal(credit["price"]["total"]) == -shop.order.total
    assert shop.variant.stock == 3  # mutate_stock=false: stock untouched
    # nothing is left to credit
    left = shop.credit({"orderlines": [shop.article_line(1)]})
    assert left.status_code == 422
    assert left.json()["errors"] == [
        {"field": "orderlines[0].quantity", "message": "more than ordered"}
    ]


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"status": 3}, "status", "not a credit status"),
        ({"status": 99}, "status", "unknown status"),
        ({"credited_order_number": "999999"}, "credited_order_number", "not found"),
        ({"orderlines": []}, "orderlines", "required"),
        ({"quantity": 0}, "orderlines[0].quantity", "must be positive"),
        ({"quantity": 3}, "orderlines[0].quantity", "more than ordered"),
        ({"shipping_costs": "5.00"}, "shipping_costs", "higher than the original costs"),
        ({"payment_costs": "0.50"}, "payment_costs", "higher than the original costs"),
        ({"custom": "Inpakpapier"}, "orderlines[0].description", "not in the original order"),
        ({"custom_price": "2.95"}, "orderlines[0].unit_price", "differs from the original"),
        ({"article": 999999}, "orderlines[0].articles[0].id", "not in the original order"),
    ],
)
def test_invalid_credits_are_refused_and_change_nothing(
    shop: Shop, body: dict[str, Any], field: str, message: str
) -> None:
    line = shop.article_line(body.pop("quantity", 1))
    if "custom" in body or "custom_price" in body:
        line = {
            "type": "custom",
            "quantity": 1,
            "description": body.pop("custom", "Cadeauverpakking"),
            "unit_price": {"amount": body.pop("custom_price", "1.95"), "rate": "21.00"},
        }
    if "article" in body:
        line["articles"][0] = {"id": body.pop("article")}
    before = (shop.backend.next_order_number, shop.variant.stock)
    response = shop.credit({"orderlines": [line], **body})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["status"] == 422 and problem["detail"]
    assert {"field": field, "message": message} in problem["errors"]
    assert (shop.backend.next_order_number, shop.variant.stock) == before
    assert shop.order.credit_order_numbers == []


def test_all_items_credited_needs_the_costs_in_full(shop: Shop) -> None:
    first = shop.credit({"orderlines": [shop.article_line(1)], "shipping_costs": "1.00"})
    assert first.status_code == 200
    assert _lines(first.json(), "shipping")[0]["price"]["amount"] == "-1.000000"
    rest = [
        shop.article_line(1),
        {"type": "custom", "quantity": 2, "description": "Cadeauverpakking"},
    ]
    short = shop.credit({"orderlines": rest, "shipping_costs": "2.00"})
    assert short.status_code == 422
    assert short.json()["errors"] == [
        {"field": "shipping_costs", "message": "must be credited in full"}
    ]
    final = shop.credit({"orderlines": rest})  # omitted: what is left of the costs
    assert final.status_code == 200
    shipping = _lines(final.json(), "shipping")[0]["price"]
    assert Decimal(shipping["amount"]) == -(Decimal("4.090909") - Decimal("1.000000"))
    totals = [Decimal(first.json()["price"]["total"]), Decimal(final.json()["price"]["total"])]
    assert abs(sum(totals) + shop.order.total) <= Decimal("0.01")  # rounding of the split cost
    assert shop.variant.stock == 5


def test_a_credit_order_cannot_be_credited_or_take_normal_statuses(shop: Shop) -> None:
    credit = shop.credit({"orderlines": [shop.article_line(1)], "shipping_costs": "0"}).json()
    again = httpx.post(
        f"{shop.url}/v1/orders/credit",
        params=AUTH,
        json={
            "credited_order_number": str(credit["number"]),
            "status": 10,
            "orderlines": [shop.article_line(1)],
        },
    )
    assert again.status_code == 422
    assert again.json()["errors"] == [{"field": "credited_order_number", "message": "credit order"}]
    patched = httpx.patch(
        f"{shop.url}/v1/orders/{credit['number']}", params=AUTH, json={"status": 3}
    )
    assert patched.status_code == 422


def test_crediting_a_cancelled_order_puts_nothing_back_twice(shop: Shop) -> None:
    shop.backend.set_order_status(shop.order.number, 7)
    assert shop.variant.stock == 5
    response = shop.credit({"orderlines": [shop.article_line(1)], "shipping_costs": "0"})
    assert response.status_code == 200
    assert shop.variant.stock == 5
    shop.backend.set_order_status(shop.order.number, 1)  # reopened: only the uncredited unit
    assert shop.variant.stock == 4


def test_body_shape_errors_are_field_errors(shop: Shop) -> None:
    response = httpx.post(
        f"{shop.url}/v1/orders/credit",
        params=AUTH,
        json={"credited_order_number": str(shop.order.number), "orderlines": []},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"status"}
    bad_uuid = httpx.post(
        f"{shop.url}/v1/orders/credit",
        params=AUTH,
        json={
            "credited_order_number": str(shop.order.number),
            "status": 10,
            "orderlines": [shop.article_line(1)],
            "offline_location_id": "x",
        },
    )
    assert bad_uuid.status_code == 422
    assert bad_uuid.json()["errors"][0]["field"] == "offline_location_id"


def test_the_spec_example_body_is_accepted(shop: Shop) -> None:
    """The spec's CreditOrderPostable example, with this shop's ids.

    It sends ``comments.customer`` (read-only in the schema) and ``list_option_id`` as a string
    (an integer in the schema), so the request is not validated; the answer is.
    """
    body = {
        "credited_order_number": str(shop.order.number),
        "status": 10,
        "archived": False,
        "comments": {
            "customer": "The dress did not fit me after all",
            "internal": "Returned in physical store",
        },
        "orderlines": [
            {
                "type": "article",
                "quantity": 1,
                "articles": [
                    {
                        "id": shop.product,
                        "options": [{"list_option_id": str(o)} for o in shop.option_ids],
                    }
                ],
            },
            {
                "type": "custom",
                "quantity": 1,
                "description": "Cadeauverpakking",
                "unit_price": {"amount": "1.95", "rate": "21.00"},
            },
        ],
        "shipping_costs": "3.14",
        "payment_costs": "0",
        "offline_location_id": "7127e08a-4af0-4fdf-ac7b-157be3345df0",
    }
    response = httpx.post(f"{shop.url}/v1/orders/credit", params=AUTH, json=body)
    assert response.status_code == 200, response.text
    validate_response(response.request, 200, response.content, "application/json")
    credit = response.json()
    assert credit["comments"]["customer"] == "The dress did not fit me after all"
    assert credit["offline_location_id"] == body["offline_location_id"]
    assert [line["type"] for line in credit["orderlines"]] == ["article", "custom", "shipping"]
    assert _lines(credit, "shipping")[0]["price"] == {
        "amount": "-3.140000",
        "amount_including_tax": "-3.80",
        "rate": "21.00",
    }
