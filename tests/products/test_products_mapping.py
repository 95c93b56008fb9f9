"""Plain tests of the products datamapper pieces: filters, source records, the default map."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from mkmw_flows.mapping import plan_changes
from mkmw_flows.mapping.filters import ProductFilters, filter_reason
from mkmw_flows.mplus.models import Article, CustomField, Product, SalesPrice
from mkmw_flows.sync.products.defaults import default_field_map
from mkmw_flows.sync.products.source import (
    action_price,
    article_fields,
    is_variant_product,
    next_price_change,
    source_record,
    variant_combos,
)

AXES = {"colour": "Kleur", "size": "Maat"}


def _article(number: int, **fields: object) -> Article:
    base: dict[str, object] = {
        "article_number": number,
        "active": True,
        "webshop": True,
        "price_incl": Decimal("12.10"),
        "price_excl": Decimal("10.00"),
        "vat_percentage": 21,
        "turnover_group": 10,
    }
    base.update(fields)
    return Article(**base)  # type: ignore[arg-type]


def test_filters_say_why_an_article_is_left_out() -> None:
    article = _article(1, brand_name="Huismerk").model_dump()
    assert filter_reason(article, [11], ProductFilters()) is None
    assert "webshop" in (filter_reason({**article, "webshop": False}, [11], ProductFilters()) or "")
    assert (
        filter_reason({**article, "webshop": False}, [11], ProductFilters(), only_webshop=False)
        is None
    )
    assert "deactivated" in (
        filter_reason({**article, "active": False}, [], ProductFilters()) or ""
    )
    assert "excluded" in (filter_reason(article, [11], ProductFilters(exclude_groups=[11])) or "")
    assert filter_reason(article, [11], ProductFilters(include_groups=[12])) is not None
    assert filter_reason(article, [], ProductFilters(exclude_turnover_groups=[10])) is not None
    assert filter_reason(article, [], ProductFilters(include_skus=["2"])) is not None
    assert (
        filter_reason(
            article,
            [],
            ProductFilters(field_equals=[{"field": "brand_name", "values": ["Huismerk"]}]),
        )
        is None
    )
    assert filter_reason(
        article,
        [],
        ProductFilters(field_not_equals=[{"field": "brand_name", "values": ["Huismerk"]}]),
    )


def test_variant_products_and_their_option_combinations() -> None:
    simple = Product(product_number=1, description="Kaas", articles=[_article(10)])
    assert not is_variant_product(simple, AXES)
    articles = [
        _article(20, colour="Rood", size="S"),
        _article(21, colour="Rood", size="M"),
        _article(22, colour="Rood", size="M"),  # a duplicate combination
        _article(23, colour="Blauw"),  # no size while the others have one
    ]
    assert is_variant_product(Product(product_number=2, articles=articles), AXES)
    combos, problems = variant_combos(articles, AXES)
    assert combos == {20: {"Kleur": "Rood", "Maat": "S"}, 21: {"Kleur": "Rood", "Maat": "M"}}
    assert set(problems) == {22, 23}
    assert "no Maat" in problems[23]


def test_source_record_prices_follow_the_shop_convention() -> None:
    product = Product(product_number=5, description="Kaas", articles=[_article(50, barcode="871")])
    incl = source_record(product, product.articles, kind="simple", prices_include_tax=True)
    excl = source_record(product, product.articles, kind="simple", prices_include_tax=False)
    assert (incl["price"], excl["price"]) == (Decimal("12.10"), Decimal("10.00"))
    assert incl["sku"] == "50" and incl["taxable"] is True and incl["barcode"] == "871"
    variant = source_record(product, product.articles, kind="variant", prices_include_tax=True)
    assert variant["sku"] == "5" and variant["barcode"] is None


def test_default_map_and_policies() -> None:
    fmap = default_field_map({"brand_name": "Merk"})
    record = {
        "name": "Kaas",
        "sku": "50",
        "price": Decimal("12.10"),
        "taxable": True,
        "description": "<p>Jong &amp; mild</p>",
        "brand_name": "Huismerk",
    }
    mapped = fmap.apply(record)
    assert mapped["meta_description"] == "Jong & mild"
    assert mapped["extra.visible.Merk"] == "Huismerk"
    rules = fmap.rules()
    written = {"meta_title": "x", "description": "y"}
    from mkmw_flows.mapping import hashes_of

    current = {**mapped, "meta_title": "Eigen titel", "description": "verrijkt"}
    hashes = hashes_of({**mapped, **written})
    changes = plan_changes(mapped, rules, creating=False, written_hashes=hashes, current=current)
    assert [(c.target, c.action) for c in changes] == [("meta_title", "conflict")]


def test_action_price_is_the_lowest_sales_price_valid_today() -> None:
    day = date(2026, 6, 15)
    article = _article(
        1,
        sales_prices=[
            SalesPrice(
                sales_price_number=1, price_incl=Decimal("9.00"), price_excl=Decimal("7.44")
            ),
            SalesPrice(  # a later sale: not yet
                sales_price_number=2,
                price_incl=Decimal("5.00"),
                start_date=date(2026, 7, 1),
            ),
            SalesPrice(  # a quantity price is no action price
                sales_price_number=3, price_incl=Decimal("4.00"), minimum_amount=3
            ),
            SalesPrice(sales_price_number=4, discount_percentage=30),  # 12.10 -> 8.47
        ],
    )
    assert action_price(article, prices_include_tax=True, today=day) == Decimal("8.47")
    assert action_price(article, prices_include_tax=False, today=day) == Decimal("7.00")
    assert action_price(article, prices_include_tax=True, today=date(2026, 7, 1)) == Decimal("5.00")
    assert next_price_change([article], day) == date(2026, 7, 1)
    above = _article(2, sales_prices=[SalesPrice(sales_price_number=1, price_incl=Decimal("20"))])
    assert action_price(above, prices_include_tax=True, today=day) is None
    ended = _article(
        3,
        sales_prices=[
            SalesPrice(sales_price_number=1, price_incl=Decimal("5"), end_date=date(2026, 6, 14))
        ],
    )
    assert action_price(ended, prices_include_tax=True, today=day) is None
    record = source_record(
        Product(product_number=1, articles=[article]),
        [article],
        kind="simple",
        prices_include_tax=True,
        today=day,
    )
    assert record["action_price"] == Decimal("8.47")


def test_custom_fields_in_the_record_axes_and_filters() -> None:
    def fields(**values: str) -> list[CustomField]:
        return [CustomField(field_name=k.replace("_", " "), str_value=v) for k, v in values.items()]

    a = _article(1, custom_fields=fields(Merk="Huismerk", Pasvorm="Slim fit"))
    b = _article(2, custom_fields=fields(Merk="Huismerk", Pasvorm="Regular fit"))
    axes = {"custom.Pasvorm": "Pasvorm"}
    product = Product(product_number=7, articles=[a, b])
    assert is_variant_product(product, axes)
    combos, problems = variant_combos([a, b], axes)
    assert combos == {1: {"Pasvorm": "Slim fit"}, 2: {"Pasvorm": "Regular fit"}} and not problems
    record = source_record(product, [a, b], kind="variant", prices_include_tax=True)
    assert record["custom"] == {"Merk": "Huismerk", "Pasvorm": "Slim fit"}
    assert default_field_map({"custom.Merk": "Merk"}).apply(record)["extra.visible.Merk"] == (
        "Huismerk"
    )
    only = ProductFilters(field_equals=[{"field": "custom.Pasvorm", "values": ["Regular fit"]}])
    assert filter_reason(article_fields(a), [], only) == (
        "its custom field 'Pasvorm' is not one of Regular fit"
    )
    assert filter_reason(article_fields(b), [], only) is None
    unset = ProductFilters(field_not_equals=[{"field": "custom.Land van herkomst", "values": [""]}])
    assert "excluded" in (filter_reason(article_fields(a), [], unset) or "")
