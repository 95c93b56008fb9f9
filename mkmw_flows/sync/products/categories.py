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

The groups are one page on the step template, taken in order (a parent's category must exist
before its children's): skip (a mapped group) -> dependencies (the parent's shop category) ->
build (map, find or compare) -> write (create or update) -> bind -> outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

from mkmw_flows.mapping import FieldChange, TransformError, hashes_of, plan_changes, value_hash
from mkmw_flows.mijnwebwinkel.errors import MijnWebwinkelError
from mkmw_flows.mijnwebwinkel.models import Category, CategoryInput
from mkmw_flows.mplus.models import ArticleGroup
from mkmw_flows.state import Binding, Outcome
from mkmw_flows.state.binder import Bind
from mkmw_flows.sync.context import SyncContext
from mkmw_flows.sync.keys import CATEGORY
from mkmw_flows.sync.products.defaults import default_category_field_map
from mkmw_flows.sync.reasons import Reason
from mkmw_flows.sync.report import RecordResult
from mkmw_flows.sync.template import Page, RecordSteps, Stop, run_page


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


@dataclass(frozen=True)
class GroupRecord:
    """One article group in the tree, with its parent's group number (None at the top)."""

    group: ArticleGroup
    parent: int | None

    @property
    def key(self) -> str:
        """The ledger key of the group."""
        return f"group {self.group.group_number}"


@dataclass
class CategoryWrite:
    """A category to create (``shop_id`` None) or update, with the values and their changes."""

    title: str
    values: dict[str, Any]
    changes: list[FieldChange]
    shop_id: int | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    reason: Reason | None = None
    note: str = ""


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
    steps = CategorySteps(ctx)
    records = [GroupRecord(g, p) for g, p in walk(ctx.mplus.get_article_groups())]
    results = run_page(ctx, steps, Page(records))
    return steps.index, results


