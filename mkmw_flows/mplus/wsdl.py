"""Compile the vendor WSDL's embedded XSD into the compact type table the client runs on.

The WSDL (1.2 MB, 374 operations) is not shipped in the package. ``python -m
mkmw_flows.mplus.wsdl`` reads it from the repository's ``contracts/`` folder and writes
``mkmw_flows/mplus/_schema_table.py``: for every complex type reachable from the operations
this project uses, its elements in ``xsd:sequence`` order (base type first for extensions)
with type, minOccurs and maxOccurs; and per operation its request and response element.
A conformance test regenerates the table in memory and compares it with the committed one.
"""

from __future__ import annotations

import pprint
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lxml import etree

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
_X = f"{{{XSD_NS}}}"
_W = f"{{{WSDL_NS}}}"

#: The operations the client implements (and the emulator serves).
OPERATIONS: tuple[str, ...] = (
    "getApiVersion",
    "getCurrentSyncMarkers",
    "getProducts",
    "createProduct",
    "updateProduct",
    "getArticleGroups",
    "getArticleGroupChanges",
    "getStock",
    "getStockHistoryV2",
    "updateStock",
    "getRelations",
    "getRelation",
    "findRelationV2",
    "createRelation",
    "updateRelation",
    "getOrders",
    "getOrder",
    "findOrder",
    "getOrdersByExtOrderIds",
    "createOrderV3",
    "payOrderV2",
    "cancelOrder",
    "getInvoices",
    "saveInvoice",
    "getVatGroupList",
    "getTurnoverGroups",
    "getPaymentMethods",
    "getDeliveryMethods",
    "getBranches",
    "getEmployees",
)

#: Field = (element name, type, minOccurs, maxOccurs with -1 for unbounded).
Field = tuple[str, str, int, int]


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


def _strip(qname: str) -> str:
    return qname.split(":", 1)[1] if qname.startswith("tns:") else qname


class WsdlSchema:
    """The WSDL's embedded schema, indexed for type lookups.

    Args:
        path: Path of mplusqapi.wsdl.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = etree.parse(str(path), _parser())
        root = self.tree.getroot()
        schema = root.find(f"{_W}types/{_X}schema")
        if schema is None:
            raise ValueError("no embedded xsd:schema in the WSDL")
        self.schema = schema
        self.complex: dict[str, Any] = {}
        self.simple: dict[str, str] = {}
        self.elements: dict[str, Any] = {}
        for child in schema:
            if not isinstance(child.tag, str):
                continue
            name = str(child.get("name"))
            if child.tag == f"{_X}complexType":
                self.complex[name] = child
            elif child.tag == f"{_X}simpleType":
                restriction = child.find(f"{_X}restriction")
                self.simple[name] = (
                    str(restriction.get("base")) if restriction is not None else "xsd:string"
                )
            elif child.tag == f"{_X}element":
                self.elements[name] = child
        self.operations = self._operations(root)

    def _operations(self, root: Any) -> dict[str, tuple[str, str]]:
        messages = {
            m.get("name"): _strip(m.find(f"{_W}part").get("element"))
            for m in root.iter(f"{_W}message")
        }
        ops: dict[str, tuple[str, str]] = {}
        port_type = root.find(f"{_W}portType")
        for op in port_type.iter(f"{_W}operation"):
            inp = _strip(op.find(f"{_W}input").get("message"))
            out = _strip(op.find(f"{_W}output").get("message"))
            ops[op.get("name")] = (messages[inp], messages[out])
        return ops

    def _resolve(self, type_ref: str) -> str:
        name = _strip(type_ref)
        if name in self.simple:
            return self.simple[name]
        if type_ref == "SOAP-ENC:base64":
            return "xsd:base64Binary"
        return name

    def fields_of(self, node: Any) -> list[Field]:
        """Return the fields of a complexType node, base type's fields first."""
        fields: list[Field] = []
        content = node.find(f"{_X}complexContent")
        if content is not None:
            ext = content.find(f"{_X}extension")
            fields += self.fields_of(self.complex[_strip(ext.get("base"))])
            node = ext
        seq = node.find(f"{_X}sequence")
        if seq is None:
            return fields
        for el in seq.findall(f"{_X}element"):
            if el.get("type") is None:
                raise ValueError(f"anonymous nested type at {el.get('name')} is not supported")
            max_occurs = el.get("maxOccurs", "1")
            fields.append(
                (
                    el.get("name"),
                    self._resolve(el.get("type")),
                    int(el.get("minOccurs", "1")),
                    -1 if max_occurs == "unbounded" else int(max_occurs),
                )
            )
        return fields

    def element_type(self, element: str) -> str:
        """Return the type name of a top-level element (``@element`` for an anonymous type)."""
        node = self.elements[element]
        if node.get("type"):
            return self._resolve(node.get("type"))
        return "@" + element

    def type_fields(self, type_name: str) -> list[Field]:
        """Return the fields of a named (or ``@element`` anonymous) complex type."""
        if type_name.startswith("@"):
            return self.fields_of(self.elements[type_name[1:]].find(f"{_X}complexType"))
        return self.fields_of(self.complex[type_name])

    def table(self, operations: Iterable[str] = OPERATIONS) -> dict[str, Any]:
        """Build the type table reachable from `operations`."""
        ops = {op: self.operations[op] for op in operations}
        elements: dict[str, str] = {}
        types: dict[str, tuple[Field, ...]] = {}
        pending: list[str] = []
        for req, resp in ops.values():
            for el in (req, resp):
                elements[el] = self.element_type(el)
                pending.append(elements[el])
        while pending:
            name = pending.pop()
            if name in types or name.startswith("xsd:"):
                continue
            fields = tuple(self.type_fields(name))
            types[name] = fields
            pending.extend(f[1] for f in fields if not f[1].startswith("xsd:"))
        return {
            "OPERATIONS": ops,
            "ELEMENTS": dict(sorted(elements.items())),
            "TYPES": dict(sorted(types.items())),
        }

    def xsd_document(self) -> bytes:
        """The embedded schema as a standalone XSD (``SOAP-ENC:base64`` read as base64Binary)."""
        schema = etree.fromstring(etree.tostring(self.schema), _parser())
        for imp in schema.findall(f"{_X}import"):
            schema.remove(imp)
        for el in schema.iter(f"{_X}element"):
            if el.get("type") == "SOAP-ENC:base64":
                el.set("type", "xsd:base64Binary")
        return bytes(etree.tostring(schema))


def render_table(table: dict[str, Any]) -> str:
    """Render the type table as the source of ``_schema_table.py``."""
    lines = [
        '"""Generated by ``python -m mkmw_flows.mplus.wsdl`` from the vendor WSDL. Do not edit."""',
        "",
        "# ruff: noqa: E501",
        "from typing import Any",
        "",
    ]
    for key in ("OPERATIONS", "ELEMENTS", "TYPES"):
        lines.append(f"{key}: dict[str, Any] = {pprint.pformat(table[key], width=120)}")
        lines.append("")
    return "\n".join(lines)


TABLE_PATH = Path(__file__).with_name("_schema_table.py")


def main(argv: list[str] | None = None) -> int:
    """Regenerate ``_schema_table.py`` from the vendor WSDL (default: the checkout's contracts/)."""
    args = argv if argv is not None else sys.argv[1:]
    default = Path(__file__).resolve().parents[2] / "contracts" / "mplus" / "mplusqapi.wsdl"
    path = Path(args[0]) if args else default
    TABLE_PATH.write_text(render_table(WsdlSchema(path).table()), encoding="utf-8")
    print(f"wrote {TABLE_PATH}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
