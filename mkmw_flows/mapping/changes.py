"""Decide which mapped fields to write, from the update policies and the last written hashes.

The binding of a record keeps a hash of every value we last wrote. With it:

* ``always`` fields are sent when the new value differs from what we last wrote (or, when the
  target's current value is known, from that value);
* ``create_only`` fields are sent only when the target record is created;
* ``if_unchanged`` fields are sent only while the target still holds what we last wrote; once
  somebody changed it there, their value is kept and a ``FIELD_CONFLICT`` is reported.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from mkmw_flows.mapping.fieldmap import FieldRule

ChangeAction = Literal["set", "conflict"]

_MISSING = object()


def value_hash(value: Any) -> str:
    """A stable short hash of a value (Decimal and numbers compared by value, not type)."""
    canonical = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | Decimal):
        return format(Decimal(value).normalize(), "f")
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    """One field that would be written (``set``) or is held back (``conflict``)."""

    target: str
    old: Any
    new: Any
    action: ChangeAction = "set"


def plan_changes(
    mapped: Mapping[str, Any],
    rules: Mapping[str, FieldRule],
    *,
    creating: bool,
    written_hashes: Mapping[str, str],
    current: Mapping[str, Any] | None = None,
) -> list[FieldChange]:
    """Compare mapped values with what the target holds and what we wrote last time.

    Args:
        mapped: ``{target path: new value}`` from :meth:`FieldMap.apply`.
        rules: The effective rules (for the policies).
        creating: True when the target record does not exist yet.
        written_hashes: Hashes of the values we last wrote, from the binding.
        current: The target's current values by path, when they were read (full runs).

    Returns:
        The changes, in the order of ``mapped``.
    """
    changes: list[FieldChange] = []
    for target, new in mapped.items():
        rule = rules.get(target)
        policy = rule.policy if rule else "always"
        old = current.get(target, _MISSING) if current is not None else _MISSING
        old_value = None if old is _MISSING else old
        if creating:
            changes.append(FieldChange(target, None, new))
            continue
        if policy == "create_only":
            continue
        new_hash = value_hash(new)
        last = written_hashes.get(target)
        they_changed = old is not _MISSING and last is not None and value_hash(old) != last
        if policy == "if_unchanged" and they_changed:
            if value_hash(old) != new_hash:
                changes.append(FieldChange(target, old_value, new, "conflict"))
            continue
        if old is not _MISSING:
            if value_hash(old) != new_hash:
                changes.append(FieldChange(target, old_value, new))
        elif last != new_hash:
            changes.append(FieldChange(target, old_value, new))
    return changes


def hashes_of(values: Mapping[str, Any]) -> dict[str, str]:
    """Hashes of written values, to store on the binding."""
    return {target: value_hash(value) for target, value in values.items()}
