"""Errors of the MijnWebwinkel emulator's backend; the wire layer maps ``status`` onto HTTP."""

from __future__ import annotations

from collections.abc import Sequence


class BackendError(Exception):
    """Base of the backend's errors."""

    status = 400

    def __init__(self, detail: str, errors: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)


class NotFound(BackendError):
    """The id does not exist (404)."""

    status = 404


class Invalid(BackendError):
    """The request breaks a rule of the shop (422)."""

    status = 422


class Forbidden(BackendError):
    """The partner lacks special access for this option (403)."""

    status = 403
