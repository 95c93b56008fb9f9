"""`mkmw setup`: the set-up assistant (`mkmw_flows.ops.setup_assistant`) and its pre-flight."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from mkmw_flows.cli.common import console

if TYPE_CHECKING:
    from mkmw_flows.blocks import Integration


class _TyperSetupIO:
    """Prompts of `mkmw setup` (hidden for secrets); none with --no-input."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def ask(self, text: str, default: str | None = None, *, secret: bool = False) -> str:
        return str(typer.prompt(text, default=default, hide_input=secret, show_default=not secret))

    def confirm(self, text: str, default: bool = True) -> bool:
        return bool(typer.confirm(text, default=default))

    def say(self, text: str) -> None:
        console.print(text, highlight=False, markup=False)


def setup(
    name: Annotated[str | None, typer.Option(help="Integration name.")] = None,
    mplus_url: Annotated[str | None, typer.Option(help="MplusKASSA API URL with port.")] = None,
    mplus_ident: Annotated[str | None, typer.Option(help="MplusKASSA ident.")] = None,
    mplus_secret: Annotated[
        str | None, typer.Option(help="MplusKASSA secret (or $MKMW_MPLUS_SECRET).")
    ] = None,
    mplus_verify_tls: Annotated[
        bool | None, typer.Option(help="Verify MplusKASSA's TLS certificate.")
    ] = None,
    shop_url: Annotated[str | None, typer.Option(help="MijnWebwinkel API URL.")] = None,
    shop_token: Annotated[
        str | None, typer.Option(help="MijnWebwinkel shop token (or $MKMW_SHOP_TOKEN).")
    ] = None,
    partner_token: Annotated[
        str | None, typer.Option(help="MijnWebwinkel partner token (or $MKMW_PARTNER_TOKEN).")
    ] = None,
    flows: Annotated[
        str | None, typer.Option(help="Flows to run, comma-separated: products,stock,orders.")
    ] = None,
    product_direction: Annotated[
        str | None, typer.Option(help="mplus_to_shop or shop_to_mplus.")
    ] = None,
    order_direction: Annotated[
        str | None, typer.Option(help="shop_to_mplus or mplus_to_shop.")
    ] = None,
    employee_number: Annotated[
        int | None, typer.Option("--employee", help="MplusKASSA employee for web orders.")
    ] = None,
    branch_number: Annotated[
        int | None, typer.Option("--branch", help="MplusKASSA branch for web orders.")
    ] = None,
    workplace_number: Annotated[
        int | None, typer.Option("--workplace", help="MplusKASSA workplace in that branch.")
    ] = None,
    stock_calculation: Annotated[
        str | None, typer.Option(help="free, free_plus_incoming or on_hand.")
    ] = None,
    stock_branches: Annotated[
        str | None, typer.Option(help="Branches whose stock counts, comma-separated.")
    ] = None,
    statuses_to_import: Annotated[
        str | None, typer.Option("--statuses", help="Shop order status ids to import.")
    ] = None,
    state_database_url: Annotated[
        str | None, typer.Option("--database", help="State database URL or SQLite path.")
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Never prompt; take flags and defaults.")
    ] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an Integration of that name.")] = False,
    deploy: Annotated[
        bool, typer.Option(help="Also create the scheduled deployments on the work pool.")
    ] = False,
) -> None:
    """Set up an integration: test both connections, pick flows and settings, save it.

    Ends with the pre-flight check (`mkmw check`): exit 0 when nothing blocks the first
    sync, 3 when the integration was saved but the check found blocking problems, 1 when
    nothing was saved.
    """
    from mkmw_flows.ops.setup_assistant import SetupError, deployed_flows, run_setup

    flags = {
        "name": name,
        "mplus_url": mplus_url,
        "mplus_ident": mplus_ident,
        "mplus_secret": mplus_secret or os.environ.get("MKMW_MPLUS_SECRET"),
        "mplus_verify_tls": mplus_verify_tls,
        "shop_url": shop_url,
        "shop_token": shop_token or os.environ.get("MKMW_SHOP_TOKEN"),
        "partner_token": partner_token or os.environ.get("MKMW_PARTNER_TOKEN"),
        "flows": flows,
        "product_direction": product_direction,
        "order_direction": order_direction,
        "employee_number": employee_number,
        "branch_number": branch_number,
        "workplace_number": workplace_number,
        "stock_calculation": stock_calculation,
        "stock_branches": stock_branches,
        "statuses_to_import": statuses_to_import,
        "state_database_url": state_database_url,
    }
    try:
        answers, integration = run_setup(
            _TyperSetupIO(interactive=not no_input), flags, overwrite=overwrite
        )
    except SetupError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    if deploy:
        from mkmw_flows.ops.schedules import WORK_POOL, deploy_to_pool

        for deployed in deploy_to_pool(answers.name, deployed_flows(answers.flows)):
            console.print(f"deployed {deployed}")
        console.print(
            f"start a worker where mkmw-flows is installed: prefect worker start --pool {WORK_POOL}"
        )
    blockers = _setup_preflight(answers.name, integration)
    if blockers:
        raise typer.Exit(code=SETUP_SAVED_WITH_BLOCKERS)


#: `mkmw setup` exit code: the Integration was saved, but the pre-flight check found blockers.
SETUP_SAVED_WITH_BLOCKERS = 3


def _setup_preflight(name: str, integration: Integration) -> int:
    """Run the pre-flight check on a just-saved integration and print what blocks the sync.

    Returns:
        The number of blocking problems (0 when the check could not run: it says so).
    """
    from mkmw_flows.ops.check import run_check

    again = f"mkmw check --integration {name}"
    console.print("pre-flight check (both systems are read, nothing is written) ...")
    try:
        report = run_check(integration)
    except Exception as exc:  # noqa: BLE001 - setup saved; the check is advice, say why it failed
        console.print(
            f"[yellow]saved, but the pre-flight check could not run:[/yellow] {exc}\n"
            f"run it again with: {again}",
            highlight=False,
        )
        return 0
    blockers = report.blockers
    for finding in blockers:
        console.print(
            f"[red]BLOCKS[/red] {finding.system} {finding.code} {finding.subject}: "
            f"{finding.message}",
            highlight=False,
        )
    others = len(report.findings) - len(blockers)
    if blockers:
        console.print(
            f"[bold]saved Integration {name!r}, but {len(blockers)} problem(s) block the "
            f"sync[/bold] ({others} other finding(s)); fix them, then see what is left "
            f"with: {again}",
            highlight=False,
        )
    else:
        console.print(
            f"saved Integration {name!r}; nothing blocks the first sync "
            f"({others} other finding(s): {again})",
            highlight=False,
        )
    return len(blockers)
