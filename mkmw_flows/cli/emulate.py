"""`mkmw emulate`: serve a local emulator of one of the two APIs (the optional emulators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mkmw_flows.cli.common import console, require_emulators

if TYPE_CHECKING:
    from mkmw_emulators.core.faults import FaultConfig

app = typer.Typer(help="Run a local emulator of one of the two APIs.", no_args_is_help=True)


def _fault_config(latency_ms: float, fault_rate: float, seed: int) -> FaultConfig:
    require_emulators()
    from mkmw_emulators.core.faults import FaultConfig

    return FaultConfig(latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)


@app.command("mplus")
def emulate_mplus(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8081,
    seed: Annotated[str, typer.Option(help="demo, empty, or a number of articles.")] = "demo",
    ident: Annotated[str, typer.Option(help="The ident the emulator accepts.")] = "demo",
    secret: Annotated[str, typer.Option(help="The secret the emulator accepts.")] = "demo",
    latency_ms: Annotated[float, typer.Option(help="Latency added to every call.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of calls that fail (0..1).")] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
) -> None:
    """Serve the MplusKASSA emulator until interrupted."""
    import uvicorn

    require_emulators()  # before the import: an installed wheel has no emulators
    from mkmw_emulators.mplus.server import create_emulator

    emulator = create_emulator(
        seed=seed,
        ident=ident,
        secret=secret,
        faults=_fault_config(latency_ms, fault_rate, fault_seed),
    )
    console.print(f"MplusKASSA emulator on http://127.0.0.1:{port} (seed {seed})")
    uvicorn.run(emulator.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


@app.command("mijnwebwinkel")
def emulate_mijnwebwinkel(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8082,
    seed: Annotated[str, typer.Option(help="demo, empty, or a number of articles.")] = "demo",
    token: Annotated[
        str, typer.Option(help="The store token the emulator accepts.")
    ] = "demo-token",
    partner_token: Annotated[
        str, typer.Option(help="The partner token the emulator accepts.")
    ] = "demo-partner",
    latency_ms: Annotated[float, typer.Option(help="Latency added to every call.")] = 0.0,
    fault_rate: Annotated[float, typer.Option(help="Share of calls that fail (0..1).")] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Seed of the fault injection.")] = 0,
    rate_limit: Annotated[
        float | None, typer.Option(help="Calls per second per store before 429.")
    ] = None,
    live_quirks: Annotated[
        bool, typer.Option(help="Answer with the live API's deviations from the spec.")
    ] = False,
    order_statuses: Annotated[
        str | None,
        typer.Option(
            help="The shop's order statuses, e.g. "
            "'1=In behandeling,7=Geannuleerd:cancelled,10=Creditorder:credit' "
            "(default: 1, 2, 3, 6, 7 cancelled, 10 credit)."
        ),
    ] = None,
) -> None:
    """Serve the MijnWebwinkel emulator until interrupted."""
    import uvicorn

    require_emulators()  # before the import: an installed wheel has no emulators
    from mkmw_emulators.mijnwebwinkel.server import create_emulator
    from mkmw_emulators.mijnwebwinkel.statuses import parse_order_statuses

    try:
        statuses = parse_order_statuses(order_statuses) if order_statuses else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--order-statuses") from None
    emulator = create_emulator(
        seed=seed,
        token=token,
        partner_token=partner_token,
        faults=_fault_config(latency_ms, fault_rate, fault_seed),
        rate_limit=rate_limit,
        live_quirks=live_quirks,
        order_statuses=statuses,
    )
    console.print(f"MijnWebwinkel emulator on http://127.0.0.1:{port} (seed {seed})")
    uvicorn.run(emulator.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
