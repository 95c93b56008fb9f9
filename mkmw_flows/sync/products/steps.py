"""The steps of one planned product, MplusKASSA -> shop, on the step template.

skip (filtered out, failed to map, no option list, a duplicate SKU) -> dependencies (the
product's option lists with their options, which the page's ``prepare`` made sure exist) ->
build (the shop article body) -> write (create, update, hide or delete) -> bind (the
``product`` binding, and one ``article`` binding per MplusKASSA article with its variant) ->
outcome. A dry run takes the same steps without the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from mkmw_flows.mapping import hashes_of, nest
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import (
    ArticleInput,
    ArticlePatch,
    CategoryLinkInput,
    ListAttach,
)
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT, variant_key
from mkmw_flows.sync.products.images import image_extra, image_inputs
from mkmw_flows.sync.products.lists import OptionLists
from mkmw_flows.sync.products.plan import (
    CURSOR,
    LAST_RUN,
    STRUCTURAL,
    ProductPlan,
    ProductPlanner,
    current_values,
)
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import CursorSpec, RecordSteps, Stop

#: JSON {product number: day}: when a dated sales price of the product starts or ends, so the
#: action price follows on that day although nothing changed in MplusKASSA
PRICE_CHANGES = "products.price_changes"


@dataclass
class ProductWrite:
    """What is written for one plan.

    Attributes:
        plan: The product's plan.
        body: The shop article (create), or its changed parts (update, hide); None for a
            delete, an unchanged product, or a dry run whose values do not fit the shop.
    """

    plan: ProductPlan
    body: ArticleInput | ArticlePatch | None = None


class ProductSteps(RecordSteps[ProductPlan, list[ListAttach], ProductWrite, ShopArticle | None]):
    """The per-product steps of one forward run.

    Args:
        ctx: The run's context.
        planner: The run's planner (knows the SKUs whose create may have landed).
        lists: The run's option lists.
    """

    cursors = (
        CursorSpec(CURSOR, "the highest MplusKASSA article syncMarker taken"),
        CursorSpec(PRICE_CHANGES, "JSON {product number: day a dated sales price starts/ends}"),
        CursorSpec(LAST_RUN, "when the last run started (shop time), set once the run ends"),
    )

    def __init__(self, ctx: SyncContext, planner: ProductPlanner, lists: OptionLists) -> None:
        self.ctx = ctx
        self.planner = planner
        self.lists = lists
        self.parallel = max(1, ctx.integration.products.write_concurrency)

    def prepare(self, records: list[ProductPlan]) -> None:
        """Add the options the page needs to their lists, before any of its writes."""
        if self.ctx.dry_run:
            return
        try:
            self.lists.ensure(records)
        except MijnWebwinkelError as exc:
            for plan in records:
                if plan.writes_lists():
                    plan.action, plan.reason = "fail", Reason.REJECTED_BY_SHOP
                    plan.message = f"SKU {plan.src.sku}: the shop refused new options ({exc})"

    def skip(self, record: ProductPlan) -> RecordResult | None:
        """A product that is not written (filtered out, failed to plan)."""
        if record.action in ("skip", "fail"):
            return plan_result(record)
        return None

    def dependencies(self, record: ProductPlan) -> list[ListAttach]:
        """The option lists a variant product's write attaches (none in a dry run)."""
        if (
            self.ctx.dry_run
            or record.action not in ("create", "update")
            or "lists" not in {c.target for c in record.writes}
        ):
            return []
        try:
            return self.lists.attach(record)
        except MijnWebwinkelError as exc:
            self._refused(record, exc)

    def build(self, record: ProductPlan, deps: list[ListAttach]) -> ProductWrite:
        """The shop article body: mapped values, category links, option lists, images."""
        try:
            if record.action in ("create", "update"):
                values = {c.target: c.new for c in record.writes if c.target not in STRUCTURAL}
                body: dict[str, Any] = nest(values)
                targets = {c.target for c in record.writes}
                if "categories" in targets:
                    body["categories"] = [CategoryLinkInput(**link) for link in record.links]
                if "lists" in targets and not self.ctx.dry_run:
                    body["lists"] = deps
                if "images" in targets:
                    body["images"] = image_inputs(record)
                if record.action == "create":
                    return ProductWrite(record, ArticleInput(**body))
                return ProductWrite(record, ArticlePatch(**body))
            if record.action == "hide":
                links = [CategoryLinkInput(**link) for link in record.links]
                return ProductWrite(record, ArticlePatch(categories=links))
        except (ValueError, TypeError) as exc:
            if self.ctx.dry_run:  # a dry run reports the plan (as it always has)
                return ProductWrite(record)
            self._stop(
                record,
                RecordResult(
                    "product",
                    record.src.sku,
                    Outcome.FAILED,
                    Reason.MAPPING_ERROR,
                    f"SKU {record.src.sku}: the mapped values do not fit a shop article ({exc})",
                    hold=True,
                ),
            )
        return ProductWrite(record)

    def planned(self, record: ProductPlan, built: ProductWrite) -> RecordResult:
        """The plan's result: what the write would do, field by field."""
        return plan_result(record)

    def write(self, record: ProductPlan, built: ProductWrite) -> ShopArticle | None:
        """Create, update, hide or delete the shop article; a refusal stops the record."""
        shop_id = int(record.shop_id or 0)
        try:
            if isinstance(built.body, ArticleInput):
                return self.ctx.shop.create_article(built.body)
            if isinstance(built.body, ArticlePatch):
                return self.ctx.shop.update_article(shop_id, built.body)
            if record.action == "delete":
                self.ctx.shop.delete_article(shop_id)
                return None
        except MijnWebwinkelError as exc:
            self._refused(record, exc)
        return record.current

    def bind(
        self, record: ProductPlan, built: ProductWrite, written: ShopArticle | None
    ) -> list[Bind]:
        """Where the product now lives in the shop."""
        return product_binds(self.ctx, record, written)

    def outcome(
        self, record: ProductPlan, built: ProductWrite, written: ShopArticle | None
    ) -> RecordResult:
        """The plan's result, now done."""
        return plan_result(record)

    def _refused(self, plan: ProductPlan, exc: MijnWebwinkelError) -> NoReturn:
        reason = Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP
        self._stop(
            plan,
            RecordResult(
                "product",
                plan.src.sku,
                Outcome.FAILED,
                reason,
                f"SKU {plan.src.sku}: the shop did not take the {plan.action} ({exc})",
                changes=plan.writes,
                hold=True,
            ),
        )

    def _stop(self, plan: ProductPlan, result: RecordResult) -> NoReturn:
        if plan.action == "create":
            self.planner.unsure_creates.add(plan.src.sku)
        raise Stop(result)


