"""Where stock goes in the shop.

* :class:`ShopTarget`: a shop article, or one variant of it, taken from an ``article`` binding
  (the shop article id in ``shop_key``, the variant id in ``extra["variant_id"]``).
* :class:`ShopCatalog`: the shop's articles read once (paged), with a SKU index for Mplus
  articles that have no binding yet; the shop has no look-up by SKU.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.models import Article
from mkmw_flows.state import Binding
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock.calc import StockPolicy, shop_fields


@dataclass(frozen=True)
class ShopTarget:
    """A shop article (``variant_id`` None) or one of its variants."""

    article_id: int
    variant_id: int | None = None

    @classmethod
    def of(cls, binding: Binding) -> ShopTarget | None:
        """The target of an ``article`` binding (None when its shop key is not an id)."""
        try:
            article_id = int(binding.shop_key)
        except ValueError:
            return None
        variant = binding.extra.get("variant_id")
        return cls(article_id, int(variant) if variant not in (None, "") else None)

    def label(self) -> str:
        """How a shop owner finds it: ``article 123`` or ``article 123, variant 45``."""
        base = f"shop article {self.article_id}"
        return base if self.variant_id is None else f"{base}, variant {self.variant_id}"


@dataclass(slots=True)
class ShopArticleInfo:
    """What the stock flow keeps of one shop article."""

    id: int
    sku: str
    name: str
    stock: int | None
    can_backorder: bool | None
    variants: dict[int, int | None]
    field_unmanaged: bool

    def value_of(self, target: ShopTarget) -> tuple[bool, int | None]:
        """(found, stock) of a target on this article."""
        if target.variant_id is None:
            return True, self.stock
        if target.variant_id in self.variants:
            return True, self.variants[target.variant_id]
        return False, None


@dataclass
class ShopCatalog:
    """The shop's articles by id and by SKU, read once per run when needed."""

    by_id: dict[int, ShopArticleInfo] = field(default_factory=dict)
    by_sku: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, shop: MijnWebwinkelClient, policy: StockPolicy) -> ShopCatalog:
        """Read every shop article (100 per call, a few pages at once)."""
        return cls.build(shop.iter_articles(concurrency=4), policy)

    @classmethod
    def build(cls, articles: Iterable[Article], policy: StockPolicy) -> ShopCatalog:
        """Index shop articles."""
        catalog = cls()
        for article in articles:
            fields = shop_fields(article.extra.visible, article.extra.invisible)
            info = ShopArticleInfo(
                id=article.id,
                sku=(article.sku or "").strip(),
                name=article.name,
                stock=article.stock,
                can_backorder=article.can_backorder,
                variants={v.id: v.stock for v in article.variants},
                field_unmanaged=policy.field_says_unmanaged(fields),
            )
            catalog.by_id[info.id] = info
            if info.sku:
                catalog.by_sku.setdefault(info.sku, []).append(info.id)
        return catalog

    def resolve_sku(self, sku: str) -> tuple[ShopTarget | None, Reason | None, str]:
        """The shop article a SKU names, or why there is none.

        Returns:
            (target, None, "") when found; (None, reason, plain message) otherwise.
        """
        ids = self.by_sku.get(sku, [])
        if not ids:
            return None, Reason.STOCK_ARTICLE_UNKNOWN, f"no shop article has SKU {sku}"
        if len(ids) > 1:
            listed = ", ".join(str(i) for i in ids)
            return None, Reason.SKU_DUPLICATE, f"shop articles {listed} all have SKU {sku}"
        info = self.by_id[ids[0]]
        if info.variants:
            return (
                None,
                Reason.STOCK_ARTICLE_UNKNOWN,
                f"shop article {info.id} with SKU {sku} has variants; which variant is this "
                "article is linked by the products flow",
            )
        return ShopTarget(info.id), None, ""
