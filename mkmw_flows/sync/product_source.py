"""Turn one MplusKASSA product into what the datamapper reads: the source record and variants.

A product whose articles carry a value for any variant axis (colour, size, or a mapped field)
becomes one shop article with option lists and variants; any other product (one article, no
axis values) becomes a simple shop article whose SKU is the article number. The SKU of a
variant product's shop article is the MplusKASSA product number (a shop variant has no SKU).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_flows.mplus.models import Article, Product


@dataclass
class SourceProduct:
    """One MplusKASSA product, ready to map.

    Attributes:
        product: The product as read.
        kind: ``simple`` or ``variant``.
        sku: The shop SKU (article number, or product number for variant products).
        articles: The articles that go to the shop (filters passed).
        left_out: Article number -> why it was left out (filters).
        combos: Article number -> {option list name: value} for variant products.
        record: The flat source record for the field map.
    """

    product: Product
    kind: str
    sku: str
    articles: list[Article]
    left_out: dict[int, str] = field(default_factory=dict)
    combos: dict[int, dict[str, str]] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def product_number(self) -> int:
        """The MplusKASSA product number."""
        return int(self.product.product_number or 0)

    def axis_values(self, axes: Mapping[str, str]) -> dict[str, list[str]]:
        """Option names per list name, in the order the articles bring them."""
        values: dict[str, list[str]] = {name: [] for name in axes.values()}
        for combo in self.combos.values():
            for name, value in combo.items():
                if value not in values[name]:
                    values[name].append(value)
        return {name: found for name, found in values.items() if found}


def _axis_value(article: Article, source: str) -> str:
    value = getattr(article, source, None)
    return "" if value is None else str(value).strip()


def is_variant_product(product: Product, axes: Mapping[str, str]) -> bool:
    """True when any article of the product has a value for a variant axis."""
    return any(_axis_value(a, src) for a in product.articles for src in axes)


def source_record(
    product: Product,
    articles: list[Article],
    *,
    kind: str,
    prices_include_tax: bool,
) -> dict[str, Any]:
    """The flat record the field map reads.

    Every article field of the lead article (the cheapest article that goes to the shop) in
    snake_case, plus ``product_number``, ``name``, ``description``, ``sku``, ``price``,
    ``taxable``, ``action_price`` and ``group_numbers``.
    """
    lead = min(articles, key=lambda a: (a.price_incl or Decimal(0), a.article_number or 0))
    record: dict[str, Any] = lead.model_dump(exclude={"category_ids"})
    name = product.description or lead.description or ""
    record.update(
        product_number=product.product_number,
        name=name,
        description=product.extra_text or lead.extra_text or None,
        group_numbers=list(product.group_numbers),
        price=lead.price_incl if prices_include_tax else lead.price_excl,
        taxable=(lead.vat_percentage or 0) > 0,
        action_price=None,
        purchase_price=lead.purchase_price,
    )
    if kind == "simple":
        record["sku"] = str(lead.article_number)
    else:
        record["sku"] = str(product.product_number)
        record["barcode"] = None  # a variant product has one EAN per variant, none for the whole
    return record


def variant_combos(
    articles: list[Article], axes: Mapping[str, str]
) -> tuple[dict[int, dict[str, str]], dict[int, str]]:
    """{article number: {list name: value}}, and the articles that lack a value some others have.

    Returns:
        (combos, problems) where problems maps an article number to a plain message.
    """
    used = [src for src in axes if any(_axis_value(a, src) for a in articles)]
    combos: dict[int, dict[str, str]] = {}
    problems: dict[int, str] = {}
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    for article in articles:
        number = int(article.article_number or 0)
        combo = {axes[src]: _axis_value(article, src) for src in used}
        missing = [name for name, value in combo.items() if not value]
        if missing:
            problems[number] = (
                f"article {number} has no {' and no '.join(missing)} while other articles "
                "of its product have one, so it cannot be a shop variant"
            )
            continue
        key = tuple(sorted(combo.items()))
        if key in seen:
            problems[number] = (
                f"article {number} has the same options as article {seen[key]} "
                f"({', '.join(f'{k} {v}' for k, v in key)})"
            )
            continue
        seen[key] = number
        combos[number] = combo
    return combos, problems
