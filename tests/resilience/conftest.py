"""The resilience tests drive the soak and crash drills of tests/drills (drills.soak, .crash)."""

from __future__ import annotations

import logging

# every injected dropped connection is an ASGI traceback in uvicorn's log: keep the output short
logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