class CategorySteps(RecordSteps[GroupRecord, int | None, CategoryWrite, int]):
    """The per-group steps of one categories run (the shop tree is read at most once).

    Args:
        ctx: The run's context.

    Attributes:
        index: Group number -> shop category, filled as the groups go through.
    """

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.settings = ctx.integration.products
        self.field_map = default_category_field_map().merged(self.settings.category_field_map)
        self.rules = self.field_map.rules()
        self.mapped = {int(k): int(v) for k, v in self.settings.category_map.items()}
        self.bindings = {int(b.mplus_key): b for b in ctx.bindings(CATEGORY).all()}
        self.index = CategoryIndex()
        self.index.managed.update(int(b.shop_key) for b in self.bindings.values())
        self._tree: list[Category] | None = None

    def tree(self) -> list[Category]:
        """The shop's categories, flattened (one read per run, only when needed)."""
        if self._tree is None:
            self._tree = list(_flatten(self.ctx.shop.category_tree(max_depth=10)))
        return self._tree

    def skip(self, record: GroupRecord) -> RecordResult | None:
        """A group mapped onto an existing shop category is never written."""
        number = record.group.group_number
        if number not in self.mapped:
            return None
        self.index.shop_ids[number] = self.mapped[number]
        return RecordResult(
            "category",
            record.key,
            Outcome.UNCHANGED,
            message=f"{record.group.name}: mapped onto shop category {self.mapped[number]}",
        )

    def dependencies(self, record: GroupRecord) -> int | None:
        """The shop category of the group's parent (None at the top of the tree)."""
        return self.index.shop_ids.get(record.parent) if record.parent is not None else None

    def build(self, record: GroupRecord, deps: int | None) -> CategoryWrite:
        """Map the group; find its category (first run) or compare with what was written."""
        group = record.group
        try:
            mapped = self.field_map.apply(group_record(group, record.parent))
        except TransformError as exc:
            raise Stop(
                RecordResult(
                    "category",
                    record.key,
                    Outcome.FAILED,
                    Reason.MAPPING_ERROR,
                    f"{group.name}: {exc}",
                    hold=True,
                )
            ) from exc
        title = str(mapped.get("title") or group.name)
        binding = self.bindings.get(group.group_number)
        tree: dict[str, Any] = {"parent_category_id": deps}
        if group.is_deleted:
            tree["hidden"] = True
        elif binding is not None and "hidden" in binding.field_hashes:
            tree["hidden"] = False  # a group that came back shows its category again
        try:
            if binding is None:
                return self._first(record, title, {**mapped, **tree})
            return self._compare(record, title, binding, mapped, tree)
        except MijnWebwinkelError as exc:
            self._refused(record, exc)

    def _first(self, record: GroupRecord, title: str, desired: dict[str, Any]) -> CategoryWrite:
        group = record.group
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
        if found is not None:
            self._indexed(group, found.id, title)
            raise Stop(
                RecordResult(
                    "category",
                    record.key,
                    Outcome.UNCHANGED,
                    message=f"{group.name}: linked to the shop category with that name",
                ),
                [Bind(CATEGORY, str(group.group_number), str(found.id), hashes=hashes_of(desired))],
            )
        if not self.settings.sync_categories:
            raise Stop(
                RecordResult(
                    "category",
                    record.key,
                    Outcome.SKIPPED,
                    Reason.FILTERED_OUT,
                    f"{group.name}: no shop category; creating categories is switched off",
                )
            )
        sent = {k: v for k, v in desired.items() if v is not None}
        changes = [FieldChange(k, None, v) for k, v in sent.items()]
        # the hashes hold the tree as created, a top-level category's missing parent too: the
        # next run compares the parent with them and must find it unchanged
        hashes = hashes_of({**sent, "parent_category_id": desired["parent_category_id"]})
        return CategoryWrite(title, sent, changes, hashes=hashes)

    def _compare(
        self,
        record: GroupRecord,
        title: str,
        binding: Binding,
        mapped: dict[str, Any],
        tree: dict[str, Any],
    ) -> CategoryWrite:
        group = record.group
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
        if not (sets and self.settings.sync_categories):
            self._indexed(group, shop_id, title)
            message = f"{group.name}: unchanged" + (f"; {note}" if note else "")
            kept = [c for c in changes if c.action == "conflict"]
            raise Stop(
                RecordResult(
                    "category", record.key, Outcome.UNCHANGED, reason, message, changes=kept
                )
            )
        hashes = {**written, **hashes_of(sets)}
        return CategoryWrite(title, sets, changes, shop_id, hashes, reason, note)

    def planned(self, record: GroupRecord, built: CategoryWrite) -> RecordResult:
        """What the write would do (a category to create gets a placeholder id)."""
        shop_id = built.shop_id if built.shop_id is not None else -record.group.group_number
        return self.outcome(record, built, shop_id)

    def write(self, record: GroupRecord, built: CategoryWrite) -> int:
        """Create or update the category; returns its shop id."""
        try:
            if built.shop_id is None:
                return self.ctx.shop.create_category(CategoryInput(**built.values)).id
            self.ctx.shop.update_category(built.shop_id, CategoryInput(**built.values))
            return built.shop_id
        except MijnWebwinkelError as exc:
            self._refused(record, exc)

    def bind(self, record: GroupRecord, built: CategoryWrite, written: int) -> list[Bind]:
        """The group's category binding with the hashes of what was written."""
        return [Bind(CATEGORY, str(record.group.group_number), str(written), hashes=built.hashes)]

    def outcome(self, record: GroupRecord, built: CategoryWrite, written: int) -> RecordResult:
        """Created or updated; the index learns the category."""
        group = record.group
        self._indexed(group, written, built.title)
        if built.shop_id is None:
            outcome, message = Outcome.CREATED, f"{group.name}: created"
        else:
            outcome = Outcome.UPDATED
            message = f"{group.name}: " + ", ".join(f"{k} -> {v}" for k, v in built.values.items())
            if built.note:
                message += f"; {built.note}"
        return RecordResult(
            "category", record.key, outcome, built.reason, message, changes=built.changes
        )

    def _indexed(self, group: ArticleGroup, shop_id: int, title: str) -> None:
        self.index.shop_ids[group.group_number] = shop_id
        self.index.managed.add(shop_id)
        self.index.titles[shop_id] = title

    def _refused(self, record: GroupRecord, exc: MijnWebwinkelError) -> NoReturn:
        raise Stop(
            RecordResult(
                "category",
                record.key,
                Outcome.FAILED,
                Reason.API_UNAVAILABLE if exc.retryable else Reason.REJECTED_BY_SHOP,
                f"{record.group.name}: the shop refused the category ({exc})",
                hold=True,
            )
        ) from exc


def group_record(group: ArticleGroup, parent: int | None) -> dict[str, Any]:
    """The source record of one article group, for the category field map."""
    return {
        "group_number": group.group_number,
        "name": group.name,
        "text": group.text,
        "sort_order": group.sort_order,
        "parent_group_number": parent,
    }
