"""The hostile-input corpus: one small declarative entry per bad input.

A :class:`Case` says what is planted where (``plant``), which flow run takes it (``group``),
what must come out (``expect``: a ledger reason code, ``created`` / ``updated`` for input that
must survive intact, or ``error:<TypedError>`` for a flow that must stop with a clear message)
and what must not have been written (``check``). Cases of one group share one flow run, so a
bad record always travels in a batch with good ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mkmw_emulators.mijnwebwinkel.backend import Address

from .wire import (
    HTML_PAGE,
    MALFORMED_JSON,
    Rule,
    edit_order_line,
    entity_bomb,
    problem,
    xxe_answer,
)

if TYPE_CHECKING:
    from .test_corpus import Run

#: Shop article ids and MplusKASSA numbers of the demo seeds.
GIFT_10 = 1025  # SKU 20033, VAT 0 %, no stock kept
COFFEE = 1012  # SKU 20001, VAT 9 %

XML_TEXT = '<b>&amp; "O\'Neil" & ]]> &lt;x&gt; </b>'
RTL_TEXT = "Zoë 😀 שלום עליכם مرحبا بكم 👨‍👩‍👧"
LONG_TEXT = "L" * 10_000


@dataclass(frozen=True)
class Case:
    """One hostile input.

    Attributes:
        id: Short name (the pytest id).
        group: The flow run that takes it.
        hostile: What is bad about it, in the words of the issue.
        plant: Puts the input in place; returns the ledger record key ("" for flow-level).
        expect: A reason code, ``created``/``updated``, or ``error:<TypedError>``.
        check: Extra assertions on the data: nothing half-written, text intact.
    """

    id: str
    group: str
    hostile: str
    plant: Callable[[Run], str]
    expect: str
    check: Callable[[Run, str], None] | None = None


@dataclass
class Group:
    """A flow run shared by several cases.

    Attributes:
        flow: ``orders`` or ``stock``.
        sequential: One flow run per case, in table order, each with only its own hostile
            answers in place (for answers that stop a whole run); else one run for all.
        settings: Overrides of the flow's settings.
    """

    flow: str
    sequential: bool = False
    settings: dict[str, Any] = field(default_factory=dict)


# ---- planting helpers ------------------------------------------------------------------------


def person(
    name: str = "Jan Jansen",
    *,
    country: str = "NL",
    company: str = "",
    street: str = "Molenstraat",
    city: str = "Oss",
    phone: str = "0612345678",
) -> Address:
    return Address(
        name=name,
        zipcode="5341GE",
        street=street,
        number="62",
        city=city,
        country_code=country,
        company=company,
        phone=phone,
    )


def shop_order(run: Run, email: str, **kwargs: Any) -> str:
    """A paid shop order (a gift card by default: no stock) with status 3; its number."""
    lines = kwargs.pop("lines", None) or [{"type": "article", "article_id": GIFT_10}]
    order = run.pair.shop.backend.add_order(
        email=email,
        invoice=kwargs.pop("address", None) or person(),
        lines=lines,
        payment=kwargs.pop("payment", ("mollie", "ideal")),
        payment_status_id=1,
        status=3,
        **kwargs,
    )
    return str(order.number)


def _order(number: str, run: Run) -> Any:
    return run.pair.shop.backend.orders[int(number)]


def with_line(change: Callable[[Any], None], email: str) -> Callable[[Run], str]:
    """A shop order whose first line is changed after the shop accepted it."""

    def plant(run: Run) -> str:
        number = shop_order(run, email)
        change(_order(number, run).lines[0])
        return number

    return plant


def _set_price(value: str) -> Callable[[Any], None]:
    def change(line: Any) -> None:
        line.unit_prices[0].amount_including_tax = Decimal(value)
        line.unit_prices[0].amount = Decimal(value)

    return change


def _set_qty(value: int) -> Callable[[Any], None]:
    def change(line: Any) -> None:
        line.quantity = value

    return change


def sku_order(sku: str, email: str) -> Callable[[Run], str]:
    """A shop order for a shop article with `sku` that no binding links."""

    def plant(run: Run) -> str:
        article = run.pair.shop.backend.add_article(f"Artikel {sku}", sku=sku, price="5.00")
        return shop_order(run, email, lines=[{"type": "article", "article_id": article.id}])

    return plant


def wired_order(email: str, *rules: Callable[[Run, str], Rule]) -> Callable[[Run], str]:
    """A good shop order whose calls for it meet the hostile answers of `rules`."""

    def plant(run: Run) -> str:
        number = shop_order(run, email)
        for make in rules:
            rule = make(run, number)
            (run.mplus_wire if rule.side == "mplus" else run.shop_wire).rules.append(rule)
        return number

    return plant


def _create_order_rule(**kwargs: Any) -> Callable[[Run, str], Rule]:
    def make(run: Run, number: str) -> Rule:
        return Rule(
            "mplus",
            "createOrderV3",
            body_contains=f">MW-{number}</",
            **kwargs,
        )

    return make


def _patch_order_rule(**kwargs: Any) -> Callable[[Run, str], Rule]:
    def make(run: Run, number: str) -> Rule:
        return Rule("shop", f"PATCH /v1/orders/{number}", content_type="application/json", **kwargs)

    return make


def feed_rule(rule: Rule) -> Callable[[Run], str]:
    """A flow-level case: one good order and a hostile answer to a call every run makes."""

    def plant(run: Run) -> str:
        number = shop_order(run, "feed@example.nl")
        (run.mplus_wire if rule.side == "mplus" else run.shop_wire).rules.append(rule)
        return number

    return plant


# ---- checks ----------------------------------------------------------------------------------


def no_mplus_order(run: Run, number: str) -> None:
    """Nothing half-written: no MplusKASSA order and no order binding for a held order."""
    assert run.pair.mplus.backend.orders_by_ext_id(f"MW-{number}") == []
    assert run.order_binding(number) is None
    assert run.held(number), f"order {number} is not held for a later run"


def one_mplus_order(run: Run, number: str) -> dict[str, Any]:
    found = run.pair.mplus.backend.orders_by_ext_id(f"MW-{number}")
    assert len(found) == 1, f"{len(found)} MplusKASSA orders for MW-{number}"
    binding = run.order_binding(number)
    assert binding is not None and binding.mplus_key == str(found[0]["orderId"])
    return found[0]


def relation_of(run: Run, number: str) -> dict[str, Any]:
    order = one_mplus_order(run, number)
    relation: dict[str, Any] = run.pair.mplus.backend.relations[int(order["relationNumber"])]
    return relation


def text_intact(expected: dict[str, str]) -> Callable[[Run, str], None]:
    """The MplusKASSA relation carries these texts exactly as the shop had them."""

    def check(run: Run, number: str) -> None:
        relation = relation_of(run, number)
        for key, value in expected.items():
            assert relation.get(key) == value, (key, relation.get(key), value)

    return check


def every_xml_field(run: Run, number: str) -> None:
    relation = relation_of(run, number)
    phone = next(k for k in relation if "phone" in k.lower())
    for key in ("name", "companyName", "contact", "city", phone):
        assert relation.get(key) == XML_TEXT, (key, relation.get(key))
    assert relation["address"].startswith(XML_TEXT)  # street and house number
    order = one_mplus_order(run, number)
    carried = [text for text in _strings(order) if XML_TEXT in text]
    assert carried, "the order's own texts (addresses) lost the special characters"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def flow_failed_cleanly(run: Run, number: str) -> None:
    """A run stopped by a hostile read: nothing written anywhere, the cursor did not move."""
    step = run.steps[number]
    assert step.mplus_writes == {}, step.mplus_writes
    assert step.shop_writes == {}, step.shop_writes
    assert step.cursor_after == step.cursor_before, (step.cursor_before, step.cursor_after)
    assert step.bindings_after == step.bindings_before


def run_recovered(run: Run, number: str) -> None:
    """A transient hostile answer was retried: the run went through, every order once."""
    step = run.steps[number]
    assert step.error is None and step.summary is not None
    for number in run.pair.shop.backend.orders:
        one_mplus_order(run, str(number))
    assert step.cursor_after is not None and step.cursor_after >= (step.cursor_before or "")
    assert step.bindings_after > step.bindings_before


def stock_is(value: int | None) -> Callable[[Run, str], None]:
    def check(run: Run, sku: str) -> None:
        found = [a for a in run.pair.shop.backend.articles.values() if a.sku == sku]
        assert [a.stock for a in found] == [value] * len(found), [a.stock for a in found]
        assert found

    return check


def stock_untouched(run: Run, sku: str) -> None:
    found = [a for a in run.pair.shop.backend.articles.values() if a.sku == sku]
    assert len(found) == 2 and all(a.stock == 7 for a in found), [a.stock for a in found]
    assert run.held(sku) or run.ledger(sku)[0].outcome.value == "skipped"


def mplus_article(number: int, stock: Decimal, shop_copies: int = 1) -> Callable[[Run], str]:
    """A new MplusKASSA article with this free stock, and `shop_copies` shop articles by SKU."""

    def plant(run: Run) -> str:
        mplus = run.pair.mplus.backend
        mplus.add_product(
            number,
            f"Hostile {number}",
            [
                {
                    "articleNumber": number,
                    "description": f"Hostile {number}",
                    "priceIncl": 500,
                    "vatCode": 1,
                    "webshop": True,
                    "turnoverGroup": 10,
                }
            ],
        )
        mplus.set_stock(number, stock)
        for _ in range(shop_copies):
            run.pair.shop.backend.add_article(f"Hostile {number}", sku=str(number), stock=7)
        return str(number)

    return plant


def wire_order(edit: dict[str, Any], email: str) -> Callable[[Run], str]:
    """A good shop order whose first line the shop's answers carry changed (`edit`)."""

    def plant(run: Run) -> str:
        number = shop_order(run, email)
        change = edit_order_line(int(number), **edit)
        rule = Rule("shop", "GET /v1/orders", content_type="application/json", times=None)
        rule.edit = change
        run.shop_wire.rules.append(rule)
        return number

    return plant


