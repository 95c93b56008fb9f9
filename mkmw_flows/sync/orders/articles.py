"""The MplusKASSA article of every product line of a shop order.

A line resolves through the ``article`` bindings of the products flow: the shop article id,
and for a variant the chosen options (matched on their values against the binding's option
combination). Without a binding the SKU is taken as the MplusKASSA article number, or for a
variant as the product number whose article has the chosen colour and size; either must
exist in MplusKASSA. Lookups are done once per page (one ``getProducts`` call for all SKUs
of a page) and cached for the run; :meth:`ArticleResolver.resolve_orders` resolves a page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from mkmw_flows.mijnwebwinkel.models import Order as ShopOrder
from mkmw_flows.mijnwebwinkel.models import OrderLine as ShopLine
from mkmw_flows.mplus.client import MplusClient
from mkmw_flows.mplus.models import Article
from mkmw_flows.state import Binding
from mkmw_flows.state.binder import Binder
from mkmw_flows.sync.keys import parse_variant_key
from mkmw_flows.sync.reasons import Reason


@dataclass(frozen=True)
class LineProblem:
    """Why a line's product cannot be resolved."""

    reason: Reason
    what: str


def _options(line: ShopLine) -> frozenset[str]:
    article = line.articles[0] if line.articles else None
    if article is None:
        return frozenset()
    return frozenset((o.description or "").strip() for o in article.options if o.description)


def _sku(line: ShopLine) -> str:
    article = line.articles[0] if line.articles else None
    return ((article.sku if article else None) or "").strip()


def line_label(line: ShopLine) -> str:
    """How a shop owner recognises a line: SKU and description."""
    sku = _sku(line)
    text = line.description or (line.articles[0].description if line.articles else "") or ""
    return f"{text} (SKU {sku})" if sku else (text or "line without SKU")


class ArticleResolver:
    """Finds the MplusKASSA article of every shop article line, with caches for one run.

    Args:
        articles: The ``article`` bindings of the integration (the products flow's).
        mplus: The MplusKASSA client.
    """

    def __init__(self, articles: Binder, mplus: MplusClient) -> None:
        self.mplus = mplus
        self._bound: dict[str, list[Binding]] = defaultdict(list)
        for binding in articles.all():
            self._bound[binding.shop_key].append(binding)
        self._articles: dict[int, bool] = {}  # article number -> exists
        self._products: dict[int, list[Article]] = {}  # product number -> articles

    def _binding(self, line: ShopLine) -> Binding | None:
        article = line.articles[0] if line.articles else None
        if article is None or article.id is None:
            return None
        candidates = self._bound.get(str(article.id), [])
        chosen = _options(line)
        for binding in candidates:
            if not chosen and binding.variant_key == "":
                return binding
            if chosen and frozenset(parse_variant_key(binding.variant_key).values()) == chosen:
                return binding
        return None

    def resolve_orders(self, orders: list[ShopOrder]) -> dict[int, dict[int, int | LineProblem]]:
        """Every article line of `orders`, looked up in one call per kind.

        Returns:
            Order number -> line index -> article number (or why there is none).

        Raises:
            MplusError: MplusKASSA did not answer (the orders are taken again next run).
        """
        self.prefetch(orders)
        return {
            order.number: {
                index: self.resolve(line)
                for index, line in enumerate(order.orderlines)
                if line.type == "article"
            }
            for order in orders
        }

    def prefetch(self, orders: Iterable[ShopOrder]) -> None:
        """Check in one call per kind every SKU of `orders` that has no binding."""
        numbers: set[int] = set()
        products: set[int] = set()
        for order in orders:
            for line in order.orderlines:
                if line.type != "article" or self._binding(line) is not None:
                    continue
                sku = _sku(line)
                if not (sku.isascii() and sku.isdigit()):
                    continue
                if _options(line):
                    if int(sku) not in self._products:
                        products.add(int(sku))
                elif int(sku) not in self._articles:
                    numbers.add(int(sku))
        if numbers:
            found = {
                a.article_number
                for p in self.mplus.get_products(article_numbers=sorted(numbers))
                for a in p.articles
                if a.article_number is not None
            }
            self._articles.update({n: n in found for n in numbers})
        if products:
            for product in self.mplus.get_products(product_numbers=sorted(products)):
                if product.product_number is not None:
                    self._products[product.product_number] = list(product.articles)
            for number in products:
                self._products.setdefault(number, [])

    def resolve(self, line: ShopLine) -> int | LineProblem:
        """The MplusKASSA article number of one article line, or why there is none."""
        binding = self._binding(line)
        if binding is not None:
            return int(binding.mplus_key)
        sku = _sku(line)
        label = line_label(line)
        if not sku:
            return LineProblem(Reason.PRODUCT_MISSING, f"{label}: no SKU and no linked article")
        if not (sku.isascii() and sku.isdigit()):
            return LineProblem(
                Reason.SKU_NOT_NUMERIC,
                f"{label}: SKU {sku!r} is not numeric and no MplusKASSA article is linked",
            )
        chosen = _options(line)
        if chosen:
            if int(sku) not in self._products:
                self.prefetch_one(product=int(sku))
            for article in self._products.get(int(sku), []):
                values = {v for v in (article.colour, article.size) if v}
                if values and frozenset(values) == chosen and article.article_number:
                    return article.article_number
            return LineProblem(
                Reason.PRODUCT_MISSING,
                f"{label} with options {', '.join(sorted(chosen))}: no MplusKASSA article",
            )
        if int(sku) not in self._articles:
            self.prefetch_one(article=int(sku))
        if self._articles.get(int(sku)):
            return int(sku)
        return LineProblem(Reason.PRODUCT_MISSING, f"{label}: article {sku} not in MplusKASSA")

    def prefetch_one(self, *, article: int | None = None, product: int | None = None) -> None:
        """Look one article or product up (held orders taken outside a batch)."""
        if article is not None:
            products = self.mplus.get_products(article_numbers=[article])
            self._articles[article] = any(
                a.article_number == article for p in products for a in p.articles
            )
        if product is not None:
            found = self.mplus.get_products(product_numbers=[product])
            self._products[product] = [a for p in found for a in p.articles]
