"""MplusKASSA article groups -> shop categories: the tree, parents first; create, update, map.

A group the user mapped (``category_map``) uses that existing shop category and is never
written. Other groups are bound to a shop category: on the first run an existing category
with the same title under the same parent is taken over, otherwise one is created. Later
runs write only what changed (title, parent), judged by the hashes on the binding, so an
unchanged tree costs one MplusKASSA read and no shop call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import FieldChange, hashes_of
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import Category, CategoryInput
from mkmw_flows.mplus.models import ArticleGroup
from mkmw_flows.state import Outcome
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CATEGORY
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult, write_outcomes


@dataclass
class CategoryIndex:
    """What the products need from the category sync.

    Attributes:
        shop_ids: Group number -> shop category id (negative placeholders for categories a
            dry run would create).
        managed: Shop category ids this flow manages (other categories on an article are kept).
        titles: Shop category id -> title, for plans.
    """

    shop_ids: dict[int, int] = field(default_factory=dict)
    managed: set[int] = field(default_factory=set)
    titles: dict[int, str] = field(default_factory=dict)


def walk(
    groups: list[ArticleGroup], parent: int | None = None
) -> Iterator[tuple[ArticleGroup, int | None]]:
    """The groups of a tree, parents before children, with their parent group number."""
    for group in sorted(groups, key=lambda g: (g.sort_order, g.group_number)):
        yield group, parent
        yield from walk(group.sub_groups, group.group_number)


def _flatten(categories: list[Category], parent: int | None = None) -> Iterator[Category]:
    for category in categories:
        if category.parent_category_id is None and parent is not None:
            category.parent_category_id = parent
        yield category
        yield from _flatten(category.leafs, category.id)


def sync_categories(ctx: SyncContext) -> tuple[CategoryIndex, list[RecordResult]]:
    """Bring the shop's categories in line with the article groups (plan only in a dry run).

    Returns:
        The index the products use, and one result per group (also written to the ledger).
    """
    settings = ctx.integration.products
    index = CategoryIndex()
    results: list[RecordResult] = []
    mapped = {int(k): int(v) for k, v in settings.category_map.items()}
    bindings = {int(b.mplus_key): b for b in ctx.store.bindings(ctx.name, CATEGORY)}
    index.managed.update(int(b.shop_key) for b in bindings.values())
    shop_by_title: dict[tuple[int | None, str], Category] | None = None
    puts: list[dict[str, Any]] = []

    for group, parent in walk(ctx.mplus.get_article_groups()):
        number = group.group_number
        key = f"group {number}"
        if number in mapped:
            index.shop_ids[number] = mapped[number]
            results.append(
                RecordResult(
                    "category",
                    key,
                    Outcome.UNCHANGED,
                    message=f"{group.name}: mapped onto shop category {mapped[number]}",
                )
            )
            continue
        parent_id = index.shop_ids.get(parent) if parent is not None else None
        desired: dict[str, Any] = {"title": group.name, "parent_category_id": parent_id}
        if group.is_deleted:
            desired["hidden"] = True
        binding = bindings.get(number)
        try:
            if binding is None:
                if shop_by_title is None:
                    tree = list(_flatten(ctx.shop.category_tree(max_depth=10)))
                    shop_by_title = {
                        (c.parent_category_id, c.title.strip().lower()): c for c in tree
                    }
                found = shop_by_title.get((parent_id, group.name.strip().lower()))
                if found is not None:
                    shop_id = found.id
                    outcome, message = (
                        Outcome.UNCHANGED,
                        f"{group.name}: linked to the shop category with that name",
                    )
                    changes: list[FieldChange] = []
                elif not settings.sync_categories:
                    results.append(
                        RecordResult(
                            "category",
                            key,
                            Outcome.SKIPPED,
                            Reason.FILTERED_OUT,
                            f"{group.name}: no shop category; creating categories is switched off",
                        )
                    )
                    continue
                else:
                    changes = [FieldChange(k, None, v) for k, v in desired.items() if v is not None]
                    if ctx.dry_run:
                        shop_id = -number
                    else:
                        shop_id = ctx.shop.create_category(CategoryInput(**desired)).id
                    outcome, message = Outcome.CREATED, f"{group.name}: created"
            else:
                shop_id = int(binding.shop_key)
                wanted = hashes_of(desired)
                changes = [
                    FieldChange(k, None, v)
                    for k, v in desired.items()
                    if binding.field_hashes.get(k) != wanted[k]
                ]
                if changes and settings.sync_categories:
                    if not ctx.dry_run:
                        ctx.shop.update_category(
                            shop_id, CategoryInput(**{c.target: c.new for c in changes})
                        )
                    outcome = Outcome.UPDATED
                    message = f"{group.name}: " + ", ".join(
                        f"{c.target} -> {c.new}" for c in changes
                    )
                else:
                    changes = []
                    outcome, message = Outcome.UNCHANGED, f"{group.name}: unchanged"
        except MijnWebwinkelError as exc:
            results.append(
                RecordResult(
                    "category",
                    key,
                    Outcome.FAILED,
                    Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP,
                    f"{group.name}: the shop refused the category ({exc})",
                    hold=True,
                )
            )
            continue
        index.shop_ids[number] = shop_id
        index.managed.add(shop_id)
        index.titles[shop_id] = group.name
        results.append(RecordResult("category", key, outcome, message=message, changes=changes))
        if (
            binding is None
            or binding.shop_key != str(shop_id)
            or any(binding.field_hashes.get(k) != v for k, v in hashes_of(desired).items())
        ):
            puts.append(
                {
                    "mplus_key": str(number),
                    "shop_key": str(shop_id),
                    "field_hashes": hashes_of(desired),
                }
            )

    ctx.report.extend(results)
    if not ctx.dry_run:
        with ctx.store.transaction() as tx:
            for put in puts:
                tx.put_binding(ctx.name, CATEGORY, **put)
            write_outcomes(tx, ctx.report, results)
    return index, results
