"""Blocks as code: read a YAML file of integrations and save them as Prefect block documents.

Secrets are never written in the file: a value ``${NAME}`` (or ``${NAME:-default}``) is taken
from the environment. Every integration in the file is validated before anything is saved,
its name by Prefect's own rule for block document names included, so a missing variable, a
wrong field or a name Prefect refuses leaves the server untouched. When a save fails midway
(the server went away), what this run created is deleted and what it changed is restored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from prefect.types.names import BlockDocumentName
from pydantic import TypeAdapter, ValidationError

from mkmw_flows.blocks import (
    Integration,
    MijnWebwinkelCredentials,
    MplusKassaCredentials,
    OrderSyncSettings,
    ProductSyncSettings,
    StockSyncSettings,
)

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

#: Integration field -> the block type saved under the integration's name.
PARTS: dict[str, type[Any]] = {
    "mplus": MplusKassaCredentials,
    "mijnwebwinkel": MijnWebwinkelCredentials,
    "products": ProductSyncSettings,
    "stock": StockSyncSettings,
    "orders": OrderSyncSettings,
}


#: Prefect's validator of block document names (lowercase letters, digits and dashes).
_BLOCK_NAME: TypeAdapter[str] = TypeAdapter(BlockDocumentName)


class BlockFileError(ValueError):
    """A blocks file that cannot be applied; nothing was saved."""


def name_problem(name: str) -> str | None:
    """Why Prefect would refuse `name` as a block document name (None when it is fine)."""
    if not name:
        return "the name is empty"
    try:
        _BLOCK_NAME.validate_python(name)
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        return f"name {name!r} is refused by Prefect: {message}"
    return None


@dataclass
class PlannedIntegration:
    """One integration read from a blocks file, validated and ready to save."""

    name: str
    integration: Integration


def substitute(value: Any, environ: Mapping[str, str], missing: set[str]) -> Any:
    """Replace ``${NAME}`` placeholders in every string of a parsed YAML tree.

    Args:
        value: A parsed YAML value (dict, list, scalar).
        environ: Where variables are looked up.
        missing: Collects the names of variables that are not set and have no default.

    Returns:
        The tree with placeholders replaced.
    """
    if isinstance(value, dict):
        return {k: substitute(v, environ, missing) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, environ, missing) for v in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        missing.add(name)
        return ""

    return _VARIABLE.sub(replace, value)


def plan_file(path: Path, environ: Mapping[str, str] | None = None) -> list[PlannedIntegration]:
    """Read, substitute and validate a blocks file without saving anything.

    Args:
        path: The YAML file (see blocks/example.yaml).
        environ: Environment to take ``${NAME}`` values from (default: os.environ).

    Returns:
        The integrations in the file, validated.

    Raises:
        BlockFileError: With every missing variable or invalid field named; no secret values.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise BlockFileError(f"cannot read {path}: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("integrations"), dict):
        raise BlockFileError(f"{path}: expected a top-level 'integrations:' mapping")
    missing: set[str] = set()
    data = substitute(raw["integrations"], os.environ if environ is None else environ, missing)
    if missing:
        names = ", ".join(sorted(missing))
        raise BlockFileError(f"{path}: environment variables not set: {names}; nothing was saved")
    planned: list[PlannedIntegration] = []
    problems: list[str] = []
    for name, fields in data.items():
        refused = name_problem(str(name))
        if refused:
            problems.append(f"integration {name!r}: {refused} (e.g. {_suggest(str(name))!r})")
        if not isinstance(fields, dict):
            problems.append(f"integration {name!r}: expected a mapping")
            continue
        unknown = set(fields) - set(Integration.model_fields)
        if unknown:
            problems.append(f"integration {name!r}: unknown fields {sorted(unknown)}")
            continue
        try:
            planned.append(PlannedIntegration(name=str(name), integration=Integration(**fields)))
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                problems.append(f"integration {name!r}: {where}: {error['msg']}")
    if problems:
        raise BlockFileError(f"{path}: " + "; ".join(problems) + "; nothing was saved")
    return planned


def _suggest(name: str) -> str:
    """A name Prefect accepts, close to `name`."""
    text = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    return text or "default"


@dataclass
class _Saved:
    """One block document this run wrote, and what was there before (to roll back)."""

    label: str
    block_type: type[Any]
    document_id: Any
    previous: Any | None  # the Block as loaded before the save; None: this run created it


def _slug(block_type: type[Any]) -> str:
    return str(block_type.get_block_type_slug())


def _previous(block_type: type[Any], name: str) -> Any | None:
    """The block saved under `name` now (None when there is none).

    Raises:
        BlockFileError: When one exists but cannot be read back (so could not be restored).
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_block_document_by_name(name, _slug(block_type))
        except ObjectNotFound:
            return None
    try:
        return block_type.load(name)
    except (ValueError, ValidationError) as exc:
        raise BlockFileError(
            f"block {_slug(block_type)}/{name} exists but cannot be read ({type(exc).__name__}), "
            "so it could not be restored if applying failed; delete or fix it in the Prefect "
            "UI first; nothing was saved"
        ) from None


def _roll_back(saved: list[_Saved]) -> list[str]:
    """Undo this run's saves, newest first; returns what could not be undone."""
    from prefect.client.orchestration import get_client

    left: list[str] = []
    for item in reversed(saved):
        try:
            if item.previous is None:
                with get_client(sync_client=True) as client:
                    client.delete_block_document(item.document_id)
            else:
                item.previous.save(item.label.split("/", 1)[1], overwrite=True)
        except Exception:  # noqa: BLE001 - report every document that stays changed
            left.append(item.label)
    return left


def apply_file(path: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """Create or update the block documents a blocks file describes: all of them or none.

    Each part is saved under the integration's name in its own block type (so it can be
    edited in the Prefect UI), then the Integration block that references them. Every
    integration (fields and name) is validated before the first save; when a save fails,
    the documents this run created are deleted and those it changed are restored.

    Args:
        path: The YAML file.
        environ: Environment for ``${NAME}`` values (default: os.environ).

    Returns:
        The names of the integrations saved.

    Raises:
        BlockFileError: Nothing was saved (or, when the roll-back itself failed, the
            message names exactly the documents left changed).
    """
    planned = plan_file(path, environ)
    steps: list[tuple[str, Any]] = []
    for item in planned:
        steps += [(item.name, getattr(item.integration, part)) for part in PARTS]
        steps.append((item.name, item.integration))
    before = {(type(block), name): _previous(type(block), name) for name, block in steps}
    saved: list[_Saved] = []
    for name, block in steps:
        label = f"{_slug(type(block))}/{name}"
        try:
            document_id = block.save(name, overwrite=True)
        except Exception as exc:  # noqa: BLE001 - any failure: undo, then say what happened
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            left = _roll_back(saved)
            if left:
                raise BlockFileError(
                    f"{path}: saving block {label} failed ({reason}); these stay changed and "
                    f"could not be rolled back: {', '.join(left)}"
                ) from None
            raise BlockFileError(
                f"{path}: saving block {label} failed ({reason}); the {len(saved)} block(s) "
                "saved before it were rolled back, so nothing was saved"
            ) from None
        saved.append(_Saved(label, type(block), document_id, before[(type(block), name)]))
    return [item.name for item in planned]
