"""Scrub secrets out of text before it reaches a log line, an exception or the ledger."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from pydantic import SecretStr

MASK = "***"

# Query parameters that carry credentials in either API's URLs.
_SECRET_PARAMS = re.compile(r"(?i)([?&](?:secret|token|partner_token|ident)=)[^&#\s'\"]*")


def scrub(text: str, secrets: Iterable[str | SecretStr | None] = ()) -> str:
    """Return `text` with credential query parameters and every given secret value masked.

    Args:
        text: Any text: a URL, a log message, an exception string.
        secrets: Secret values (plain or SecretStr) to mask wherever they appear.

    Returns:
        The text with secrets replaced by ``***``.
    """
    cleaned = _SECRET_PARAMS.sub(lambda m: m.group(1) + MASK, text)
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and len(value) >= 3:
            cleaned = cleaned.replace(value, MASK)
    return cleaned


class ScrubFilter(logging.Filter):
    """A logging filter that masks credential query parameters in every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_log_scrubbing(names: Iterable[str] = ("httpx", "httpcore", "urllib3")) -> None:
    """Attach :class:`ScrubFilter` to the HTTP libraries' loggers (once per logger).

    httpx logs every request URL at INFO, and both APIs carry credentials in the URL.
    """
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in target.filters):
            target.addFilter(ScrubFilter())


# Both clients import this module, so no request is ever logged before the filter is in place.
install_log_scrubbing()
