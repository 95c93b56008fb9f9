"""`mkmw blocks`: block documents as code (`mkmw_flows.ops.blockfile`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mkmw_flows.cli.common import console

app = typer.Typer(help="Block documents as code.", no_args_is_help=True)


@app.command("apply")
def blocks_apply(
    file: Annotated[Path, typer.Argument(help="A blocks YAML file, such as blocks/example.yaml.")],
    check: Annotated[bool, typer.Option("--check", help="Validate only; save nothing.")] = False,
) -> None:
    """Create or update the block documents described in FILE (secrets from ${ENV} variables)."""
    from mkmw_flows.ops.blockfile import BlockFileError, apply_file, plan_file

    try:
        names = [p.name for p in plan_file(file)] if check else apply_file(file)
    except BlockFileError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    verb = "valid" if check else "saved"
    for name in names:
        console.print(f"integration [bold]{name}[/bold] {verb}")


@app.command("register")
def blocks_register() -> None:
    """Register the mkmw block types with the Prefect server so they show in the UI."""
    from mkmw_flows.blocks import ALL_BLOCKS

    for block in ALL_BLOCKS:
        block.register_type_and_schema()
        console.print(f"registered {block.get_block_type_slug()}")
