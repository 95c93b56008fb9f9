"""`mkmw cursor`: show and move the change-feed cursors in the state store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from mkmw_flows.cli.common import DatabaseOption, console, open_store

app = typer.Typer(help="Show and move change-feed cursors.", no_args_is_help=True)


@app.command("show")
def cursor_show(
    integration: Annotated[str | None, typer.Option(help="Only this integration.")] = None,
    database: DatabaseOption = None,
) -> None:
    """List the stored cursors."""
    table = Table("integration", "cursor", "value", "updated (UTC)")
    for row in open_store(database).cursors(integration):
        table.add_row(row.integration, row.name, row.value, f"{row.updated_at:%Y-%m-%d %H:%M:%S}")
    console.print(table)


@app.command("rewind")
def cursor_rewind(
    integration: Annotated[str, typer.Option(help="The integration.")],
    name: Annotated[str, typer.Option(help="The cursor, as `mkmw cursor show` lists it.")],
    to: Annotated[
        str | None, typer.Option(help="The new value; without it the feed is read from the start.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Move a cursor back so the next run reads the feed again from there."""
    store = open_store(database)
    if to is None:
        existed = store.delete_cursor(integration, name)
        console.print(f"cursor {name} {'reset' if existed else 'was not set'}")
    else:
        store.set_cursor(integration, name, to)
        console.print(f"cursor {name} set to {to}")
