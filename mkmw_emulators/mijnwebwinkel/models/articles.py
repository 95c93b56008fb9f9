"""Articles: prices, stock, category links, attached option lists, variants and images."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_emulators.mijnwebwinkel.models.base import _between
from mkmw_emulators.mijnwebwinkel.models.categories import CategoriesMixin, CategoryLink
from mkmw_emulators.mijnwebwinkel.models.exceptions import BackendError, Invalid, NotFound
from mkmw_emulators.mijnwebwinkel.models.optionlists import (
    AttachedList,
    OptionListsMixin,
    Variant,
)


@dataclass
class Image:
    id: str
    position: int
    url: str
    original_name: str = ""


@dataclass
class Article:
    id: int
    uuid: str
    name: str
    url_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    description: str = ""
    sku: str = ""
    badge_text: str = ""
    taxable: bool = True
    price_default: Decimal = Decimal("0.00")
    price_action: Decimal | None = None
    price_purchase: Decimal | None = None
    stock: int | None = None
    delivery_days: int = 0
    can_backorder: bool = False
    meta_title: str = ""
    meta_description: str = ""
    extra_visible: dict[str, str] = field(default_factory=dict)
    extra_invisible: dict[str, str] = field(default_factory=dict)
    categories: list[CategoryLink] = field(default_factory=list)
    lists: list[AttachedList] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    @property
    def unit_price(self) -> Decimal:
        """The selling price (action price when set), VAT convention per store."""
        return self.price_action if self.price_action is not None else self.price_default


class ArticlesMixin(CategoriesMixin, OptionListsMixin):
    """``/articles`` and ``/articlelists/{id}`` (attach/detach lists)."""

    def attach_lists(self, article_id: int, list_ids: Iterable[int]) -> Article:
        """Attach lists (all their options) to an article; variants are generated."""
        with self.lock:
            article = self.get_article(article_id)
            for list_id in list_ids:
                option_list = self.get_list(list_id)
                if any(a.list_id == list_id for a in article.lists):
                    continue
                article.lists.append(AttachedList(list_id, [o.id for o in option_list.options]))
            self._regenerate_variants(article)
            return article

    def detach_lists(self, article_id: int, list_ids: Iterable[int]) -> Article:
        with self.lock:
            article = self.get_article(article_id)
            ids = set(list_ids)
            for list_id in ids:
                self.get_list(list_id)
            article.lists = [a for a in article.lists if a.list_id not in ids]
            self._regenerate_variants(article)
            return article

    def add_article(
        self,
        name: str,
        *,
        sku: str = "",
        price: Decimal | str = "0.00",
        action_price: Decimal | str | None = None,
        purchase_price: Decimal | str | None = None,
        stock: int | None = None,
        categories: Iterable[int | CategoryLink | dict[str, Any]] = (),
        barcode: str | None = None,
        weight: str | None = None,
        lists: Iterable[dict[str, Any]] = (),
        images: Iterable[dict[str, Any]] = (),
        **fields: Any,
    ) -> Article:
        """Create an article (``POST /articles``; the seed and tests call it too)."""
        with self.lock:
            now = self.now()
            article = Article(
                id=next(self._article_ids),
                uuid=self.new_uuid(),
                name=name,
                url_id=next(self._url_ids),
                created_at=now,
                updated_at=now,
                sku=sku,
                price_default=Decimal(str(price)),
                price_action=None if action_price is None else Decimal(str(action_price)),
                price_purchase=None if purchase_price is None else Decimal(str(purchase_price)),
                stock=stock,
            )
            for key, value in fields.items():
                if not hasattr(article, key):
                    raise Invalid(f"Unknown article field {key}", [(key, "unknown field")])
                setattr(article, key, value)
            if barcode is not None:
                article.extra_invisible["barcode"] = barcode
            if weight is not None:
                article.extra_invisible["weight"] = weight
            article.categories = self._links(categories, article)
            self._set_images(article, images)
            self.articles[article.id] = article
            self._article_changes += 1
            try:
                self._set_lists(article, lists)
            except BackendError:
                del self.articles[article.id]
                raise
            return article

    def ordered_articles(self) -> list[Article]:
        """All articles in id order (cached until an article is added or deleted)."""
        with self.lock:
            cache = self._ordered_cache
            if cache is None or cache[0] != len(self.articles) or cache[1] != self._article_changes:
                listing = sorted(self.articles.values(), key=lambda a: a.id)
                cache = self._ordered_cache = (len(self.articles), self._article_changes, listing)
            return cache[2]

    def get_article(self, article_id: int, use_url_id: bool = False) -> Article:
        if use_url_id:
            found = next((a for a in self.articles.values() if a.url_id == article_id), None)
        else:
            found = self.articles.get(article_id)
        if found is None:
            raise NotFound(f"Article {article_id} not found")
        return found

    def edit_article(self, article_id: int, **changes: Any) -> Article:
        """Change an article like ``PATCH /articles/{id}`` does; stamps ``updated``.

        Keyword names follow the backend record (``price_default``, ``stock``, ``sku``, ...);
        ``price``/``action_price``/``purchase_price``, ``categories``, ``lists`` (replace-all
        options), ``variants`` ([{id, stock, can_backorder}]), ``images``, ``barcode``,
        ``extra_visible``/``extra_invisible`` are understood too.
        """
        with self.lock:
            article = self.get_article(article_id)
            aliases = {
                "price": "price_default",
                "action_price": "price_action",
                "purchase_price": "price_purchase",
            }
            variants = changes.pop("variants", None)
            lists = changes.pop("lists", None)
            categories = changes.pop("categories", None)
            images = changes.pop("images", None)
            if "barcode" in changes:
                article.extra_invisible["barcode"] = changes.pop("barcode")
            if variants is not None:
                by_id = {v.id: v for v in article.variants}
                for item in variants:
                    variant = by_id.get(item["id"])
                    if variant is None:
                        raise Invalid(
                            f"Variant {item['id']} does not belong to article {article_id}",
                            [("variants.id", "unknown variant")],
                        )
                for item in variants:
                    variant = by_id[item["id"]]
                    if "stock" in item:
                        variant.stock = item["stock"]
                    if item.get("can_backorder") is not None:
                        variant.can_backorder = item["can_backorder"]
            if categories is not None:
                article.categories = self._links(categories, article)
            if lists is not None:
                self._set_lists(article, lists)
            if images is not None:
                self._set_images(article, images)
            for key, value in changes.items():
                key = aliases.get(key, key)
                if key.startswith("price_") and value is not None:
                    value = Decimal(str(value))
                if key in ("extra_visible", "extra_invisible"):
                    getattr(article, key).update(value or {})
                    continue
                if not hasattr(article, key) or key in ("id", "uuid", "created_at"):
                    raise Invalid(f"Unknown article field {key}", [(key, "unknown field")])
                setattr(article, key, value)
            article.updated_at = self.now()
            return article

    def delete_article(self, article_id: int) -> None:
        with self.lock:
            self.get_article(article_id)
            del self.articles[article_id]
            self._article_changes += 1

    def set_stock(self, article_id: int, stock: int | None, variant_id: int | None = None) -> None:
        """Set article or variant stock (test helper; stamps ``updated``)."""
        if variant_id is None:
            self.edit_article(article_id, stock=stock)
        else:
            self.edit_article(article_id, variants=[{"id": variant_id, "stock": stock}])

    def _links(
        self, links: Iterable[int | CategoryLink | dict[str, Any]], article: Article
    ) -> list[CategoryLink]:
        result = []
        for index, link in enumerate(links):
            if isinstance(link, int):
                link = CategoryLink(link, is_main=index == 0)
            elif isinstance(link, dict):
                link = CategoryLink(
                    category_id=link["category_id"],
                    is_active=link.get("is_active", True)
                    if link.get("is_active") is not None
                    else True,
                    is_main=bool(link.get("is_main", index == 0)),
                    article_url_id=link.get("article_url_id"),
                )
            if link.category_id not in self.categories:
                raise Invalid(
                    f"Category {link.category_id} not found",
                    [("categories.category_id", "not found")],
                )
            if link.article_url_id is None:
                link.article_url_id = article.url_id
            link.position = article.url_id
            result.append(link)
        if result and not any(link.is_main for link in result):
            result[0].is_main = True
        return result

    def _set_lists(self, article: Article, lists: Iterable[dict[str, Any]]) -> None:
        """Replace-all: the given lists with exactly the given options (PATCH semantics)."""
        attached = []
        for index, item in enumerate(lists):
            option_list = self.get_list(item["id"]) if item["id"] in self.lists else None
            if option_list is None:
                raise Invalid(
                    f"Articlelist {item['id']} not found", [(f"lists[{index}].id", "not found")]
                )
            option_ids = [o["id"] for o in item.get("options", [])]
            if not option_ids:
                raise Invalid(
                    "Each list must specify at least one option",
                    [(f"lists[{index}].options", "required")],
                )
            for option_id in option_ids:
                if option_list.option(option_id) is None:
                    raise Invalid(
                        f"Option {option_id} is not part of list {option_list.id}",
                        [(f"lists[{index}].options", "unknown option")],
                    )
            attached.append(
                AttachedList(option_list.id, option_ids, bool(item.get("has_images", False)))
            )
        article.lists = attached
        self._regenerate_variants(article)

    def _set_images(self, article: Article, images: Iterable[dict[str, Any]]) -> None:
        result = []
        for index, item in enumerate(images):
            position = item.get("position") or index + 1
            if not 1 <= position <= 15:
                raise Invalid(
                    "Image position must be between 1 and 15",
                    [(f"images[{index}].position", "range")],
                )
            url = item.get("url") or ""
            kept = next((i for i in article.images if i.id == item.get("id")), None)
            if kept is not None and not url:  # an existing image by id: kept, maybe moved
                result.append(Image(kept.id, position, kept.url, kept.original_name))
                continue
            result.append(
                Image(item.get("id") or self.new_uuid(), position, url, url.rsplit("/", 1)[-1])
            )
        article.images = result

    def list_articles(
        self,
        created: tuple[Any, Any] = (None, None),
        changed: tuple[Any, Any] = (None, None),
        ids: Iterable[int] | None = None,
        uuids: Iterable[str] | None = None,
    ) -> Sequence[Article]:
        """Articles in id order, filtered."""
        if ids is None and uuids is None and created == (None, None) and changed == (None, None):
            return self.ordered_articles()
        id_set = set(ids) if ids is not None else None
        uuid_set = set(uuids) if uuids is not None else None
        return [
            a
            for a in self.articles.values()
            if (id_set is None or a.id in id_set)
            and (uuid_set is None or a.uuid in uuid_set)
            and _between(a.created_at, *created)
            and _between(a.updated_at, *changed)
        ]
