"""Typed errors of the MplusKASSA client.

* :class:`MplusTransportError`: the call did not complete (connection refused or dropped,
  timeout, an HTTP status without a SOAP body). For a write the outcome is unknown.
* :class:`MplusClientFault`: a ``SOAP-ENV:Client*`` fault: the request must change; never retried.
* :class:`MplusServerFault`: a ``SOAP-ENV:Server*`` fault: server side, may be retried later.
* :class:`MplusBusinessError`: HTTP 200 with a ``result`` enum other than ``…-RESULT-OK``.
* :class:`MplusProtocolError`: the answer is not a SOAP body we can read safely.
"""

from __future__ import annotations


class MplusError(Exception):
    """Base of every MplusKASSA client error.

    Args:
        message: Human readable text (already scrubbed of secrets).
        operation: The SOAP operation, when known.
        request_id: The ``X-Request-Id`` sent with the call, when known.
    """

    retryable: bool = False

    def __init__(
        self, message: str, *, operation: str | None = None, request_id: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.request_id = request_id

    def __str__(self) -> str:
        where = f"{self.operation}: " if self.operation else ""
        rid = f" [request {self.request_id}]" if self.request_id else ""
        return f"{where}{self.message}{rid}"


class MplusTransportError(MplusError):
    """The call did not complete: network error, timeout or a non-SOAP HTTP error."""

    retryable = True

    def __init__(self, message: str, *, status_code: int | None = None, **kwargs: str | None):
        super().__init__(message, **kwargs)
        self.status_code = status_code


class MplusProtocolError(MplusError):
    """The response is not a safe, well-formed SOAP answer of the expected shape."""


class MplusFault(MplusError):
    """A SOAP 1.1 fault.

    Args:
        faultcode: The fault code without its prefix, e.g. ``Client`` or ``Client.Authentication``.
        faultstring: The fault text.
    """

    def __init__(self, faultcode: str, faultstring: str, **kwargs: str | None):
        super().__init__(f"SOAP fault {faultcode}: {faultstring}", **kwargs)
        self.faultcode = faultcode
        self.faultstring = faultstring


class MplusClientFault(MplusFault):
    """A ``Client*`` fault: the request is wrong (or the credentials are); do not retry."""


class MplusServerFault(MplusFault):
    """A ``Server*`` fault: a server-side problem; the call can be retried later."""

    retryable = True


class MplusBusinessError(MplusError):
    """A business result other than OK, e.g. ``CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS``.

    Args:
        result: The result enum value.
        error_message: The server's ``errorMessage`` (or ``message``), may be empty.
    """

    def __init__(self, result: str, error_message: str = "", **kwargs: str | None):
        text = f"{result}: {error_message}" if error_message else result
        super().__init__(text, **kwargs)
        self.result = result
        self.error_message = error_message
