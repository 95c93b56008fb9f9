"""Standards test over every block type, plus blocks-as-code."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import BaseModel, SecretStr

from mkmw_flows.blocks import (
    ALL_BLOCKS,
    Integration,
    MijnWebwinkelCredentials,
    MplusKassaCredentials,
    OrderSyncSettings,
)
from mkmw_flows.ops.blockfile import BlockFileError, apply_file, plan_file

SECRETS = {
    "MPLUS_IDENT": "ident-4711",
    "MPLUS_SECRET": "s3cr3t-mplus-value",
    "MWW_TOKEN": "tok-abcdef123",
    "MWW_PARTNER_TOKEN": "ptok-zyx987",
}
EXAMPLE = Path(__file__).resolve().parents[2] / "blocks" / "example.yaml"


def _integration() -> Integration:
    return Integration(
        mplus=MplusKassaCredentials(
            url="http://127.0.0.1:1", ident="i", secret=SecretStr(SECRETS["MPLUS_SECRET"])
        ),
        mijnwebwinkel=MijnWebwinkelCredentials(
            token=SecretStr(SECRETS["MWW_TOKEN"]),
            partner_token=SecretStr(SECRETS["MWW_PARTNER_TOKEN"]),
        ),
    )


def _walk(schema: dict[str, Any], node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema under `node`, by dotted path, with $refs resolved."""
    if not isinstance(node, dict):
        return
    if node.get("$ref"):
        name = node["$ref"].rsplit("/", 1)[-1]
        yield from _walk(schema, {**schema["definitions"][name], **node, "$ref": None}, path)
        return
    for key, prop in (node.get("properties") or {}).items():
        yield f"{path}.{key}" if path else key, prop
        yield from _walk(schema, prop, f"{path}.{key}" if path else key)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _walk(schema, items, f"{path}[]")
    for option in node.get("anyOf", []):
        yield from _walk(schema, option, path)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return schema["definitions"][ref.rsplit("/", 1)[-1]] if ref else node


def _has_enum(schema: dict[str, Any], node: Any) -> bool:
    if not isinstance(node, dict):
        return False
    node = _resolve(schema, node)
    return (
        "enum" in node
        or "const" in node
        or any(
            _has_enum(schema, sub) for sub in (*node.get("anyOf", []), node.get("propertyNames"))
        )
    )


def _enum_like(annotation: Any) -> bool:
    if get_origin(annotation) is Literal or (
        isinstance(annotation, type) and issubclass(annotation, Enum)
    ):
        return True
    return any(_enum_like(arg) for arg in get_args(annotation))


