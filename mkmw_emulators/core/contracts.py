"""Locate the vendor contracts (WSDL, OpenAPI spec) the emulators and conformance tests use.

The contracts are not shipped in the package: they live in the repository's ``contracts/`` folder
(see its README for their source and licence), or wherever ``MKMW_REFERENCE_DIR`` points.
"""

from __future__ import annotations

import os
from pathlib import Path

_ENV = "MKMW_REFERENCE_DIR"


class ContractNotFoundError(FileNotFoundError):
    """Raised when a vendor contract file cannot be found."""


def reference_dir() -> Path:
    """Return the folder that holds ``mplus/`` and ``mijnwebwinkel/`` vendor contracts.

    Raises:
        ContractNotFoundError: When neither MKMW_REFERENCE_DIR nor the checkout's contracts/ exists.
    """
    configured = os.environ.get(_ENV)
    candidates = [Path(configured)] if configured else []
    repo_root = Path(__file__).resolve().parents[2]
    candidates.append(repo_root / "contracts")
    for candidate in candidates:
        if (candidate / "mplus").is_dir():
            return candidate
    raise ContractNotFoundError(
        f"vendor contracts not found; set {_ENV} to the folder holding mplus/ and mijnwebwinkel/"
    )


def mplus_wsdl_path() -> Path:
    """Path of the MplusKASSA vendor WSDL (mplusqapi.wsdl)."""
    return reference_dir() / "mplus" / "mplusqapi.wsdl"


def mijnwebwinkel_openapi_path() -> Path:
    """Path of the MijnWebwinkel vendor OpenAPI spec (openapi.yaml)."""
    return reference_dir() / "mijnwebwinkel" / "openapi.yaml"
