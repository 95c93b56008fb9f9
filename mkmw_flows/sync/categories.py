"""MplusKASSA article groups -> shop categories: the tree, parents first; create, update, map.

A group the user mapped (``category_map``) uses that existing shop category and is never
written. Other groups are bound to a shop category (by group number): on the first run an
existing category with the same title under the same parent is taken over, otherwise one is
created. Later runs write only what changed: the tree (parent, hidden for a deleted group)
always follows the groups; the category fields come from the category field map (default:
title from the group name) and honour its update policies, judged by the hashes on the
binding, so a renamed group renames its category unless the title is ``create_only`` (a name
edited in the shop stays) or ``if_unchanged`` (kept once edited in the shop, reported as a
``FIELD_CONFLICT``). An unchanged tree costs one MplusKASSA read and no shop call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mkmw_flows.mapping import FieldChange, TransformError, hashes_of, plan_changes, value_hash
from mkmw_flows.mapping.category_defaults import default_category_field_map
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
    sync = _CategorySync(ctx)
    index = CategoryIndex()
    results: list[RecordResult] = []
    mapped = {int(k): int(v) for k, v in settings.category_map.items()}
    index.managed.update(int(b.shop_key) for b in sync.bindings.values())
    for group, parent in walk(ctx.mplus.get_article_groups()):
        number = group.group_number
        if number in mapped:
            index.shop_ids[number] = mapped[number]
            results.append(
                RecordResult(
                    "category",
                    f"group {number}",
                    Outcome.UNCHANGED,
                    message=f"{group.name}: mapped onto shop category {mapped[number]}",
                )
            )
            continue
        parent_id = index.shop_ids.get(parent) if parent is not None else None
        result, shop_id, title = sync.one(group, parent, parent_id)
        results.append(result)
        if shop_id is not None:
            index.shop_ids[number] = shop_id
            index.managed.add(shop_id)
            index.titles[shop_id] = title

    ctx.report.extend(results)
    if not ctx.dry_run:
        with ctx.store.transaction() as tx:
            for put in sync.puts:
                tx.put_binding(ctx.name, CATEGORY, **put)
            write_outcomes(tx, ctx.report, results)
    return index, results


class _CategorySync:
    """The per-group steps of one categories run (the shop tree is read at most once)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.field_map = default_category_field_map().merged(self.settings.category_field_map)
        self.rules = self.field_map.rules()
        self.bindings = {int(b.mplus_key): b for b in ctx.store.bindings(ctx.name, CATEGORY)}
        self.puts: list[dict[str, Any]] = []
        self._tree: list[Category] | None = None

    def tree(self) -> list[Category]:
        """The shop's categories, flattened (one read per run, only when needed)."""
        if self._tree is None:
            self._tree = list(_flatten(self.ctx.shop.category_tree(max_depth=10)))
        return self._tree

    def one(
        self, group: ArticleGroup, parent: int | None, parent_id: int | None
    ) -> tuple[RecordResult, int | None, str]:
        """Create, take over or update the category of one group.

        Returns:
            The result, the shop category id (None when there is none) and its title.
        """
        number = group.group_number
        key = f"group {number}"
        try:
            mapped = self.field_map.apply(group_record(group, parent))
        except TransformError as exc:
            return (
                RecordResult(
                    "category",
                    key,
                    Outcome.FAILED,
                    Reason.MAPPING_ERROR,
                    f"{group.name}: {exc}",
                    hold=True,
                ),
                None,
                "",
            )
        title = str(mapped.get("title") or group.name)
        binding = self.bindings.get(number)
        tree: dict[str, Any] = {"parent_category_id": parent_id}
        if group.is_deleted:
            tree["hidden"] = True
        elif binding is not None and "hidden" in binding.field_hashes:
            tree["hidden"] = False  # a group that came back shows its category again
        try:
            if binding is None:
                return self._first(group, key, title, {**mapped, **tree})
            return self._update(group, key, title, binding, mapped, tree)
        except MijnWebwinkelError as exc:
            return (
                RecordResult(
                    "category",
                    key,
                    Outcome.FAILED,
                    Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP,
                    f"{group.name}: the shop refused the category ({exc})",
                    hold=True,
                ),
                None,
                "",
            )

    def _first(
        self, group: ArticleGroup, key: str, title: str, desired: dict[str, Any]
    ) -> tuple[RecordResult, int | None, str]:
        parent_id = desired["parent_category_id"]
        found = next(
            (
                c
                for c in self.tree()
                if c.parent_category_id == parent_id
                and c.title.strip().lower() == title.strip().lower()
            ),
            None,
        )
        changes: list[FieldChange] = []
        if found is not None:
            shop_id = found.id
            outcome, message = (
                Outcome.UNCHANGED,
                f"{group.name}: linked to the shop category with that name",
            )
        elif not self.settings.sync_categories:
            return (
                RecordResult(
                    "category",
                    key,
                    Outcome.SKIPPED,
                    Reason.FILTERED_OUT,
                    f"{group.name}: no shop category; creating categories is switched off",
                ),
                None,
                "",
            )
        else:
            desired = {k: v for k, v in desired.items() if v is not None}
            changes = [FieldChange(k, None, v) for k, v in desired.items()]
            if self.ctx.dry_run:
                shop_id = -group.group_number
            else:
                shop_id = self.ctx.shop.create_category(CategoryInput(**desired)).id
            outcome, message = Outcome.CREATED, f"{group.name}: created"
        self.puts.append(
            {
                "mplus_key": str(group.group_number),
                "shop_key": str(shop_id),
                "field_hashes": hashes_of(desired),
            }
        )
        return (
            RecordResult("category", key, outcome, message=message, changes=changes),
            shop_id,
            title,
        )

    def _update(
        self,
        group: ArticleGroup,
        key: str,
        title: str,
        binding: Any,
        mapped: dict[str, Any],
        tree: dict[str, Any],
    ) -> tuple[RecordResult, int | None, str]:
        shop_id = int(binding.shop_key)
        written = binding.field_hashes
        changes = plan_changes(mapped, self.rules, creating=False, written_hashes=written)
        if any(self.rules[c.target].policy == "if_unchanged" for c in changes):
            # whether the shop still holds what we wrote decides: read the category
            category = next((c for c in self.tree() if c.id == shop_id), None)
            if category is not None:
                current = {t: getattr(category, t, None) for t in mapped}
                changes = plan_changes(
                    mapped, self.rules, creating=False, written_hashes=written, current=current
                )
        changes += [
            FieldChange(k, None, v) for k, v in tree.items() if written.get(k) != value_hash(v)
        ]
        sets = {c.target: c.new for c in changes if c.action == "set"}
        conflicts = [c for c in changes if c.action == "conflict"]
        reason = Reason.FIELD_CONFLICT if conflicts else None
        note = "; ".join(
            f"{c.target} was changed in the shop, kept {c.old!r} (MplusKASSA has {c.new!r})"
            for c in conflicts
        )
        if sets and self.settings.sync_categories:
            if not self.ctx.dry_run:
                self.ctx.shop.update_category(shop_id, CategoryInput(**sets))
                self.puts.append(
                    {
                        "mplus_key": str(group.group_number),
                        "shop_key": str(shop_id),
                        "field_hashes": {**written, **hashes_of(sets)},
                    }
                )
            message = f"{group.name}: " + ", ".join(f"{k} -> {v}" for k, v in sets.items())
            outcome = Outcome.UPDATED
        else:
            changes = [c for c in changes if c.action == "conflict"]
            outcome, message = Outcome.UNCHANGED, f"{group.name}: unchanged"
        if note:
            message += f"; {note}"
        return (
            RecordResult("category", key, outcome, reason, message, changes=changes),
            shop_id,
            title,
        )


def group_record(group: ArticleGroup, parent: int | None) -> dict[str, Any]:
    """The source record of one article group, for the category field map."""
    return {
        "group_number": group.group_number,
        "name": group.name,
        "text": group.text,
        "sort_order": group.sort_order,
        "parent_group_number": parent,
    }
