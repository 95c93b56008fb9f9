"""`mkmw`: the command line of mkmw-flows, thin commands over the operator tools.

One module per command group (`blocks`, `ledger`, `run`, ...); `main.py` assembles them into
the `mkmw` Typer app, the console script's entry point. The work itself is done by
`mkmw_flows.ops` (set-up, check, schedules, automations, blocks as code, demo), the flows and
the state store.
"""
