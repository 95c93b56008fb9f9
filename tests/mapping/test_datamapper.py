from __future__ import annotations

from decimal import Decimal

import pytest

from mkmw_flows.mapping import (
    FieldMap,
    FieldRule,
    TransformError,
    hashes_of,
    nest,
    plan_changes,
    register_transform,
)

SOURCE = {
    "name": "  Trui <b>Merino</b> &amp; wol ",
    "price": Decimal("49.95"),
    "cents": 1999,
    "brand": "Zuiderzee",
    "colour": "Rood",
    "group": "12",
    "nested": {"ean": "8712345678906"},
}


def _map(*rules: dict) -> FieldMap:
    return FieldMap.model_validate({"fields": list(rules)})


def test_transforms_chain_in_order() -> None:
    fm = _map(
        {
            "target": "name",
            "source": "name",
            "transforms": [
                {"name": "strip_html"},
                {"name": "truncate", "args": {"length": 10, "ellipsis": "…"}},
            ],
        },
        {
            "target": "price.default",
            "source": "price",
            "transforms": [{"name": "price_rule", "args": {"multiply": "1.05"}}],
        },
        {"target": "price.cost", "source": "cents", "transforms": [{"name": "cents_to_decimal"}]},
        {
            "target": "meta.title",
            "source": "name",
            "transforms": [
                {"name": "strip_html"},
                {"name": "template", "args": {"template": "{brand} - {value}"}},
            ],
        },
        {
            "target": "category",
            "source": "group",
            "transforms": [{"name": "lookup", "args": {"table": {"12": 7}}}],
        },
        {"target": "ean", "source": "nested.ean"},
        {"target": "fixed", "value": "x"},
        {
            "target": "missing",
            "source": "nope",
            "transforms": [{"name": "default", "args": {"value_if_empty": "-"}}],
        },
    )
    out = fm.apply(SOURCE)
    assert out["name"] == "Trui Meri…"
    assert out["price.default"] == Decimal("52.45")  # 49.95 * 1.05 = 52.4475 -> 52.45
    assert out["price.cost"] == Decimal("19.99")
    assert out["meta.title"] == "Zuiderzee - Trui Merino & wol"
    assert out["category"] == 7
    assert out["ean"] == "8712345678906"
    assert out["fixed"] == "x" and out["missing"] == "-"
    assert nest(out)["price"] == {"default": Decimal("52.45"), "cost": Decimal("19.99")}


def test_unknown_transform_is_refused_when_the_map_is_loaded() -> None:
    with pytest.raises(ValueError, match="unknown transform 'eval'"):
        _map({"target": "x", "source": "name", "transforms": [{"name": "eval"}]})
    with pytest.raises(ValueError, match="give a source or a value"):
        _map({"target": "x"})


def test_float_money_is_refused() -> None:
    fm = _map({"target": "p", "source": "p", "transforms": [{"name": "round"}]})
    with pytest.raises(TransformError, match="field 'p'.*float"):
        fm.apply({"p": 1.1})


def test_user_functions_by_registration_and_dotted_path() -> None:
    register_transform("shout", lambda v: f"{v}!")
    fm = _map(
        {"target": "a", "source": "brand", "transforms": [{"name": "shout"}]},
        {
            "target": "b",
            "source": "brand",
            "transforms": [{"name": "html:escape"}],
        },
    )
    assert fm.apply({"brand": "A&B"}) == {"a": "A&B!", "b": "A&amp;B"}


def test_user_rules_override_defaults() -> None:
    default = _map({"target": "name", "source": "name"}, {"target": "ean", "source": "nested.ean"})
    user = _map({"target": "name", "source": "brand", "policy": "create_only"})
    merged = default.merged(user)
    assert (
        merged.rules()["name"].source == "brand" and merged.rules()["name"].policy == "create_only"
    )
    assert set(merged.rules()) == {"name", "ean"}


def _rules(**policies: str) -> dict[str, FieldRule]:
    return {t: FieldRule(target=t, source=t, policy=p) for t, p in policies.items()}  # type: ignore[arg-type]


def test_create_sends_every_field() -> None:
    changes = plan_changes(
        {"a": 1, "b": 2}, _rules(a="create_only", b="always"), creating=True, written_hashes={}
    )
    assert [(c.target, c.new) for c in changes] == [("a", 1), ("b", 2)]


def test_only_changed_fields_are_sent() -> None:
    written = hashes_of({"name": "A", "price": Decimal("10.00")})
    rules = _rules(name="always", price="always")
    assert (
        plan_changes(
            {"name": "A", "price": Decimal("10.0")}, rules, creating=False, written_hashes=written
        )
        == []
    )
    changes = plan_changes(
        {"name": "A", "price": Decimal("11")}, rules, creating=False, written_hashes=written
    )
    assert [(c.target, c.new) for c in changes] == [("price", Decimal("11"))]


def test_create_only_is_never_overwritten() -> None:
    written = hashes_of({"description": "ours"})
    changes = plan_changes(
        {"description": "new text"},
        _rules(description="create_only"),
        creating=False,
        written_hashes=written,
        current={"description": "enriched in the shop"},
    )
    assert changes == []


def test_if_unchanged_updates_while_untouched_and_reports_conflicts() -> None:
    written = hashes_of({"short": "v1"})
    rules = _rules(short="if_unchanged")
    untouched = plan_changes(
        {"short": "v2"}, rules, creating=False, written_hashes=written, current={"short": "v1"}
    )
    assert [(c.action, c.old, c.new) for c in untouched] == [("set", "v1", "v2")]
    edited = plan_changes(
        {"short": "v2"}, rules, creating=False, written_hashes=written, current={"short": "theirs"}
    )
    assert [(c.action, c.old, c.new) for c in edited] == [("conflict", "theirs", "v2")]


def test_always_repairs_a_target_edited_by_hand_when_current_is_known() -> None:
    written = hashes_of({"price": Decimal("10")})
    changes = plan_changes(
        {"price": Decimal("10")},
        _rules(price="always"),
        creating=False,
        written_hashes=written,
        current={"price": Decimal("9")},
    )
    assert [(c.old, c.new) for c in changes] == [(Decimal("9"), Decimal("10"))]
