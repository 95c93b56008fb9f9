"""The datamapper: declarative field maps, a fixed transform registry, update policies."""

from mkmw_flows.mapping.changes import FieldChange, hashes_of, plan_changes, value_hash
from mkmw_flows.mapping.fieldmap import FieldMap, FieldRule, TransformStep, get_path, nest
from mkmw_flows.mapping.transforms import (
    TransformError,
    get_transform,
    known_transforms,
    register_transform,
)

__all__ = [
    "FieldChange",
    "FieldMap",
    "FieldRule",
    "TransformError",
    "TransformStep",
    "get_path",
    "get_transform",
    "hashes_of",
    "known_transforms",
    "nest",
    "plan_changes",
    "register_transform",
    "value_hash",
]
