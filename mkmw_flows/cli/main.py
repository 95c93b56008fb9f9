"""The `mkmw` Typer app: every command group of `mkmw_flows.cli` in the order `--help` lists."""

from __future__ import annotations

import os

import typer

from mkmw_flows import __version__
from mkmw_flows.cli import (
    automations,
    bench,
    blocks,
    budget,
    check,
    cursor,
    demo,
    emulate,
    ledger,
    run,
    settings,
    setup_assistant,
)
from mkmw_flows.cli.common import console

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The embedded (ephemeral) server gets 20 s to boot by default; a busy two-core machine can
# need more, and a `mkmw` command should not fail for that.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

app = typer.Typer(
    name="mkmw",
    help="MplusKASSA <-> MijnWebwinkel synchronisation on Prefect 3.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the mkmw-flows version."""
    console.print(f"mkmw-flows {__version__}")


# Top-level commands first, then the groups: the order `mkmw --help` lists them in.
app.command()(run.run)
app.command()(demo.demo)
app.command()(run.retry)
app.command()(setup_assistant.setup)
app.command()(check.check)
app.command()(bench.bench)
app.add_typer(blocks.app, name="blocks")
app.add_typer(emulate.app, name="emulate")
app.add_typer(cursor.app, name="cursor")
app.add_typer(ledger.app, name="ledger")
app.add_typer(settings.app, name="settings")
app.add_typer(automations.app, name="automations")
app.add_typer(budget.app, name="budget")


if __name__ == "__main__":  # pragma: no cover
    app()
