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


def test_ledger_show_prints_entries_and_details(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    import mkmw_flows.cli as cli
    from mkmw_flows.state import LedgerEntry, Outcome

    monkeypatch.setattr(cli, "console", Console(width=400))

    db = str(tmp_path / "s.db")
    StateStore(db).append_ledger(
        [
            LedgerEntry(
                integration="shop",
                run_id="r1",
                flow="orders",
                entity="order",
                record_key="1001",
                outcome=Outcome.FAILED,
                reason_code="VAT_UNMAPPED",
                message="no VAT code for 6%",
                source_data={"vat": "6"},
                sent_data={"extOrderId": "MW-1001"},
            )
        ]
    )
    plain = runner.invoke(app, ["ledger", "show", "--reason", "VAT_UNMAPPED", "--database", db])
    assert plain.exit_code == 0 and "1001" in plain.output and "VAT_UNMAPPED" in plain.output
    assert "MW-1001" not in plain.output
    detailed = runner.invoke(
        app,
        ["ledger", "show", "--record", "1001", "--details", "--database", db],
        terminal_width=300,
    )
    assert "MW-1001" in detailed.output
    none = runner.invoke(app, ["ledger", "show", "--reason", "NOPE", "--database", db])
    assert "1001" not in none.output
