"""`mkmw settings`: read-only views of the settings and rules."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mkmw_flows.cli.common import console

app = typer.Typer(help="Read-only views of the settings and rules.", no_args_is_help=True)


@app.command("show")
def settings_show(
    integration: Annotated[str, typer.Option(help="The Integration block to list.")] = "default",
    defaults: Annotated[
        bool, typer.Option("--defaults", help="The default rules only (no Prefect server).")
    ] = False,
) -> None:
    """List an integration's mappings and field rules (defaults and yours); never secrets."""
    from mkmw_flows.settings.show import default_sections, integration_sections

    if defaults:
        sections = default_sections()
    else:
        from mkmw_flows.flows.common import load_integration

        try:
            sections = integration_sections(load_integration(integration))
        except ValueError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    for section in sections:
        if not section.rows:
            console.print(f"[bold]{escape(section.title)}[/bold]: {escape(section.empty)}\n")
            continue
        table = Table(*section.columns, title=escape(section.title), title_justify="left")
        for row in section.rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
