"""`mkmw setup`: non-interactive and interactive, against both emulators."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from mkmw_flows.blocks import Integration, StockSyncSettings
from mkmw_flows.cli.main import app
from mkmw_flows.cli.setup_assistant import SETUP_SAVED_WITH_BLOCKERS
from mkmw_flows.ops.setup_assistant import parse_numbers

pytestmark = pytest.mark.usefixtures("prefect_server")
WRONG = "not-the-s3cret-9431"


def _flags(pair, name: str, db: Path, **override: str) -> list[str]:
    values = {
        "--name": name,
        "--mplus-url": pair.mplus_url,
        "--mplus-ident": pair.mplus.ident,
        "--mplus-secret": pair.mplus.secret,
        "--shop-url": pair.shop_url,
        "--shop-token": pair.shop.token,
        "--partner-token": pair.shop.partner_token,
        "--database": str(db),
        **override,
    }
    args = ["setup", "--no-input", "--no-mplus-verify-tls"]
    for key, value in values.items():
        args += [key, value]
    return args


def _missing(name: str) -> bool:
    try:
        Integration.load(name)
    except ValueError:
        return True
    return False


def test_non_interactive_setup_saves_a_working_integration(emulators, tmp_path) -> None:
    args = _flags(
        emulators,
        "setup-ok",
        tmp_path / "state.db",
        **{
            "--flows": "stock,orders",
            "--stock-calculation": "on_hand",
            "--stock-branches": "1,2",
            "--employee": "999999",
            "--branch": "1",
            "--workplace": "3",
            "--statuses": "1",
        },
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == SETUP_SAVED_WITH_BLOCKERS, result.output
    assert "ok: MplusKASSA answered: API version" in result.output
    assert "ok: MijnWebwinkel answered" in result.output
    assert emulators.mplus.secret not in result.output.replace("demo-", "")

    block = Integration.load("setup-ok")
    assert block.mplus.url == emulators.mplus_url and block.mplus.verify_tls is False
    assert block.mplus.secret.get_secret_value() == emulators.mplus.secret
    assert block.products.enabled is False and block.stock.enabled and block.orders.enabled
    assert block.stock.calculation == "on_hand" and block.stock.branches == [1, 2]
    assert block.orders.branch_number == 1 and block.orders.workplace_number == 3
    assert block.orders.statuses_to_import == [1]
    assert StockSyncSettings.load("setup-ok").calculation == "on_hand"  # parts saved too
    with block.mplus.client() as mplus:  # it works
        assert mplus.get_api_version().major_number >= 0
    assert emulators.mplus.counters.calls["getApiVersion"] >= 2
    assert emulators.shop.counters.calls  # the store endpoint was asked

    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "--overwrite" in again.output


def test_a_wrong_secret_names_mplus_and_saves_nothing(emulators, tmp_path) -> None:
    args = _flags(emulators, "setup-bad", tmp_path / "s.db", **{"--mplus-secret": WRONG})
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "REFUSED: MplusKASSA" in text and "refused the ident or secret" in text
    assert "ok: MijnWebwinkel answered" in text
    assert "Nothing was saved" in text
    assert WRONG not in result.output
    assert _missing("setup-bad")


def test_a_wrong_partner_token_names_the_shop_and_the_token(emulators, tmp_path) -> None:
    args = _flags(emulators, "setup-bad2", tmp_path / "s.db", **{"--partner-token": WRONG})
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "REFUSED: MijnWebwinkel" in text and "refused the partner token" in text
    assert "ok: MplusKASSA" in text
    assert WRONG not in result.output
    assert _missing("setup-bad2")


def test_an_unreachable_mplus_says_so(emulators, tmp_path) -> None:
    args = _flags(
        emulators, "setup-bad3", tmp_path / "s.db", **{"--mplus-url": "http://127.0.0.1:9"}
    )
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "could not be reached" in result.output and _missing("setup-bad3")


def test_interactive_setup_asks_for_everything(emulators, tmp_path) -> None:
    answers = [
        "setup-asked",  # name
        emulators.mplus_url,
        emulators.mplus.ident,
        emulators.mplus.secret,  # hidden
        emulators.shop_url,
        emulators.shop.token,  # hidden
        emulators.shop.partner_token,  # hidden
        "products,orders",  # flows
        "mplus_to_shop",  # product direction
        "shop_to_mplus",  # order direction
        "999999",  # employee
        "2",  # branch
        "5",  # workplace
        "1,3",  # statuses
    ]
    result = CliRunner().invoke(
        app,
        ["setup", "--no-mplus-verify-tls", "--database", str(tmp_path / "x.db")],
        input="\n".join(answers) + "\n",
    )
    assert result.exit_code == SETUP_SAVED_WITH_BLOCKERS, result.output
    assert "MplusKASSA secret" in result.output and "MplusKASSA branches" not in result.output
    assert emulators.shop.partner_token not in result.output
    block = Integration.load("setup-asked")
    assert block.stock.enabled is False and block.products.direction == "mplus_to_shop"
    assert block.orders.branch_number == 2 and block.orders.statuses_to_import == [1, 3]
    assert block.mijnwebwinkel.token.get_secret_value() == emulators.shop.token


def test_setup_ends_with_the_preflight_check_and_names_the_command(emulators, tmp_path) -> None:
    """The demo shop has unmapped shipping and payment methods: saved, but blocked."""
    from mkmw_flows.ops.check import run_check

    args = _flags(emulators, "setup-checked", tmp_path / "c.db", **{"--flows": "orders"})
    result = CliRunner().invoke(app, args)
    assert result.exit_code == SETUP_SAVED_WITH_BLOCKERS, result.output
    text = " ".join(result.output.split())

    report = run_check(Integration.load("setup-checked"))  # what `mkmw check` would find
    blockers = report.blockers
    assert blockers  # the demo seed has unmapped shipping and payment methods
    summary = f"saved Integration 'setup-checked', but {len(blockers)} problem(s) block the sync"
    assert summary in text
    assert "mkmw check --integration setup-checked" in text
    assert text.count("BLOCKS ") == len(blockers)
    for finding in blockers:
        assert f"{finding.code} {finding.subject}" in text
    assert {"SHIPPING_UNMAPPED", "PAYMENT_UNMAPPED"} <= {f.code for f in blockers}
    # the summary comes last, after the saving and every blocker
    assert text.rindex("block the sync") > text.rindex("BLOCKS ") > text.index("saved Integration")


def test_a_check_that_cannot_run_still_reports_saved(emulators, tmp_path, monkeypatch) -> None:
    import mkmw_flows.ops.check as check

    def broken(integration):
        raise RuntimeError("shop went away")

    monkeypatch.setattr(check, "run_check", broken)
    args = _flags(emulators, "setup-nocheck", tmp_path / "n.db", **{"--flows": "stock"})
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "saved, but the pre-flight check could not run: shop went away" in text
    assert "mkmw check --integration setup-nocheck" in text
    assert not _missing("setup-nocheck")


def test_setup_can_deploy_the_schedules(emulators, tmp_path) -> None:
    args = _flags(emulators, "setup-dep", tmp_path / "d.db", **{"--flows": "orders"})
    result = CliRunner().invoke(app, [*args, "--deploy"])
    assert result.exit_code == SETUP_SAVED_WITH_BLOCKERS, result.output

    async def deployments() -> dict[str, str | None]:
        async with get_client() as client:
            return {d.name: d.entrypoint for d in await client.read_deployments()}

    deployed = asyncio.run(deployments())
    assert {"setup-dep-every-5-minutes", "setup-dep-daily"} <= set(deployed)
    # imported from the installed package on the worker: no folder, no pull step
    assert deployed["setup-dep-every-5-minutes"] == "mkmw_flows.flows.orders:sync_orders"


def test_parse_numbers() -> None:
    assert parse_numbers("1, 2;3") == [1, 2, 3] and parse_numbers("") == []


def test_a_refused_overwrite_leaves_the_saved_integration_as_it_was(emulators, tmp_path) -> None:
    good = _flags(emulators, "setup-keep", tmp_path / "k.db", **{"--flows": "stock"})
    assert CliRunner().invoke(app, good).exit_code == SETUP_SAVED_WITH_BLOCKERS
    before = Integration.load("setup-keep")

    bad = _flags(emulators, "setup-keep", tmp_path / "k.db", **{"--shop-token": WRONG})
    result = CliRunner().invoke(app, [*bad, "--overwrite"])
    assert result.exit_code == 1
    assert "refused the shop token" in " ".join(result.output.split())
    assert WRONG not in result.output
    after = Integration.load("setup-keep")
    assert after.mijnwebwinkel.token.get_secret_value() == emulators.shop.token
    assert after.model_dump() == before.model_dump()
