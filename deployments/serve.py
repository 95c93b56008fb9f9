"""Serve every mkmw flow on its schedule from this one process, for one shop, without a work pool.

    python deployments/serve.py [INTEGRATION] [--flow sync-orders --flow sync-stock ...]

The integration (the Integration block's name) comes from the argument, else from
``$MKMW_INTEGRATION``, else ``default``. The schedules are those of prefect.yaml
(``mkmw_flows/ops/schedules.py``). Runs execute inside this process; stop it with Ctrl-C (its
schedules are paused until it is started again). Needs ``PREFECT_API_URL`` pointing at a
running Prefect server (or Prefect Cloud).
"""

from __future__ import annotations

import argparse
import os
import sys

from prefect import serve

from mkmw_flows.ops.schedules import DEPLOYMENTS, runner_deployments


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "integration",
        nargs="?",
        default=os.environ.get("MKMW_INTEGRATION", "default"),
        help="Integration block name (default: $MKMW_INTEGRATION or 'default').",
    )
    parser.add_argument(
        "--flow",
        action="append",
        choices=sorted({d.flow for d in DEPLOYMENTS}),
        help="Serve only this flow (repeatable; default: all).",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="At most this many runs at once in this process."
    )
    args = parser.parse_args(argv)
    deployments = runner_deployments(args.integration, args.flow)
    serve(*deployments, limit=args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
