"""Prefect settings for the bench checks: a throw-away home, no analytics (as tests/ does)."""

from __future__ import annotations

import os
import tempfile

# Must run before anything imports prefect (conftest is imported first).
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="mkmw-bench-prefect-home-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
