"""What to do with each MplusKASSA product of a page: find its shop article, map, compare.

A product's plan is made before its steps run because a page's option lists are one
dependency of the whole page (see :mod:`mkmw_flows.sync.products.lists`): which options are
new is known only once every product of the page is mapped. Planning reads only: the page's
bindings, the bound shop articles (one read), and the shop's articles by SKU for products
without a binding (first sync, or a lost one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, TransformError, plan_changes
from mkmw_flows.mapping.fieldmap import get_path
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mplus.models import Image, Product
from mkmw_flows.state import Binding
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT
from mkmw_flows.sync.products.categories import CategoryIndex
from mkmw_flows.sync.products.defaults import default_field_map
from mkmw_flows.sync.products.images import plan_images
from mkmw_flows.sync.products.source import SourceProduct, select_source
from mkmw_flows.sync.reasons import Reason

#: Cursor of the MplusKASSA feed: the highest article syncMarker taken.
CURSOR = "products.article_marker"
#: Cursor holding when the previous run started (shop time): a later run scans the shop
#: articles created since, which is where a write whose binding was lost would be.
LAST_RUN = "products.last_run_started"
#: Targets the binding's field hashes leave out (kept on the binding another way).
STRUCTURAL = ("categories", "lists", "images")


@dataclass
class ProductPlan:
    """What to do with one MplusKASSA product.

    Attributes:
        src: The product, mapped.
        action: create, update, unchanged, hide, delete or skip.
        shop_id: The shop article id (None when creating).
        current: The shop article as read (None when creating).
        binding: The binding holding the field hashes (product or article binding).
        mapped: Mapped values by shop path (None values left out).
        changes: Fields to write (``set``) or held back (``conflict``).
        links: Desired category links of the shop article.
        lists: Desired option names per option list name (variant products).
        list_ids: Option list name -> shop list id.
        images: The MplusKASSA images to write (``sync_images``, when they changed).
        image_state: What to remember of them on the binding (hash, shop ids, names).
        reason: Reason code of a skip, failure or conflict.
        message: Plain words for the ledger.
        article_bindings: The ``article`` bindings of the product's articles, as read with
            its page (None: not read; the binding step then reads them).
    """

    src: SourceProduct
    action: str
    shop_id: int | None = None
    current: ShopArticle | None = None
    binding: Binding | None = None
    mapped: dict[str, Any] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    lists: dict[str, list[str]] = field(default_factory=dict)
    list_ids: dict[str, int] = field(default_factory=dict)
    images: list[Image] = field(default_factory=list)
    image_state: dict[str, Any] | None = None
    reason: Reason | None = None
    message: str = ""
    article_bindings: dict[str, Binding] | None = None

    @property
    def writes(self) -> list[FieldChange]:
        """The changes that are written."""
        return [c for c in self.changes if c.action == "set"]

    def writes_lists(self) -> bool:
        """True when the plan writes the article's option lists."""
        return any(c.target == "lists" for c in self.writes)


def current_values(article: ShopArticle, targets: Iterable[str]) -> dict[str, Any]:
    """The shop article's values at the field map's target paths."""
    data = article.model_dump(mode="python")
    values = {}
    for target in targets:
        value = get_path(data, target)
        values[target] = "" if value is None and target.startswith("extra.") else value
    return values


def link_state(links: Iterable[Any]) -> list[list[Any]]:
    """Category links (dicts or shop links) as sorted ``[category id, active]`` pairs."""
    state = []
    for link in links:
        if isinstance(link, dict):
            state.append([int(link["category_id"]), bool(link.get("is_active", True))])
        else:
            state.append([int(link.category_id), link.is_active is not False])
    return sorted(state)


