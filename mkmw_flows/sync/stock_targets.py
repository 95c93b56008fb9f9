"""Where stock goes in the shop, and how it is written there with the fewest calls.

* :class:`ShopTarget`: a shop article, or one variant of it, taken from an ``article`` binding
  (the shop article id in ``shop_key``, the variant id in ``extra["variant_id"]``).
* :class:`ShopCatalog`: the shop's articles read once (paged), with a SKU index for Mplus
  articles that have no binding yet; the shop has no look-up by SKU.
* :func:`group_writes` / :func:`send_writes`: one ``PATCH /articles/{id}`` per shop article,
  every variant of that article in the same call, a few in flight at once (paced by the
  client's per-store rate limiter); a shop that stops answering stops the writes of the run
  (they are held and taken again next run) instead of timing out record by record.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mijnwebwinkel.client import MijnWebwinkelClient
from mkmw_flows.mijnwebwinkel.errors import (
    CredentialsError,
    MijnWebwinkelError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from mkmw_flows.mijnwebwinkel.models import Article, ArticlePatch, VariantPatch
from mkmw_flows.state import Binding
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.stock_calc import StockPolicy, shop_fields

#: Consecutive "shop unavailable" failures after which a run stops writing.
UNAVAILABLE_STREAK = 3


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


@dataclass
class StockWrite:
    """One PATCH of one shop article: its own stock, or stock of some of its variants.

    ``stock`` is only sent when ``set_stock`` is True (None then means unmanaged).
    """

    article_id: int
    set_stock: bool = False
    stock: int | None = None
    variants: dict[int, int | None] = field(default_factory=dict)
    backorder: bool | None = None
    keys: list[str] = field(default_factory=list)
    variant_of: dict[str, int | None] = field(default_factory=dict)

    def split(self) -> list[tuple[str, StockWrite]]:
        """One write per key (to find the one a refused write choked on)."""
        parts = []
        for key in self.keys:
            variant = self.variant_of.get(key)
            part = StockWrite(self.article_id, backorder=self.backorder, keys=[key])
            part.variant_of[key] = variant
            if variant is None:
                part.set_stock, part.stock = True, self.stock
            else:
                part.variants[variant] = self.variants[variant]
            parts.append((key, part))
        return parts

    def patch(self) -> ArticlePatch:
        """The request body."""
        body: dict[str, Any] = {}
        if self.set_stock:
            body["stock"] = self.stock
            if self.backorder is not None:
                body["can_backorder"] = self.backorder
        if self.variants:
            body["variants"] = [
                VariantPatch(id=vid, stock=value)
                if self.backorder is None
                else VariantPatch(id=vid, stock=value, can_backorder=self.backorder)
                for vid, value in self.variants.items()
            ]
        return ArticlePatch(**body)

    def sent(self) -> dict[str, Any]:
        """What is sent, for the ledger."""
        return {"article_id": self.article_id, **self.patch().payload()}


def group_writes(
    items: Iterable[tuple[str, ShopTarget, int | None]], backorder: bool | None
) -> list[StockWrite]:
    """Group (key, target, value) into one write per shop article, in first-seen order."""
    writes: dict[int, StockWrite] = {}
    for key, target, value in items:
        write = writes.setdefault(
            target.article_id, StockWrite(target.article_id, backorder=backorder)
        )
        if target.variant_id is None:
            write.set_stock = True
            write.stock = value
        else:
            write.variants[target.variant_id] = value
        write.keys.append(key)
        write.variant_of[key] = target.variant_id
    return list(writes.values())


@dataclass
class WriteOutcome:
    """The result of one write: ok, or why not."""

    write: StockWrite
    error: Reason | None = None
    message: str = ""
    failed_keys: dict[str, tuple[Reason, str]] = field(default_factory=dict)

    def result_of(self, key: str) -> tuple[Reason | None, str]:
        """(reason, message) of one key's failure, or (None, "") when it was written."""
        return self.failed_keys.get(key, (self.error, self.message))


def classify(error: MijnWebwinkelError) -> tuple[Reason, str]:
    """Reason code and plain text of a failed shop write."""
    if isinstance(error, RateLimitedError | ServerError | TransportError):
        return Reason.API_UNAVAILABLE, f"MijnWebwinkel did not take the change ({error})"
    return Reason.REJECTED_BY_SHOP, f"MijnWebwinkel refused the change ({error})"


def send_writes(
    shop: MijnWebwinkelClient, writes: Iterable[StockWrite], *, concurrency: int = 1
) -> Iterator[WriteOutcome]:
    """PATCH each write (`concurrency` at a time); yield the outcomes in the writes' order.

    The client's per-store rate limiter paces the calls, whatever the concurrency. A
    credentials error ends the run (nothing else can succeed). Once
    :data:`UNAVAILABLE_STREAK` "unavailable" failures came back in a row, writes not started
    yet are not tried: they come back as ``API_UNAVAILABLE`` and are held for the next run.

    Raises:
        CredentialsError: The shop refused the token.
    """
    lock = threading.Lock()
    streak = [0]

    def one(write: StockWrite) -> WriteOutcome:
        with lock:
            stopped = streak[0] >= UNAVAILABLE_STREAK
        if stopped:
            return WriteOutcome(
                write,
                Reason.API_UNAVAILABLE,
                "MijnWebwinkel stopped answering during this run; not tried, taken again next run",
            )
        try:
            shop.update_article(write.article_id, write.patch())
        except CredentialsError:
            raise
        except ValidationError as exc:
            if len(write.keys) < 2:
                return WriteOutcome(write, *classify(exc))
            return _one_by_one(shop, write)
        except MijnWebwinkelError as exc:
            reason, message = classify(exc)
            with lock:
                streak[0] = streak[0] + 1 if reason is Reason.API_UNAVAILABLE else 0
            return WriteOutcome(write, reason, message)
        with lock:
            streak[0] = 0
        return WriteOutcome(write)

    if concurrency <= 1:
        yield from map(one, writes)
        return
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="stock-write") as pool:
        yield from pool.map(one, writes)


def _one_by_one(shop: MijnWebwinkelClient, write: StockWrite) -> WriteOutcome:
    """Send a refused multi-variant write one variant at a time, so only the bad one fails.

    E.g. one variant was deleted in the shop: the shop refuses the whole PATCH.
    """
    outcome = WriteOutcome(write)
    for key, part in write.split():
        try:
            shop.update_article(part.article_id, part.patch())
        except CredentialsError:
            raise
        except MijnWebwinkelError as exc:
            outcome.failed_keys[key] = classify(exc)
    return outcome
