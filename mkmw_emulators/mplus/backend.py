"""The emulated MplusKASSA state (kept for imports): see :mod:`mkmw_emulators.mplus.models`."""

from __future__ import annotations

from mkmw_emulators.mplus.models import (
    DEFAULT_LIMIT,
    ORIGINAL,
    RELATIONS_CAP,
    REPLAY,
    SUPERUSER,
    BackendFault,
    MarkerIndex,
    MplusBackend,
)

__all__ = [
    "DEFAULT_LIMIT",
    "ORIGINAL",
    "RELATIONS_CAP",
    "REPLAY",
    "SUPERUSER",
    "BackendFault",
    "MarkerIndex",
    "MplusBackend",
]
