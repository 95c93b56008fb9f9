"""The emulator backend's rules and seeds, without HTTP."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from mkmw_emulators.demo_catalog import demo_catalog
from mkmw_emulators.mijnwebwinkel.backend import Invalid, MijnWebwinkelBackend, NotFound
from mkmw_emulators.mijnwebwinkel.seeds import apply_seed, seed_demo


@pytest.fixture
def demo() -> tuple[MijnWebwinkelBackend, object]:
    backend = MijnWebwinkelBackend()
    return backend, seed_demo(backend)


def test_demo_matches_part_of_the_mplus_catalogue(demo) -> None:
    backend, info = demo
    numbers = {a.article_number: p for p in demo_catalog() for a in p.articles}
    assert set(info.article_for_number) <= set(numbers)
    assert info.missing_numbers and not set(info.missing_numbers) & set(info.article_for_number)
    webshop = {a.article_number for p in demo_catalog() if p.webshop for a in p.articles}
    assert set(info.article_for_number) | set(info.missing_numbers) == webshop
    for number, (article_id, variant_id) in info.article_for_number.items():
        article = backend.articles[article_id]
        if variant_id is None:
            assert article.sku == str(number)
            assert article.extra_invisible["barcode"] == next(
                a.ean for a in numbers[number].articles if a.article_number == number
            )
        else:
            assert article.sku == str(numbers[number].product_number)
            assert variant_id in {v.id for v in article.variants}
    shop_only = [backend.articles[i] for i in info.shop_only]
    assert {a.sku for a in shop_only} == {"WEB-GIFTWRAP", ""}


def test_demo_orders_cover_the_cases(demo) -> None:
    backend, _ = demo
    orders = list(backend.orders.values())
    assert {o.status for o in orders} == {1, 2, 3, 6}
    assert {o.invoice.country_code for o in orders} == {"NL", "BE", "DE"}
    assert any(o.invoice.company for o in orders) and any(not o.invoice.company for o in orders)
    assert any(o.payment_method == "rembours" for o in orders)
    assert any(o.test for o in orders) and any(o.archived for o in orders)
    assert any(o.delivery is None and o.shipping_country is None for o in orders)  # pickup
    assert {o.tax_strategy for o in orders} == {"", "reverse_charged_vat"}
    be = next(o for o in orders if o.tax_region == "BE" and o.business_model == "B2C")
    assert {t.rate for t in be.tax_per_rate()} <= {Decimal("6.00"), Decimal("21.00")}


def test_adding_a_list_or_option_generates_variants_with_new_ids() -> None:
    backend = MijnWebwinkelBackend()
    apply_seed(backend, "empty")
    article = backend.add_article("Sok", price="5.00", stock=0)
    size = backend.create_list("Maat", [("39-42", "0"), ("43-46", "0")])
    backend.attach_lists(article.id, [size.id])
    first = {v.option_ids: v.id for v in article.variants}
    assert len(first) == 2
    colour = backend.create_list("Kleur", [("Zwart", "0")])
    backend.attach_lists(article.id, [colour.id])
    assert len(article.variants) == 2 and not {v.id for v in article.variants} & set(first.values())
    before = {v.option_ids: v.id for v in article.variants}
    backend.add_list_options(colour.id, [("Grijs", Decimal("1.00"))])
    after = {v.option_ids: v.id for v in article.variants}
    assert len(after) == 4 and all(after[k] == v for k, v in before.items())
    with pytest.raises(Invalid):
        backend.add_list_options(colour.id, [("Grijs", Decimal("0"))])
    with pytest.raises(NotFound):
        backend.attach_lists(article.id, [99])


def test_an_order_lowers_stock_and_a_failed_order_changes_nothing() -> None:
    backend = MijnWebwinkelBackend()
    apply_seed(backend, "empty")
    article = backend.add_article("Kaas", price="7.29", stock=3)
    invoice = {"name": "A", "zipcode": "1000AA", "country_code": "NL"}
    line = {"type": "article", "article_id": article.id, "quantity": 2}
    order = backend.add_order(email="a@example.nl", invoice=invoice, lines=[line])
    assert article.stock == 1 and order.total == Decimal("14.58")
    number = backend.next_order_number
    with pytest.raises(Invalid):
        backend.add_order(email="a@example.nl", invoice=invoice, lines=[line, line])
    assert article.stock == 1 and backend.next_order_number == number


def test_benchmark_seed_is_fast() -> None:
    backend = MijnWebwinkelBackend()
    started = time.perf_counter()
    apply_seed(backend, "20000")
    assert len(backend.articles) == 20000
    assert time.perf_counter() - started < 10
    assert len(backend.list_articles()[19990:20010]) == 10
