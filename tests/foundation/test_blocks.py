"""Standards test over every block type, plus blocks-as-code."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from mkmw_flows.blockfile import BlockFileError, apply_file, plan_file
from mkmw_flows.blocks import (
    ALL_BLOCKS,
    Integration,
    MijnWebwinkelCredentials,
    MplusKassaCredentials,
    OrderSyncSettings,
)

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


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.__name__)
def test_every_block_and_field_is_described(block: type) -> None:
    assert block.get_description(), f"{block.__name__} has no description"
    for name, field in block.model_fields.items():
        assert field.description, f"{block.__name__}.{name} has no description"


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
                    else {}
                )
            )
        )
        instance.save(f"std-{block.__name__.lower()}", overwrite=True)
        loaded = block.load(f"std-{block.__name__.lower()}")
        assert loaded.model_dump(mode="python") == instance.model_dump(mode="python")

    def test_apply_example_creates_documents(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.DEBUG)
        assert apply_file(EXAMPLE, SECRETS) == ["example"]
        loaded = Integration.load("example")
        assert loaded.mplus.secret.get_secret_value() == SECRETS["MPLUS_SECRET"]
        assert loaded.mijnwebwinkel.partner_token.get_secret_value() == SECRETS["MWW_PARTNER_TOKEN"]
        assert loaded.orders.vat_codes == {"21": 1, "9": 2, "0": 3}
        assert MplusKassaCredentials.load("example").ident == SECRETS["MPLUS_IDENT"]
        # applying again updates in place
        changed = dict(SECRETS, MPLUS_IDENT="ident-4712")
        apply_file(EXAMPLE, changed)
        assert Integration.load("example").mplus.ident == "ident-4712"
        for value in SECRETS.values():
            assert value not in caplog.text

    def test_missing_variable_saves_nothing(self) -> None:
        env = dict(SECRETS)
        del env["MWW_TOKEN"]
        text = EXAMPLE.read_text().replace("example:", "never-saved:")
        path = Path(EXAMPLE.parent.parent / ".pytest_cache" / "never.yaml")
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        with pytest.raises(BlockFileError, match="MWW_TOKEN"):
            apply_file(path, env)
        with pytest.raises(ValueError):
            MplusKassaCredentials.load("never-saved")
