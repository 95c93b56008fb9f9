"""Category pages: the tree, its order and the article links."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mkmw_emulators.mijnwebwinkel.models.base import ShopState, _between
from mkmw_emulators.mijnwebwinkel.models.exceptions import Invalid, NotFound

if TYPE_CHECKING:
    from mkmw_emulators.mijnwebwinkel.models.articles import Article


@dataclass
class CategoryLink:
    category_id: int
    is_active: bool = True
    is_main: bool = False
    article_url_id: int | None = None
    position: int = 0


@dataclass
class Category:
    id: int
    title: str
    created_at: dt.datetime
    updated_at: dt.datetime
    parent_id: int | None = None
    hidden: bool = False
    content: str = ""
    meta_title: str = ""
    meta_description: str = ""
    article_order: int = 5
    position: int = 0


class CategoriesMixin(ShopState):
    """``/categories``: create, change, move, list."""

    def add_category(
        self,
        title: str,
        parent_id: int | None = None,
        *,
        hidden: bool = False,
        content: str = "",
        meta_title: str = "",
        meta_description: str = "",
        article_order: int = 5,
        sorting: dict[str, Any] | None = None,
    ) -> Category:
        """Create a category page (``POST /categories``)."""
        with self.lock:
            if parent_id is not None and parent_id not in self.categories:
                raise Invalid("Parent category not found", [("parent_category_id", "not found")])
            now = self.now()
            category = Category(
                id=next(self._category_ids),
                title=title,
                parent_id=parent_id,
                hidden=hidden,
                content=content,
                meta_title=meta_title,
                meta_description=meta_description,
                article_order=article_order,
                created_at=now,
                updated_at=now,
                position=len(self.children(parent_id)),
            )
            self.categories[category.id] = category
            self._place(category, sorting or {})
            return category

    def get_category(self, category_id: int) -> Category:
        category = self.categories.get(category_id)
        if category is None:
            raise NotFound(f"Category {category_id} not found")
        return category

    def update_category(self, category_id: int, **changes: Any) -> Category:
        """Change a category page (``PATCH /categories/{id}``)."""
        with self.lock:
            category = self.get_category(category_id)
            sorting = changes.pop("sorting", None)
            if "parent_category_id" in changes:
                parent = changes.pop("parent_category_id")
                if parent is not None and parent not in self.categories:
                    raise Invalid(
                        "Parent category not found", [("parent_category_id", "not found")]
                    )
                probe = parent
                while probe is not None:
                    if probe == category_id:
                        raise Invalid(
                            "A category cannot be moved below itself",
                            [("parent_category_id", "cycle")],
                        )
                    probe = self.categories[probe].parent_id
                if parent != category.parent_id:
                    category.parent_id = parent
                    category.position = len(self.children(parent))
            for key, value in changes.items():
                setattr(category, key, value)
            if sorting:
                self._place(category, sorting)
            category.updated_at = self.now()
            return category

    def children(self, parent_id: int | None) -> list[Category]:
        """Child categories of `parent_id` (None: roots), in shop order."""
        found = [c for c in self.categories.values() if c.parent_id == parent_id]
        return sorted(found, key=lambda c: (c.position, c.id))

    def _place(self, category: Category, sorting: dict[str, Any]) -> None:
        siblings = [c for c in self.children(category.parent_id) if c.id != category.id]
        index = len(siblings)
        if sorting.get("first"):
            index = 0
        elif sorting.get("before") is not None:  # place in front of X (changelog 1.1.1)
            index = next((i for i, c in enumerate(siblings) if c.id == sorting["before"]), index)
        elif sorting.get("after") is not None:
            index = next((i + 1 for i, c in enumerate(siblings) if c.id == sorting["after"]), index)
        siblings.insert(index, category)
        for position, sibling in enumerate(siblings):
            sibling.position = position

    def list_categories(
        self, created: tuple[Any, Any] = (None, None), changed: tuple[Any, Any] = (None, None)
    ) -> list[Category]:
        found = [
            c
            for c in self.categories.values()
            if _between(c.created_at, *created) and _between(c.updated_at, *changed)
        ]
        return sorted(found, key=lambda c: c.id)

    def category_articles(self, category_id: int) -> list[tuple[Article, CategoryLink]]:
        self.get_category(category_id)
        found = []
        for article in self.articles.values():
            for link in article.categories:
                if link.category_id == category_id:
                    found.append((article, link))
        return sorted(found, key=lambda pair: (pair[1].position, pair[0].id))
