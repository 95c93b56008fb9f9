"""Handlers of ``/categories``."""

from __future__ import annotations

from typing import Any

from mkmw_emulators.mijnwebwinkel import wire
from mkmw_emulators.mijnwebwinkel.backend import Invalid
from mkmw_emulators.mijnwebwinkel.routes.common import (
    RouteHelpers,
    _Call,
)


class CategoryRoutes(RouteHelpers):
    """Handlers of ``/categories``."""

    async def get_categories(self, call: _Call) -> Any:
        if self._bool(call, "as_tree", False):
            depth = self._int(call, "max_depth", 5, 1) or 5
            return [
                wire.category_json(self.backend, c, depth=depth)
                for c in self.backend.children(None)
            ]
        items = self.backend.list_categories(
            self._range(call, "created"), self._range(call, "changed")
        )
        return [wire.category_json(self.backend, c) for c in self._page(call, items)]

    async def get_category_count(self, call: _Call) -> Any:
        items = self.backend.list_categories(
            self._range(call, "created"), self._range(call, "changed")
        )
        return {"count": len(items)}

    async def get_category(self, call: _Call) -> Any:
        return wire.category_json(
            self.backend, self.backend.get_category(call.request.path_params["category_id"])
        )

    async def post_category(self, call: _Call) -> Any:
        body: wire.CategoryPostIn = self._parse(wire.CategoryPostIn, call.body)
        if not body.title.strip():
            raise Invalid("title must not be empty", [("title", "required")])
        category = self.backend.add_category(
            body.title,
            body.parent_category_id,
            hidden=bool(body.hidden),
            content=body.content or "",
            meta_title=body.meta_title or "",
            meta_description=body.meta_description or "",
            article_order=body.article_order or 5,
            sorting=body.sorting.model_dump(exclude_none=True) if body.sorting else None,
        )
        return wire.category_json(self.backend, category)

    async def patch_category(self, call: _Call) -> Any:
        category = self.backend.get_category(call.request.path_params["category_id"])
        body: wire.CategoryPatchIn = self._parse(wire.CategoryPatchIn, call.body)
        changes: dict[str, Any] = {}
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "sorting":
                changes["sorting"] = value.model_dump(exclude_none=True) if value else None
            elif name == "parent_category_id" or value is not None:
                changes[name] = value
        return wire.category_json(
            self.backend, self.backend.update_category(category.id, **changes)
        )

    async def get_category_articles(self, call: _Call) -> Any:
        pairs = self.backend.category_articles(call.request.path_params["category_id"])
        return [
            {"id": a.id, "name": a.name, "uuid": a.uuid, "is_main": link.is_main}
            for a, link in self._page(call, pairs)
        ]
