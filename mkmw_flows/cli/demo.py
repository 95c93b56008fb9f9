"""`mkmw demo`: the demo against both emulators (`mkmw_flows.ops.demo`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from mkmw_flows.cli.common import console, require_emulators


def demo(
    name: Annotated[str, typer.Option(help="Name of the Integration block to save.")] = "demo",
) -> None:
    """Run the demo against both emulators and check that the systems agree."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # the demo prints its own summary
    require_emulators()
    from mkmw_flows.ops.demo import run_demo

    result = run_demo(console, name=name)
    raise typer.Exit(code=0 if result.ok else 1)
