from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mkmw_flows.cli.main import app
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

    import mkmw_flows.cli.ledger as cli
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


# -- blocks apply: validate exactly what is saved, save all or nothing -------------------


def _blocks_file(path: Path, *names: str, ident: str = "ident-1") -> Path:
    body = "integrations:\n"
    for name in names:
        body += (
            f"  {name}:\n"
            f"    mplus: {{url: 'http://127.0.0.1:1', ident: {ident}, secret: s}}\n"
            "    mijnwebwinkel: {token: t, partner_token: p}\n"
        )
    path.write_text(body, encoding="utf-8")
    return path


def _exists(name: str) -> bool:
    from mkmw_flows.blocks import Integration
    from mkmw_flows.ops.blockfile import PARTS

    found = []
    for block_type in [*PARTS.values(), Integration]:
        try:
            block_type.load(name)
            found.append(True)
        except ValueError:
            found.append(False)
    assert len(set(found)) == 1, f"{name}: some documents saved, some not: {found}"
    return found[0]


def test_blocks_apply_check_refuses_a_name_prefect_refuses(tmp_path: Path) -> None:
    path = _blocks_file(tmp_path / "b.yaml", "good-one", "shop_1")
    res = runner.invoke(app, ["blocks", "apply", str(path), "--check"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "integration 'shop_1': name 'shop_1' is refused by Prefect" in text
    assert "lowercase letters, numbers, and dashes" in text and "'shop-1'" in text
    assert "Traceback" not in res.output and "good-one" not in text.replace("'shop_1'", "")


@pytest.mark.usefixtures("prefect_server")
def test_blocks_apply_saves_nothing_when_one_name_is_refused(tmp_path: Path) -> None:
    path = _blocks_file(tmp_path / "b.yaml", "apply-valid", "Apply_Bad")
    res = runner.invoke(app, ["blocks", "apply", str(path)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "nothing was saved" in " ".join(res.output.split())
    assert not _exists("apply-valid")  # the valid one was not saved either


@pytest.mark.usefixtures("prefect_server")
def test_blocks_apply_rolls_back_when_a_save_fails_midway(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mkmw_flows.blocks import Integration, OrderSyncSettings

    first = _blocks_file(tmp_path / "a.yaml", "rb-old", ident="before")
    assert runner.invoke(app, ["blocks", "apply", str(first)]).exit_code == 0
    assert Integration.load("rb-old").mplus.ident == "before"

    original = OrderSyncSettings.save

    def failing(self, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "rb-new":  # the server "goes away" at the 10th of 12 saves
            raise RuntimeError("server unavailable")
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(OrderSyncSettings, "save", failing)
    both = _blocks_file(tmp_path / "b.yaml", "rb-old", "rb-new", ident="after")
    res = runner.invoke(app, ["blocks", "apply", str(both)])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "saving block mkmw-order-sync-settings/rb-new failed (server unavailable)" in text
    assert "rolled back, so nothing was saved" in text and "Traceback" not in res.output

    monkeypatch.setattr(OrderSyncSettings, "save", original)
    assert not _exists("rb-new")  # created by this run: deleted again
    assert _exists("rb-old")
    restored = Integration.load("rb-old")  # changed by this run: restored
    assert restored.mplus.ident == "before"
    from mkmw_flows.blocks import MplusKassaCredentials

    assert MplusKassaCredentials.load("rb-old").ident == "before"


# -- ledger show at 80 columns; run --dry-run prints the plan -----------------------------

LONG_MESSAGE = (
    "The shop's payment method 'Betalen bij afhalen' (basic) has no MplusKASSA payment "
    "code; add 'basic:pickup' or 'pickup' to payment_methods in the orders settings."
)


def _ledger_db(tmp_path: Path) -> str:
    from mkmw_flows.state import LedgerEntry, Outcome

    db = str(tmp_path / "s.db")
    StateStore(db).append_ledger(
        [
            LedgerEntry(
                integration="webshop-amersfoort",
                run_id="r1",
                flow="orders",
                entity="order",
                record_key=f"MW-{1000 + n}",
                outcome=Outcome.FAILED,
                reason_code="PAYMENT_UNMAPPED",
                message=LONG_MESSAGE,
                source_data={"payment": "pickup"},
                sent_data={"extOrderId": f"MW-{1000 + n}"},
            )
            for n in range(3)
        ]
    )
    return db


def test_ledger_show_is_readable_at_80_columns(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    import mkmw_flows.cli.ledger as cli

    monkeypatch.setattr(cli, "console", Console(width=80, force_terminal=False))
    db = _ledger_db(tmp_path)
    res = runner.invoke(app, ["ledger", "show", "--database", db])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "integration: webshop-amersfoort"  # one integration: named once
    assert lines[1].split() == ["time", "(UTC)", "flow", "record", "outcome", "reason"]
    message_lines = [line for line in lines if line.startswith("    ")]
    # the message runs under each row over the full width (76 columns): 3 lines of 158
    # characters each, never one word alone on a line
    assert len(message_lines) == 9 and all(len(line.split()) >= 2 for line in message_lines)
    assert all(len(line.rstrip()) > 60 for line in message_lines[:2])
    assert " ".join(" ".join(message_lines).split()) == " ".join([LONG_MESSAGE] * 3)
    rows = [line for line in lines if "MW-100" in line]
    assert len(rows) == 3
    assert all(row.split()[-2:] == ["failed", "PAYMENT_UNMAPPED"] for row in rows)
    assert "3 entries" in lines[-1]

    detailed = runner.invoke(app, ["ledger", "show", "--details", "--database", db])
    assert '    sent: {"extOrderId": "MW-1000"}' in detailed.output
    assert all(len(line) <= 80 for line in detailed.output.splitlines())


def test_ledger_show_wide_is_one_row_per_entry(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from rich.console import Console

    import mkmw_flows.cli.ledger as cli

    monkeypatch.setattr(cli, "console", Console(width=400))
    db = _ledger_db(tmp_path)
    res = runner.invoke(app, ["ledger", "show", "--wide", "--database", db])
    rows = [line for line in res.output.splitlines() if "MW-100" in line]
    assert len(rows) == 3 and all(LONG_MESSAGE in row for row in rows)
