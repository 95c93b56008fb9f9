"""Products and their articles as state: storing, touching (syncMarker) and the test helpers.

Every article change bumps the ``article`` syncMarker and moves its product's feed position
to it (the product index ``getProducts`` pages by, API-NOTES.md §2-§3).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mkmw_emulators.mplus.models.state import MarkerIndex
from mkmw_emulators.mplus.models.stock import StockMixin
from mkmw_emulators.mplus.models.values import excl_vat, incl_vat

#: The article elements a createProduct / updateProduct request may set.
ARTICLE_WRITABLE = (
    "extArticleId",
    "pluNumber",
    "active",
    "description",
    "colour",
    "colourSequenceNumber",
    "size",
    "sizeSequenceNumber",
    "invoiceText",
    "receiptText",
    "displayText",
    "barcode",
    "contentUnit",
    "brandName",
    "extraText",
    "turnoverGroup",
    "vatCode",
    "purchasePrice",
    "priceIncl",
    "priceExcl",
    "supplierRelationNumber",
    "supplierArticleNumber",
    "webshop",
    "categoryIds",
    "stockArticle",
    "discontinued",
)


class ArticlesMixin(StockMixin):
    """Products and their articles; every article change bumps the ``article`` syncMarker."""

    def __init__(self, clock: Any = None) -> None:
        super().__init__(clock)
        self.products: dict[int, dict[str, Any]] = {}  # productNumber -> product (no articles)
        self.product_articles: dict[int, list[int]] = {}
        self.articles: dict[int, dict[str, Any]] = {}  # articleNumber -> Article dict
        self.article_product: dict[int, int] = {}
        self.product_index = MarkerIndex()

    def _store_article(self, product_number: int, article: dict[str, Any]) -> None:
        number = article["articleNumber"]
        vat = self.vat_percentage(article.get("vatCode"))
        article["vatPercentage"] = vat
        if "priceIncl" in article and "priceExcl" not in article:
            article["priceExcl"] = excl_vat(article["priceIncl"], vat)
        elif "priceExcl" in article and "priceIncl" not in article:
            article["priceIncl"] = incl_vat(article["priceExcl"], vat)
        article.setdefault("active", True)
        article.setdefault("stockArticle", True)
        article.setdefault("pluNumber", str(number))
        self.articles[number] = article
        self.article_product[number] = product_number

    def _touch_article(self, article: dict[str, Any]) -> int:
        marker = self.bump("article")
        article["syncMarker"] = marker
        article["changeTimestamp"] = self._ts()
        product_number = self.article_product[article["articleNumber"]]
        self.products[product_number]["syncMarker"] = marker
        self.product_index.set(product_number, marker)
        return marker

    def add_product(
        self,
        product_number: int,
        description: str,
        articles: Iterable[dict[str, Any]],
        group_numbers: Iterable[int] = (),
        extra_text: str | None = None,
    ) -> int:
        """Create a product with its articles (each gets its own syncMarker); return last marker."""
        with self.lock:
            product: dict[str, Any] = {"productNumber": product_number, "description": description}
            if extra_text is not None:
                product["extraText"] = extra_text
            product["groupNumbers"] = list(group_numbers)
            self.products[product_number] = product
            numbers: list[int] = []
            self.product_articles[product_number] = numbers
            marker = 0
            for article in articles:
                article = dict(article)
                self._store_article(product_number, article)
                numbers.append(article["articleNumber"])
                marker = self._touch_article(article)
                if article.get("stockArticle", True):
                    for branch in self.branches:
                        self._ensure_stock(branch, article["articleNumber"])
            return marker

    def add_article(self, product_number: int, article: dict[str, Any]) -> int:
        """Test helper: add an article to an existing product; returns its syncMarker."""
        with self.lock:
            article = dict(article)
            if "articleNumber" not in article:
                article["articleNumber"] = max(self.articles, default=0) + 1
            article["createTimestamp"] = self._ts()
            self._store_article(product_number, article)
            self.product_articles[product_number].append(article["articleNumber"])
            marker = self._touch_article(article)
            if article.get("stockArticle", True):
                for branch in self.branches:
                    self._ensure_stock(branch, article["articleNumber"])
            return marker

    def update_article(self, article_number: int, **fields: Any) -> int:
        """Test helper: change article fields (WSDL names) and bump its syncMarker."""
        with self.lock:
            article = self.articles[article_number]
            article.update(fields)
            if "priceIncl" in fields and "priceExcl" not in fields:
                article["priceExcl"] = excl_vat(article["priceIncl"], article["vatPercentage"])
            return self._touch_article(article)

    def touch_article(self, article_number: int) -> int:
        """Test helper: bump an article's syncMarker without changing it."""
        with self.lock:
            return self._touch_article(self.articles[article_number])

    def set_price(self, article_number: int, price_incl: Decimal) -> int:
        """Test helper: set an article's price incl. VAT (euros); returns the new syncMarker."""
        cents = int((Decimal(price_incl) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return self.update_article(article_number, priceIncl=cents)
