"""Declarative field maps: which source field fills which target field, through which transforms.

A :class:`FieldMap` is plain data (it lives in the flow settings; the Prefect form shows each
rule as a row with the transforms and policies to choose from). Applying it to a source record
gives a flat ``{target path: value}`` mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from mkmw_flows.mapping.transforms import (
    BUILTIN_TRANSFORMS,
    TransformError,
    apply_transform,
    get_transform,
)

UpdatePolicy = Literal["always", "create_only", "if_unchanged"]
UPDATE_POLICIES: tuple[str, ...] = get_args(UpdatePolicy)
#: A function of your own, by import path.
IMPORT_PATH_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_]*$"


def _known_transform(name: str) -> str:
    get_transform(name)  # raises TransformError (a ValueError) naming the known ones
    return name


#: A transform name: a built-in (an ``enum`` in the schema, so forms offer them), a name
#: registered in code with :func:`register_transform`, or ``module:function``.
TransformName = Annotated[
    str,
    AfterValidator(_known_transform),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "title": "built-in", "enum": list(BUILTIN_TRANSFORMS)},
                {
                    "type": "string",
                    "title": "your function (module:function)",
                    "pattern": IMPORT_PATH_PATTERN,
                },
            ]
        }
    ),
]


class TransformStep(BaseModel):
    """One transform with its arguments."""

    model_config = ConfigDict(extra="forbid", title="Transform")

    name: TransformName = Field(
        description=(
            "A built-in transform (" + ", ".join(BUILTIN_TRANSFORMS) + ") or module:function."
        )
    )
    args: dict[str, Any] = Field(
        default_factory=dict,
        description='Keyword arguments, e.g. {"length": 70} for truncate (docs/datamapper.md).',
    )


class FieldRule(BaseModel):
    """How one target field is filled.

    Exactly one of ``source`` (a field of the source record, dotted for nested values) and
    ``value`` (a fixed value) is given; ``transforms`` run in order on the result.
    """

    model_config = ConfigDict(extra="forbid", title="Field rule")

    target: str = Field(
        min_length=1,
        pattern=r"^[^.\s].*$",
        description="Dotted path of the target field, e.g. price.default.",
    )
    source: str | None = Field(
        default=None,
        description="Dotted path in the source record (leave empty when you give a value).",
    )
    value: Any = Field(default=None, description="A fixed value instead of a source field.")
    transforms: list[TransformStep] = Field(
        default_factory=list, description="Transforms run in order on the value."
    )
    policy: UpdatePolicy = Field(
        default="always",
        description=(
            "always: keep the target equal to the source; create_only: set on create, never "
            "overwrite; if_unchanged: update only while the target still holds what we wrote."
        ),
    )

    @model_validator(mode="after")
    def _source_or_value(self) -> FieldRule:
        if self.source in (None, "") and self.value is None:
            raise ValueError(f"field {self.target!r}: give a source or a value")
        if self.source == "":
            self.source = None
        return self

    def describe(self) -> str:
        """The rule in one line: ``price.default <- price | price_rule(multiply=1.05) [always]``."""
        origin = self.source if self.source is not None else f"value {self.value!r}"
        steps = ""
        for step in self.transforms:
            args = ", ".join(f"{k}={v!r}" for k, v in step.args.items())
            steps += f" | {step.name}" + (f"({args})" if args else "")
        return f"{self.target} <- {origin}{steps} [{self.policy}]"


class FieldMap(BaseModel):
    """An ordered list of field rules; a later rule for the same target replaces an earlier one."""

    model_config = ConfigDict(extra="forbid", title="Field map")

    fields: list[FieldRule] = Field(
        default_factory=list,
        description="The rules; a later rule for the same target replaces an earlier one.",
    )

    def rules(self) -> dict[str, FieldRule]:
        """The effective rule per target."""
        return {rule.target: rule for rule in self.fields}

    def summary(self) -> str:
        """Every rule in one line each, joined by "; " (for form descriptions)."""
        return "; ".join(rule.describe() for rule in self.fields)

    def merged(self, overrides: FieldMap | None) -> FieldMap:
        """This map with the user's rules laid over it (same target: the user's rule wins)."""
        if overrides is None or not overrides.fields:
            return self
        combined = self.rules()
        combined.update(overrides.rules())
        return FieldMap(fields=list(combined.values()))

    def apply(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Map one source record to ``{target path: value}``.

        Raises:
            TransformError: When a transform rejects its input; the message names the field.
        """
        result: dict[str, Any] = {}
        for rule in self.rules().values():
            value = get_path(record, rule.source) if rule.source is not None else rule.value
            for step in rule.transforms:
                try:
                    value = apply_transform(step.name, value, step.args, record)
                except TransformError as exc:
                    raise TransformError(f"field {rule.target!r}: {exc}") from None
            result[rule.target] = value
        return result


def get_path(record: Mapping[str, Any], path: str) -> Any:
    """Read a dotted path from nested mappings (None when any part is missing)."""
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Turn ``{"price.default": x}`` into ``{"price": {"default": x}}``."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested
