"""Plain tests of the products datamapper pieces: filters, source records, the default map."""

from __future__ import annotations

from decimal import Decimal

from mkmw_flows.mapping import plan_changes
from mkmw_flows.mapping.filters import ProductFilters, filter_reason
from mkmw_flows.mapping.product_defaults import default_field_map
from mkmw_flows.mplus.models import Article, Product
from mkmw_flows.sync.product_source import is_variant_product, source_record, variant_combos

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
        filter_reason(article, [], ProductFilters(field_equals={"brand_name": ["Huismerk"]}))
        is None
    )
    assert filter_reason(article, [], ProductFilters(field_not_equals={"brand_name": ["Huismerk"]}))


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
