"""The corpus's kit: the Case and Group records, the planting helpers and the checks.

The cases themselves are in corpus_data.py (bad data in the records) and corpus_answers.py
(hostile answers from either system); corpus.py puts them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mkmw_emulators.mijnwebwinkel.backend import Address

from .wire import (
    Rule,
    edit_order_line,
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


def set_price(value: str) -> Callable[[Any], None]:
    def change(line: Any) -> None:
        line.unit_prices[0].amount_including_tax = Decimal(value)
        line.unit_prices[0].amount = Decimal(value)

    return change


def set_qty(value: int) -> Callable[[Any], None]:
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


def create_order_rule(**kwargs: Any) -> Callable[[Run, str], Rule]:
    def make(run: Run, number: str) -> Rule:
        return Rule(
            "mplus",
            "createOrderV3",
            body_contains=f">MW-{number}</",
            **kwargs,
        )

    return make


def patch_order_rule(**kwargs: Any) -> Callable[[Run, str], Rule]:
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
