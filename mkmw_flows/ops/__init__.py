"""Operator tools: what a shop owner and an integrator run around the flows.

The set-up assistant (`setup_assistant`), the pre-flight report (`check`), the one schedule
table behind `prefect.yaml` and `deployments/serve.py` (`schedules`), alerts as code
(`automations`), blocks as code (`blockfile`) and the demo against both emulators (`demo`).
Each sits behind a thin `mkmw` command in `mkmw_flows.cli`; they may start the flows, never
the reverse.
"""
