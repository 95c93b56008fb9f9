"""The product catalogue on the wire: ``getProducts``, ``createProduct`` and ``updateProduct``.

``getProducts``: the limit counts articles; products come whole and never split; a first product
bigger than the limit comes whole; a product's feed position is its highest article marker, so
paging with last seen + 1 never loses or repeats an article (API-NOTES.md §2-§3).

The catalogue's state and test helpers are split by entity: :mod:`.articles` (products and
articles), :mod:`.images` (article images, ``getImages``) and :mod:`.article_extras` (custom
fields and sales prices); :class:`CatalogMixin` composes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mkmw_emulators.mplus.models.article_extras import ArticleExtrasMixin
from mkmw_emulators.mplus.models.articles import ARTICLE_WRITABLE
from mkmw_emulators.mplus.models.images import ImagesMixin
from mkmw_emulators.mplus.models.state import DEFAULT_LIMIT
from mkmw_emulators.mplus.models.values import excl_vat


class CatalogMixin(ImagesMixin, ArticleExtrasMixin):
    """Products with their articles, images, sales prices and custom fields, on the wire."""

    def _product_dict(self, product_number: int, article_filter: Any = None) -> dict[str, Any]:
        product = dict(self.products[product_number])
        articles = [self.articles[n] for n in self.product_articles[product_number]]
        if article_filter is not None:
            articles = [a for a in articles if article_filter(a)]
        product["articleList"] = {"article": articles}
        return product

    def get_products(self, req: dict[str, Any]) -> dict[str, Any]:
        articles_filter = set(req.get("articleNumbers", ()))
        products_filter = set(req.get("productNumbers", ()))
        groups_filter = set(req.get("groupNumbers", ()))
        plu_filter = {t.get("text", "") for t in req.get("pluNumbers", {}).get("text", [])}
        only_webshop = req.get("onlyWebshop", False)
        only_active = req.get("onlyActive", False)
        all_of_selected = req.get("includeAllArticlesOfSelectedProducts", False)

        def article_ok(a: dict[str, Any]) -> bool:
            if only_webshop and not a.get("webshop"):
                return False
            if only_active and not a.get("active"):
                return False
            if plu_filter and a.get("pluNumber") not in plu_filter:
                return False
            return not (
                articles_filter
                and not all_of_selected
                and a["articleNumber"] not in articles_filter
            )

        def product_ok(number: int) -> bool:
            if products_filter and number not in products_filter:
                return False
            if groups_filter and not groups_filter & set(self.products[number]["groupNumbers"]):
                return False
            return not (
                articles_filter and not articles_filter & set(self.product_articles[number])
            )

        filtering = bool(
            only_webshop or only_active or plu_filter or articles_filter or groups_filter
        )
        result: list[dict[str, Any]] = []
        with self.lock:
            marker = req.get("syncMarker")
            if marker is None:
                numbers: Iterable[int] = sorted(
                    products_filter if products_filter else self.products
                )
                for number in numbers:
                    if number in self.products and product_ok(number):
                        product = self._product_dict(number, article_ok if filtering else None)
                        if product["articleList"]["article"]:
                            result.append(product)
                return {"productList": {"product": result}}
            limit = req.get("syncMarkerLimit") or DEFAULT_LIMIT
            count = 0
            for number in self.product_index.since(marker):
                if not product_ok(number):
                    continue
                product = self._product_dict(number, article_ok if filtering else None)
                size = len(product["articleList"]["article"])
                if not size:
                    continue
                if result and count + size > limit:
                    break
                result.append(product)
                count += size
                if count >= limit:
                    break
        return {"productList": {"product": result}}

    def _check_new_articles(
        self, articles: list[dict[str, Any]], product_number: int | None
    ) -> str | None:
        seen: set[int] = set()
        for article in articles:
            number = article.get("articleNumber")
            if number is None:
                continue
            if number <= 0:
                return "article numbers must be positive numbers"
            owner = self.article_product.get(number)
            if number in seen or (owner is not None and owner != product_number):
                return f"article number {number} is already taken"
            seen.add(number)
        return None

    def _next_article_number(self) -> int:
        return max(self.articles, default=0) + 1

    def create_product(self, body: dict[str, Any]) -> dict[str, Any]:
        product = body.get("product", {})
        articles = product.get("articleList", {}).get("article", [])
        with self.lock:
            number = product.get("productNumber") or max(self.products, default=0) + 1
            base = {"result": "", "productNumber": number, "errorMessage": ""}
            if number in self.products:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED-PRODUCT-NUMBER-ALREADY-TAKEN"
                base["errorMessage"] = f"product number {number} is already taken"
                return base
            if not articles:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED"
                base["errorMessage"] = "a product needs at least one article"
                return base
            problem = self._check_new_articles(articles, None)
            if problem:
                base["result"] = "CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN"
                base["errorMessage"] = problem
                return base
            new_articles: list[dict[str, Any]] = []
            for article in articles:
                article = {
                    k: v
                    for k, v in article.items()
                    if k in ARTICLE_WRITABLE or k == "articleNumber"
                }
                if "articleNumber" not in article:
                    article["articleNumber"] = self._next_article_number() + len(new_articles)
                new_articles.append(article)
            marker = self.add_product(
                number,
                product.get("description", ""),
                new_articles,
                product.get("groupNumbers", []),
                product.get("extraText"),
            )
            base.update(
                result="CREATE-PRODUCT-RESULT-OK",
                articleNumbers=[a["articleNumber"] for a in new_articles],
                changeTimestamp=self._ts(),
                syncMarker=marker,
            )
            return base

    def update_product(self, body: dict[str, Any]) -> dict[str, Any]:
        product = body.get("product", {})
        number = product.get("productNumber")
        articles = product.get("articleList", {}).get("article", [])
        with self.lock:
            if number not in self.products:
                return {
                    "result": "UPDATE-PRODUCT-RESULT-NOT-FOUND",
                    "errorMessage": f"product {number} not found",
                }
            problem = self._check_new_articles(articles, number)
            if problem:
                return {
                    "result": "UPDATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN",
                    "errorMessage": problem,
                }
            stored = self.products[number]
            product_changed = False
            for key in ("description", "extraText"):
                if key in product and stored.get(key) != product[key]:
                    stored[key] = product[key]
                    product_changed = True
            if "groupNumbers" in product and product["groupNumbers"] != stored["groupNumbers"]:
                stored["groupNumbers"] = list(product["groupNumbers"])
                product_changed = True
            existing: list[int] = []
            new: list[int] = []
            marker = None
            touched: set[int] = set()
            for article in articles:
                fields = {k: v for k, v in article.items() if k in ARTICLE_WRITABLE}
                article_number = article.get("articleNumber")
                if article_number in self.articles:
                    target = self.articles[article_number]
                    target.update(fields)
                    if "priceIncl" in fields and "priceExcl" not in fields:
                        target["priceExcl"] = excl_vat(
                            target["priceIncl"], self.vat_percentage(target.get("vatCode"))
                        )
                    target["vatPercentage"] = self.vat_percentage(target.get("vatCode"))
                    marker = self._touch_article(target)
                    existing.append(article_number)
                    touched.add(article_number)
                else:
                    fields["articleNumber"] = article_number or self._next_article_number()
                    marker = self.add_article(number, fields)
                    new.append(fields["articleNumber"])
                    touched.add(fields["articleNumber"])
            if product_changed:
                for article_number in self.product_articles[number]:
                    if article_number not in touched:
                        marker = self._touch_article(self.articles[article_number])
            response: dict[str, Any] = {
                "result": "UPDATE-PRODUCT-RESULT-OK",
                "existingArticleNumbers": existing,
                "newArticleNumbers": new,
                "changeTimestamp": self._ts(),
                "errorMessage": "",
            }
            if marker is not None:
                response["syncMarker"] = marker
            return response
