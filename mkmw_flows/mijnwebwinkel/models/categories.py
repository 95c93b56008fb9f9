"""Category pages: the tree as read, and the body that creates or changes one."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from mkmw_flows.mijnwebwinkel.models.common import RequestModel, ResponseModel


class CategorySorting(ResponseModel):
    """Where a category sits among its siblings."""

    first: bool | None = None
    last: bool | None = None
    previous: int | None = None
    next: int | None = None


class Category(ResponseModel):
    """A category page; ``leafs`` holds the children in tree mode."""

    id: int
    parent_category_id: int | None = None
    hidden: bool | None = None
    title: str = ""
    content: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    article_order: int | None = None
    leafs: list[Category] = Field(default_factory=list)
    sorting: CategorySorting | None = None

    @model_validator(mode="before")
    @classmethod
    def _parent_id(cls, data: Any) -> Any:
        # Tree-mode children in the spec example use parent_id instead of parent_category_id.
        if isinstance(data, dict) and "parent_category_id" not in data and "parent_id" in data:
            data = {**data, "parent_category_id": data["parent_id"]}
        if isinstance(data, dict) and isinstance(data.get("sorting"), list):
            data = {**data, "sorting": None}
        return data

    def walk(self) -> list[Category]:
        """This category and all its descendants, depth first."""
        found = [self]
        for leaf in self.leafs:
            found.extend(leaf.walk())
        return found


class CategorySortingInput(RequestModel):
    """Where to place a category among its siblings (``before: X`` = in front of X)."""

    first: bool | None = None
    last: bool | None = None
    before: int | None = None
    after: int | None = None


class CategoryInput(RequestModel):
    """Body of ``POST /categories`` and ``PATCH /categories/{id}``."""

    title: str | None = None
    parent_category_id: int | None = None
    hidden: bool | None = None
    content: str | None = None
    meta_title: str | None = None
    meta_description: str | None = None
    article_order: int | None = None
    sorting: CategorySortingInput | None = None
