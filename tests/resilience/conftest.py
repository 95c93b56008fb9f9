"""The resilience tests drive the soak and crash engines of bench/ (bench.soak, bench.crash)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    # bench/ is not installed; the crash test's fork server needs it importable too
    sys.path.insert(0, ROOT)

# every injected dropped connection is an ASGI traceback in uvicorn's log: keep the output short
logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
