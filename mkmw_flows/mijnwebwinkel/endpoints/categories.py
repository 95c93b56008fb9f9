"""Category endpoints: the tree, the flat list, one page, create, change, its articles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mkmw_flows.mijnwebwinkel.models import ArticleLimited, Category, CategoryInput, Count
from mkmw_flows.mijnwebwinkel.params import DateLike, body, date_filters
from mkmw_flows.mijnwebwinkel.session import MAX_PAGE_SIZE, ShopSession


class CategoryEndpoints(ShopSession):
    """Category pages."""

    def category_tree(self, *, max_depth: int = 5) -> list[Category]:
        """Return the root categories with their children in ``leafs``."""
        data = self._request(
            "GET",
            "/categories",
            "GET /categories?as_tree",
            params={"as_tree": "true", "max_depth": max_depth},
            retry=True,
        )
        return [Category.model_validate(item) for item in data]

    def list_categories(
        self,
        *,
        limit: int = MAX_PAGE_SIZE,
        offset: int = 0,
        changed_start_date: DateLike | None = None,
        changed_end_date: DateLike | None = None,
        created_start_date: DateLike | None = None,
        created_end_date: DateLike | None = None,
    ) -> list[Category]:
        """Return one page of the flat category list."""
        params = date_filters(
            created_start_date, created_end_date, changed_start_date, changed_end_date
        )
        params.update(as_tree="false", limit=min(limit, MAX_PAGE_SIZE), offset=offset)
        data = self._request("GET", "/categories", "GET /categories", params=params, retry=True)
        return [Category.model_validate(item) for item in data]

    def iter_categories(
        self, *, page_size: int = MAX_PAGE_SIZE, **filters: Any
    ) -> Iterator[Category]:
        """Stream the flat category list (filters as :meth:`list_categories`)."""
        yield from self._paged(
            lambda limit, offset: self.list_categories(limit=limit, offset=offset, **filters),
            page_size=page_size,
        )

    def count_categories(self) -> int:
        """Return the number of categories."""
        data = self._request("GET", "/categories/count", "GET /categories/count", retry=True)
        return Count.model_validate(data).count

    def get_category(self, category_id: int) -> Category:
        """Return one category."""
        data = self._request(
            "GET", f"/categories/{int(category_id)}", "GET /categories/{id}", retry=True
        )
        return Category.model_validate(data)

    def create_category(self, category: CategoryInput | Mapping[str, Any]) -> Category:
        """Create a category page (``title`` required; never retried blindly)."""
        data = self._request(
            "POST", "/categories", "POST /categories", json=body(category), retry=False
        )
        return Category.model_validate(data)

    def update_category(
        self, category_id: int, patch: CategoryInput | Mapping[str, Any]
    ) -> Category:
        """Change a category page (absolute values, retried)."""
        data = self._request(
            "PATCH",
            f"/categories/{int(category_id)}",
            "PATCH /categories/{id}",
            json=body(patch),
            retry=True,
        )
        return Category.model_validate(data)

    def list_category_articles(
        self, category_id: int, *, limit: int = MAX_PAGE_SIZE, offset: int = 0
    ) -> list[ArticleLimited]:
        """Return one page of the articles on a category page."""
        data = self._request(
            "GET",
            f"/categories/{int(category_id)}/articles",
            "GET /categories/{id}/articles",
            params={"limit": min(limit, MAX_PAGE_SIZE), "offset": offset},
            retry=True,
        )
        items = [data] if isinstance(data, dict) else data
        return [ArticleLimited.model_validate(item) for item in items]

    def iter_category_articles(
        self, category_id: int, *, page_size: int = MAX_PAGE_SIZE
    ) -> Iterator[ArticleLimited]:
        """Stream the articles on a category page."""
        yield from self._paged(
            lambda limit, offset: self.list_category_articles(
                category_id, limit=limit, offset=offset
            ),
            page_size=page_size,
        )
