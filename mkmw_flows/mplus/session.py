"""The MplusKASSA (MplusQapi) SOAP session: one call, its retries, its faults.

``POST {url}/?ident=…&secret=…`` with a SOAP 1.1 document/literal body; every call carries an
``X-Request-Id``, is counted and timed in :attr:`MplusSession.stats`, and logs only scrubbed
text. Reads and idempotency-keyed writes (``createOrderV3``, ``payOrderV2``) are retried with
exponential backoff on transport errors and ``Server*`` faults; other writes are never retried
blindly: after an ambiguous failure the caller looks the record up first (``find_order``).
The operations per entity (:mod:`mkmw_flows.mplus.operations`) build on this session.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypeVar, cast

import httpx
from pydantic import SecretStr
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from mkmw_flows.clients_common.callstats import CallStats
from mkmw_flows.clients_common.redact import scrub
from mkmw_flows.mplus.envelope import build_request
from mkmw_flows.mplus.errors import (
    MplusBusinessError,
    MplusError,
    MplusProtocolError,
    MplusTransportError,
)
from mkmw_flows.mplus.parse import parse_response, read_response

logger = logging.getLogger("mkmw_flows.mplus")

T = TypeVar("T")

#: Result enum value that marks success, per operation with a business result.
_OK = {
    "createProduct": "CREATE-PRODUCT-RESULT-OK",
    "updateProduct": "UPDATE-PRODUCT-RESULT-OK",
    "updateStock": "UPDATE-STOCK-RESULT-OK",
    "createRelation": "CREATE-RELATION-RESULT-OK",
    "updateRelation": "UPDATE-RELATION-RESULT-OK",
    "createOrderV3": "CREATE-ORDER-RESULT-OK",
    "payOrderV2": "PAY-ORDER-RESULT-OK",
    "cancelOrder": "CANCEL-ORDER-RESULT-OK",
    "saveInvoice": "SAVE-INVOICE-RESULT-OK",
}
REPLAY = "IDEMPOTENCY-RESULT-REPLAY-RESPONSE"
_RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def text_list(values: Iterable[str] | None) -> dict[str, Any]:
    """A ``TextList`` element: ``{"text": [{"text": v}, ...]}`` (empty when None)."""
    return {"text": [{"text": v} for v in values or ()]}


def optional_list(values: Iterable[Any] | None) -> list[Any] | None:
    """A repeated element's values as a list, or None to leave the element out."""
    return list(values) if values is not None else None


