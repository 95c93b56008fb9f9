"""Blocks as code: read a YAML file of integrations and save them as Prefect block documents.

Secrets are never written in the file: a value ``${NAME}`` (or ``${NAME:-default}``) is taken
from the environment. Every integration in the file is validated before anything is saved,
so a missing variable or a wrong field leaves the server untouched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

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


class BlockFileError(ValueError):
    """A blocks file that cannot be applied; nothing was saved."""


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


def apply_file(path: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """Create or update the block documents a blocks file describes.

    Each part is saved under the integration's name in its own block type (so it can be
    edited in the Prefect UI), then the Integration block that references them.

    Args:
        path: The YAML file.
        environ: Environment for ``${NAME}`` values (default: os.environ).

    Returns:
        The names of the integrations saved.
    """
    planned = plan_file(path, environ)
    for item in planned:
        for part in PARTS:
            getattr(item.integration, part).save(item.name, overwrite=True)
        item.integration.save(item.name, overwrite=True)
    return [item.name for item in planned]
