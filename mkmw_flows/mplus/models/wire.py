"""The wire mapping every MplusKASSA record shares: field metadata, ``from_wire``/``to_wire``.

Field names are snake_case; each maps onto a WSDL element (camelCase by default, or an
explicit dotted path such as ``data.price`` for an order line's nested ``LineData``).
Money is ``Decimal`` euros (cents on the wire), quantities ``Decimal`` (long +
decimalPlaces on the wire), dates ``date``/aware ``datetime`` (SoapMplusDate/DateTime).
Repeated elements are always lists; omitted optionals stay None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict

from mkmw_flows.mplus.money import (
    cents_to_decimal,
    decimal_to_cents,
    quantity_from_wire,
    quantity_to_wire,
)
from mkmw_flows.mplus.times import (
    date_to_mplus_date,
    datetime_to_mplus_datetime,
    mplus_date_to_date,
    mplus_datetime_to_datetime,
)


@dataclass(frozen=True)
class W:
    """How a model field maps onto the wire.

    Attributes:
        wire: Dotted path of the WSDL element(s); default: the field name in camelCase.
        kind: plain | cents | qty | date | datetime | model | models | wrapped.
        places: For ``qty``: dotted path of the decimalPlaces companion element.
        item: For ``wrapped``: the repeated item element inside the wrapper.
        model: For model kinds: the WireModel class name (resolved lazily, may self-refer).
    """

    wire: str | None = None
    kind: str = "plain"
    places: str | None = None
    item: str | None = None
    model: str | None = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _get(raw: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = raw
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
        if value is None:
            return None
    return value


def _put(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = out
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


#: Every record class by name, so a ``W(model=...)`` resolves lazily across modules.
_MODELS: dict[str, type[WireModel]] = {}

_PlanEntry = tuple[str, tuple[str, ...], str, tuple[str, ...] | None, str | None, str | None]


class WireModel(BaseModel):
    """Base of the records: ``from_wire`` (wire dict -> model) and ``to_wire`` (model -> dict)."""

    model_config = ConfigDict(extra="forbid", frozen=False)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _MODELS[cls.__name__] = cls

    @classmethod
    @cache
    def _wire_plan(cls) -> tuple[_PlanEntry, ...]:
        plan: list[_PlanEntry] = []
        for name, info in cls.model_fields.items():
            meta = next((m for m in info.metadata if isinstance(m, W)), W())
            wire = tuple((meta.wire or _camel(name)).split("."))
            places = tuple(meta.places.split(".")) if meta.places else None
            plan.append((name, wire, meta.kind, places, meta.item, meta.model))
        return tuple(plan)

    @classmethod
    @cache
    def _wire_keys(cls) -> tuple[dict[str, str], dict[str, tuple[_PlanEntry, ...]]]:
        plain: dict[str, str] = {}
        special: dict[str, list[_PlanEntry]] = {}
        for entry in cls._wire_plan():
            name, wire, kind = entry[0], entry[1], entry[2]
            if kind == "plain" and len(wire) == 1:
                plain[wire[0]] = name
            else:
                special.setdefault(wire[0], []).append(entry)
        return plain, {k: tuple(v) for k, v in special.items()}

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> Self:
        """Build the model from a decoded wire dict (WSDL element names)."""
        return cls.model_validate(cls.wire_values(raw))

    @classmethod
    def wire_values(cls, raw: dict[str, Any]) -> dict[str, Any]:
        """The field values (not yet validated) a decoded wire dict holds."""
        plain, special = cls._wire_keys()
        values: dict[str, Any] = {plain[k]: v for k, v in raw.items() if k in plain}
        for key in special.keys() & raw.keys():
            for name, wire, kind, places, item, model in special[key]:
                value = raw[key] if len(wire) == 1 else _get(raw, wire)
                if value is None:
                    continue
                if kind == "plain":
                    values[name] = value
                elif kind == "cents":
                    values[name] = cents_to_decimal(value)
                elif kind == "wrapped":
                    items = value.get(item, []) if isinstance(value, dict) else []
                    if model:
                        sub = _model(model)
                        values[name] = [sub.from_wire(v) for v in items]
                    else:
                        values[name] = list(items)
                elif kind == "datetime":
                    values[name] = mplus_datetime_to_datetime(value)
                elif kind == "qty":
                    values[name] = quantity_from_wire(value, _get(raw, places) if places else None)
                elif kind == "date":
                    values[name] = mplus_date_to_date(value)
                elif kind == "model":
                    values[name] = _model(model).from_wire(value)
                elif kind == "models":
                    sub = _model(model)
                    values[name] = [sub.from_wire(v) for v in value]
        return values

    def to_wire(self) -> dict[str, Any]:
        """Return the wire dict (WSDL element names), leaving out unset (None) fields."""
        out: dict[str, Any] = {}
        for name, wire, kind, places, item, _model_name in self._wire_plan():
            value = getattr(self, name)
            if value is None:
                continue
            if kind == "plain":
                _put(out, wire, value)
            elif kind == "cents":
                _put(out, wire, decimal_to_cents(value))
            elif kind == "qty":
                number, scale = quantity_to_wire(value)
                _put(out, wire, number)
                if places:
                    _put(out, places, scale)
            elif kind == "date":
                _put(out, wire, date_to_mplus_date(value))
            elif kind == "datetime":
                _put(out, wire, datetime_to_mplus_datetime(value))
            elif kind == "model":
                _put(out, wire, value.to_wire())
            elif kind == "models":
                _put(out, wire, [v.to_wire() for v in value])
            elif kind == "wrapped":
                items = [v.to_wire() if isinstance(v, WireModel) else v for v in value]
                _put(out, wire, {item: items})
        return out


def _model(name: str | None) -> type[WireModel]:
    return _MODELS[name or ""]


Cents = Annotated[Decimal | None, W(kind="cents")]
MDate = Annotated[date | None, W(kind="date")]
MDateTime = Annotated[datetime | None, W(kind="datetime")]


class YearNumber(WireModel):
    """A human number such as an order or invoice number: ``{year, number}``."""

    year: int
    number: int

    def __str__(self) -> str:
        return f"{self.year}-{self.number}"
