"""`python -m mkmw_flows.cli`: the same as the `mkmw` console script."""

from mkmw_flows.cli.main import app

app()  # pragma: no cover