# ---- the corpus ------------------------------------------------------------------------------

GROUPS: dict[str, Group] = {
    "orders": Group("orders", settings={"status_write_back": {"imported": 6}}),
    "orders-stop": Group("orders", sequential=True),
    "stock": Group("stock"),
}

CASES: list[Case] = [
    # -- orders, shop -> MplusKASSA: bad data in one batch with good orders ----------------
    Case(
        "good-order",
        "orders",
        "(control) a plain paid order",
        lambda r: shop_order(r, "good@example.nl"),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "missing-email",
        "orders",
        "missing e-mail",
        lambda r: shop_order(r, ""),
        "MISSING_EMAIL",
        no_mplus_order,
    ),
    Case(
        "malformed-email",
        "orders",
        "malformed e-mail",
        lambda r: shop_order(r, "jan@@example"),
        "INVALID_EMAIL",
        no_mplus_order,
    ),
    Case(
        "email-with-space",
        "orders",
        "malformed e-mail (space, RTL)",
        lambda r: shop_order(r, "שלום @example.nl"),
        "INVALID_EMAIL",
        no_mplus_order,
    ),
    Case(
        "unknown-country",
        "orders",
        "unknown country",
        lambda r: shop_order(r, "xx@example.nl", address=person(country="XX")),
        "COUNTRY_UNKNOWN",
        no_mplus_order,
    ),
    Case(
        "unmapped-vat",
        "orders",
        "unmapped VAT rate (9 %)",
        lambda r: shop_order(
            r, "vat@example.nl", lines=[{"type": "article", "article_id": COFFEE}]
        ),
        "VAT_UNMAPPED",
        no_mplus_order,
    ),
    Case(
        "negative-quantity",
        "orders",
        "negative quantity",
        with_line(_set_qty(-2), "neg@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "zero-quantity",
        "orders",
        "zero quantity",
        with_line(_set_qty(0), "zero@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "price-3-decimals",
        "orders",
        "price with more than two decimals",
        wire_order({"amount_including_tax": "10.005"}, "p3@example.nl"),
        "INVALID_PRICE",
        no_mplus_order,
    ),
    Case(
        "fractional-quantity",
        "orders",
        "fractional quantity (1.5) from the shop",
        wire_order({"quantity": 1.5}, "frac@example.nl"),
        "INVALID_QUANTITY",
        no_mplus_order,
    ),
    Case(
        "negative-price",
        "orders",
        "negative article price",
        with_line(_set_price("-10.00"), "pneg@example.nl"),
        "INVALID_PRICE",
        no_mplus_order,
    ),
    Case(
        "sku-letters",
        "orders",
        "non-numeric SKU",
        sku_order("WEB-123", "sku1@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "sku-superscript",
        "orders",
        "non-numeric SKU (superscript digit)",
        sku_order("2²", "sku2@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "sku-arabic-digits",
        "orders",
        "non-numeric SKU (Arabic-Indic digits of 20033)",
        sku_order("٢٠٠٣٣", "sku3@example.nl"),
        "SKU_NOT_NUMERIC",
        no_mplus_order,
    ),
    Case(
        "unmapped-payment",
        "orders",
        "unmapped payment method",
        lambda r: shop_order(r, "pay@example.nl", payment=("mollie", "klarna_paylater")),
        "PAYMENT_UNMAPPED",
        no_mplus_order,
    ),
    Case(
        "name-10000",
        "orders",
        "10,000-character name",
        lambda r: shop_order(r, "long@example.nl", address=person(LONG_TEXT)),
        "created",
        text_intact({"name": LONG_TEXT}),
    ),
    Case(
        "emoji-rtl",
        "orders",
        "emoji and right-to-left text",
        lambda r: shop_order(
            r, "rtl@example.nl", address=person(RTL_TEXT, street=RTL_TEXT, city=RTL_TEXT)
        ),
        "created",
        text_intact({"name": RTL_TEXT, "city": RTL_TEXT}),
    ),
    Case(
        "xml-specials",
        "orders",
        "XML special characters in every text field",
        lambda r: shop_order(
            r,
            "xml@example.nl",
            address=person(
                XML_TEXT, company=XML_TEXT, street=XML_TEXT, city=XML_TEXT, phone=XML_TEXT
            ),
            comment_customer=XML_TEXT,
        ),
        "created",
        every_xml_field,
    ),
    # -- orders: hostile answers to the writes of one order; the batch goes on -------------
    Case(
        "mplus-500-html-write",
        "orders",
        "HTTP 500 HTML page from MplusKASSA on createOrderV3",
        wired_order(
            "m500@example.nl",
            _create_order_rule(status=500, body=HTML_PAGE, content_type="text/html", times=None),
        ),
        "API_UNAVAILABLE",
        no_mplus_order,
    ),
    Case(
        "mplus-422-write",
        "orders",
        "HTTP 422 from MplusKASSA on createOrderV3",
        wired_order(
            "m422@example.nl",
            _create_order_rule(
                status=422, body=b"Unprocessable Entity", content_type="text/plain", times=None
            ),
        ),
        "API_UNAVAILABLE",
        no_mplus_order,
    ),
    Case(
        "mplus-429-write",
        "orders",
        "HTTP 429 from MplusKASSA on createOrderV3 (once)",
        wired_order(
            "m429@example.nl",
            _create_order_rule(
                status=429,
                body=b"Too Many Requests",
                content_type="text/plain",
                headers=[(b"retry-after", b"0")],
            ),
        ),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "mplus-xxe-write",
        "orders",
        "XXE in the SOAP answer to a write that went through",
        wired_order(
            "mxxe@example.nl",
            _create_order_rule(commit=True, body=xxe_answer("createOrderV3Response", "result")),
        ),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "mplus-cut-write",
        "orders",
        "MplusKASSA answer cut off mid-body after the write",
        wired_order("mcut@example.nl", _create_order_rule(truncate=True)),
        "created",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-404-status",
        "orders",
        "HTTP 404 from the shop on the status write-back",
        wired_order(
            "s404@example.nl",
            _patch_order_rule(status=404, body=problem(404, "Not Found"), times=None),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-500-status",
        "orders",
        "HTTP 500 from the shop on the status write-back",
        wired_order(
            "s500@example.nl",
            _patch_order_rule(status=500, body=problem(500, "Internal Server Error"), times=None),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    Case(
        "shop-422-status",
        "orders",
        "HTTP 422 from the shop on the status write-back",
        wired_order(
            "s422@example.nl",
            _patch_order_rule(
                status=422, body=problem(422, "Unprocessable", "status: unknown"), times=None
            ),
        ),
        "API_UNAVAILABLE",
        lambda r, n: None if one_mplus_order(r, n) else None,
    ),
    # -- orders: hostile answers to the reads every run makes: a clear error, nothing written
    Case(
        "shop-malformed-json",
        "orders-stop",
        "malformed JSON from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                body=MALFORMED_JSON,
                content_type="application/json",
                times=None,
            )
        ),
        "error:TransportError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-html-200",
        "orders-stop",
        "HTML error page with status 200 from the shop",
        feed_rule(
            Rule("shop", "GET /v1/orders", body=HTML_PAGE, content_type="text/html", times=None)
        ),
        "error:TransportError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-401",
        "orders-stop",
        "HTTP 401 from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=401,
                body=problem(401, "Unauthorized"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:CredentialsError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-403",
        "orders-stop",
        "HTTP 403 from the shop (GET /orders)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=403,
                body=problem(403, "Forbidden"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:CredentialsError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-500-read",
        "orders-stop",
        "HTTP 500 from the shop on every GET /orders",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=500,
                body=problem(500, "Oops"),
                content_type="application/problem+json",
                times=None,
            )
        ),
        "error:ServerError",
        flow_failed_cleanly,
    ),
    Case(
        "shop-cut-read",
        "orders-stop",
        "shop answer cut off mid-body (once)",
        feed_rule(Rule("shop", "GET /v1/orders", truncate=True)),
        "completed",
        run_recovered,
    ),
    Case(
        "shop-429-read",
        "orders-stop",
        "HTTP 429 from the shop (once, Retry-After 0)",
        feed_rule(
            Rule(
                "shop",
                "GET /v1/orders",
                status=429,
                body=problem(429, "Slow down"),
                content_type="application/problem+json",
                headers=[(b"retry-after", b"0")],
            )
        ),
        "completed",
        run_recovered,
    ),
    Case(
        "mplus-xxe-read",
        "orders-stop",
        "XXE payload in a MplusKASSA SOAP response",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                times=None,
                body=xxe_answer("getOrdersByExtOrderIdsResponse", "result"),
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-entity-bomb",
        "orders-stop",
        "entity-expansion payload in a SOAP response",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                times=None,
                body=entity_bomb("getOrdersByExtOrderIdsResponse", "result"),
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-html-200",
        "orders-stop",
        "HTML error page with status 200 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                body=HTML_PAGE,
                content_type="text/html",
                times=None,
            )
        ),
        "error:MplusProtocolError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-401",
        "orders-stop",
        "HTTP 401 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=401,
                body=b"Unauthorized",
                content_type="text/plain",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-403",
        "orders-stop",
        "HTTP 403 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=403,
                body=b"Forbidden",
                content_type="text/plain",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-404",
        "orders-stop",
        "HTTP 404 from MplusKASSA",
        feed_rule(
            Rule(
                "mplus",
                "getOrdersByExtOrderIds",
                status=404,
                body=HTML_PAGE,
                content_type="text/html",
                times=None,
            )
        ),
        "error:MplusTransportError",
        flow_failed_cleanly,
    ),
    Case(
        "mplus-cut-read",
        "orders-stop",
        "MplusKASSA answer cut off mid-body (once)",
        feed_rule(Rule("mplus", "getOrdersByExtOrderIds", truncate=True)),
        "completed",
        run_recovered,
    ),
    # -- stock, MplusKASSA -> shop ------------------------------------------------------------
    Case(
        "duplicate-sku",
        "stock",
        "duplicate SKU (two shop articles with one SKU)",
        mplus_article(30771, Decimal(5), shop_copies=2),
        "SKU_DUPLICATE",
        stock_untouched,
    ),
    Case(
        "fractional-stock",
        "stock",
        "fractional quantity (2.5 in stock)",
        mplus_article(30772, Decimal("2.5")),
        "updated",
        stock_is(2),
    ),
    Case(
        "negative-stock",
        "stock",
        "negative quantity (-3 in stock)",
        mplus_article(30773, Decimal(-3)),
        "updated",
        stock_is(0),
    ),
]
