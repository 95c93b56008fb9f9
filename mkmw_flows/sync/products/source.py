"""Turn one MplusKASSA product into what the datamapper reads: the source record and variants.

A product whose articles carry a value for any variant axis (colour, size, or a mapped field)
becomes one shop article with option lists and variants; any other product (one article, no
axis values) becomes a simple shop article whose SKU is the article number. The SKU of a
variant product's shop article is the MplusKASSA product number (a shop variant has no SKU).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_flows.mapping.filters import filter_reason
from mkmw_flows.mplus.models import Article, Image, Product
from mkmw_flows.settings.products import ProductSyncSettings


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


#: Prefix of a variant axis, feature or filter field that names a MplusKASSA custom field.
CUSTOM = "custom."
#: The shop takes at most this many images per article.
MAX_IMAGES = 15


def article_fields(article: Article) -> dict[str, Any]:
    """An article's fields in snake_case, with its custom fields under ``custom`` by name.

    Lists the datamapper has no use for (images, sales prices, category ids) are left out.
    """
    fields = article.model_dump(exclude={"category_ids", "images", "custom_fields", "sales_prices"})
    fields["custom"] = article.custom_values()
    return fields


def _axis_value(article: Article, source: str) -> str:
    if source.startswith(CUSTOM):
        value: Any = article.custom_values().get(source[len(CUSTOM) :])
    else:
        value = getattr(article, source, None)
    return "" if value is None else str(value).strip()


def action_price(article: Article, *, prices_include_tax: bool, today: date) -> Decimal | None:
    """The article's action price today: its lowest sales price valid today, below its price.

    A sales price counts when today is within its start and end date (an open end counts) and
    it holds from one piece (``minimumAmount`` 0 or 1: a quantity price is no action price).
    A sales price with only a discount percentage takes that much off the regular price.

    Returns:
        The action price incl. or excl. VAT (per the shop), or None when there is none.
    """
    regular = article.price_incl if prices_include_tax else article.price_excl
    found: list[Decimal] = []
    for sale in article.sales_prices or ():
        if sale.start_date is not None and sale.start_date > today:
            continue
        if sale.end_date is not None and sale.end_date < today:
            continue
        if (sale.minimum_amount or 0) > 1:
            continue
        price = sale.price_incl if prices_include_tax else sale.price_excl
        if price is None and sale.discount_percentage and regular is not None:
            factor = Decimal(100 - sale.discount_percentage) / 100
            price = (regular * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if price is not None and (regular is None or price < regular):
            found.append(price)
    return min(found) if found else None


def next_price_change(articles: Iterable[Article], today: date) -> date | None:
    """The first day after today on which a sales price of these articles starts or ends."""
    days = []
    for article in articles:
        for sale in article.sales_prices or ():
            if sale.start_date is not None and sale.start_date > today:
                days.append(sale.start_date)
            if sale.end_date is not None and sale.end_date >= today:
                days.append(sale.end_date + timedelta(days=1))
    return min(days) if days else None


def product_images(articles: Iterable[Article]) -> list[Image]:
    """The images of a product's articles, each once (by image id), in article order."""
    seen: dict[int | None, Image] = {}
    for article in articles:
        for image in article.images or ():
            seen.setdefault(image.image_id, image)
    return list(seen.values())


def is_variant_product(product: Product, axes: Mapping[str, str]) -> bool:
    """True when any article of the product has a value for a variant axis."""
    return any(_axis_value(a, src) for a in product.articles for src in axes)


def source_record(
    product: Product,
    articles: list[Article],
    *,
    kind: str,
    prices_include_tax: bool,
    today: date | None = None,
) -> dict[str, Any]:
    """The flat record the field map reads.

    Every article field of the lead article (the cheapest article that goes to the shop) in
    snake_case, its custom fields under ``custom`` (``custom.Merk``), plus
    ``product_number``, ``name``, ``description``, ``sku``, ``price``, ``taxable``,
    ``action_price`` (the lead's sales price valid today) and ``group_numbers``.
    """
    lead = min(articles, key=lambda a: (a.price_incl or Decimal(0), a.article_number or 0))
    record: dict[str, Any] = article_fields(lead)
    name = product.description or lead.description or ""
    record.update(
        product_number=product.product_number,
        name=name,
        description=product.extra_text or lead.extra_text or None,
        group_numbers=list(product.group_numbers),
        price=lead.price_incl if prices_include_tax else lead.price_excl,
        taxable=(lead.vat_percentage or 0) > 0,
        action_price=action_price(
            lead, prices_include_tax=prices_include_tax, today=today or date.today()
        ),
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


def select_source(
    product: Product,
    settings: ProductSyncSettings,
    *,
    prices_include_tax: Callable[[], bool],
    today: date,
) -> SourceProduct:
    """Filter the product's articles and build its source record.

    Args:
        product: The MplusKASSA product as read.
        settings: The products settings (filters, variant axes).
        prices_include_tax: The shop's price convention (asked only when an article passes).
        today: The day action prices are judged on.
    """
    axes = settings.variant_axes
    kind = "variant" if is_variant_product(product, axes) else "simple"
    passing, left_out = [], {}
    for article in product.articles:
        reason = filter_reason(
            article_fields(article),
            product.group_numbers,
            settings.filters,
            only_webshop=settings.only_webshop_articles,
        )
        if reason is None:
            passing.append(article)
        else:
            left_out[int(article.article_number or 0)] = reason
    if kind == "simple":
        sku = str(product.articles[0].article_number) if product.articles else ""
    else:
        sku = str(product.product_number)
    src = SourceProduct(product, kind, sku, passing, left_out)
    if kind == "variant" and passing:
        src.combos, problems = variant_combos(passing, axes)
        src.left_out.update(problems)
        src.articles = [a for a in passing if int(a.article_number or 0) in src.combos]
    if src.articles:
        src.record = source_record(
            product,
            src.articles,
            kind=kind,
            prices_include_tax=prices_include_tax(),
            today=today,
        )
    return src
