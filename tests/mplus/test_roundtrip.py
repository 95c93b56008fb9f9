"""Client <-> emulator round trips over real HTTP on 127.0.0.1, asserting on data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mkmw_emulators.demo_catalog import demo_catalog
from mkmw_flows.mplus.errors import MplusBusinessError
from mkmw_flows.mplus.models import Article, Invoice, Order, OrderLine, Payment, Product, Relation
from mkmw_flows.mplus.paging import iter_product_pages, iter_relation_pages


def _order(relation: int, ext: str, *lines: tuple[int, int]) -> Order:
    return Order(
        ext_order_id=ext,
        employee_number=999999,
        relation_number=relation,
        entry_branch_number=1,
        lines=[OrderLine(article_number=a, quantity=Decimal(q)) for a, q in lines],
    )


def test_version_markers_and_master_data(served) -> None:
    c = served.client
    version = c.get_api_version()
    assert version.major_number == 1 and version.service_version == (67, 1, 3)
    markers = c.get_current_sync_markers()
    assert markers.article == 241 and markers.relation == 40 and markers.stock_id > 0
    assert {(v.vat_code, v.vat_percentage) for v in c.get_vat_groups()} == {(1, 21), (2, 9), (3, 0)}
    assert [b.branch_number for b in c.get_branches()] == [1, 2]
    assert 999999 in {e.employee_number for e in c.get_employees()}
    assert {m.method for m in c.get_payment_methods()} >= {"PIN", "IDEAL"}
    assert {d.delivery_method for d in c.get_delivery_methods()} >= {"POSTNL", "AFHALEN"}
    assert 10 in {t.turnover_group for t in c.get_turnover_groups()}
    assert served.emulator.counters.calls["getApiVersion"] == 1


def test_products_carry_the_demo_catalogue(served) -> None:
    products = {
        p.product_number: p
        for page in iter_product_pages(served.client, 0, 100)
        for p in page.items
    }
    catalog = demo_catalog()
    assert set(products) == {p.product_number for p in catalog}
    tshirt = products[100]
    assert len(tshirt.articles) == 12 and tshirt.group_numbers == [12]
    first = tshirt.articles[0]
    assert (first.article_number, first.colour, first.size) == (10001, "Zwart", "S")
    assert first.price_incl == Decimal("19.95") and first.price_excl == Decimal("16.49")
    assert first.vat_percentage == 21 and first.barcode == catalog[0].articles[0].ean
    assert isinstance(first.price_incl, Decimal)


def test_get_products_filters(served) -> None:
    c = served.client
    only = c.get_products(article_numbers=[10002])
    assert [a.article_number for p in only for a in p.articles] == [10002]
    web = c.get_products(only_webshop=True)
    assert all(a.webshop for p in web for a in p.articles)
    assert 999 not in {p.product_number for p in web}  # shipping is not a webshop product


def test_product_write_round_trip(served) -> None:
    c = served.client
    created = c.create_product(
        Product(
            description="Wollen muts",
            group_numbers=[13],
            articles=[
                Article(
                    description="Muts rood", colour="Rood", vat_code=1, price_incl=Decimal("24.95")
                ),
                Article(
                    description="Muts blauw",
                    colour="Blauw",
                    vat_code=1,
                    price_incl=Decimal("24.95"),
                ),
            ],
        )
    )
    assert len(created.article_numbers) == 2
    got = c.get_products(product_numbers=[created.product_number])[0]
    assert [a.colour for a in got.articles] == ["Rood", "Blauw"]
    assert got.articles[0].price_excl == Decimal("20.62")
    updated = c.update_product(
        Product(
            product_number=created.product_number,
            articles=[
                Article(article_number=created.article_numbers[0], price_incl=Decimal("19.95")),
                Article(
                    description="Muts groen",
                    colour="Groen",
                    vat_code=1,
                    price_incl=Decimal("24.95"),
                ),
            ],
        )
    )
    assert updated.existing_article_numbers == [created.article_numbers[0]]
    assert len(updated.new_article_numbers) == 1
    got = c.get_products(product_numbers=[created.product_number])[0]
    assert got.articles[0].price_incl == Decimal("19.95") and len(got.articles) == 3
    with pytest.raises(MplusBusinessError) as taken:
        c.create_product(Product(description="dubbel", articles=[Article(article_number=10001)]))
    assert taken.value.result == "CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN"
    with pytest.raises(MplusBusinessError) as missing:
        c.update_product(Product(product_number=424242, articles=[]))
    assert missing.value.result == "UPDATE-PRODUCT-RESULT-NOT-FOUND"


def test_article_groups_tree_and_changes(served) -> None:
    c = served.client
    tree = c.get_article_groups(retrieve_article_numbers=True)
    assert [g.group_number for g in tree] == [1, 2, 9]
    assert [g.name for g in tree[0].sub_groups] == ["Dames", "Heren", "Accessoires"]
    heren = tree[0].sub_groups[1]
    assert 100 in (heren.product_numbers or []) and 10001 in (heren.article_numbers or [])
    before = c.get_current_sync_markers().article_group or 0
    served.emulator.backend.rename_group(22, "Zuivel & kaas")
    changes = c.get_article_group_changes(sync_marker=before + 1)
    assert [(g.group_number, g.name, g.parent_group_number) for g in changes] == [
        (22, "Zuivel & kaas", 2)
    ]


def test_stock_changes_bump_stock_id_and_history(served) -> None:
    c, backend = served.client, served.emulator.backend
    start = c.get_current_sync_markers().stock_id or 0
    level = c.get_stock(1, article_numbers=[10001])[0]
    assert level.amount_free == Decimal(18) and level.amount_reserved == 0
    stock_id = backend.sell(10001, 2, branch=1)
    assert stock_id == start + 1
    changed = c.get_stock(1, stock_id=start + 1)
    assert [(s.article_number, s.amount_free, s.stock_id) for s in changed] == [
        (10001, Decimal(16), stock_id)
    ]
    result = c.update_stock(1, 20001, Decimal("1.5"))
    history = c.get_stock_history(since_stock_id=start + 1)
    assert [(h.article_number, h.amount_changed, h.type) for h in history] == [
        (10001, Decimal(-2), "STOCK-HISTORY-TYPE-SALES"),
        (20001, Decimal("1.5"), "STOCK-HISTORY-TYPE-API"),
    ]
    assert history[1].stock_id == result.stock_id
    assert c.get_stock(1, article_numbers=[20001])[0].amount_free == Decimal(
        backend.stock_level(20001)["free"]
    )
    with pytest.raises(MplusBusinessError) as no_stock:
        c.update_stock(1, 999, Decimal(1))
    assert no_stock.value.result == "UPDATE-STOCK-RESULT-NO-STOCK-ARTICLE"


def test_relations_persons_companies_and_exact_email(served) -> None:
    c = served.client
    relations = [r for page in iter_relation_pages(served.client, 0, 15) for r in page.items]
    assert len(relations) == 40
    companies = [r for r in relations if r.is_company]
    assert companies and all(r.contact and r.contacts for r in companies)
    assert any(not r.is_company for r in relations)
    target = companies[0]
    found = c.find_relation_by_email(target.email.upper())
    assert found is not None and found.relation_number == target.relation_number
    partial = target.email.split("@")[0][1:]  # a substring only
    assert c.find_relation(Relation(email=partial), exact_match=True) is None
    assert c.find_relation(Relation(email=partial), exact_match=False) is not None
    created = c.create_relation(Relation(name="Piet Puk", email="piet@example.nl", city="Utrecht"))
    assert created.relation_number == 41
    updated = c.update_relation(Relation(relation_number=41, telephone="06-12345678"))
    assert updated.sync_marker and updated.sync_marker > (created.sync_marker or 0)
    again = c.get_relation(41)
    assert again is not None and again.telephone == "06-12345678" and again.city == "Utrecht"
    assert c.get_relation(9999) is None
    with pytest.raises(MplusBusinessError) as missing:
        c.update_relation(Relation(relation_number=9999, name="x"))
    assert missing.value.result == "UPDATE-RELATION-RESULT-NOT-FOUND"


def test_order_lifecycle_reserves_and_invoices(served) -> None:
    c, backend = served.client, served.emulator.backend
    before = backend.stock_level(10001)
    created = c.create_order(
        _order(1, "WEB-1", (10001, 2), (999, 1)),
        idempotency_key="web-1",
        prepay=True,
        payments=[Payment(method="IDEAL", amount=Decimal("44.85"))],
    )
    assert created.replayed is False and created.pay_result == "PAY-ORDER-RESULT-OK"
    assert created.order is not None and created.order.total_incl_amount == Decimal("44.85")
    assert created.order.lines[1].price == Decimal("4.95")  # shipping article's own price
    after = backend.stock_level(10001)
    assert after["free"] == before["free"] - 2 and after["reserved"] == before["reserved"] + 2
    found = c.find_order("WEB-1")
    assert (
        found is not None
        and found.order_id == created.order_id
        and found.prepaid_amount == Decimal("44.85")
    )
    paid = c.pay_order(created.order_id, [], idempotency_key="pay-web-1", prepay=False)
    assert paid.invoice_id
    delivered = backend.stock_level(10001)
    assert delivered["reserved"] == before["reserved"] and delivered["free"] == before["free"] - 2
    invoices = c.get_invoices(sync_marker=0)
    assert [i.invoice_id for i in invoices] == [paid.invoice_id]
    assert invoices[0].ext_order_ids == ["WEB-1"] and invoices[0].total_incl_amount == Decimal(
        "44.85"
    )
    replay = c.pay_order(created.order_id, [], idempotency_key="pay-web-1", prepay=False)
    assert replay.replayed and replay.invoice_id == paid.invoice_id
    with pytest.raises(MplusBusinessError) as invoiced:
        c.pay_order(created.order_id, [], idempotency_key="pay-web-1b", prepay=False)
    assert invoiced.value.result == "PAY-ORDER-RESULT-ORDER-ALREADY-INVOICED"
    orders = c.get_orders(sync_marker=0)
    assert [o.ext_order_id for o in orders] == ["WEB-1"] and orders[
        0
    ].delivery_state == "ORDER-DELIVERY-STATE-COMPLETE"
    assert c.get_orders(sync_marker=0, include_lines=False)[0].lines == []
    assert [o.order_id for o in c.get_orders_by_ext_order_ids(["WEB-1", "nope"])] == [
        created.order_id
    ]
    assert c.get_order(created.order_id) is not None and c.get_order("0" * 32) is None


def test_ext_order_id_unique_forever_and_idempotent_replay(served) -> None:
    c, backend = served.client, served.emulator.backend
    first = c.create_order(_order(2, "WEB-7", (10005, 1)), idempotency_key="key-7")
    replay = c.create_order(_order(2, "WEB-7", (10005, 1)), idempotency_key="key-7")
    assert replay.replayed and replay.order_id == first.order_id
    c.cancel_order(first.order_id)
    with pytest.raises(MplusBusinessError) as exists:
        c.create_order(_order(2, "WEB-7", (10005, 1)), idempotency_key="key-7-new")
    assert exists.value.result == "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS"
    assert len(backend.orders_by_ext_id("WEB-7")) == 1
    with pytest.raises(MplusBusinessError) as cancelled:
        c.cancel_order(first.order_id)
    assert cancelled.value.result == "CANCEL-ORDER-RESULT-ALREADY-CANCELLED"
    assert backend.stock_level(10005)["reserved"] == 0  # cancel released the reservation


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (_order(1, "WEB-X1", (123, 1)), "article 123 not found"),
        (_order(777, "WEB-X2", (10001, 1)), "relation 777 not found"),
        (
            _order(1, "WEB-X3", (10001, 1)).model_copy(update={"employee_number": 5}),
            "employee 5 not found",
        ),
    ],
)
def test_order_needs_existing_article_relation_employee(served, order, reason) -> None:
    with pytest.raises(MplusBusinessError) as failed:
        served.client.create_order(order, idempotency_key=order.ext_order_id or "")
    assert failed.value.result == "CREATE-ORDER-RESULT-FAILED"
    assert reason in failed.value.error_message
    assert served.client.find_order(order.ext_order_id or "") is None


def test_save_invoice_and_duplicates(served) -> None:
    c = served.client
    saved = c.save_invoice(
        Invoice(
            ext_invoice_id="EXT-1",
            relation_number=1,
            employee_number=999999,
            lines=[OrderLine(article_number=20001, quantity=Decimal("1.5"))],
        )
    )
    got = c.get_invoices(sync_marker=0, invoice_ids=[saved.invoice_id])[0]
    assert got.lines[0].quantity == Decimal("1.5") and got.total_incl_amount == Decimal("25.43")
    with pytest.raises(MplusBusinessError) as dup:
        c.save_invoice(Invoice(ext_invoice_id="EXT-1", relation_number=1))
    assert dup.value.result == "SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS"