class ProductPlanner:
    """Plans the pages of one forward run (see :class:`ProductPlan`).

    Args:
        ctx: The run's context.
        full: A full run (scans the whole shop for SKUs once).
        prices_include_tax: The shop's price convention (read once per run, when needed).
        today: The day action prices are judged on.

    Attributes:
        categories: Group number -> shop category (set by the categories sync).
    """

    def __init__(
        self,
        ctx: SyncContext,
        *,
        full: bool,
        prices_include_tax: Callable[[], bool],
        today: date,
    ) -> None:
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.full = full
        self.prices_include_tax = prices_include_tax
        self.today = today
        self.field_map: FieldMap = default_field_map(self.settings.features).merged(
            self.settings.field_map
        )
        self.rules = self.field_map.rules()
        self.categories = CategoryIndex()
        self._sku_index: dict[str, ShopArticle] | None = None
        #: SKUs whose create failed in this run: the shop may hold them all the same
        self.unsure_creates: set[str] = set()

    def source(self, product: Product) -> SourceProduct:
        """Filter the product's articles and build its source record."""
        return select_source(
            product, self.settings, prices_include_tax=self.prices_include_tax, today=self.today
        )

    def sku_lookup(self, sku: str) -> ShopArticle | None:
        """A shop article by SKU, for products without a binding (first sync, or a lost one).

        The first run (no article bindings yet) and full runs scan the whole shop once; later
        runs scan only articles created since the previous run started, which is where a
        write whose binding was lost would be.
        """
        if sku in self.unsure_creates:
            # created earlier in this run with the answer lost (the product is in a later
            # batch too): the index predates that write, so read the new articles again
            self.unsure_creates.discard(sku)
            self._sku_index = None
        if self._sku_index is None:
            first = self.ctx.cursor(CURSOR) is None
            last_run = self.ctx.cursor(LAST_RUN)
            if self.full or first or last_run is None:
                articles = self.ctx.shop.iter_articles(concurrency=4)
            else:
                articles = self.ctx.shop.iter_articles(created_start_date=last_run)
            self._sku_index = {}
            for article in articles:
                if article.sku:
                    self._sku_index.setdefault(article.sku.strip(), article)
        return self._sku_index.get(sku)

    def plan_page(self, products: list[Product]) -> list[ProductPlan]:
        """Plan every product of a page (reads only: bindings, the bound shop articles)."""
        sources = [self.source(p) for p in products if p.articles]
        product_keys = [str(s.product_number) for s in sources if s.kind == "variant"]
        article_keys = [str(a.article_number) for s in sources for a in s.product.articles]
        by_product = self.ctx.bindings(PRODUCT).by_mplus_keys(product_keys)
        by_article = self.ctx.bindings(ARTICLE).by_mplus_keys(article_keys)
        holders: dict[int, Binding | None] = {}
        for src in sources:
            if src.kind == "variant":
                holders[src.product_number] = by_product.get(str(src.product_number))
            else:
                holders[src.product_number] = by_article.get(src.sku)
        ids = [int(b.shop_key) for b in holders.values() if b is not None]
        shop = {a.id: a for a in self.ctx.shop.iter_articles(ids=ids)} if ids else {}
        plans = []
        for src in sources:
            binding = holders[src.product_number]
            current = shop.get(int(binding.shop_key)) if binding is not None else None
            plan = self.plan_product(src, binding, current)
            # the page's read serves the binding step too: no store query per written product
            plan.article_bindings = {
                str(a.article_number): by_article[str(a.article_number)]
                for a in src.product.articles
                if str(a.article_number) in by_article
            }
            plans.append(plan)
        return plans

    def plan_product(
        self, src: SourceProduct, binding: Binding | None, current: ShopArticle | None
    ) -> ProductPlan:
        """Plan one product (see :class:`ProductPlan`)."""
        plan = ProductPlan(src, "skip", binding=binding, current=current)
        if current is not None:
            plan.shop_id = current.id
        elif binding is not None:
            plan.binding = None  # the shop article is gone: make it again
        if current is None and src.articles:
            match = self.sku_lookup(src.sku)
            if match is not None:
                entity = PRODUCT if src.kind == "variant" else ARTICLE
                owner = self.ctx.bindings(entity).find(shop_key=str(match.id))
                if owner is not None and owner.mplus_key != (
                    str(src.product_number) if src.kind == "variant" else src.sku
                ):
                    plan.reason = Reason.SKU_DUPLICATE
                    plan.message = (
                        f"SKU {src.sku}: the shop article with this SKU is already linked to "
                        f"MplusKASSA {owner.mplus_key}"
                    )
                    return plan
                plan.current, plan.shop_id = match, match.id
        if not src.articles:
            return self._plan_gone(plan)
        try:
            mapped = self.field_map.apply(src.record)
        except TransformError as exc:
            plan.action, plan.reason = "fail", Reason.MAPPING_ERROR
            plan.message = f"SKU {src.sku}: {exc}"
            return plan
        hashes = plan.binding.field_hashes if plan.binding is not None else {}
        plan.mapped = {k: v for k, v in mapped.items() if v is not None or k in hashes}
        for target, value in list(plan.mapped.items()):
            if target.startswith("extra.") and value is not None:
                plan.mapped[target] = str(value)
        creating = plan.current is None
        current_map = current_values(plan.current, plan.mapped) if plan.current else None
        plan.changes = plan_changes(
            plan.mapped, self.rules, creating=creating, written_hashes=hashes, current=current_map
        )
        plan.links = self.links(plan.current, src, visible=True)
        old_links = link_state(plan.current.categories) if plan.current else []
        if creating or link_state(plan.links) != old_links:
            plan.changes.append(FieldChange("categories", old_links, link_state(plan.links)))
        if self.settings.sync_images:
            plan_images(plan)
        if src.kind == "variant":
            problem = self._plan_lists(plan)
            if problem:
                return problem
        if creating:
            plan.action = "create"
        elif plan.writes:
            plan.action = "update"
        else:
            plan.action = "unchanged"
        conflicts = [c for c in plan.changes if c.action == "conflict"]
        if conflicts:
            plan.reason = Reason.FIELD_CONFLICT
            plan.message = "; ".join(
                f"{c.target} was changed in the shop, kept {c.old!r} (MplusKASSA has {c.new!r})"
                for c in conflicts
            )
        return plan

    def _plan_gone(self, plan: ProductPlan) -> ProductPlan:
        src = plan.src
        why = "; ".join(sorted(set(src.left_out.values()))) or "no articles"
        if plan.current is None or plan.binding is None:
            plan.reason, plan.message = Reason.FILTERED_OUT, f"SKU {src.sku}: {why}"
            return plan
        if self.settings.deactivated_action == "delete":
            plan.action = "delete"
            plan.changes = [FieldChange("article", plan.current.id, None)]
            plan.message = f"SKU {src.sku}: deleted from the shop ({why})"
            return plan
        plan.links = self.links(plan.current, src, visible=False)
        old = link_state(plan.current.categories)
        if link_state(plan.links) != old:
            plan.action = "hide"
            plan.changes = [FieldChange("categories", old, link_state(plan.links))]
            plan.message = f"SKU {src.sku}: hidden in the shop ({why})"
        else:
            plan.action = "unchanged"
            plan.message = f"SKU {src.sku}: stays hidden ({why})"
        return plan

    def links(
        self, current: ShopArticle | None, src: SourceProduct, *, visible: bool
    ) -> list[dict[str, Any]]:
        """Category links: the product's groups, plus links the shop owner made to other pages."""
        ids = [
            self.categories.shop_ids[g]
            for g in src.product.group_numbers
            if g in self.categories.shop_ids
        ]
        links = [{"category_id": cid, "is_active": visible} for cid in dict.fromkeys(ids)]
        if current is not None:
            for link in current.categories:
                if link.category_id not in self.categories.managed and link.category_id not in ids:
                    links.append(
                        {"category_id": link.category_id, "is_active": bool(link.is_active)}
                    )
        return links

    def _plan_lists(self, plan: ProductPlan) -> ProductPlan | None:
        """Desired option lists of a variant product; a skip plan when a list is missing."""
        src = plan.src
        plan.lists = src.axis_values(self.settings.variant_axes)
        current_lists = {lst.name: lst for lst in plan.current.lists} if plan.current else {}
        missing = []
        for name in plan.lists:
            if name in current_lists and current_lists[name].id is not None:
                plan.list_ids[name] = int(current_lists[name].id or 0)
            elif name in self.settings.option_lists:
                plan.list_ids[name] = self.settings.option_lists[name]
            else:
                missing.append(name)
        if missing:
            plan.action, plan.reason = "fail", Reason.OPTION_LIST_MISSING
            plan.message = (
                f"SKU {src.sku}: no shop option list for {', '.join(missing)}; make it in the "
                "shop's back office and set its id in option_lists"
            )
            return plan
        old = {
            name: [o.name for o in current_lists[name].options]
            for name in plan.lists
            if name in current_lists
        }
        extra_lists = [n for n in current_lists if n not in plan.lists]
        if plan.current is None or old != plan.lists or extra_lists:
            plan.changes.append(FieldChange("lists", old or None, plan.lists))
        return None