def _models(block: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """The block and every pydantic model in its fields (rows, field maps, filters)."""
    seen: set[type] = set()
    todo: list[Any] = [block]
    while todo:
        current = todo.pop()
        if isinstance(current, type) and issubclass(current, BaseModel):
            if current in seen:
                continue
            seen.add(current)
            yield current
            todo += [field.annotation for field in current.model_fields.values()]
        else:
            todo += list(get_args(current))


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_every_block_and_field_is_described(block: type) -> None:
    assert block.get_description(), f"{block.__name__} has no description"
    for model in _models(block):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
    schema = block.model_json_schema()
    for path, prop in _walk(schema, schema, ""):
        assert prop.get("description"), f"{path}: no description in the form"


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_the_schema_carries_every_constraint(block: type) -> None:
    schema = block.model_json_schema()
    for path, prop in _walk(schema, schema, ""):
        node = _resolve(schema, prop)
        if node.get("type") == "array" and isinstance(node.get("items"), dict):
            items = _resolve(schema, node["items"])
            if items.get("type") == "object" or "$ref" in node["items"]:
                # a list of rows: the form needs the row's fields to offer "Add item"
                assert items.get("properties"), f"{path}: rows without an item schema"
    for model in _models(block):
        model_schema = model.model_json_schema()
        for name, field in model.model_fields.items():
            if _enum_like(field.annotation):
                prop = model_schema["properties"][name]
                assert _has_enum(model_schema, prop.get("items", prop)) or _has_enum(
                    model_schema, prop
                ), f"{model.__name__}.{name}: allowed values are missing from the schema"


def test_enums_patterns_and_bounds_reach_the_schema() -> None:
    orders = OrderSyncSettings.model_json_schema()
    defs = orders["definitions"]
    assert defs["FieldRule"]["properties"]["policy"]["enum"] == [
        "always",
        "create_only",
        "if_unchanged",
    ]
    names = defs["TransformStep"]["properties"]["name"]["anyOf"]
    assert "truncate" in names[0]["enum"] and names[1]["pattern"]
    assert defs["VatRule"]["properties"]["rate"] == {
        "type": "number",
        "minimum": 0,
        "maximum": 100,
        "description": "The VAT rate the shop charges, in percent (21, 9, 0).",
        "title": "Rate",
    }
    assert defs["VatRule"]["required"] == ["rate", "vat_code"]
    assert defs["TurnoverRule"]["properties"]["country"]["pattern"] == "^[A-Z]{2}$"
    write_back = defs["StatusWriteBack"]["properties"]
    assert list(write_back) == ["imported", "delivered", "cancelled"]
    mplus = MplusKassaCredentials.model_json_schema()
    assert {"ident", "secret"} <= set(mplus["required"])
    shop = MijnWebwinkelCredentials.model_json_schema()
    assert {"token", "partner_token"} <= set(shop["required"])
    integration = Integration.model_json_schema()
    # the form's labels (the Prefect V2 UI reads the property title)
    assert integration["properties"]["mplus"]["title"] == "MplusKASSA credentials"
    assert integration["properties"]["orders"]["title"] == "Orders settings"
    assert "mkmw--" not in integration["properties"]["api_budget"]["description"]
    assert "mkmw-INTEGRATION-shop" in integration["properties"]["api_budget"]["description"]


def test_secrets_masked_in_repr_str_and_json() -> None:
    integration = _integration()
    for text in (
        repr(integration),
        str(integration),
        integration.model_dump_json(),
        repr(integration.mplus),
        str(integration.mijnwebwinkel),
    ):
        for value in (SECRETS["MPLUS_SECRET"], SECRETS["MWW_TOKEN"], SECRETS["MWW_PARTNER_TOKEN"]):
            assert value not in text
    assert integration.mplus.secret.get_secret_value() == SECRETS["MPLUS_SECRET"]


def test_invalid_url_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        MplusKassaCredentials(url="ftp://x", ident="i", secret=SecretStr("x"))


def test_order_defaults_match_the_documented_ones() -> None:
    settings = OrderSyncSettings()
    assert settings.employee_number == 999999
    assert settings.direction == "shop_to_mplus"
    assert settings.document_type == "order"


def test_plan_names_every_missing_variable_and_leaks_nothing() -> None:
    env = {"MPLUS_IDENT": "x", "MWW_TOKEN": SECRETS["MWW_TOKEN"]}
    with pytest.raises(BlockFileError) as info:
        plan_file(EXAMPLE, env)
    message = str(info.value)
    assert "MPLUS_SECRET" in message and "MWW_PARTNER_TOKEN" in message
    assert "nothing was saved" in message
    assert SECRETS["MWW_TOKEN"] not in message


def test_plan_reports_invalid_fields(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "integrations:\n  x:\n    mplus: {url: 'nope', ident: a, secret: b}\n"
        "    mijnwebwinkel: {token: t, partner_token: p}\n    stock: {calculation: magic}\n"
    )
    with pytest.raises(BlockFileError) as info:
        plan_file(bad, {})
    assert "mplus.url" in str(info.value) and "stock.calculation" in str(info.value)


@pytest.mark.usefixtures("prefect_server")
class TestAgainstPrefect:
    @pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
    def test_save_load_round_trip(self, block: type) -> None:
        instance = (
            _integration()
            if block is Integration
            else block(
                **(
                    {"ident": "i", "secret": SecretStr("zz-secret")}
                    if block is MplusKassaCredentials
                    else {"token": SecretStr("t"), "partner_token": SecretStr("p")}
                    if block is MijnWebwinkelCredentials
                    else {}
                )
            )
        )
        instance.save(f"std-{block.__name__.lower()}", overwrite=True)
        loaded = block.load(f"std-{block.__name__.lower()}")
        assert loaded.model_dump(mode="python") == instance.model_dump(mode="python")

    def test_apply_example_creates_documents(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        assert apply_file(EXAMPLE, SECRETS) == ["default"]
        loaded = Integration.load("default")
        assert loaded.mplus.secret.get_secret_value() == SECRETS["MPLUS_SECRET"]
        assert loaded.mijnwebwinkel.partner_token.get_secret_value() == SECRETS["MWW_PARTNER_TOKEN"]
        assert [(r.rate, r.vat_code) for r in loaded.orders.vat_codes] == [(21, 1), (9, 2), (0, 3)]
        assert loaded.orders.payment_code_for("mollie", "ideal") == "IDEAL"
        assert MplusKassaCredentials.load("default").ident == SECRETS["MPLUS_IDENT"]
        # applying again updates in place
        changed = dict(SECRETS, MPLUS_IDENT="ident-4712")
        apply_file(EXAMPLE, changed)
        assert Integration.load("default").mplus.ident == "ident-4712"
        for value in SECRETS.values():
            assert value not in caplog.text

    def test_missing_variable_saves_nothing(self) -> None:
        env = dict(SECRETS)
        del env["MWW_TOKEN"]
        text = EXAMPLE.read_text().replace("  default:", "  never-saved:")
        path = Path(EXAMPLE.parent.parent / ".pytest_cache" / "never.yaml")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        with pytest.raises(BlockFileError, match="MWW_TOKEN"):
            apply_file(path, env)
        with pytest.raises(ValueError):
            MplusKassaCredentials.load("never-saved")
