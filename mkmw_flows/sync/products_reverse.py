"""The reverse products direction: shop articles -> MplusKASSA products (create / update).

Shop articles are read by their change date (a date cursor with an overlap, committed with
each batch's bindings). A shop SKU must be a MplusKASSA article number, which is numeric only:
any other SKU is recorded as ``SKU_NOT_NUMERIC`` and never sent, and the batch goes on.
Matching is by binding first, then by article number. Only the fields that changed since we
last wrote them are sent (hashes on the ``article`` binding, keys prefixed ``mplus.``).
A shop article with variants becomes one MplusKASSA product with an article per variant
(:mod:`mkmw_flows.sync.products_reverse_variants`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from mkmw_flows.mapping import FieldChange, FieldMap, TransformError, hashes_of, plan_changes
from mkmw_flows.mapping.product_defaults import (
    default_reverse_field_map,
    reverse_variant_rules,
)
from mkmw_flows.mijnwebwinkel.models import Article as ShopArticle
from mkmw_flows.mplus.errors import MplusBusinessError, MplusError
from mkmw_flows.mplus.models import Article, Product
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import ARTICLE
from mkmw_flows.sync.products_reverse_variants import VariantProducts
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, write_outcomes

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
        self.settings = ctx.integration.products
        self.full = full
        self.skus = set(skus) if skus is not None else None
        self.field_map: FieldMap = default_reverse_field_map()
        self.rules = self.field_map.rules()
        self.variant_map = self.field_map.merged(
            FieldMap(fields=reverse_variant_rules(self.settings.variant_axes))
        )
        self.plans: list[RecordResult] = []
        self._include_tax: bool | None = None
        self.started = (dt.datetime.now() - dt.timedelta(minutes=15)).strftime("%Y-%m-%d %H:%M:%S")

    @property
    def prices_include_tax(self) -> bool:
        """The shop's price convention (read once per run)."""
        if self._include_tax is None:
            self._include_tax = bool(self.ctx.shop.get_store().prices_include_tax)
        return self._include_tax

    def batches(self) -> Iterator[tuple[list[ShopArticle], str | None]]:
        """Batches of changed shop articles; the last one carries the new cursor."""
        since = None if self.full else self.ctx.store.get_cursor(self.ctx.name, REVERSE_CURSOR)
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
        results: list[RecordResult] = []
        puts: list[dict[str, Any]] = []
        variant_puts: list[tuple[str, dict[str, Any]]] = []
        numeric = [
            a for a in articles if (a.sku or "").strip().isdigit() and (a.sku or "").isascii()
        ]
        with_variants = [a for a in numeric if a.variants]
        numeric = [a for a in numeric if not a.variants]
        price_field = "price_incl" if self.prices_include_tax else "price_excl"
        variants = VariantProducts(self.ctx, self.variant_map, price_field)
        variants.load(with_variants)
        variant_ids = {a.id for a in with_variants}
        bindings = {
            a.id: self.ctx.store.find_binding(self.ctx.name, ARTICLE, shop_key=str(a.id))
            for a in numeric
        }
        numbers = sorted(
            {int(b.mplus_key) for b in bindings.values() if b is not None}
            | {int((a.sku or "").strip()) for a in numeric}
        )
        known: dict[int, tuple[Product, Article]] = {}
        if numbers:
            for product in self.ctx.mplus.get_products(article_numbers=numbers):
                for article in product.articles:
                    known[int(article.article_number or 0)] = (product, article)
        for shop_article in articles:
            if shop_article.id in variant_ids:
                result, more = variants.one(shop_article)
                results.append(result)
                variant_puts.extend(more)
                continue
            result, put = self._one(shop_article, bindings.get(shop_article.id), known)
            results.append(result)
            if put is not None:
                puts.append(put)
        self.plans.extend(results)
        self.ctx.report.extend(results)
        if self.ctx.dry_run:
            return results
        with self.ctx.store.transaction() as tx:
            for put in puts:
                tx.put_binding(self.ctx.name, ARTICLE, **put)
            for entity, row in variant_puts:
                tx.put_binding(self.ctx.name, entity, **row)
            write_outcomes(tx, self.ctx.report, results)
            if cursor is not None:
                tx.set_cursor(self.ctx.name, REVERSE_CURSOR, cursor)
        return results

    def _one(
        self, shop: ShopArticle, binding: Any, known: dict[int, tuple[Product, Article]]
    ) -> tuple[RecordResult, dict[str, Any] | None]:
        sku = (shop.sku or "").strip()
        key = sku or f"shop article {shop.id}"
        if not (sku.isascii() and sku.isdigit()):
            why = "has no SKU" if not sku else f"has SKU {sku!r}, which is not a number"
            return RecordResult(
                "product",
                key,
                Outcome.SKIPPED,
                Reason.SKU_NOT_NUMERIC,
                f"Shop article {shop.name!r} {why}; MplusKASSA article numbers are numeric only. "
                "Give it a numeric SKU in the shop to send it.",
                hold=True,
            ), None
        try:
            mapped = self.field_map.apply(shop.model_dump(mode="python"))
        except TransformError as exc:
            return RecordResult(
                "product",
                key,
                Outcome.FAILED,
                Reason.MAPPING_ERROR,
                f"SKU {sku}: {exc}",
                hold=True,
            ), None
        mapped = {k: v for k, v in mapped.items() if v not in (None, "")}
        number = int(binding.mplus_key) if binding is not None else int(sku)
        hashes = {
            k[len(_PREFIX) :]: v
            for k, v in (binding.field_hashes if binding else {}).items()
            if k.startswith(_PREFIX)
        }
        existing = known.get(number)
        price_field = "price_incl" if self.prices_include_tax else "price_excl"
        if existing is None:
            changes = plan_changes(mapped, self.rules, creating=True, written_hashes={})
            article = Article(
                article_number=number,
                active=True,
                webshop=True,
                vat_code=self.settings.reverse_vat_code,
                turnover_group=self.settings.reverse_turnover_group,
                **self._fields(mapped, price_field),
            )
            product = Product(description=mapped.get("description"), articles=[article])
            outcome = Outcome.CREATED
            write: Callable[[Product], Any] = self.ctx.mplus.create_product
        else:
            product_read, article_read = existing
            current = {
                "description": article_read.description,
                "price": getattr(article_read, price_field),
                "barcode": article_read.barcode,
                "extra_text": article_read.extra_text,
            }
            changes = plan_changes(
                mapped, self.rules, creating=False, written_hashes=hashes, current=current
            )
            sets = {c.target: c.new for c in changes if c.action == "set"}
            article = Article(article_number=number, **self._fields(sets, price_field))
            product = Product(product_number=product_read.product_number, articles=[article])
            outcome = Outcome.UPDATED if sets else Outcome.UNCHANGED
            write = self.ctx.mplus.update_product
        sets = {c.target: c.new for c in changes if c.action == "set"}
        put: dict[str, Any] = {
            "mplus_key": str(number),
            "shop_key": str(shop.id),
            "field_hashes": {_PREFIX + k: v for k, v in hashes_of(mapped).items()},
        }
        if outcome != Outcome.UNCHANGED and not self.ctx.dry_run:
            try:
                write(product)
            except MplusBusinessError as exc:
                return RecordResult(
                    "product",
                    key,
                    Outcome.FAILED,
                    Reason.REJECTED_BY_MPLUS,
                    f"SKU {sku}: MplusKASSA refused it ({exc})",
                    changes=changes,
                    hold=True,
                ), None
            except MplusError as exc:
                return RecordResult(
                    "product",
                    key,
                    Outcome.FAILED,
                    Reason.API_UNAVAILABLE,
                    f"SKU {sku}: MplusKASSA did not answer ({exc})",
                    changes=changes,
                    hold=True,
                ), None
        verb = {Outcome.CREATED: "created", Outcome.UPDATED: "updated"}.get(outcome, "unchanged")
        fields = ", ".join(sets) if outcome == Outcome.UPDATED else ""
        changed = binding is None or any(
            binding.field_hashes.get(k) != v for k, v in put["field_hashes"].items()
        )
        return RecordResult(
            "product",
            key,
            outcome,
            message=f"SKU {sku} ({shop.name}): {verb} in MplusKASSA"
            + (f" ({fields})" if fields else ""),
            changes=[c for c in changes if isinstance(c, FieldChange)],
            sent=sets or None,
        ), (put if changed or outcome != Outcome.UNCHANGED else None)

    @staticmethod
    def _fields(values: dict[str, Any], price_field: str) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k != "price"}
        if "price" in values:
            out[price_field] = values["price"]
        return out