class MplusSession:
    """A session with the MplusKASSA SOAP API: connection, credentials, retries, faults.

    Args:
        url: Base URL, e.g. ``https://api.mpluskassa.nl:45166``.
        ident: API user name (``ident``).
        secret: API password (``secret``); kept as a SecretStr and never logged.
        verify_tls: Verify the server certificate.
        timeout: Read timeout in seconds (the official clients allow 600 s for big syncs).
        connect_timeout: Connect timeout in seconds.
        transport: An httpx transport (tests, mocks).
        retry_attempts: Attempts for retryable calls (1 disables retries).
        retry_wait_initial: First backoff in seconds (doubled per attempt, with jitter).
        retry_wait_max: Backoff cap in seconds.
        throttle: Called before every request (retries included) and may block; the flows
            pass a shared API budget across processes here (the client knows no Prefect).
        max_connections: Connections kept open and reused (HTTP keep-alive); size it to the
            calls in flight at once (the product sync writes 8 at a time).
    """

    def __init__(
        self,
        url: str,
        ident: str,
        secret: SecretStr | str,
        *,
        verify_tls: bool = True,
        timeout: float = 600.0,
        connect_timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry_attempts: int = 4,
        retry_wait_initial: float = 0.5,
        retry_wait_max: float = 20.0,
        throttle: Callable[[], None] | None = None,
        max_connections: int = 16,
    ) -> None:
        self.url = url.rstrip("/") + "/"
        self.ident = ident
        self._secret = secret if isinstance(secret, SecretStr) else SecretStr(secret)
        self.stats = CallStats()
        self.retry_attempts = max(1, retry_attempts)
        self.retry_wait_initial = retry_wait_initial
        self.retry_wait_max = retry_wait_max
        self.throttle = throttle
        self._http = httpx.Client(
            verify=verify_tls,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "User-Agent": "mkmw-flows/0.1 (+httpx)",
            },
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={scrub(self.url, self._secrets())!r})"

    def _secrets(self) -> list[str | SecretStr | None]:
        return [self._secret]

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self, operation: str, body: Mapping[str, Any] | None = None, *, retry: bool = True
    ) -> dict[str, Any]:
        """Call one SOAP operation and return its decoded response dict.

        Args:
            operation: Operation name (e.g. ``getProducts``).
            body: The request wrapper's children by WSDL element name.
            retry: Retry transport errors and Server faults with backoff. Pass False for a
                write that is not idempotency-keyed.

        Returns:
            The response element's content by WSDL element name.

        Raises:
            MplusTransportError: The call did not complete.
            MplusClientFault: A Client fault (not retried).
            MplusServerFault: A Server fault (after the retries).
            MplusProtocolError: An unreadable answer.
        """
        return cast(dict[str, Any], self._call(operation, body, None, retry))

    def call_read(
        self,
        operation: str,
        body: Mapping[str, Any] | None,
        reader: Callable[[Any], T],
        *,
        retry: bool = True,
    ) -> T:
        """Call one SOAP operation and let `reader` turn its response element into records.

        Like :meth:`call` (same retries and errors), for the hot reads that build typed
        records straight from the parsed XML (a ``CodecError`` from `reader` becomes an
        ``MplusProtocolError``).

        Args:
            operation: Operation name (e.g. ``getProducts``).
            body: The request wrapper's children by WSDL element name.
            reader: Reads the response element.
            retry: Retry transport errors and Server faults with backoff.

        Returns:
            What `reader` returns.
        """
        return cast(T, self._call(operation, body, reader, retry))

    def _call(
        self,
        operation: str,
        body: Mapping[str, Any] | None,
        reader: Callable[[Any], Any] | None,
        retry: bool,
    ) -> Any:
        payload = build_request(operation, body)
        if not retry or self.retry_attempts == 1:
            return self._once(operation, payload, reader)
        retrying = Retrying(
            stop=stop_after_attempt(self.retry_attempts),
            wait=wait_exponential(multiplier=self.retry_wait_initial, max=self.retry_wait_max)
            + wait_random(0, self.retry_wait_initial),
            retry=retry_if_exception(lambda exc: isinstance(exc, MplusError) and exc.retryable),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(self._once, operation, payload, reader)

    def _log_retry(self, state: Any) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.warning(
            "mplus retry %s after attempt %d: %s",
            getattr(exc, "operation", "?"),
            state.attempt_number,
            scrub(str(exc), self._secrets()),
        )

    def _once(self, operation: str, payload: bytes, reader: Callable[[Any], Any] | None) -> Any:
        request_id = f"mkmw-{uuid.uuid4().hex}"
        context: dict[str, Any] = {"operation": operation, "request_id": request_id}
        if self.throttle is not None:
            self.throttle()
        with self.stats.measure(operation):
            try:
                response = self._http.post(
                    self.url,
                    params={"ident": self.ident, "secret": self._secret.get_secret_value()},
                    content=payload,
                    headers={"SOAPAction": operation, "X-Request-Id": request_id},
                )
            except httpx.TimeoutException as exc:
                raise MplusTransportError(
                    f"timeout: {scrub(str(exc) or type(exc).__name__, self._secrets())}", **context
                ) from None
            except httpx.HTTPError as exc:
                raise MplusTransportError(
                    f"{type(exc).__name__}: {scrub(str(exc), self._secrets())}", **context
                ) from None
            logger.debug(
                "mplus %s -> HTTP %s (%d bytes) [%s]",
                operation,
                response.status_code,
                len(response.content),
                request_id,
            )
            content = response.content
            is_xml = content.lstrip()[:1] == b"<"
            if response.status_code == 200 or (response.status_code == 500 and is_xml):
                try:
                    if reader is None:
                        return parse_response(content, operation, request_id=request_id)
                    return read_response(content, operation, reader, request_id=request_id)
                except MplusProtocolError:
                    if response.status_code != 200:
                        raise MplusTransportError(
                            f"HTTP {response.status_code} without a SOAP fault",
                            status_code=response.status_code,
                            **context,
                        ) from None
                    raise
            error = MplusTransportError(
                f"HTTP {response.status_code}", status_code=response.status_code, **context
            )
            error.retryable = response.status_code in _RETRYABLE_STATUS
            raise error

    def _checked(
        self, operation: str, raw: dict[str, Any], *, message_key: str = "errorMessage"
    ) -> dict[str, Any]:
        result = raw.get("result", "")
        if result != _OK[operation]:
            raise MplusBusinessError(result, raw.get(message_key) or "", operation=operation)
        return raw
