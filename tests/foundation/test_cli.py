from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mkmw_flows.cli import app
from mkmw_flows.state import HeldRecord, StateStore

runner = CliRunner()


def test_every_command_has_help() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("blocks", "emulate", "cursor", "ledger", "retry", "version"):
        assert command in result.output
    for sub in (
        ["blocks", "apply"],
        ["cursor", "rewind"],
        ["ledger", "show"],
        ["emulate", "mplus"],
    ):
        res = runner.invoke(app, [*sub, "--help"])
        assert res.exit_code == 0, res.output
        assert "Usage" in res.output


def test_cursor_show_and_rewind(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    StateStore(db).set_cursor("shop", "stock.stock_id", "900")
    shown = runner.invoke(app, ["cursor", "show", "--database", db])
    assert shown.exit_code == 0 and "stock.stock_id" in shown.output and "900" in shown.output
    res = runner.invoke(
        app,
        [
            "cursor",
            "rewind",
            "--integration",
            "shop",
            "--name",
            "stock.stock_id",
            "--to",
            "500",
            "--database",
            db,
        ],
    )
    assert res.exit_code == 0
    assert StateStore(db).get_cursor("shop", "stock.stock_id") == "500"
    runner.invoke(
        app,
        ["cursor", "rewind", "--integration", "shop", "--name", "stock.stock_id", "--database", db],
    )
    assert StateStore(db).get_cursor("shop", "stock.stock_id") is None


def test_retry_marks_held_records(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    store = StateStore(db)
    with store.transaction() as tx:
        tx.hold("shop", "orders", "1001", "VAT_UNMAPPED", "no vat code")
    res = runner.invoke(
        app, ["retry", "--integration", "shop", "--reason", "VAT_UNMAPPED", "--database", db]
    )
    assert res.exit_code == 0 and "1 held record" in res.output
    held: list[HeldRecord] = store.held("shop", "orders")
    assert held[0].retry_requested
    assert runner.invoke(app, ["retry", "--database", db]).exit_code == 2


def test_blocks_apply_check_reports_missing_variables(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for name in ("MPLUS_IDENT", "MPLUS_SECRET", "MWW_TOKEN", "MWW_PARTNER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    example = Path(__file__).resolve().parents[2] / "blocks" / "example.yaml"
    res = runner.invoke(app, ["blocks", "apply", str(example), "--check"])
    assert res.exit_code == 2
    assert "MPLUS_SECRET" in res.output
