"""`mkmw ledger`: the per-record activity log, stacked for a terminal or one row per entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from mkmw_flows.cli.common import DatabaseOption, console, open_store

if TYPE_CHECKING:
    from mkmw_flows.state import LedgerEntry

app = typer.Typer(help="The per-record activity log.", no_args_is_help=True)


@app.command("show")
def ledger_show(
    integration: Annotated[str | None, typer.Option(help="Only this integration.")] = None,
    run: Annotated[str | None, typer.Option(help="Only this flow run id.")] = None,
    reason: Annotated[str | None, typer.Option(help="Only this reason code.")] = None,
    record: Annotated[str | None, typer.Option(help="Only this record key.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many entries.")] = 50,
    details: Annotated[
        bool, typer.Option("--details", help="Also print what was read and what was sent.")
    ] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="One table row per entry (for a wide terminal).")
    ] = False,
    database: DatabaseOption = None,
) -> None:
    """Print ledger entries, newest first: each entry's message on its own line under it."""
    entries = open_store(database).ledger(
        integration=integration, run_id=run, reason_code=reason, record_key=record, limit=limit
    )
    if wide:
        _ledger_table(entries, details)
    else:
        _ledger_stacked(entries, details)


_LEDGER_COLUMNS = ("time (UTC)", "integration", "flow", "record", "outcome", "reason")


def _ledger_fields(entry: LedgerEntry) -> list[str]:
    return [
        f"{entry.created_at:%Y-%m-%d %H:%M:%S}",
        entry.integration,
        entry.flow,
        entry.record_key,
        entry.outcome.value,
        entry.reason_code or "",
    ]


def _ledger_data(entry: LedgerEntry) -> tuple[str, str]:
    import json

    return (
        json.dumps(entry.source_data or {}, ensure_ascii=False),
        json.dumps(entry.sent_data or {}, ensure_ascii=False),
    )


def _ledger_table(entries: list[LedgerEntry], details: bool) -> None:
    table = Table(*_LEDGER_COLUMNS, "message", *(["read", "sent"] if details else []))
    for entry in entries:
        row = [*_ledger_fields(entry), entry.message]
        if details:
            row += list(_ledger_data(entry))
        table.add_row(*row)
    console.print(table)


def _ledger_stacked(entries: list[LedgerEntry], details: bool) -> None:
    """The short fields in aligned columns, the message (and data) wrapped under each entry.

    When every entry is of one integration, its name is printed once above the rows.
    """
    from rich.padding import Padding
    from rich.text import Text

    integrations = {e.integration for e in entries}
    drop = 1 if len(integrations) == 1 else None  # the integration column
    columns = [c for i, c in enumerate(_LEDGER_COLUMNS) if i != drop]
    rows = [[c for i, c in enumerate(_ledger_fields(e)) if i != drop] for e in entries]
    widths = [max(len(c) for c in column) for column in zip(columns, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    if drop is not None:
        console.print(f"integration: {next(iter(integrations))}", highlight=False, markup=False)
    console.print(line(columns), style="bold", highlight=False, markup=False)
    for entry, row in zip(entries, rows, strict=True):
        console.print(line(row), highlight=False, markup=False)
        under = [entry.message] if entry.message else []
        if details:
            read, sent = _ledger_data(entry)
            under += [f"read: {read}", f"sent: {sent}"]
        for text in under:
            console.print(Padding(Text(text), (0, 0, 0, 4)), highlight=False)
    console.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}", style="dim")
