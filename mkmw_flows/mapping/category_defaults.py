"""The default field map of the categories (MplusKASSA article group -> shop category).

The source record of an article group holds ``group_number``, ``name``, ``text``,
``sort_order`` and ``parent_group_number``. Targets are the writable fields of a shop
category (:class:`~mkmw_flows.mijnwebwinkel.models.CategoryInput`) except the tree itself:
``parent_category_id`` and ``hidden`` (a deleted group) follow the groups always and are not
field rules. A user's category field map is laid over this default (same target: theirs wins).
"""

from __future__ import annotations

from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule

#: Category fields a rule may write (the tree fields are kept by the flow itself).
CATEGORY_TARGETS = frozenset(
    {"title", "content", "meta_title", "meta_description", "article_order"}
)


def default_category_field_map() -> FieldMap:
    """The map that works out of the box: the group's name is the category's title."""
    return FieldMap(fields=[FieldRule(target="title", source="name")])


def check_category_map(field_map: FieldMap) -> FieldMap:
    """Refuse a category rule whose target is not a writable category field.

    Raises:
        ValueError: Naming the rule and the targets that are allowed.
    """
    for rule in field_map.fields:
        if rule.target not in CATEGORY_TARGETS:
            allowed = ", ".join(sorted(CATEGORY_TARGETS))
            raise ValueError(
                f"category field map: target {rule.target!r} is not a category field "
                f"(allowed: {allowed})"
            )
    return field_map
