"""Article responses: the live API's odd shapes are normalised into the declared types."""

from __future__ import annotations

from decimal import Decimal

from pydantic import TypeAdapter

from mkmw_flows.mijnwebwinkel.models import Article
from mkmw_flows.mijnwebwinkel.models.articles import ArticleExtra, ArticlePrice


def test_lone_objects_nulls_and_non_objects_take_their_declared_shape() -> None:
    raw = {
        "id": 1,
        "categories": {"category_id": 7},  # one object where a list belongs
        "lists": None,
        "variants": [],
        "price": [],  # not an object
        "extra": {"visible": [], "invisible": {"barcode": "871"}, "kept": 1},
        "unknown": "kept too",
    }
    article = Article.model_validate(raw)
    assert [c.category_id for c in article.categories] == [7]
    assert article.lists == [] and article.images == [] and article.variants == []
    assert article.price == ArticlePrice() and article.extra.visible == {}
    assert article.barcode == "871" and article.model_extra == {"unknown": "kept too"}
    assert raw["lists"] is None and raw["price"] == []  # the input is not changed


def test_blank_prices_become_none_and_only_prices() -> None:
    price = ArticlePrice.model_validate({"default": " ", "action": "4.50", "note": ""})
    assert price.default is None and price.action == Decimal("4.50")
    assert price.model_extra == {"note": ""}
    extra = ArticleExtra.model_validate({"visible": None, "invisible": "x"})
    assert extra.visible == {} and extra.invisible == {}


def test_a_page_validated_at_once_equals_one_by_one() -> None:
    page = [
        {"id": i, "sku": str(i), "price": {"default": f"{i}.95"}, "images": {"id": "a"}}
        for i in range(1, 4)
    ]
    together = TypeAdapter(list[Article]).validate_python(page)
    assert together == [Article.model_validate(item) for item in page]
    assert together[2].price.default == Decimal("3.95") and together[0].images[0].id == "a"
