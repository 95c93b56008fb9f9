"""Handlers of ``/articles``, ``/articlelists`` and ``/articlelistoptions``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel import wire
from mkmw_emulators.mijnwebwinkel.backend import Invalid
from mkmw_emulators.mijnwebwinkel.routes.common import (
    HttpProblem,
    RouteHelpers,
    _Call,
)


class ArticleRoutes(RouteHelpers):
    """Handlers of ``/articles``, ``/articlelists`` and ``/articlelistoptions``."""

    def _article(self, article: Any) -> Any:
        return wire.article_json(self.backend, article, self.live_quirks)

    async def get_articles(self, call: _Call) -> Any:
        items = self.backend.list_articles(
            created=self._range(call, "created"),
            changed=self._range(call, "changed"),
            ids=self._ids(call),
            uuids=self._uuids(call),
        )
        return [self._article(a) for a in self._page(call, items)]

    async def get_article_count(self, call: _Call) -> Any:
        items = self.backend.list_articles(
            created=self._range(call, "created"), changed=self._range(call, "changed")
        )
        return {"count": len(items)}

    def _article_id(self, call: _Call, name: str = "article_id") -> Any:
        return self.backend.get_article(
            call.request.path_params[name], bool(self._bool(call, "use_url_id"))
        )

    async def get_article(self, call: _Call) -> Any:
        return self._article(self._article_id(call))

    async def post_article(self, call: _Call) -> Any:
        body: wire.ArticlePostIn = self._parse(wire.ArticlePostIn, call.body)
        price = body.price or wire.PriceIn()
        extra = body.extra or wire.ExtraIn()
        fields = {
            k: v
            for k, v in body.model_dump(
                include={
                    "description",
                    "badge_text",
                    "taxable",
                    "delivery_days",
                    "can_backorder",
                    "meta_title",
                    "meta_description",
                },
                exclude_none=True,
            ).items()
        }
        article = self.backend.add_article(
            body.name,
            sku=body.sku or "",
            price=price.default if price.default is not None else Decimal("0.00"),
            action_price=price.action,
            purchase_price=price.purchase,
            stock=body.stock,
            categories=[c.model_dump(exclude_none=True) for c in body.categories],
            lists=[item.model_dump() for item in body.lists or []],
            images=[i.model_dump(exclude_none=True) for i in body.images or []],
            extra_visible=dict(extra.visible or {}),
            extra_invisible=dict(extra.invisible or {}),
            **fields,
        )
        return self._article(article)

    async def patch_article(self, call: _Call) -> Any:
        article = self._article_id(call)
        body: wire.ArticlePatchIn = self._parse(wire.ArticlePatchIn, call.body)
        changes: dict[str, Any] = {}
        for name in body.model_fields_set:
            value = getattr(body, name)
            if name == "price" and value is not None:
                for key in value.model_fields_set:
                    changes[f"price_{key}"] = getattr(value, key)
            elif name == "extra" and value is not None:
                changes["extra_visible"] = value.visible or {}
                changes["extra_invisible"] = value.invisible or {}
            elif name in ("categories", "lists", "images", "variants"):
                changes[name] = [
                    item.model_dump(
                        exclude_none=name != "variants", exclude_unset=name == "variants"
                    )
                    for item in value or []
                ]
            elif name == "name" and not value:
                raise Invalid("name must not be empty", [("name", "required")])
            else:
                changes[name] = value
        return self._article(self.backend.edit_article(article.id, **changes))

    async def delete_article(self, call: _Call) -> Any:
        article = self._article_id(call)
        self.backend.delete_article(article.id)
        return "Article successfully deleted"

    async def get_article_list(self, call: _Call) -> Any:
        return wire.list_json(self.backend.get_list(call.request.path_params["id"]))

    def _list_ids(self, call: _Call) -> list[int]:
        body = call.body
        if not isinstance(body, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in body
        ):
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be an array of list ids",
                [{"field": "body", "message": "array of integers expected"}],
            )
        return body

    async def post_article_lists(self, call: _Call) -> Any:
        ids = self._list_ids(call)
        article = self._article_id(call, "id")
        return self._article(self.backend.attach_lists(article.id, ids))

    async def delete_article_lists(self, call: _Call) -> Any:
        ids = self._list_ids(call)
        article = self._article_id(call, "id")
        return self._article(self.backend.detach_lists(article.id, ids))

    async def post_list_options(self, call: _Call) -> Any:
        if not isinstance(call.body, list) or not call.body:
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be a non-empty array of options",
                [{"field": "body", "message": "array expected"}],
            )
        options = [self._parse(wire.NewOptionIn, item) for item in call.body]
        list_id = call.request.path_params["articlelist_id"]
        updated = self.backend.add_list_options(
            list_id,
            [(o.name, o.price if o.price is not None else Decimal("0.00")) for o in options],
        )
        return wire.list_json(updated)

    async def delete_list_options(self, call: _Call) -> Any:
        if not isinstance(call.body, list) or not all(isinstance(n, str) for n in call.body):
            raise HttpProblem(
                422,
                "Invalid Payload",
                "Body must be an array of option names",
                [{"field": "body", "message": "array of strings expected"}],
            )
        list_id = call.request.path_params["articlelist_id"]
        return wire.list_json(self.backend.remove_list_options(list_id, call.body))
