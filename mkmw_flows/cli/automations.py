"""`mkmw automations`: alerts as code (`mkmw_flows.ops.automations`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mkmw_flows.cli.common import console

app = typer.Typer(help="Alerts as code (Prefect automations).", no_args_is_help=True)


@app.command("apply")
def automations_apply(
    file: Annotated[Path, typer.Argument(help="An automations YAML file.")] = Path(
        "deployments/automations.yaml"
    ),
    notification_block: Annotated[
        str | None,
        typer.Option(help="Name of the notification block (overrides the file's)."),
    ] = None,
) -> None:
    """Create or update the automations in FILE; applying again changes nothing."""
    from mkmw_flows.ops.automations import AutomationFileError, apply_file

    try:
        results = apply_file(file, notification_block)
    except AutomationFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    for result in results:
        console.print(f"automation [bold]{result.name}[/bold] {result.action}")
