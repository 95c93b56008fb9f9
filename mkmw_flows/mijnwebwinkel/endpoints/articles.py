"""Article endpoints: list, stream, count, read, create, change (stock too), delete."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mkmw_flows.mijnwebwinkel.models import Article, ArticleInput, ArticlePatch, Count, VariantPatch
from mkmw_flows.mijnwebwinkel.params import DateLike, body, bool_param, date_filters
from mkmw_flows.mijnwebwinkel.session import MAX_PAGE_SIZE, ShopSession


class ArticleEndpoints(ShopSession):
    """Articles (products) and their stock."""

    def list_articles(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
        ids: Iterable[int] | None = None,
    ) -> list[Article]:
        """Return one page of articles.

        Args:
            limit: Page size (max 100).
            offset: Articles to skip.
            changed_start_date: Only articles changed at or after this moment.
            changed_end_date: Only articles changed at or before this moment.
            created_start_date: Only articles created at or after this moment.
            created_end_date: Only articles created at or before this moment.
            ids: Only these article ids.

        Returns:
            The page (shorter than ``limit`` on the last page).
        """
        params = date_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        params.update(limit=min(limit, MAX_PAGE_SIZE), offset=offset)
        if ids is not None:
            params["ids"] = [int(i) for i in ids]
        data = self._request("GET", "/articles", "GET /articles", params=params, retry=True)
        return [Article.model_validate(item) for item in data]

    def iter_articles(
        self,
        *,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
        ids: Iterable[int] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        concurrency: int = 1,
    ) -> Iterator[Article]:
        """Stream all matching articles, page by page.

        With ``concurrency`` > 1 the count endpoint is asked first and that many pages are
        fetched at once (the bulk read of a full catalogue).

        Args:
            changed_start_date: Only articles changed at or after this moment.
            changed_end_date: Only articles changed at or before this moment.
            created_start_date: Only articles created at or after this moment.
            created_end_date: Only articles created at or before this moment.
            ids: Only these article ids (fetched in chunks of ``page_size``).
            page_size: Articles per call (max 100).
            concurrency: Pages fetched at once.

        Yields:
            Articles in the shop's order.
        """
        filters: dict[str, Any] = {
            "changed_start_date": changed_start_date,
            "changed_end_date": changed_end_date,
            "created_start_date": created_start_date,
            "created_end_date": created_end_date,
        }
        if ids is not None:
            id_list = list(ids)
            for start in range(0, len(id_list), page_size):
                chunk = id_list[start : start + page_size]
                yield from self.list_articles(limit=page_size, offset=0, ids=chunk, **filters)
            return
        total = self.count_articles(**filters) if concurrency > 1 else None
        yield from self._paged(
            lambda limit, offset: self.list_articles(limit=limit, offset=offset, **filters),
            page_size=page_size,
            concurrency=concurrency,
            total=total,
        )

    def count_articles(
        self,
        *,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
    ) -> int:
        """Return the number of matching articles (``GET /articles/count``)."""
        params = date_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        data = self._request(
            "GET", "/articles/count", "GET /articles/count", params=params, retry=True
        )
        return Count.model_validate(data).count

    def get_article(self, article_id: int, *, use_url_id: bool = False) -> Article:
        """Return one article by its internal id (or its page URL id with ``use_url_id``)."""
        data = self._request(
            "GET",
            f"/articles/{int(article_id)}",
            "GET /articles/{id}",
            params={"use_url_id": bool_param(use_url_id)},
            retry=True,
        )
        return Article.model_validate(data)

    def create_article(self, article: ArticleInput | Mapping[str, Any]) -> Article:
        """Create an article (``POST /articles``; never retried blindly).

        Args:
            article: The new article; ``categories`` is required by the spec (may be empty).

        Returns:
            The created article with its id.
        """
        data = self._request("POST", "/articles", "POST /articles", json=body(article), retry=False)
        return Article.model_validate(data)

    def update_article(self, article_id: int, patch: ArticlePatch | Mapping[str, Any]) -> Article:
        """Change an article (``PATCH /articles/{id}``; absolute values, so retried).

        Args:
            article_id: Internal article id.
            patch: Only the fields to set; ``lists[].options`` replaces all options.

        Returns:
            The article after the change.
        """
        data = self._request(
            "PATCH",
            f"/articles/{int(article_id)}",
            "PATCH /articles/{id}",
            params={"use_url_id": "false"},
            json=body(patch),
            retry=True,
        )
        return Article.model_validate(data)

    def set_stock(self, article_id: int, stock: int | None) -> Article:
        """Set the stock of an article without variants (None = unlimited)."""
        return self.update_article(article_id, ArticlePatch(stock=stock))

    def set_variant_stock(self, article_id: int, stock: Mapping[int, int | None]) -> Article:
        """Set the stock of some variants of one article in one call.

        Args:
            article_id: Internal article id.
            stock: {variant id: stock (None = unlimited)}.

        Returns:
            The article after the change.
        """
        variants = [VariantPatch(id=vid, stock=value) for vid, value in stock.items()]
        return self.update_article(article_id, ArticlePatch(variants=variants))

    def delete_article(self, article_id: int) -> str:
        """Delete an article; returns the server's confirmation text."""
        data = self._request(
            "DELETE",
            f"/articles/{int(article_id)}",
            "DELETE /articles/{id}",
            params={"use_url_id": "false"},
            retry=False,
        )
        return "" if data is None else str(data)
