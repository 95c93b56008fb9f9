"""Errors the emulated MplusKASSA answers with a SOAP fault."""

from __future__ import annotations


class BackendFault(Exception):
    """A request the server rejects with a SOAP fault (``Client`` by default)."""

    def __init__(self, message: str, code: str = "Client") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
