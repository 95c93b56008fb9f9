"""`mkmw budget`: one API budget per system, shared by all runs (`mkmw_flows.flows.budget`)."""

from __future__ import annotations

from typing import Annotated

import typer

from mkmw_flows.cli.common import console

app = typer.Typer(
    help="One API budget per system, shared by all runs (docs/scaling.md).", no_args_is_help=True
)


@app.command("apply")
def budget_apply(
    integration: Annotated[str, typer.Option(help="The Integration block's name.")],
    shop_rate: Annotated[
        float | None, typer.Option(help="MijnWebwinkel calls per second, all runs together.")
    ] = None,
    mplus_rate: Annotated[
        float | None, typer.Option(help="MplusKASSA calls per second, all runs together.")
    ] = None,
) -> None:
    """Create or update the integration's rate limits on the Prefect server; idempotent.

    Then set `api_budget: true` on the Integration block so every flow run takes its calls
    from these limits.
    """
    from mkmw_flows.flows.budget import apply_budget

    try:
        results = apply_budget(integration, shop_rate=shop_rate, mplus_rate=mplus_rate)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=2) from None
    for result in results:
        limit = result.limit
        console.print(
            f"limit [bold]{limit.name}[/bold] {result.action}: "
            f"{limit.slot_decay_per_second:g} calls/s, burst {limit.limit}"
        )
