"""The products flow, MplusKASSA -> MijnWebwinkel: plan a page of products, then apply it.

Per product the importer steps run in order: filter -> find the shop article (binding first,
then SKU) -> map (datamapper, update policies, hashes of what we last wrote) -> create, update,
hide or delete -> bind (the ``product`` binding, and one ``article`` binding per MplusKASSA
article with its variant) -> record the outcome. A page is planned as a whole, so a dry run is
the same code without the apply step; its bindings, ledger rows and the syncMarker cursor are
committed in one transaction after the page's shop writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import (
    FieldChange,
    FieldMap,
    TransformError,
    hashes_of,
    nest,
    plan_changes,
    value_hash,
)
from mkmw_flows.mapping.fieldmap import get_path
from mkmw_flows.mapping.filters import filter_reason
from mkmw_flows.mapping.product_defaults import default_field_map
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import (
    ArticleInput,
    ArticleList,
    ArticlePatch,
    CategoryLinkInput,
    ImageInput,
    ListAttach,
    ListOptionAttach,
    NewListOption,
)
from mkmw_flows.mplus.models import Image, Product
from mkmw_flows.mplus.paging import iter_product_pages, product_marker
from mkmw_flows.mplus.times import AMSTERDAM
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.sync.categories import CategoryIndex
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT, variant_key
from mkmw_flows.sync.product_source import (
    MAX_IMAGES,
    SourceProduct,
    article_fields,
    is_variant_product,
    next_price_change,
    product_images,
    source_record,
    variant_combos,
)
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, RunReport, write_outcomes

FLOW = "products"
CURSOR = "products.article_marker"
LAST_RUN = "products.last_run_started"
#: kind of the "repair owed" markers of articles that must be set back to their own options
#: after options were added to an option list they share (see :meth:`ProductSync.ensure_options`)
LIST_REPAIR = "lists"
#: JSON {product number: day}: when a dated sales price of the product starts or ends, so the
#: action price follows on that day although nothing changed in MplusKASSA
PRICE_CHANGES = "products.price_changes"
_STRUCTURAL = ("categories", "lists", "images")


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

    @property
    def writes(self) -> list[FieldChange]:
        """The changes that are written."""
        return [c for c in self.changes if c.action == "set"]


@dataclass
class PageResult:
    """The outcome of one page: results, and the bindings to write and delete."""

    results: list[RecordResult] = field(default_factory=list)
    puts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    deletes: list[tuple[str, str]] = field(default_factory=list)


def current_values(article: ShopArticle, targets: Iterable[str]) -> dict[str, Any]:
    """The shop article's values at the field map's target paths."""
    data = article.model_dump(mode="python")
    values = {}
    for target in targets:
        value = get_path(data, target)
        values[target] = "" if value is None and target.startswith("extra.") else value
    return values


class ProductSync:
    """One run of the products flow (MplusKASSA -> shop) for one integration.

    Args:
        ctx: The run's context.
        full: Read the whole catalogue and compare, instead of the changes since the cursor.
        skus: Only these SKUs (article numbers, or product numbers of variant products).
    """

    def __init__(self, ctx: SyncContext, *, full: bool = False, skus: list[str] | None = None):
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.full = full
        self.skus = skus
        self.field_map: FieldMap = default_field_map(self.settings.features).merged(
            self.settings.field_map
        )
        self.rules = self.field_map.rules()
        self.categories = CategoryIndex()
        self.plans: list[ProductPlan] = []
        self._store_info: Any = None
        self._sku_index: dict[str, ShopArticle] | None = None
        #: SKUs whose create failed in this run: the shop may hold them all the same
        self._unsure_creates: set[str] = set()
        self._lists: dict[int, ArticleList] = {}
        # shop time (naive) a little before this run started: where a lost write would be
        self.started = (dt.datetime.now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
        #: the day action prices are judged on (MplusKASSA's time zone)
        self.today = dt.datetime.now(AMSTERDAM).date()
        self._price_changes: dict[str, str] | None = None

    # ---- reading --------------------------------------------------------------------------

    @property
    def prices_include_tax(self) -> bool:
        """The shop's price convention (read once per run)."""
        if self._store_info is None:
            self._store_info = self.ctx.shop.get_store()
        return bool(self._store_info.prices_include_tax)

    def batches(self) -> Iterator[tuple[list[Product], int | None]]:
        """Pages of products with the cursor value each one covers (None: no cursor).

        An empty page comes first when an earlier run left option repairs owed (they are
        settled in it); then held records (taken again on every run until they go through);
        then the feed from the cursor (or from the start with ``full``), or just the asked SKUs.
        """
        client = self.ctx.mplus
        if not self.ctx.dry_run and self.ctx.store.repairs_owed(self.ctx.name, LIST_REPAIR):
            yield [], None  # an empty page settles the repairs an earlier run left owed
        if self.skus is not None:
            numbers = [int(s) for s in self.skus if s.strip().isdigit()]
            for bad in (s for s in self.skus if not s.strip().isdigit()):
                self.ctx.report.add(
                    RecordResult(
                        "product",
                        bad,
                        Outcome.SKIPPED,
                        Reason.SKU_NOT_NUMERIC,
                        f"{bad} is not a MplusKASSA article or product number",
                    )
                )
            if numbers:
                yield self._by_numbers(numbers), None
            return
        held = [h.record_key for h in self.ctx.store.held(self.ctx.name, FLOW)]
        numbers = [int(k) for k in held if k.isdigit()]
        if numbers:
            yield self._by_numbers(numbers), None
        today = self.today.isoformat()
        due = [int(n) for n, day in self.price_changes().items() if day <= today]
        due = [n for n in due if n not in numbers]
        if due:
            yield self._by_numbers(due), None
        stored = self.ctx.store.get_cursor(self.ctx.name, CURSOR)
        since = 0 if self.full or stored is None else int(stored) + 1
        for page in iter_product_pages(client, since, self.settings.page_size):
            last = page.last_marker
            if stored is not None and int(stored) > last:
                last = int(stored)
            yield page.items, last

    def price_changes(self) -> dict[str, str]:
        """{product number: ISO day} on which a dated sales price starts or ends."""
        if self._price_changes is None:
            raw = self.ctx.store.get_cursor(self.ctx.name, PRICE_CHANGES)
            self._price_changes = json.loads(raw) if raw else {}
        return self._price_changes

    def _note_price_changes(self, plans: list[ProductPlan]) -> bool:
        """Remember the next action price change day of each planned product; True if any."""
        changes = self.price_changes()
        before = dict(changes)
        for plan in plans:
            key = str(plan.src.product_number)
            day = next_price_change(plan.src.articles, self.today)
            if day is None:
                changes.pop(key, None)
            else:
                changes[key] = day.isoformat()
        return changes != before

    def _by_numbers(self, numbers: list[int]) -> list[Product]:
        found = {p.product_number: p for p in self.ctx.mplus.get_products(article_numbers=numbers)}
        for product in self.ctx.mplus.get_products(product_numbers=numbers):
            found.setdefault(product.product_number, product)
        return list(found.values())

    def _sku_lookup(self, sku: str) -> ShopArticle | None:
        """A shop article by SKU, for products without a binding (first sync, or a lost one).

        The first run (no article bindings yet) and full runs scan the whole shop once; later
        runs scan only articles created since the previous run started, which is where a
        write whose binding was lost would be.
        """
        if sku in self._unsure_creates:
            # created earlier in this run with the answer lost (the product is in a later
            # batch too): the index predates that write, so read the new articles again
            self._unsure_creates.discard(sku)
            self._sku_index = None
        if self._sku_index is None:
            first = self.ctx.store.get_cursor(self.ctx.name, CURSOR) is None
            last_run = self.ctx.store.get_cursor(self.ctx.name, LAST_RUN)
            if self.full or first or last_run is None:
                articles = self.ctx.shop.iter_articles(concurrency=4)
            else:
                articles = self.ctx.shop.iter_articles(created_start_date=last_run)
            self._sku_index = {}
            for article in articles:
                if article.sku:
                    self._sku_index.setdefault(article.sku.strip(), article)
        return self._sku_index.get(sku)

    def _option_list(self, list_id: int) -> ArticleList:
        if list_id not in self._lists:
            self._lists[list_id] = self.ctx.shop.get_article_list(list_id)
        return self._lists[list_id]

    # ---- planning -------------------------------------------------------------------------

    def source(self, product: Product) -> SourceProduct:
        """Filter the product's articles and build its source record."""
        axes = self.settings.variant_axes
        kind = "variant" if is_variant_product(product, axes) else "simple"
        passing, left_out = [], {}
        for article in product.articles:
            reason = filter_reason(
                article_fields(article),
                product.group_numbers,
                self.settings.filters,
                only_webshop=self.settings.only_webshop_articles,
            )
            if reason is None:
                passing.append(article)
            else:
                left_out[int(article.article_number or 0)] = reason
        if kind == "simple":
            sku = str(product.articles[0].article_number) if product.articles else ""
        else:
            sku = str(product.product_number)
        src = SourceProduct(product, kind, sku, passing, left_out)
        if kind == "variant" and passing:
            src.combos, problems = variant_combos(passing, axes)
            src.left_out.update(problems)
            src.articles = [a for a in passing if int(a.article_number or 0) in src.combos]
        if src.articles:
            src.record = source_record(
                product,
                src.articles,
                kind=kind,
                prices_include_tax=self.prices_include_tax,
                today=self.today,
            )
        return src

    def plan_page(self, products: list[Product]) -> list[ProductPlan]:
        """Plan every product of a page (reads only: bindings, the bound shop articles)."""
        sources = [self.source(p) for p in products if p.articles]
        product_keys = [str(s.product_number) for s in sources if s.kind == "variant"]
        article_keys = [str(a.article_number) for s in sources for a in s.product.articles]
        by_product = self.ctx.store.bindings_by_mplus_keys(self.ctx.name, PRODUCT, product_keys)
        by_article = self.ctx.store.bindings_by_mplus_keys(self.ctx.name, ARTICLE, article_keys)
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
            plans.append(self.plan_product(src, binding, current, by_article))
        return plans

    def plan_product(
        self,
        src: SourceProduct,
        binding: Binding | None,
        current: ShopArticle | None,
        article_bindings: dict[str, Binding],
    ) -> ProductPlan:
        """Plan one product (see :class:`ProductPlan`)."""
        plan = ProductPlan(src, "skip", binding=binding, current=current)
        if current is not None:
            plan.shop_id = current.id
        elif binding is not None:
            plan.binding = None  # the shop article is gone: make it again
        if current is None and src.articles:
            match = self._sku_lookup(src.sku)
            if match is not None:
                owner = self.ctx.store.find_binding(
                    self.ctx.name,
                    PRODUCT if src.kind == "variant" else ARTICLE,
                    shop_key=str(match.id),
                )
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
        plan.links = self._links(plan.current, src, visible=True)
        old_links = _link_state(plan.current.categories) if plan.current else []
        if creating or _link_state(plan.links) != old_links:
            plan.changes.append(FieldChange("categories", old_links, _link_state(plan.links)))
        if self.settings.sync_images:
            self._plan_images(plan)
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
        plan.links = self._links(plan.current, src, visible=False)
        old = _link_state(plan.current.categories)
        if _link_state(plan.links) != old:
            plan.action = "hide"
            plan.changes = [FieldChange("categories", old, _link_state(plan.links))]
            plan.message = f"SKU {src.sku}: hidden in the shop ({why})"
        else:
            plan.action = "unchanged"
            plan.message = f"SKU {src.sku}: stays hidden ({why})"
        return plan

    def _links(
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

    def _plan_images(self, plan: ProductPlan) -> None:
        """Plan an image write when the product's MplusKASSA images differ from those written.

        The identity of each image (id and content hash) is hashed onto the binding, so
        unchanged images cost nothing; images the shop owner added in the shop are kept.
        """
        found = product_images(plan.src.articles)
        images = [i for i in found if i.image_url][:MAX_IMAGES]
        state = plan.binding.extra.get("images") if plan.binding is not None else None
        digest = value_hash([i.identity for i in images])
        if (state is None and not images) or (state or {}).get("hash") == digest:
            return
        plan.images = images
        plan.image_state = {"hash": digest, "names": [i.image_name or "" for i in images]}
        old = state.get("names") if state else None
        plan.changes.append(FieldChange("images", old, plan.image_state["names"]))
        left = len(found) - len(images)
        if left:
            plan.message = (
                f"SKU {plan.src.sku}: {left} image(s) left out (no URL in MplusKASSA, or more "
                f"than the shop's {MAX_IMAGES})"
            )

    def _image_inputs(self, plan: ProductPlan) -> list[ImageInput]:
        """Our images first (by URL), then the images the shop owner added, kept by id."""
        ours = [ImageInput(url=i.image_url, position=n) for n, i in enumerate(plan.images, 1)]
        if plan.current is None:
            return ours
        state = plan.binding.extra.get("images", {}) if plan.binding is not None else {}
        written = set(state.get("ids", []))
        # a shop image named like one of ours is ours from before (e.g. a lost binding)
        names = {i.image_name for i in plan.images} | set(state.get("names", []))
        theirs = [
            i
            for i in _by_position(plan.current.images)
            if i.id and i.id not in written and i.original_name not in names
        ]
        kept = [
            ImageInput(id=image.id, position=len(ours) + n) for n, image in enumerate(theirs, 1)
        ]
        return ours + kept[: max(0, MAX_IMAGES - len(ours))]

    def _image_extra(self, plan: ProductPlan, article: ShopArticle) -> dict[str, Any]:
        """The binding's ``images`` extra after an image write (else nothing)."""
        if plan.image_state is None or not any(c.target == "images" for c in plan.writes):
            return {}
        ids = [i.id for i in _by_position(article.images)][: len(plan.images)]
        return {"images": {**plan.image_state, "ids": ids}}

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

    # ---- applying -------------------------------------------------------------------------

    def ensure_options(self, plans: list[ProductPlan]) -> set[int]:
        """Add the option names the page needs to their lists (one call per list).

        The shop offers an option added to a list on every article using the list, so
        before the options are added, every bound article sharing the list is recorded as
        owing a repair (committed first: a lost answer or a crash leaves the debt visible);
        :meth:`settle_repairs` sets them back to their own options and clears the markers.

        Returns:
            The ids of the lists options were (or may have been) added to.
        """
        wanted: dict[int, list[str]] = {}
        for plan in plans:
            if plan.action not in ("create", "update") or not any(
                c.target == "lists" for c in plan.writes
            ):
                continue
            for name, values in plan.lists.items():
                bucket = wanted.setdefault(plan.list_ids[name], [])
                bucket.extend(v for v in values if v not in bucket)
        new: dict[int, list[str]] = {}
        for list_id, names in wanted.items():
            known = {o.name for o in self._option_list(list_id).options}
            if [n for n in names if n not in known]:
                new[list_id] = [n for n in names if n not in known]
        if not new:
            return set()
        self._owe_repairs(plans, set(new))
        for list_id, names in new.items():
            try:
                self._lists[list_id] = self.ctx.shop.add_list_options(
                    list_id, [NewListOption(name=n) for n in names]
                )
            except MijnWebwinkelError:
                self._lists.pop(list_id, None)  # it may have gone through: read it again
                raise
        return set(new)

    def _owe_repairs(self, plans: list[ProductPlan], list_ids: set[int]) -> None:
        """Record every bound article on these lists as owing a repair (own transaction)."""
        owed: dict[str, str] = {}
        for binding in self.ctx.store.bindings(self.ctx.name, PRODUCT):
            if list_ids & {int(k) for k in binding.extra.get("lists", {})}:
                owed[binding.shop_key] = binding.mplus_key
        for plan in plans:
            if plan.shop_id is not None and list_ids & set(plan.list_ids.values()):
                owed[str(plan.shop_id)] = str(plan.src.product_number)
        detail = "options added to list(s) " + ", ".join(str(i) for i in sorted(list_ids))
        with self.ctx.store.transaction() as tx:
            tx.owe_repairs(self.ctx.name, LIST_REPAIR, owed, detail)

    def _list_attach(self, plan: ProductPlan) -> list[ListAttach]:
        attach = []
        for name, values in plan.lists.items():
            option_list = self._option_list(plan.list_ids[name])
            ids = {o.name: o.id for o in option_list.options}
            attach.append(
                ListAttach(
                    id=plan.list_ids[name],
                    options=[ListOptionAttach(id=int(ids[v] or 0)) for v in values],
                )
            )
        return attach

    def apply(self, plan: ProductPlan) -> tuple[ShopArticle | None, RecordResult]:
        """Write one planned product to the shop; never raises for a shop refusal."""
        src = plan.src
        try:
            article = plan.current
            if plan.action in ("create", "update"):
                values = {c.target: c.new for c in plan.writes if c.target not in _STRUCTURAL}
                body: dict[str, Any] = nest(values)
                targets = {c.target for c in plan.writes}
                if "categories" in targets:
                    body["categories"] = [CategoryLinkInput(**link) for link in plan.links]
                if "lists" in targets:
                    body["lists"] = self._list_attach(plan)
                if "images" in targets:
                    body["images"] = self._image_inputs(plan)
                if plan.action == "create":
                    article = self.ctx.shop.create_article(ArticleInput(**body))
                else:
                    article = self.ctx.shop.update_article(
                        int(plan.shop_id or 0), ArticlePatch(**body)
                    )
            elif plan.action == "hide":
                links = [CategoryLinkInput(**link) for link in plan.links]
                article = self.ctx.shop.update_article(
                    int(plan.shop_id or 0), ArticlePatch(categories=links)
                )
            elif plan.action == "delete":
                self.ctx.shop.delete_article(int(plan.shop_id or 0))
                article = None
        except MijnWebwinkelError as exc:
            reason = Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP
            return plan.current, RecordResult(
                "product",
                src.sku,
                Outcome.FAILED,
                reason,
                f"SKU {src.sku}: the shop did not take the {plan.action} ({exc})",
                changes=plan.writes,
                hold=True,
            )
        except (ValueError, TypeError) as exc:
            return plan.current, RecordResult(
                "product",
                src.sku,
                Outcome.FAILED,
                Reason.MAPPING_ERROR,
                f"SKU {src.sku}: the mapped values do not fit a shop article ({exc})",
                hold=True,
            )
        return article, self.result(plan)

    def result(self, plan: ProductPlan) -> RecordResult:
        """The ledger result of a plan (applied, or planned in a dry run)."""
        src = plan.src
        outcome = {
            "create": Outcome.CREATED,
            "update": Outcome.UPDATED,
            "hide": Outcome.UPDATED,
            "delete": Outcome.UPDATED,
            "unchanged": Outcome.UNCHANGED,
            "skip": Outcome.SKIPPED,
            "fail": Outcome.SKIPPED,
        }[plan.action]
        message = plan.message
        if not message:
            kind = "variant product" if src.kind == "variant" else "article"
            verb = {"create": "created", "update": "updated", "unchanged": "unchanged"}.get(
                plan.action, plan.action
            )
            fields = ", ".join(c.target for c in plan.writes)
            message = f"SKU {src.sku} ({kind} {src.record.get('name', '')}): {verb}"
            if plan.action == "update":
                message += f" ({fields})"
        left = [f"article {n}: {why}" for n, why in sorted(src.left_out.items()) if src.articles]
        if left:
            message += "; left out " + "; ".join(left)
        return RecordResult(
            "product",
            src.sku,
            outcome,
            plan.reason,
            message,
            changes=plan.changes,
            source={"product_number": src.product_number, "sku": src.sku},
            sent={c.target: c.new for c in plan.writes} or None,
            hold=plan.action == "fail" or plan.reason == Reason.MAPPING_ERROR,
        )

    def bindings_for(self, plan: ProductPlan, article: ShopArticle | None) -> PageResult:
        """The binding writes that record where a product now lives in the shop."""
        out = PageResult()
        src = plan.src
        if article is None:
            if plan.action == "delete":
                if src.kind == "variant":
                    out.deletes.append((PRODUCT, str(src.product_number)))
                for a in src.product.articles:
                    out.deletes.append((ARTICLE, str(a.article_number)))
            return out
        shop_key = str(article.id)
        written = {c.target: c.new for c in plan.writes}
        holds = {}
        if plan.current is not None:
            now = current_values(plan.current, plan.mapped)
            holds = {t: v for t, v in plan.mapped.items() if now.get(t) == v}
        conflicted = {c.target for c in plan.changes if c.action == "conflict"}
        kept = {t: v for t, v in {**holds, **written}.items() if t not in conflicted}
        kept.update({k: v for k, v in plan.mapped.items() if plan.action == "create"})
        hashes = {k: v for k, v in hashes_of(kept).items() if k not in _STRUCTURAL}
        old = plan.binding
        images = self._image_extra(plan, article)
        if src.kind == "simple":
            lead = src.sku
            if _differs(old, shop_key, "", hashes, images):
                out.puts.append(
                    (
                        ARTICLE,
                        {
                            "mplus_key": lead,
                            "shop_key": shop_key,
                            "field_hashes": hashes,
                            "extra": images,
                        },
                    )
                )
            return out
        names = {lst.id: lst.name for lst in article.lists}
        lists_extra = {
            str(plan.list_ids[n]): v for n, v in plan.lists.items() if n in plan.list_ids
        }
        extra = {"lists": lists_extra, **images}
        if _differs(old, shop_key, "", hashes, extra):
            out.puts.append(
                (
                    PRODUCT,
                    {
                        "mplus_key": str(src.product_number),
                        "shop_key": shop_key,
                        "field_hashes": hashes,
                        "extra": extra,
                    },
                )
            )
        variants = {}
        for variant in article.variants:
            options = {
                names.get(lid, str(lid)): name for lid, name in variant.option_names().items()
            }
            variants[variant_key(options)] = variant.id
        existing = self.ctx.store.bindings_by_mplus_keys(
            self.ctx.name, ARTICLE, [str(a.article_number) for a in src.product.articles]
        )
        for a in src.product.articles:
            number = str(a.article_number)
            combo = src.combos.get(int(a.article_number or 0))
            key = variant_key(combo) if combo else ""
            vid = variants.get(key) if combo else None
            if vid is None:
                if number in existing:
                    out.deletes.append((ARTICLE, number))
                continue
            if _differs(existing.get(number), shop_key, key, {}, {"variant_id": vid}):
                out.puts.append(
                    (
                        ARTICLE,
                        {
                            "mplus_key": number,
                            "shop_key": shop_key,
                            "variant_key": key,
                            "extra": {"variant_id": vid},
                        },
                    )
                )
        return out

    def settle_repairs(
        self, plans: list[ProductPlan], results: list[RecordResult]
    ) -> tuple[list[RecordResult], list[str]]:
        """Set owed articles back to their own options (see :meth:`ensure_options`).

        An article of this page whose own write set its options went through needs nothing
        more; every other owed article gets a write of its options: those planned in this
        page, else those its binding says were last written. A marker is cleared only when
        that write went through (or the article or its binding is gone).

        Returns:
            (ledger results of the repair writes, shop keys whose markers are cleared).
        """
        owed = self.ctx.store.repairs_owed(self.ctx.name, LIST_REPAIR)
        if not owed:
            return [], []
        in_page = {str(p.shop_id): p for p in plans if p.shop_id is not None}
        outcome = {p.src.sku: r.outcome for p, r in zip(plans, results, strict=True)}
        bindings = self.ctx.store.bindings_by_mplus_keys(
            self.ctx.name, PRODUCT, [r.mplus_key for r in owed]
        )
        cleared: list[str] = []
        repairs: list[RecordResult] = []
        for row in owed:
            plan = in_page.get(row.shop_key)
            if plan is not None and plan.action in ("create", "update", "delete"):
                wrote = plan.action == "delete" or any(c.target == "lists" for c in plan.writes)
                if wrote and outcome.get(plan.src.sku) != Outcome.FAILED:
                    cleared.append(row.shop_key)
                    continue
            if plan is not None and plan.lists and plan.action not in ("skip", "fail"):
                own = {
                    str(plan.list_ids[n]): v for n, v in plan.lists.items() if n in plan.list_ids
                }
            else:
                binding = bindings.get(row.mplus_key)
                if binding is None or binding.shop_key != row.shop_key:
                    cleared.append(row.shop_key)  # no longer ours: nothing to set back
                    continue
                own = dict(binding.extra.get("lists", {}))
            result = self._repair_lists(row.shop_key, row.mplus_key, own, row.detail)
            if result.outcome != Outcome.FAILED:
                cleared.append(row.shop_key)
            repairs.append(result)
        return repairs, cleared

    def _repair_lists(
        self, shop_key: str, mplus_key: str, own: dict[str, list[str]], why: str
    ) -> RecordResult:
        """One write: the article's option lists with exactly its own options."""
        key = f"product {mplus_key} (shop article {shop_key})"
        try:
            attach = []
            for list_id, values in own.items():
                ids = {o.name: o.id for o in self._option_list(int(list_id)).options}
                options = [ListOptionAttach(id=int(ids[v] or 0)) for v in values if v in ids]
                if options:
                    attach.append(ListAttach(id=int(list_id), options=options))
            if not attach:
                return RecordResult(
                    "product", mplus_key, Outcome.UNCHANGED, None, f"{key}: no options to set"
                )
            self.ctx.shop.update_article(int(shop_key), ArticlePatch(lists=attach))
        except MijnWebwinkelError as exc:
            if exc.status_code == 404:  # the article (or the list) is gone: nothing owed
                return RecordResult(
                    "product",
                    mplus_key,
                    Outcome.SKIPPED,
                    None,
                    f"{key}: gone from the shop ({exc})",
                )
            reason = Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP
            return RecordResult(
                "product",
                mplus_key,
                Outcome.FAILED,
                reason,
                f"{key}: could not set its options back to its own after {why} ({exc}); "
                "the repair stays owed and the next run tries again",
            )
        names = "; ".join(f"list {lid}: {', '.join(v)}" for lid, v in own.items())
        return RecordResult(
            "product",
            mplus_key,
            Outcome.UPDATED,
            None,
            f"{key}: options set back to its own after {why} ({names})",
        )

    def run_page(self, products: list[Product], cursor: int | None) -> list[RecordResult]:
        """Plan and (unless a dry run) apply one page, then commit it with its cursor."""
        plans = self.plan_page(products)
        self.plans.extend(plans)
        page = PageResult()
        if self.ctx.dry_run:
            page.results = [self.result(p) for p in plans]
            self.ctx.report.extend(page.results)
            return page.results
        try:
            self.ensure_options(plans)
        except MijnWebwinkelError as exc:
            for plan in plans:
                if any(c.target == "lists" for c in plan.writes):
                    plan.action, plan.reason = "fail", Reason.REJECTED_BY_SHOP
                    plan.message = f"SKU {plan.src.sku}: the shop refused new options ({exc})"
        writers = max(1, self.settings.write_concurrency)
        with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="mkmw-products") as pool:
            applied = list(pool.map(self._apply_and_bind, plans))
        for result, bindings in applied:
            page.results.append(result)
            page.puts.extend(bindings.puts)
            page.deletes.extend(bindings.deletes)
        repairs, repaired = self.settle_repairs(plans, page.results)
        self.ctx.report.extend(page.results + repairs)
        price_days = self._note_price_changes(plans)
        with self.ctx.store.transaction() as tx:
            for entity, key in page.deletes:
                tx.delete_binding(self.ctx.name, entity, key)
            for entity in (PRODUCT, ARTICLE):
                rows = [put for kind, put in page.puts if kind == entity]
                if rows:
                    tx.put_bindings(self.ctx.name, entity, rows)
            write_outcomes(tx, self.ctx.report, page.results)
            # repairs are only logged: their debt is the marker, not a held product record
            report = self.ctx.report
            tx.add_ledger(
                RunReport(
                    report.flow, report.integration, report.run_id, results=repairs
                ).ledger_rows()
            )
            tx.clear_repairs(self.ctx.name, LIST_REPAIR, repaired)
            if price_days:
                changes = json.dumps(self.price_changes(), sort_keys=True)
                tx.set_cursor(self.ctx.name, PRICE_CHANGES, changes)
            if cursor is not None:
                tx.set_cursor(self.ctx.name, CURSOR, str(cursor))
        return page.results + repairs

    def _apply_and_bind(self, plan: ProductPlan) -> tuple[RecordResult, PageResult]:
        if plan.action in ("skip", "fail"):
            return self.result(plan), PageResult()
        article, result = self.apply(plan)
        if result.outcome == Outcome.FAILED:
            if plan.action == "create":
                self._unsure_creates.add(plan.src.sku)
            return result, PageResult()
        return result, self.bindings_for(plan, article)

    def finish(self) -> None:
        """Remember when this run started (a later run scans shop articles created since)."""
        if not self.ctx.dry_run and self.skus is None:
            self.ctx.store.set_cursor(self.ctx.name, LAST_RUN, self.started)


def _by_position(images: Iterable[Any]) -> list[Any]:
    return sorted(images, key=lambda i: (i.position is None, i.position or 0))


def _link_state(links: Iterable[Any]) -> list[list[Any]]:
    state = []
    for link in links:
        if isinstance(link, dict):
            state.append([int(link["category_id"]), bool(link.get("is_active", True))])
        else:
            state.append([int(link.category_id), link.is_active is not False])
    return sorted(state)


def _differs(
    binding: Binding | None,
    shop_key: str,
    variant: str,
    hashes: dict[str, str],
    extra: dict[str, Any],
) -> bool:
    if binding is None:
        return True
    if binding.shop_key != shop_key or binding.variant_key != variant:
        return True
    if any(binding.field_hashes.get(k) != v for k, v in hashes.items()):
        return True
    return any(binding.extra.get(k) != v for k, v in extra.items())


def marker_of(products: list[Product]) -> int:
    """The highest article syncMarker of some products (0 when none)."""
    return max((product_marker(p) for p in products), default=0)
