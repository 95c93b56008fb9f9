"""The reverse products direction: shop articles -> MplusKASSA products (create / update).

Shop articles are read by their change date (a date cursor with an overlap, committed with
each batch's bindings). A shop SKU must be a MplusKASSA article number, which is numeric only:
any other SKU is recorded as ``SKU_NOT_NUMERIC`` and never sent, and the batch goes on.
Matching is by binding first, then by article number. Only the fields that changed since we
last wrote them are sent (hashes on the ``article`` binding, keys prefixed ``mplus.``).
A shop article with variants becomes one MplusKASSA product with an article per variant
(:mod:`mkmw_flows.sync.products.reverse_variants`).

Each batch is one page on the step template (in order, one write at a time): skip (a SKU
that is not a number) -> dependencies (the binding, the MplusKASSA product) -> build (map,
compare) -> write (create or update) -> bind -> outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, TransformError, hashes_of, plan_changes
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mplus.errors import MplusBusinessError, MplusError
from mkmw_flows.mplus.models import Article, Product
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.products.defaults import default_reverse_field_map, reverse_variant_rules
from mkmw_flows.sync.products.reverse_variants import VariantDeps, VariantSteps, VariantWrite
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import CursorSpec, Page, RecordSteps, Stop, run_page

REVERSE_CURSOR = "products.shop_changed_since"
_PREFIX = "mplus."
_BATCH = 100


class ReverseProductSync:
    """One run of the reverse direction for one integration.

    Args:
        ctx: The run's context.
        full: Read every shop article instead of those changed since the cursor.
        skus: Only shop articles with these SKUs.
    """

    def __init__(self, ctx: SyncContext, *, full: bool = False, skus: list[str] | None = None):
        self.ctx = ctx
        self.full = full
        self.skus = set(skus) if skus is not None else None
        self.steps = ReverseSteps(ctx)
        self.plans: list[RecordResult] = []
        self.started = (dt.datetime.now() - dt.timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M:%S")

    def batches(self) -> Iterator[tuple[list[ShopArticle], str | None]]:
        """Batches of changed shop articles; the last one carries the new cursor."""
        since = None if self.full else self.ctx.cursor(REVERSE_CURSOR)
        batch: list[ShopArticle] = []
        for article in self.ctx.shop.iter_articles(changed_start_date=since):
            if self.skus is not None and (article.sku or "").strip() not in self.skus:
                continue
            batch.append(article)
            if len(batch) == _BATCH:
                yield batch, None
                batch = []
        yield batch, None if self.skus is not None else self.started

    def run_page(self, articles: list[ShopArticle], cursor: str | None) -> list[RecordResult]:
        """Create or update the MplusKASSA products of a batch; commit bindings and cursor."""
        page = Page(articles, {REVERSE_CURSOR: cursor} if cursor is not None else {})
        results = run_page(self.ctx, self.steps, page)
        self.plans.extend(results)
        return results


@dataclass
class SimpleDeps:
    """What a simple shop article needs first: its binding and its MplusKASSA article.

    Attributes:
        number: The MplusKASSA article number (bound, else the shop SKU).
        binding: The ``article`` binding of the shop article, if any.
        existing: The MplusKASSA product and article with that number, if they exist.
    """

    number: int
    binding: Binding | None
    existing: tuple[Product, Article] | None


@dataclass
class SimpleWrite:
    """One MplusKASSA product to create, or article to update, from a simple shop article."""

    deps: SimpleDeps
    product: Product
    outcome: Outcome
    changes: list[FieldChange]
    sets: dict[str, Any]
    hashes: dict[str, str]


#: What a step gets for a simple shop article or for one with variants.
Deps = SimpleDeps | VariantDeps
Built = SimpleWrite | VariantWrite


class ReverseSteps(RecordSteps[ShopArticle, Deps, Built, None]):
    """The steps of one shop article -> MplusKASSA.

    A shop article with variants is handed to
    :class:`~mkmw_flows.sync.products.reverse_variants.VariantSteps` at each step.

    Args:
        ctx: The run's context.
    """

    cursors = (CursorSpec(REVERSE_CURSOR, "shop article change date read up to (shop time)"),)

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.field_map: FieldMap = default_reverse_field_map()
        self.rules = self.field_map.rules()
        self.variants = VariantSteps(
            ctx,
            self.field_map.merged(
                FieldMap(fields=reverse_variant_rules(self.settings.variant_axes))
            ),
        )
        self.price_field = "price_excl"
        self._include_tax: bool | None = None
        self._with_variants: set[int | None] = set()
        self._bindings: dict[int | None, Binding | None] = {}
        self._known: dict[int, tuple[Product, Article]] = {}

    @property
    def prices_include_tax(self) -> bool:
        """The shop's price convention (read once per run)."""
        if self._include_tax is None:
            self._include_tax = bool(self.ctx.shop.get_store().prices_include_tax)
        return self._include_tax

    def prepare(self, records: list[ShopArticle]) -> None:
        """The page's bindings and MplusKASSA products (one read per kind of article)."""
        numeric = [
            a for a in records if (a.sku or "").strip().isdigit() and (a.sku or "").isascii()
        ]
        with_variants = [a for a in numeric if a.variants]
        numeric = [a for a in numeric if not a.variants]
        self.price_field = "price_incl" if self.prices_include_tax else "price_excl"
        self.variants.price_field = self.price_field
        self.variants.prepare(with_variants)
        self._with_variants = {a.id for a in with_variants}
        binder = self.ctx.bindings(ARTICLE)
        self._bindings = {a.id: binder.find(shop_key=str(a.id)) for a in numeric}
        numbers = sorted(
            {int(b.mplus_key) for b in self._bindings.values() if b is not None}
            | {int((a.sku or "").strip()) for a in numeric}
        )
        self._known = {}
        if numbers:
            for product in self.ctx.mplus.get_products(article_numbers=numbers):
                for article in product.articles:
                    self._known[int(article.article_number or 0)] = (product, article)

    def skip(self, record: ShopArticle) -> RecordResult | None:
        """A shop SKU that is not a MplusKASSA article number is never sent."""
        if record.id in self._with_variants:
            return None
        sku = (record.sku or "").strip()
        if sku.isascii() and sku.isdigit():
            return None
        why = "has no SKU" if not sku else f"has SKU {sku!r}, which is not a number"
        return RecordResult(
            "product",
            sku or f"shop article {record.id}",
            Outcome.SKIPPED,
            Reason.SKU_NOT_NUMERIC,
            f"Shop article {record.name!r} {why}; MplusKASSA article numbers are numeric only. "
            "Give it a numeric SKU in the shop to send it.",
            hold=True,
        )

    def dependencies(self, record: ShopArticle) -> Deps:
        """The binding and the MplusKASSA record the shop article is matched to."""
        if record.id in self._with_variants:
            return self.variants.dependencies(record)
        binding = self._bindings.get(record.id)
        number = int(binding.mplus_key) if binding is not None else int((record.sku or "").strip())
        return SimpleDeps(number, binding, self._known.get(number))

    def build(self, record: ShopArticle, deps: SimpleDeps | VariantDeps) -> Built:
        """Map the shop article and compare it with what MplusKASSA holds."""
        if isinstance(deps, VariantDeps):
            return self.variants.build(record, deps)
        sku = (record.sku or "").strip()
        try:
            mapped = self.field_map.apply(record.model_dump(mode="python"))
        except TransformError as exc:
            raise Stop(
                RecordResult(
                    "product",
                    sku,
                    Outcome.FAILED,
                    Reason.MAPPING_ERROR,
                    f"SKU {sku}: {exc}",
                    hold=True,
                )
            ) from exc
        mapped = {k: v for k, v in mapped.items() if v not in (None, "")}
        binding, number = deps.binding, deps.number
        hashes = {
            k[len(_PREFIX) :]: v
            for k, v in (binding.field_hashes if binding else {}).items()
            if k.startswith(_PREFIX)
        }
        if deps.existing is None:
            changes = plan_changes(mapped, self.rules, creating=True, written_hashes={})
            article = Article(
                article_number=number,
                active=True,
                webshop=True,
                vat_code=self.settings.reverse_vat_code,
                turnover_group=self.settings.reverse_turnover_group,
                **self._fields(mapped),
            )
            product = Product(description=mapped.get("description"), articles=[article])
            outcome = Outcome.CREATED
        else:
            product_read, article_read = deps.existing
            current = {
                "description": article_read.description,
                "price": getattr(article_read, self.price_field),
                "barcode": article_read.barcode,
                "extra_text": article_read.extra_text,
            }
            changes = plan_changes(
                mapped, self.rules, creating=False, written_hashes=hashes, current=current
            )
            sets = {c.target: c.new for c in changes if c.action == "set"}
            article = Article(article_number=number, **self._fields(sets))
            product = Product(product_number=product_read.product_number, articles=[article])
            outcome = Outcome.UPDATED if sets else Outcome.UNCHANGED
        sets = {c.target: c.new for c in changes if c.action == "set"}
        written = {_PREFIX + k: v for k, v in hashes_of(mapped).items()}
        return SimpleWrite(deps, product, outcome, changes, sets, written)

    def planned(self, record: ShopArticle, built: Built) -> RecordResult:
        """What the write would do."""
        return self.outcome(record, built, None)

    def write(self, record: ShopArticle, built: Built) -> None:
        """Create the product or update the article in MplusKASSA (nothing when unchanged)."""
        if isinstance(built, VariantWrite):
            return self.variants.write(record, built)
        if built.outcome == Outcome.UNCHANGED:
            return None
        write: Callable[[Product], Any] = (
            self.ctx.mplus.create_product
            if built.outcome == Outcome.CREATED
            else self.ctx.mplus.update_product
        )
        sku = (record.sku or "").strip()
        try:
            write(built.product)
        except MplusBusinessError as exc:
            raise Stop(
                RecordResult(
                    "product",
                    sku,
                    Outcome.FAILED,
                    Reason.REJECTED_BY_MPLUS,
                    f"SKU {sku}: MplusKASSA refused it ({exc})",
                    changes=built.changes,
                    hold=True,
                )
            ) from exc
        except MplusError as exc:
            raise Stop(
                RecordResult(
                    "product",
                    sku,
                    Outcome.FAILED,
                    Reason.API_UNAVAILABLE,
                    f"SKU {sku}: MplusKASSA did not answer ({exc})",
                    changes=built.changes,
                    hold=True,
                )
            ) from exc
        return None

    def bind(self, record: ShopArticle, built: Built, written: None) -> list[Bind]:
        """The article binding with the hashes of what was sent (when anything changed)."""
        if isinstance(built, VariantWrite):
            return self.variants.bind(record, built, written)
        binding = built.deps.binding
        changed = binding is None or any(
            binding.field_hashes.get(k) != v for k, v in built.hashes.items()
        )
        if not changed and built.outcome == Outcome.UNCHANGED:
            return []
        return [Bind(ARTICLE, str(built.deps.number), str(record.id), hashes=built.hashes)]

    def outcome(self, record: ShopArticle, built: Built, written: None) -> RecordResult:
        """Created, updated or unchanged in MplusKASSA."""
        if isinstance(built, VariantWrite):
            return self.variants.outcome(record, built, written)
        sku = (record.sku or "").strip()
        verb = {Outcome.CREATED: "created", Outcome.UPDATED: "updated"}.get(
            built.outcome, "unchanged"
        )
        fields = ", ".join(built.sets) if built.outcome == Outcome.UPDATED else ""
        return RecordResult(
            "product",
            sku,
            built.outcome,
            message=f"SKU {sku} ({record.name}): {verb} in MplusKASSA"
            + (f" ({fields})" if fields else ""),
            changes=[c for c in built.changes if isinstance(c, FieldChange)],
            sent=built.sets or None,
        )

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k != "price"}
        if "price" in values:
            out[self.price_field] = values["price"]
        return out
