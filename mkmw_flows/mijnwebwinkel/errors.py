"""Typed errors of the MijnWebwinkel client.

Every error text passes through :func:`mkmw_flows.clients_common.redact.scrub` before it is
stored, so a token that travels in the URL never reaches a log line or a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from mkmw_flows.clients_common.redact import scrub


@dataclass(frozen=True)
class FieldError:
    """One invalid field reported in a problem-details body.

    Attributes:
        field: The field path, e.g. ``orderlines[0].quantity``.
        message: What is wrong with it.
    """

    field: str
    message: str


@dataclass(frozen=True)
class ProblemDetails:
    """An RFC 7807 problem-details body (``ApiProblem`` in the vendor spec).

    Attributes:
        type: A URI naming the problem type.
        title: A short summary.
        detail: A human-readable explanation.
        status: The HTTP status code.
        errors: Field errors, when the server listed any.
        extra: Any other members of the body.
    """

    type: str | None = None
    title: str | None = None
    detail: str | None = None
    status: int | None = None
    errors: tuple[FieldError, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_body(cls, body: Any) -> ProblemDetails | None:
        """Parse a problem-details body, or return None when the body is not one.

        Args:
            body: The decoded JSON body of an error response.

        Returns:
            The parsed problem, or None.
        """
        if not isinstance(body, dict):
            return None
        known = {"type", "title", "detail", "status", "errors", "invalid-params", "violations"}
        if not known & set(body):
            # The legacy Error schema: {code, message, description}.
            if "message" in body or "code" in body:
                return cls(
                    title=_str(body.get("message")),
                    detail=_str(body.get("description")),
                    extra={k: v for k, v in body.items() if k not in {"message", "description"}},
                )
            return None
        raw_errors = (
            body.get("errors") or body.get("invalid-params") or body.get("violations") or []
        )
        errors: list[FieldError] = []
        if isinstance(raw_errors, dict):
            for name, messages in raw_errors.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    errors.append(FieldError(str(name), str(message)))
        elif isinstance(raw_errors, list):
            for item in raw_errors:
                if isinstance(item, dict):
                    name = item.get("field") or item.get("name") or item.get("propertyPath") or ""
                    message = item.get("message") or item.get("reason") or item.get("title") or ""
                    errors.append(FieldError(str(name), str(message)))
        status = body.get("status")
        return cls(
            type=_str(body.get("type")),
            title=_str(body.get("title")),
            detail=_str(body.get("detail")),
            status=status if isinstance(status, int) else None,
            errors=tuple(errors),
            extra={k: v for k, v in body.items() if k not in known},
        )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


class MijnWebwinkelError(Exception):
    """Base class of every error the MijnWebwinkel client raises.

    Args:
        message: What went wrong (scrubbed of secrets).
        status_code: The HTTP status, when there was a response.
        operation: The endpoint, e.g. ``GET /v1/articles``.
        problem: The problem-details body, when the server sent one.
        secrets: Secret values to mask in the message.
    """

    #: Whether trying again later can succeed.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        operation: str | None = None,
        problem: ProblemDetails | None = None,
        secrets: Iterable[str | SecretStr | None] = (),
    ) -> None:
        self.secrets = tuple(secrets)
        self.message = scrub(message, self.secrets)
        self.status_code = status_code
        self.operation = operation
        self.problem = problem
        super().__init__(self.message)

    def __str__(self) -> str:
        prefix = f"{self.operation}: " if self.operation else ""
        status = f" (HTTP {self.status_code})" if self.status_code else ""
        return scrub(f"{prefix}{self.message}{status}", self.secrets)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle without the secrets (Prefect may pickle task exceptions).
        return (_rebuild, (type(self), str(self), self.status_code, self.operation, self.problem))


def _rebuild(
    cls: type[MijnWebwinkelError],
    message: str,
    status_code: int | None,
    operation: str | None,
    problem: ProblemDetails | None,
) -> MijnWebwinkelError:
    error = cls.__new__(cls)
    MijnWebwinkelError.__init__(error, message, status_code=status_code, problem=problem)
    error.operation = None
    return error


class CredentialsError(MijnWebwinkelError):
    """401 or 403: a token is missing, wrong, expired, or not allowed for this endpoint."""


class NotFoundError(MijnWebwinkelError):
    """404: the article, order, category or list does not exist."""


class ValidationError(MijnWebwinkelError):
    """422 (or 400): the server rejected the payload; see ``problem`` and ``field_errors``."""

    @property
    def field_errors(self) -> tuple[FieldError, ...]:
        """The field errors the server listed (empty when none)."""
        return self.problem.errors if self.problem else ()


class RateLimitedError(MijnWebwinkelError):
    """429: the per-store or per-partner rate limit is exceeded.

    Attributes:
        retry_after: Seconds the server asked us to wait, when it said so.
    """

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(MijnWebwinkelError):
    """5xx: the shop failed; a read can be retried, a write must be looked up first."""

    retryable = True


class TransportError(MijnWebwinkelError):
    """No usable answer: connection refused or dropped, timeout, or a body that is not JSON.

    Attributes:
        ambiguous: True when the request may have reached the server (a write may have happened).
    """

    retryable = True

    def __init__(self, message: str, *, ambiguous: bool = True, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.ambiguous = ambiguous


def error_for_status(
    status_code: int,
    message: str,
    *,
    operation: str,
    problem: ProblemDetails | None,
    retry_after: float | None,
    secrets: Iterable[str | SecretStr | None],
) -> MijnWebwinkelError:
    """Build the typed error for an HTTP error status.

    Args:
        status_code: The HTTP status (>= 400).
        message: The message to carry (scrubbed by the error).
        operation: The endpoint, e.g. ``GET /v1/articles``.
        problem: Parsed problem details, if any.
        retry_after: Parsed Retry-After seconds, if any.
        secrets: Secret values to mask.

    Returns:
        The matching :class:`MijnWebwinkelError` subclass instance.
    """
    common: dict[str, Any] = {
        "status_code": status_code,
        "operation": operation,
        "problem": problem,
        "secrets": secrets,
    }
    if status_code in (401, 403):
        return CredentialsError(message, **common)
    if status_code == 404:
        return NotFoundError(message, **common)
    if status_code in (400, 409, 422):
        return ValidationError(message, **common)
    if status_code == 429:
        return RateLimitedError(message, retry_after=retry_after, **common)
    if status_code >= 500:
        return ServerError(message, **common)
    return MijnWebwinkelError(message, **common)
