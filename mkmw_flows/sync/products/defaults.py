"""The default field maps of the products wing: products, their reverse, and categories.

The source record of a product (see :func:`mkmw_flows.sync.products.source.source_record`)
holds every MplusKASSA article field in snake_case plus computed fields: ``name``, ``sku``,
``price`` (incl. or excl. VAT per the shop's ``prices_include_tax``), ``taxable``,
``description``, ``action_price``. A user's field map is laid over this default: a rule for
the same target replaces the default rule.

The source record of an article group (see
:func:`mkmw_flows.sync.products.categories.group_record`) holds ``group_number``, ``name``,
``text``, ``sort_order`` and ``parent_group_number``. Category targets are the writable fields
of a shop category (:class:`~mkmw_flows.mijnwebwinkel.models.CategoryInput`) except the tree
itself: ``parent_category_id`` and ``hidden`` (a deleted group) follow the groups always and
are not field rules. A user's category field map is laid over this default (same target:
theirs wins).
"""

from __future__ import annotations

from collections.abc import Mapping

from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule, TransformStep

#: Default features: MplusKASSA article field -> name of the shop's visible extra field.
DEFAULT_FEATURES: dict[str, str] = {"brand_name": "Merk"}


def default_field_map(features: Mapping[str, str] | None = None) -> FieldMap:
    """The map that works out of the box.

    Args:
        features: Source field -> visible feature name (``extra.visible.<name>``).

    Returns:
        The default :class:`FieldMap` (shop article paths as targets).
    """
    rules = [
        FieldRule(target="name", source="name"),
        FieldRule(target="sku", source="sku"),
        FieldRule(target="description", source="description", policy="create_only"),
        FieldRule(target="price.default", source="price"),
        FieldRule(target="price.action", source="action_price"),
        FieldRule(target="price.purchase", source="purchase_price"),
        FieldRule(target="taxable", source="taxable"),
        FieldRule(target="extra.invisible.barcode", source="barcode"),
        FieldRule(
            target="meta_title",
            source="name",
            transforms=[TransformStep(name="truncate", args={"length": 70})],
            policy="if_unchanged",
        ),
        FieldRule(
            target="meta_description",
            source="description",
            transforms=[
                TransformStep(name="strip_html"),
                TransformStep(name="truncate", args={"length": 160}),
            ],
            policy="if_unchanged",
        ),
    ]
    for source, label in (DEFAULT_FEATURES if features is None else features).items():
        rules.append(FieldRule(target=f"extra.visible.{label}", source=source))
    return FieldMap(fields=rules)


def default_reverse_field_map() -> FieldMap:
    """The map of the reverse direction: shop article -> MplusKASSA article fields.

    Sources are shop article paths (``price.default``, ``extra.invisible.barcode``); targets
    are :class:`mkmw_flows.mplus.models.Article` field names. ``price`` becomes ``price_incl``
    or ``price_excl`` per the shop's ``prices_include_tax`` (done by the flow).
    """
    return FieldMap(
        fields=[
            FieldRule(target="description", source="name"),
            FieldRule(target="price", source="price.default"),
            FieldRule(target="barcode", source="extra.invisible.barcode"),
            FieldRule(
                target="extra_text",
                source="description",
                transforms=[TransformStep(name="strip_html")],
                policy="create_only",
            ),
        ]
    )


def reverse_variant_rules(variant_axes: Mapping[str, str]) -> list[FieldRule]:
    """The rules that give a variant's MplusKASSA article its axes from the shop options.

    Args:
        variant_axes: MplusKASSA article field -> shop option list name (the products
            setting); a custom-field axis (``custom.<name>``) is not written back.

    Returns:
        One rule per axis: ``colour`` <- ``options.Kleur``, ``size`` <- ``options.Maat``.
    """
    return [
        FieldRule(target=field, source=f"options.{name}")
        for field, name in variant_axes.items()
        if not field.startswith("custom.")
    ]


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
