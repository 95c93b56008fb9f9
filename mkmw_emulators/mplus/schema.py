"""The emulator's own knowledge of the MplusQapi schema, compiled from the vendor WSDL.

The WSDL (``contracts/mplus/mplusqapi.wsdl``, 1.2 MB, 374 operations) embeds one XSD. It is read
once per process with lxml and compiled into plain tables held in memory:

* every complex type (named, or ``@element`` for a top-level element's anonymous type): its
  elements in ``xsd:sequence`` order, a base type's elements first for an ``extension``, each
  with its kind, type, minOccurs, maxOccurs, nillable and, for the enumerated string types,
  the allowed values;
* every top-level element and its type;
* per operation (``portType``) the request and the response element, from the messages.

The vendor's schema uses only ``sequence``, ``complexContent/extension`` and string
enumerations; anything else is refused at compile time so a new WSDL cannot be half-understood.
This module shares nothing with the product's client: the emulator must not inherit its faults.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from mkmw_emulators.core.contracts import mplus_wsdl_path

NS = "urn:mplusqapi"
#: The prefix gSOAP binds to ``urn:mplusqapi`` in its answers.
PREFIX = "ns"
_XSD = "{http://www.w3.org/2001/XMLSchema}"
_WSDL = "{http://schemas.xmlsoap.org/wsdl/}"


class Kind(enum.Enum):
    """How a value of an element is written and read."""

    STRING = "string"
    BASE64 = "base64"  # SOAP-ENC:base64: text, written like a string
    ENUM = "enum"  # a string restricted to listed values
    INT = "int"
    BOOL = "bool"
    DECIMAL = "decimal"
    DATETIME = "dateTime"
    DATE = "date"
    COMPLEX = "complex"


#: Inclusive ranges of the XSD integer types the WSDL uses.
INT_RANGES: dict[str, tuple[int, int]] = {
    "xsd:int": (-(2**31), 2**31 - 1),
    "xsd:long": (-(2**63), 2**63 - 1),
    "xsd:short": (-(2**15), 2**15 - 1),
    "xsd:unsignedByte": (0, 255),
    "xsd:unsignedShort": (0, 2**16 - 1),
    "xsd:unsignedInt": (0, 2**32 - 1),
    "xsd:unsignedLong": (0, 2**64 - 1),
}
_BUILTIN: dict[str, Kind] = {
    "xsd:string": Kind.STRING,
    "xsd:boolean": Kind.BOOL,
    "xsd:decimal": Kind.DECIMAL,
    "xsd:dateTime": Kind.DATETIME,
    "xsd:date": Kind.DATE,
    "SOAP-ENC:base64": Kind.BASE64,
    **dict.fromkeys(INT_RANGES, Kind.INT),
}


class SchemaError(ValueError):
    """The WSDL uses a construct this compiler does not understand."""


@dataclass(frozen=True, slots=True)
class Particle:
    """One element of a complex type's sequence.

    Attributes:
        name: Element name (in ``urn:mplusqapi``).
        type: ``xsd:…``/``SOAP-ENC:base64``, a simple type name, or a complex type key.
        kind: How its value is written and read.
        min_occurs: minOccurs.
        max_occurs: maxOccurs; None for unbounded.
        nillable: Whether ``xsi:nil`` is allowed (the vendor WSDL declares none).
        values: The allowed values of an enumerated string type.
        position: Index in the sequence.
        repeated: maxOccurs is not 1.
        low: Lowest value of an integer type (0 otherwise).
        high: Highest value of an integer type (0 otherwise).
        start: The start tag as the emulator writes it (``<ns:name>``).
        end: The end tag (``</ns:name>``).
    """

    name: str
    type: str
    kind: Kind
    min_occurs: int
    max_occurs: int | None
    nillable: bool
    values: frozenset[str] | None
    position: int
    repeated: bool
    low: int
    high: int
    start: str
    end: str

    @property
    def required(self) -> bool:
        return self.min_occurs > 0

    @property
    def required_string(self) -> bool:
        """A present-and-text element a generated client maps to a non-nullable string."""
        return self.kind is Kind.STRING and self.required and not self.nillable


@dataclass(frozen=True, slots=True)
class ComplexType:
    """A complex type: its sequence, by position and by name."""

    key: str
    particles: tuple[Particle, ...]
    by_name: dict[str, Particle] = field(repr=False)
    required: tuple[Particle, ...] = field(repr=False)


@dataclass(frozen=True)
class Schema:
    """The compiled schema.

    Attributes:
        types: Complex types by key (``Name`` or ``@element`` for an anonymous element type).
        elements: Top-level element name -> type key (or ``xsd:`` type).
        operations: Operation -> (request element, response element).
        enums: Enumerated string type -> allowed values.
    """

    types: dict[str, ComplexType]
    elements: dict[str, str]
    operations: dict[str, tuple[str, str]]
    enums: dict[str, frozenset[str]]

    def request_element(self, operation: str) -> str:
        return self.operations[operation][0]

    def response_element(self, operation: str) -> str:
        """The element the answer of `operation` is written under, exactly as the WSDL names it."""
        return self.operations[operation][1]

    def element_type(self, element: str) -> ComplexType:
        return self.types[self.elements[element]]

    def reachable(self, element: str) -> Iterator[ComplexType]:
        """Every complex type an element can contain (itself included), each once."""
        seen: set[str] = set()
        pending = [self.elements[element]]
        while pending:
            key = pending.pop()
            if key in seen:
                continue
            seen.add(key)
            ctype = self.types[key]
            yield ctype
            pending.extend(p.type for p in ctype.particles if p.kind is Kind.COMPLEX)


def _local(qname: str) -> str:
    return qname.split(":", 1)[1] if qname.startswith(("tns:", "ns:")) else qname


def _max(raw: str | None) -> int | None:
    if raw is None:
        return 1
    return None if raw == "unbounded" else int(raw)


def compile_wsdl(path: Path) -> Schema:
    """Read the WSDL at `path` and compile its schema and operations.

    Raises:
        SchemaError: On a schema construct outside sequence/extension/string enumeration.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    root: Any = etree.parse(str(path), parser).getroot()
    schema: Any = root.find(f"{_WSDL}types/{_XSD}schema")
    if schema is None:
        raise SchemaError("the WSDL embeds no xsd:schema")
    complex_nodes: dict[str, Any] = {}
    enums: dict[str, frozenset[str]] = {}
    element_nodes: dict[str, Any] = {}
    for node in schema:
        tag = node.tag
        if tag == f"{_XSD}complexType":
            complex_nodes[node.get("name")] = node
        elif tag == f"{_XSD}simpleType":
            restriction = node.find(f"{_XSD}restriction")
            if restriction is None or restriction.get("base") != "xsd:string":
                raise SchemaError(f"simpleType {node.get('name')}: only string enumerations")
            enums[node.get("name")] = frozenset(
                e.get("value") for e in restriction.iter(f"{_XSD}enumeration")
            )
        elif tag == f"{_XSD}element":
            element_nodes[node.get("name")] = node

    def kind_of(type_ref: str) -> tuple[str, Kind, frozenset[str] | None]:
        if type_ref in _BUILTIN:
            return type_ref, _BUILTIN[type_ref], None
        name = _local(type_ref)
        if name in enums:
            return name, Kind.ENUM, enums[name]
        if name in complex_nodes:
            return name, Kind.COMPLEX, None
        raise SchemaError(f"unknown type {type_ref}")

    def sequence_of(node: Any, where: str) -> list[Any]:
        elements: list[Any] = []
        content = node.find(f"{_XSD}complexContent")
        if content is not None:
            extension = content.find(f"{_XSD}extension")
            if extension is None:
                raise SchemaError(f"{where}: complexContent without extension")
            elements += sequence_of(complex_nodes[_local(extension.get("base"))], where)
            node = extension
        for child in node:
            if child.tag == f"{_XSD}sequence":
                for item in child:
                    if item.tag != f"{_XSD}element":
                        if isinstance(item.tag, str) and item.tag != f"{_XSD}annotation":
                            raise SchemaError(f"{where}: {item.tag} inside a sequence")
                        continue
                    if item.get("type") is None:
                        raise SchemaError(f"{where}.{item.get('name')}: nested anonymous type")
                    elements.append(item)
            elif isinstance(child.tag, str) and child.tag not in (
                f"{_XSD}annotation",
                f"{_XSD}complexContent",
            ):
                raise SchemaError(f"{where}: {child.tag} is not supported")
        return elements

    def compile_type(key: str, node: Any) -> ComplexType:
        particles = []
        for position, item in enumerate(sequence_of(node, key)):
            type_name, kind, values = kind_of(item.get("type"))
            name = item.get("name")
            max_occurs = _max(item.get("maxOccurs"))
            low, high = INT_RANGES.get(type_name, (0, 0))
            particles.append(
                Particle(
                    name=name,
                    type=type_name,
                    kind=kind,
                    min_occurs=int(item.get("minOccurs", "1")),
                    max_occurs=max_occurs,
                    nillable=item.get("nillable") in ("true", "1"),
                    values=values,
                    position=position,
                    repeated=max_occurs != 1,
                    low=low,
                    high=high,
                    start=f"<{PREFIX}:{name}>",
                    end=f"</{PREFIX}:{name}>",
                )
            )
        return ComplexType(
            key=key,
            particles=tuple(particles),
            by_name={p.name: p for p in particles},
            required=tuple(p for p in particles if p.required),
        )

    types = {name: compile_type(name, node) for name, node in complex_nodes.items()}
    elements: dict[str, str] = {}
    for name, node in element_nodes.items():
        if node.get("type"):
            elements[name] = kind_of(node.get("type"))[0]
        else:
            anonymous = node.find(f"{_XSD}complexType")
            if anonymous is None:
                raise SchemaError(f"element {name} has neither a type nor a complexType")
            types["@" + name] = compile_type("@" + name, anonymous)
            elements[name] = "@" + name
    message_element = {
        m.get("name"): _local(m.find(f"{_WSDL}part").get("element"))
        for m in root.iter(f"{_WSDL}message")
    }
    operations: dict[str, tuple[str, str]] = {}
    port_type = root.find(f"{_WSDL}portType")
    if port_type is None:
        raise SchemaError("the WSDL has no portType")
    for op in port_type.iter(f"{_WSDL}operation"):
        request = message_element[_local(op.find(f"{_WSDL}input").get("message"))]
        response = message_element[_local(op.find(f"{_WSDL}output").get("message"))]
        operations[op.get("name")] = (request, response)
    return Schema(types=types, elements=elements, operations=operations, enums=enums)


_lock = threading.Lock()
_compiled: Schema | None = None


def schema() -> Schema:
    """The schema of the vendor WSDL, compiled on first use and then kept for the process."""
    global _compiled
    if _compiled is None:
        with _lock:
            if _compiled is None:
                _compiled = compile_wsdl(mplus_wsdl_path())
    return _compiled
