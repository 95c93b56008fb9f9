"""One pass over every client operation against a demo emulator, asserting on the data.

Shared by the round-trip test (spec mode), the live-quirks test and the conformance test
(which validates every recorded request and response against the vendor spec).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mkmw_emulators.mijnwebwinkel.server import MijnWebwinkelEmulator
from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import NotFoundError
from mkmw_flows.mijnwebwinkel.models import (
    AddressInput,
    ArticleExtraInput,
    ArticleInput,
    ArticlePatch,
    ArticlePriceInput,
    CategoryInput,
    CategoryLinkInput,
    InvoiceAddressInput,
    NewListOption,
    OrderAddressesInput,
    OrderArticleInput,
    OrderArticleOptionInput,
    OrderDebtorInput,
    OrderInput,
    OrderLineInput,
    OrderPaymentInput,
    UnitPriceInput,
)

ALL_OPERATIONS = {
    "get_store",
    "list_order_statuses",
    "list_shipping_methods",
    "list_payment_gateways",
    "list_tax_regions",
    "get_tax_region",
    "list_articles",
    "iter_articles",
    "count_articles",
    "get_article",
    "create_article",
    "update_article",
    "set_stock",
    "set_variant_stock",
    "delete_article",
    "get_article_list",
    "add_lists_to_article",
    "remove_lists_from_article",
    "add_list_options",
    "remove_list_options",
    "category_tree",
    "list_categories",
    "iter_categories",
    "count_categories",
    "get_category",
    "create_category",
    "update_category",
    "list_category_articles",
    "iter_category_articles",
    "list_orders",
    "iter_orders",
    "count_orders",
    "get_order",
    "update_order",
    "set_order_status",
    "create_order",
}


def run_scenario(client: MijnWebwinkelClient, emulator: MijnWebwinkelEmulator) -> set[str]:
    """Call every operation; return the names called."""
    backend = emulator.backend
    info = emulator.seed_info
    assert info is not None
    called: set[str] = set()

    def use(name: str) -> None:
        called.add(name)

    # ---- store and lookups
    use("get_store")
    store = client.get_store()
    assert (
        store.prices_include_tax is True and store.currency == "EUR" and store.region_code == "NL"
    )
    use("list_order_statuses")
    statuses = {s.status: s for s in client.list_order_statuses()}
    assert set(statuses) == {1, 2, 3, 6, 7, 10} and statuses[10].credit_order
    use("list_shipping_methods")
    methods = {m.id: m for m in client.list_shipping_methods()}
    assert methods["2273"].default and methods["2273"].countries == ["NL"]
    assert methods["2273"].no_costs_above is True and methods["2276"].no_costs_above is False
    use("list_payment_gateways")
    gateways = {g.name: g for g in client.list_payment_gateways()}
    assert {m.name for m in gateways["basic"].methods} >= {"advance", "rembours"}
    assert gateways["mollie"].display_name == "Mollie"
    use("list_tax_regions")
    regions = {r.region_code: r for r in client.list_tax_regions()}
    assert regions["NL"].tax_rate == Decimal("0.21") and regions["DE"].tax_rate == Decimal("0.19")
    assert {o.tax_rate for o in regions["BE"].overrides} == {Decimal("0.06")}
    use("get_tax_region")
    assert client.get_tax_region("de").tax_percentage == Decimal("19.00")

    # ---- articles: read
    use("count_articles")
    total = client.count_articles()
    assert total == len(backend.articles) == 29
    use("iter_articles")
    every = list(client.iter_articles(page_size=10))
    assert [a.id for a in every] == sorted(backend.articles)
    use("list_articles")
    assert [a.id for a in client.list_articles(limit=5, offset=25)] == sorted(backend.articles)[25:]
    picked = sorted(backend.articles)[3:6]
    assert {a.id for a in client.iter_articles(ids=picked)} == set(picked)
    tshirt_id = info.article_for_product[100]
    use("get_article")
    tshirt = client.get_article(tshirt_id)
    assert tshirt.sku == "100" and tshirt.price.default == Decimal("19.95")
    assert [lst.name for lst in tshirt.lists] == ["Kleur", "Maat"]
    assert len(tshirt.variants) == 3 * 4
    numbers = {
        number: ids for number, ids in info.article_for_number.items() if ids[0] == tshirt_id
    }
    some_variant = tshirt.variants[5]
    assert (tshirt_id, some_variant.id) in numbers.values()
    assert set(some_variant.option_names().values()) <= {
        "Zwart",
        "Wit",
        "Marine",
        "S",
        "M",
        "L",
        "XL",
    }
    grocery_id, _ = info.article_for_number[20001]
    grocery = client.get_article(grocery_id)
    assert grocery.sku == "20001" and grocery.barcode and len(grocery.barcode) == 13
    gift = next(a for a in every if a.name.startswith("Cadeaubon"))
    assert gift.stock is None and gift.taxable is False  # unlimited stock

    # change feed: only what changed after the cursor
    later = backend.now() + dt.timedelta(hours=2)
    backend.set_clock(lambda: later)
    backend.edit_article(grocery_id, price="3.33")
    changed = list(client.iter_articles(changed_start_date=later - dt.timedelta(minutes=1)))
    assert [a.id for a in changed] == [grocery_id] and changed[0].price.default == Decimal("3.33")
    assert client.count_articles(changed_start_date=later - dt.timedelta(minutes=1)) == 1
    backend.set_clock(None)

    # ---- articles: write
    heren = info.category_for_group[12]
    use("create_article")
    created = client.create_article(
        ArticleInput(
            name="Trui merino",
            sku="30001",
            price=ArticlePriceInput(default=Decimal("89.95"), purchase=Decimal("31.00")),
            stock=4,
            taxable=True,
            extra=ArticleExtraInput(invisible={"barcode": "8712345300017", "weight": "0.4"}),
            categories=[CategoryLinkInput(category_id=heren, is_main=True, is_active=True)],
        )
    )
    assert created.id in backend.articles and created.price.default == Decimal("89.95")
    assert created.barcode == "8712345300017" and created.categories[0].category_id == heren
    use("update_article")
    updated = client.update_article(
        created.id,
        ArticlePatch(name="Trui merino wol", price=ArticlePriceInput(action=Decimal("79.95"))),
    )
    assert updated.name == "Trui merino wol" and updated.price.action == Decimal("79.95")
    assert updated.price.default == Decimal("89.95")
    use("set_stock")
    assert client.set_stock(created.id, 11).stock == 11
    assert backend.articles[created.id].stock == 11

    # ---- option lists and variants
    sizes = backend.create_list("Maat", [("M", "0.00"), ("L", "0.00")])
    colours = backend.create_list("Kleur", [("Antraciet", "0.00")])
    use("add_lists_to_article")
    with_lists = client.add_lists_to_article(created.id, [sizes.id, colours.id])
    assert len(with_lists.variants) == 2
    before = {tuple(sorted(v.option_names().values())): v.id for v in with_lists.variants}
    use("add_list_options")
    grown = client.add_list_options(sizes.id, [NewListOption(name="XL", price=Decimal("2.50"))])
    assert [o.name for o in grown.options] == ["M", "L", "XL"] and grown.options[
        2
    ].price == Decimal("2.50")
    use("get_article_list")
    assert [o.name for o in client.get_article_list(sizes.id).options] == ["M", "L", "XL"]
    after = client.get_article(created.id)
    assert len(after.variants) == 3
    after_ids = {tuple(sorted(v.option_names().values())): v.id for v in after.variants}
    for combo, variant_id in before.items():
        assert after_ids[combo] == variant_id  # kept combinations keep their id
    new_variant = after_ids[("Antraciet", "XL")]
    assert new_variant not in before.values()
    use("set_variant_stock")
    stocked = client.set_variant_stock(
        created.id, {new_variant: 5, after_ids[("Antraciet", "M")]: 0}
    )
    assert {v.id: v.stock for v in stocked.variants}[new_variant] == 5
    use("remove_list_options")
    shrunk = client.remove_list_options(sizes.id, ["L"])
    assert [o.name for o in shrunk.options] == ["M", "XL"]
    assert len(client.get_article(created.id).variants) == 2
    use("remove_lists_from_article")
    assert client.remove_lists_from_article(created.id, [colours.id]).variants != []
    use("delete_article")
    client.delete_article(created.id)
    with pytest.raises(NotFoundError):
        client.get_article(created.id)

    # ---- categories
    use("category_tree")
    tree = client.category_tree()
    roots = [c.title for c in tree]
    assert roots[:3] == ["Kleding", "Levensmiddelen", "Diversen"]
    kleding = tree[0]
    assert [c.title for c in kleding.leafs] == ["Dames", "Heren", "Accessoires"]
    assert all(leaf.parent_category_id == kleding.id for leaf in kleding.leafs)
    assert len(client.category_tree(max_depth=1)[0].leafs) == 0
    use("count_categories")
    count = client.count_categories()
    use("iter_categories")
    flat = list(client.iter_categories(page_size=5))
    assert len(flat) == count == len(backend.categories)
    use("list_categories")
    assert len(client.list_categories(limit=3)) == 3
    use("create_category")
    sale = client.create_category(
        CategoryInput(title="Sale", parent_category_id=kleding.id, content="<p>Op=op</p>")
    )
    assert sale.parent_category_id == kleding.id and sale.sorting and sale.sorting.last
    use("update_category")
    renamed = client.update_category(sale.id, CategoryInput(title="Uitverkoop", hidden=True))
    assert renamed.title == "Uitverkoop" and renamed.hidden is True
    use("get_category")
    assert client.get_category(sale.id).title == "Uitverkoop"
    use("iter_category_articles")
    in_heren = list(client.iter_category_articles(heren, page_size=2))
    expected = [
        a.id for a in backend.articles.values() if any(c.category_id == heren for c in a.categories)
    ]
    assert sorted(a.id for a in in_heren) == sorted(expected) and in_heren
    use("list_category_articles")
    assert len(client.list_category_articles(heren, limit=1)) == 1

    # ---- orders: read
    use("count_orders")
    n_orders = client.count_orders()
    use("iter_orders")
    orders = list(client.iter_orders(page_size=4))
    assert len(orders) == n_orders == 9  # the test order is hidden
    assert client.count_orders(test=True) == 10
    assert [o.number for o in orders] == sorted(o.number for o in orders)
    use("list_orders")
    desc = client.list_orders(ordering="desc", limit=3)
    assert [o.number for o in desc] == sorted((o.number for o in orders), reverse=True)[:3]
    paid = client.list_orders(status_id=3)
    assert paid and all(o.status == 3 for o in paid)
    assert [o.number for o in client.list_orders(archived=True)] == [orders[0].number]
    today = backend.now().date()
    recent = client.list_orders(start_date=today - dt.timedelta(days=4), end_date=today)
    assert recent and all(o.date >= today - dt.timedelta(days=4) for o in recent)
    company = next(
        o for o in orders if o.business_model == "B2B" and o.tax_strategy == "reverse_charged_vat"
    )
    assert company.debtor.is_company and company.debtor.address.invoice
    assert (
        company.debtor.address.invoice.taxnumber == "BE0123456749" and company.reference == "MG-778"
    )
    assert {o.debtor.address.invoice.country_code for o in orders if o.debtor.address.invoice} == {
        "NL",
        "BE",
        "DE",
    }
    pickup = next(o for o in orders if o.status == 6)
    assert pickup.shipping == [] or pickup.shipping[0].country is None
    cod = next(o for o in orders if o.payment and o.payment.method_name == "rembours")
    assert cod.payment_status == "pending"
    for order in orders:
        assert order.total == sum(
            (line.unit_price_including_tax * line.quantity for line in order.orderlines), Decimal(0)
        )
        assert order.price.tax
    use("get_order")
    first = client.get_order(orders[2].number)
    assert first.number == orders[2].number and first.debtor.email == "lotte.peeters@example.be"
    assert {t.rate for t in first.price.tax} == {Decimal("6.00"), Decimal("21.00")}

    # ---- orders: write
    use("set_order_status")
    moment = backend.now() + dt.timedelta(hours=5)
    backend.set_clock(lambda: moment)
    shipped = client.set_order_status(first.number, 2, internal_comment="PostNL:3SABC000111")
    backend.set_clock(None)
    assert shipped.status == 2 and shipped.comments.internal == "PostNL:3SABC000111"
    assert shipped.status_changed_at == moment
    feed = client.list_orders(status_changed_start_date=moment)
    assert [o.number for o in feed] == [first.number]
    use("update_order")
    archived = client.update_order(first.number, {"archived": True})
    assert archived.archived is True and archived.status == 2

    use("create_order")
    polo_id = info.article_for_product[102]  # Chino slim fit, 59.95
    polo = backend.articles[polo_id]
    variant = next(v for v in polo.variants if (v.stock or 0) >= 2)
    stock_before = variant.stock
    grocery_stock = backend.articles[grocery_id].stock
    assert grocery_stock is not None
    new_order = client.create_order(
        OrderInput(
            status=3,
            debtor=OrderDebtorInput(
                email="kassa@example.nl",
                address=OrderAddressesInput(
                    invoice=InvoiceAddressInput(
                        name="Kees Klant",
                        street="Markt",
                        number="1",
                        zipcode="5211JV",
                        city="'s-Hertogenbosch",
                        country_code="NL",
                    ),
                    delivery=AddressInput(
                        name="Kees Klant",
                        street="Markt",
                        number="1",
                        zipcode="5211JV",
                        city="'s-Hertogenbosch",
                        country_code="NL",
                    ),
                ),
            ),
            orderlines=[
                OrderLineInput(
                    type="article",
                    quantity=2,
                    articles=[
                        OrderArticleInput(
                            id=polo_id,
                            options=[
                                OrderArticleOptionInput(list_option_id=o)
                                for o in variant.option_ids
                            ],
                        )
                    ],
                ),
                OrderLineInput(
                    type="article", quantity=1, articles=[OrderArticleInput(id=grocery_id)]
                ),
                OrderLineInput(
                    type="custom",
                    quantity=1,
                    description="Cadeauverpakking",
                    unit_price=UnitPriceInput(
                        rate=Decimal("21.00"), amount_including_tax=Decimal("2.50")
                    ),
                    unit_weight=Decimal("0.1"),
                ),
            ],
            payment=OrderPaymentInput(gateway_name="basic", method_name="cash"),
            shipping_method_id="2276",
        )
    )
    assert new_order.number == max(backend.orders) and new_order.status == 3
    assert variant.stock == stock_before - 2
    assert backend.articles[grocery_id].stock == grocery_stock - 1
    lines = new_order.orderlines
    assert [line.type for line in lines] == ["article", "article", "custom"]
    assert lines[0].articles[0].options and {
        o.list_option_id for o in lines[0].articles[0].options
    } == set(variant.option_ids)
    assert lines[0].unit_price_including_tax == Decimal("59.95")
    assert new_order.total == Decimal("59.95") * 2 + Decimal("3.33") + Decimal("2.50")
    assert client.get_order(new_order.number).total == new_order.total
    return called
