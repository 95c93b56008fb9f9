"""`mkmw check`: the pre-flight report over both systems (`mkmw_flows.ops.check`)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from mkmw_flows.cli.common import console


def check(
    integration: Annotated[str, typer.Option(help="The Integration block to check.")] = "default",
) -> None:
    """Pre-flight report over both systems; exits 1 when anything would block the first sync."""
    from mkmw_flows.flows.common import load_integration
    from mkmw_flows.ops.check import BLOCKER, run_check

    try:
        block = load_integration(integration)
    except ValueError as exc:  # no such block, or stored settings that do not validate
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    report = run_check(block)
    table = Table("", "system", "code", "what", "message", title=f"mkmw check: {integration}")
    marks = {BLOCKER: "[red]BLOCKS[/red]", "warning": "[yellow]warn[/yellow]", "info": "ok"}
    for f in sorted(report.findings, key=lambda f: (f.severity != BLOCKER, f.system, f.code)):
        table.add_row(marks.get(f.severity, f.severity), f.system, f.code, f.subject, f.message)
    console.print(table)
    blockers = len(report.blockers)
    others = len(report.findings) - blockers
    console.print(f"{blockers} blocking problem(s), {others} other finding(s)")
    if blockers:
        raise typer.Exit(code=1)
