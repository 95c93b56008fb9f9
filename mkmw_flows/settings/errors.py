"""Invalid stored settings in one plain message: each field path, the bad value, what is allowed.

Prefect's server does not validate a block document's nested data when it is saved, so a
document can hold a value the settings refuse (an old document, the API used directly). Such a
document fails when it is loaded; :func:`invalid_settings` turns that failure into one message a
shop owner can act on, used as the flow run's failure message and by ``mkmw check``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

#: Fields whose value is never repeated in a message.
SECRET_FIELDS = frozenset({"secret", "token", "partner_token"})
_QUOTED = re.compile(r"'([^']*)'")


class InvalidSettingsError(ValueError):
    """A stored Integration whose settings do not validate; the message names every field."""


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a path: ``products.field_map.fields[3].policy``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        elif "[" in part and part.endswith("]") and not part.startswith("["):
            continue  # a validator's own step, e.g. function-after[...]
        else:
            path += f".{part}" if path else part
    return path


def _allowed(error: ErrorDetails) -> str | None:
    ctx = error.get("ctx") or {}
    expected = ctx.get("expected")
    if error["type"] in ("literal_error", "enum") and isinstance(expected, str):
        return ", ".join(_QUOTED.findall(expected)) or expected
    return None


def _problem(error: ErrorDetails) -> str:
    path = field_path(error["loc"]) or "(the whole block)"
    value = error.get("input")
    message = error["msg"].removeprefix("Value error, ")
    allowed = _allowed(error)
    if path.rsplit(".", 1)[-1] in SECRET_FIELDS:
        return f"{path}: {message}"
    if isinstance(value, Mapping | list) or error["type"] == "missing":
        return f"{path}: {message}"
    if allowed:
        return f"{path} = {value!r} (allowed: {allowed})"
    return f"{path} = {value!r} ({message})"


def describe_invalid(
    name: str, error: ValidationError, parts: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """One message for every problem of a stored Integration.

    Args:
        name: The Integration block document's name.
        error: The validation failure of its data.
        parts: The documents the Integration links, by field (``products``): their block
            type's name and their document name. A problem inside one of them is fixed on
            that document's own page in the UI, not on the Integration's (whose form only
            picks the linked documents).

    Returns:
        ``Integration 'default' has invalid settings: <path> = <value> (allowed: ...); ...``
        followed by where to fix it.
    """
    errors = error.errors()
    problems = "; ".join(dict.fromkeys(_problem(e) for e in errors))
    places: dict[str, None] = {}
    for e in errors:
        top = str(e["loc"][0]) if e["loc"] else ""
        type_name, document = (parts or {}).get(top, ("mkmw Integration", name))
        places[f"Blocks → {type_name} → {document}"] = None
    where = "; ".join(places) or f"Blocks → mkmw Integration → {name}"
    return (
        f"Integration {name!r} has invalid settings: {problems}. Fix it in the Prefect UI "
        f"({where}) or with mkmw blocks apply."
    )


def validation_error_in(exc: BaseException) -> ValidationError | None:
    """The pydantic ValidationError in `exc`'s cause chain, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ValidationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def invalid_settings(
    name: str, exc: BaseException, parts: Mapping[str, tuple[str, str]] | None = None
) -> InvalidSettingsError | None:
    """The plain-language error for a failed load of Integration `name`, when validation failed.

    Args:
        name: The Integration block document's name.
        exc: What loading it raised.
        parts: The linked documents by field, as :func:`describe_invalid` takes them.
    """
    found = validation_error_in(exc)
    return InvalidSettingsError(describe_invalid(name, found, parts)) if found else None


__all__ = [
    "InvalidSettingsError",
    "describe_invalid",
    "field_path",
    "invalid_settings",
    "validation_error_in",
]