def plan_result(plan: ProductPlan) -> RecordResult:
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


def product_binds(ctx: SyncContext, plan: ProductPlan, article: ShopArticle | None) -> list[Bind]:
    """The binding writes that record where a product now lives in the shop."""
    src = plan.src
    if article is None:
        out: list[Bind] = []
        if plan.action == "delete":
            if src.kind == "variant":
                out.append(Bind(PRODUCT, str(src.product_number), delete=True))
            for a in src.product.articles:
                out.append(Bind(ARTICLE, str(a.article_number), delete=True))
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
    hashes = {k: v for k, v in hashes_of(kept).items() if k not in STRUCTURAL}
    old = plan.binding
    images = image_extra(plan, article)
    if src.kind == "simple":
        if _differs(old, shop_key, "", hashes, images):
            return [Bind(ARTICLE, src.sku, shop_key, hashes=hashes, extra=images)]
        return []
    binds: list[Bind] = []
    names = {lst.id: lst.name for lst in article.lists}
    lists_extra = {str(plan.list_ids[n]): v for n, v in plan.lists.items() if n in plan.list_ids}
    extra = {"lists": lists_extra, **images}
    if _differs(old, shop_key, "", hashes, extra):
        binds.append(Bind(PRODUCT, str(src.product_number), shop_key, hashes=hashes, extra=extra))
    variants = {}
    for variant in article.variants:
        options = {names.get(lid, str(lid)): name for lid, name in variant.option_names().items()}
        variants[variant_key(options)] = variant.id
    existing = plan.article_bindings
    if existing is None:
        existing = ctx.bindings(ARTICLE).by_mplus_keys(
            [str(a.article_number) for a in src.product.articles]
        )
    for a in src.product.articles:
        number = str(a.article_number)
        combo = src.combos.get(int(a.article_number or 0))
        key = variant_key(combo) if combo else ""
        vid = variants.get(key) if combo else None
        if vid is None:
            if number in existing:
                binds.append(Bind(ARTICLE, number, delete=True))
            continue
        if _differs(existing.get(number), shop_key, key, {}, {"variant_id": vid}):
            binds.append(Bind(ARTICLE, number, shop_key, key, extra={"variant_id": vid}))
    return binds


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
