"""Reverse direction, variant products: a shop article with variants -> one MplusKASSA product.

The shop article's numeric SKU is the MplusKASSA product number (the forward direction gives a
variant product its product number as SKU, so the two directions agree); every variant becomes
an article of that product, its colour and size taken from the variant's option names through
the reverse field map (:func:`~mkmw_flows.sync.products.defaults.reverse_variant_rules`).
A variant has no SKU, so MplusKASSA numbers the new articles: ``createProduct`` and
``updateProduct`` answer the numbers in the order the articles were sent.

Matching: the bindings first (a ``product`` binding on the shop article and one ``article``
binding per variant with its ``variant_id``, as the forward direction binds, so the stock and
order flows find the variants), then an existing product with that number and an article with
the same colour and size. Only changed fields are sent, judged by the hashes on the bindings
(keys prefixed ``mplus.``), so a rerun writes nothing. The shop article's name is the
product's description; a variant's price is the article price plus its options' surcharges.
A variant removed in the shop is left in MplusKASSA as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, TransformError, hashes_of, plan_changes
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mijnwebwinkel.models import Variant
from mkmw_flows.mplus.errors import MplusBusinessError, MplusError
from mkmw_flows.mplus.models import Article, Product
from mkmw_flows.settings.products import ProductSyncSettings
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE, PRODUCT, variant_key
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import RecordSteps, Stop

_PREFIX = "mplus."
#: Fields of the product, not of its articles (the shop article's name).
_PRODUCT_FIELDS = ("description",)
#: Shop fields that belong to the shop article as a whole and never go to a variant article.
_NOT_PER_VARIANT = ("barcode",)


@dataclass
class _VariantPlan:
    variant: Variant
    key: str
    options: dict[str, str]
    mapped: dict[str, Any]
    number: int | None = None
    binding: Binding | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class VariantDeps:
    """What a shop article with variants needs first: its product binding and product.

    Attributes:
        number: The MplusKASSA product number (bound, else the shop SKU).
        binding: The ``product`` binding of the shop article, if any.
        existing: The MplusKASSA product with that number, if it exists.
    """

    number: int
    binding: Binding | None
    existing: Product | None


@dataclass
class VariantWrite:
    """One MplusKASSA product to create or update from a shop article with variants."""

    deps: VariantDeps
    plans: list[_VariantPlan]
    product_mapped: dict[str, Any]
    product_sets: dict[str, Any]
    to_send: list[_VariantPlan]
    changes: list[FieldChange]
    outcome: Outcome
    fresh: int


class VariantSteps(RecordSteps[ShopArticle, VariantDeps, VariantWrite, None]):
    """The steps of one shop article with variants -> one MplusKASSA product.

    Args:
        ctx: The run's context.
        field_map: The reverse field map with the variant axis rules.
    """

    def __init__(self, ctx: SyncContext, field_map: FieldMap) -> None:
        self.ctx = ctx
        self.settings: ProductSyncSettings = ctx.integration.products
        self.field_map = field_map
        self.rules = field_map.rules()
        self.price_field = "price_excl"
        self.product_bindings: dict[str, Binding] = {}
        self.article_bindings: dict[str, dict[str, Binding]] = {}
        self.products: dict[int, Product] = {}

    def prepare(self, records: list[ShopArticle]) -> None:
        """Read the bindings and the MplusKASSA products of a page (one product read)."""
        self.product_bindings, self.article_bindings, self.products = {}, {}, {}
        if not records:
            return
        keys = [str(a.id) for a in records]
        self.product_bindings = self.ctx.bindings(PRODUCT).by_shop_keys(keys)
        articles = self.ctx.bindings(ARTICLE)
        for key in keys:
            self.article_bindings[key] = {
                b.variant_key: b for b in articles.all(shop_key=key) if b.variant_key
            }
        numbers = {int(b.mplus_key) for b in self.product_bindings.values()}
        numbers |= {int((a.sku or "").strip()) for a in records}
        for product in self.ctx.mplus.get_products(product_numbers=sorted(numbers)):
            if product.product_number is not None:
                self.products[product.product_number] = product

    def dependencies(self, record: ShopArticle) -> VariantDeps:
        """The product binding, and the MplusKASSA product it names (or the SKU names)."""
        binding = self.product_bindings.get(str(record.id))
        number = int(binding.mplus_key) if binding else int((record.sku or "").strip())
        return VariantDeps(number, binding, self.products.get(number))

    def build(self, record: ShopArticle, deps: VariantDeps) -> VariantWrite:
        """Map every variant and compare it with its MplusKASSA article."""
        shop = record
        sku = (shop.sku or "").strip()
        existing, product_binding, number = deps.existing, deps.binding, deps.number
        try:
            plans = self._plans(shop, existing)
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
        if (
            existing is not None
            and product_binding is None
            and existing.articles
            and not any(p.number is not None for p in plans)
        ):
            # a product with this number that shares no variant: another product, not ours
            raise Stop(
                RecordResult(
                    "product",
                    sku,
                    Outcome.SKIPPED,
                    Reason.SKU_DUPLICATE,
                    f"Shop article {shop.name!r} has SKU {sku}, but MplusKASSA product {number} "
                    "holds other articles (no colour and size in common); give the shop article "
                    "the number of a free product or of the product it belongs to.",
                    hold=True,
                )
            )
        product_mapped = {k: v for k, v in plans[0].mapped.items() if k in _PRODUCT_FIELDS}
        product_hashes = _unprefixed(product_binding)
        if existing is None:
            product_sets = dict(product_mapped)
            product_changes = [FieldChange(k, None, v) for k, v in product_sets.items()]
        else:
            product_changes = plan_changes(
                product_mapped,
                self.rules,
                creating=False,
                written_hashes=product_hashes,
                current={"description": existing.description},
            )
            product_sets = {c.target: c.new for c in product_changes if c.action == "set"}
        creating = existing is None
        to_send = [p for p in plans if p.number is None or p.sets]
        if not creating and not to_send and not product_sets:
            outcome = Outcome.UNCHANGED
        else:
            outcome = Outcome.CREATED if creating else Outcome.UPDATED
        changes = product_changes + [c for p in plans for c in p.changes]
        fresh = sum(1 for p in plans if p.number is None)
        return VariantWrite(
            deps, plans, product_mapped, product_sets, to_send, changes, outcome, fresh
        )

    def planned(self, record: ShopArticle, built: VariantWrite) -> RecordResult:
        """What the write would do."""
        return self.outcome(record, built, None)

    def write(self, record: ShopArticle, built: VariantWrite) -> None:
        """Create or update the product with its new and changed articles (if any)."""
        if built.outcome == Outcome.UNCHANGED:
            return
        failure = self._write(
            record,
            built.deps.number,
            built.deps.existing is None,
            built.product_sets,
            built.to_send,
            built.changes,
        )
        if failure is not None:
            raise Stop(failure)

    def bind(self, record: ShopArticle, built: VariantWrite, written: None) -> list[Bind]:
        """The product binding and one article binding per variant with its variant id."""
        return self._binds(
            record, built.deps.number, built.deps.binding, built.product_mapped, built.plans
        )

    def outcome(self, record: ShopArticle, built: VariantWrite, written: None) -> RecordResult:
        """Created, updated or unchanged in MplusKASSA, with how many variants were written."""
        shop, outcome, plans, to_send = record, built.outcome, built.plans, built.to_send
        sku = (shop.sku or "").strip()
        creating = built.deps.existing is None
        verb = {Outcome.CREATED: "created", Outcome.UPDATED: "updated"}.get(outcome, "unchanged")
        detail = (
            f" ({len(plans)} variants)"
            if creating
            else f" ({len(to_send)} of {len(plans)} variants written, {built.fresh} new)"
            if outcome == Outcome.UPDATED
            else ""
        )
        sent = {**built.product_sets, **{f"variant {p.key}": p.sets for p in to_send if p.sets}}
        return RecordResult(
            "product",
            sku,
            outcome,
            message=(
                f"SKU {sku} ({shop.name}): {verb} in MplusKASSA as product "
                f"{built.deps.number}{detail}"
            ),
            changes=[c for c in built.changes if isinstance(c, FieldChange)],
            sent=sent or None,
        )

    # -- steps ---------------------------------------------------------------------------

    def _records(self, shop: ShopArticle) -> list[tuple[Variant, dict[str, Any]]]:
        """One source record per variant: the shop article with its options and own price."""
        names = {lst.id: lst.name for lst in shop.lists}
        surcharges = {
            (lst.id, opt.name): opt.price or Decimal(0) for lst in shop.lists for opt in lst.options
        }
        base = shop.model_dump(mode="python")
        default = shop.price.default if shop.price.default is not None else None
        records = []
        for variant in shop.variants:
            chosen = variant.option_names()
            options = {names.get(lid, str(lid)): name for lid, name in chosen.items()}
            record = {**base, "options": options}
            if default is not None:
                extra = sum((surcharges.get(c, Decimal(0)) for c in chosen.items()), Decimal(0))
                record["price"] = {**base.get("price", {}), "default": default + extra}
            records.append((variant, record))
        return records

    def _plans(self, shop: ShopArticle, existing: Product | None) -> list[_VariantPlan]:
        bound = self.article_bindings.get(str(shop.id), {})
        by_axes = {
            (_norm(a.colour), _norm(a.size)): a for a in (existing.articles if existing else [])
        }
        by_number = {a.article_number: a for a in (existing.articles if existing else [])}
        plans = []
        for variant, record in self._records(shop):
            mapped = {
                k: v
                for k, v in self.field_map.apply(record).items()
                if v not in (None, "") and k not in _NOT_PER_VARIANT
            }
            options = record["options"]
            plan = _VariantPlan(variant, variant_key(options), options, mapped)
            plan.binding = bound.get(plan.key)
            article_fields = {k: v for k, v in mapped.items() if k not in _PRODUCT_FIELDS}
            read = None
            if plan.binding is not None:
                read = by_number.get(int(plan.binding.mplus_key))
            if read is None:
                read = by_axes.get((_norm(mapped.get("colour")), _norm(mapped.get("size"))))
            if read is None:
                plan.changes = [FieldChange(k, None, v) for k, v in article_fields.items()]
                plan.sets = dict(article_fields)
            else:
                plan.number = int(read.article_number or 0)
                current = {
                    k: getattr(read, self.price_field if k == "price" else k, None)
                    for k in article_fields
                }
                plan.changes = plan_changes(
                    article_fields,
                    self.rules,
                    creating=False,
                    written_hashes=_unprefixed(plan.binding),
                    current=current,
                )
                plan.sets = {c.target: c.new for c in plan.changes if c.action == "set"}
            plans.append(plan)
        return plans

    def _article(self, plan: _VariantPlan, shop: ShopArticle) -> Article:
        values = {k: v for k, v in plan.sets.items() if k != "price"}
        if "price" in plan.sets:
            values[self.price_field] = plan.sets["price"]
        if plan.number is not None:
            return Article(article_number=plan.number, **values)
        text = " ".join([shop.name, *plan.options.values()]).strip()
        values.setdefault("description", text)
        return Article(
            active=True,
            webshop=True,
            vat_code=self.settings.reverse_vat_code,
            turnover_group=self.settings.reverse_turnover_group,
            **values,
        )

    def _write(
        self,
        shop: ShopArticle,
        number: int,
        creating: bool,
        product_sets: dict[str, Any],
        to_send: list[_VariantPlan],
        changes: list[FieldChange],
    ) -> RecordResult | None:
        sku = (shop.sku or "").strip()
        product = Product(
            product_number=number,
            description=product_sets.get("description"),
            articles=[self._article(p, shop) for p in to_send],
        )
        new = [p for p in to_send if p.number is None]
        try:
            if creating:
                numbers = self.ctx.mplus.create_product(product).article_numbers
            else:
                numbers = self.ctx.mplus.update_product(product).new_article_numbers
        except MplusBusinessError as exc:
            return RecordResult(
                "product",
                sku,
                Outcome.FAILED,
                Reason.REJECTED_BY_MPLUS,
                f"SKU {sku}: MplusKASSA refused it ({exc})",
                changes=changes,
                hold=True,
            )
        except MplusError as exc:
            return RecordResult(
                "product",
                sku,
                Outcome.FAILED,
                Reason.API_UNAVAILABLE,
                f"SKU {sku}: MplusKASSA did not answer ({exc})",
                changes=changes,
                hold=True,
            )
        if len(numbers) != len(new):
            return RecordResult(
                "product",
                sku,
                Outcome.FAILED,
                Reason.REJECTED_BY_MPLUS,
                f"SKU {sku}: MplusKASSA answered {len(numbers)} new article numbers for "
                f"{len(new)} new variants; the variants were not bound, run again to match them",
                changes=changes,
                hold=True,
            )
        for plan, article_number in zip(new, numbers, strict=True):
            plan.number = int(article_number)
        return None

    def _binds(
        self,
        shop: ShopArticle,
        number: int,
        product_binding: Binding | None,
        product_mapped: dict[str, Any],
        plans: list[_VariantPlan],
    ) -> list[Bind]:
        binds: list[Bind] = []
        shop_key = str(shop.id)
        lists = {str(lst.id): [o.name for o in lst.options] for lst in shop.lists}
        product_hashes = {_PREFIX + k: v for k, v in hashes_of(product_mapped).items()}
        if (
            product_binding is None
            or product_binding.mplus_key != str(number)
            or any(product_binding.field_hashes.get(k) != v for k, v in product_hashes.items())
            or product_binding.extra.get("lists") != lists
        ):
            binds.append(
                Bind(PRODUCT, str(number), shop_key, hashes=product_hashes, extra={"lists": lists})
            )
        for plan in plans:
            if plan.number is None:
                continue
            article_fields = {k: v for k, v in plan.mapped.items() if k not in _PRODUCT_FIELDS}
            hashes = {_PREFIX + k: v for k, v in hashes_of(article_fields).items()}
            old = plan.binding
            if (
                old is None
                or old.mplus_key != str(plan.number)
                or old.extra.get("variant_id") != plan.variant.id
                or any(old.field_hashes.get(k) != v for k, v in hashes.items())
            ):
                binds.append(
                    Bind(
                        ARTICLE,
                        str(plan.number),
                        shop_key,
                        plan.key,
                        hashes=hashes,
                        extra={"variant_id": plan.variant.id},
                    )
                )
        return binds


def _norm(value: Any) -> str:
    return str(value or "").strip().lower()


def _unprefixed(binding: Binding | None) -> dict[str, str]:
    if binding is None:
        return {}
    return {k[len(_PREFIX) :]: v for k, v in binding.field_hashes.items() if k.startswith(_PREFIX)}
