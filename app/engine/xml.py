"""Reading uploaded XML without letting it reach the network, the disk, or unbounded memory."""
from __future__ import annotations

from lxml import etree

from .errors import InvalidDiagram, Problem

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
MAX_NESTING = 64

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


def hardened_parser() -> etree.XMLParser:
    """lxml's parser with everything dangerous off."""
    # Explicit, not lxml's defaults: no entity expansion, no DTD loading, no network, no huge trees.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse(data: bytes) -> etree._Element:
    """Parse an uploaded diagram, refusing DTDs, entities, oversize and over-deep documents."""
    if len(data) > MAX_DIAGRAM_BYTES:
        raise InvalidDiagram([Problem(None, f"the file is larger than {MAX_DIAGRAM_BYTES // 1024} KB")])
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise InvalidDiagram([Problem(None, "DOCTYPE and entity declarations are not allowed in a diagram")])
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidDiagram([Problem(None, f"not well-formed XML: {exc}")]) from None
    if root.getroottree().docinfo.doctype:
        raise InvalidDiagram([Problem(None, "DOCTYPE and entity declarations are not allowed in a diagram")])
    _check_depth(root)
    if any(isinstance(e.tag, str) and etree.QName(e).namespace == XINCLUDE_NS for e in root.iter()):
        raise InvalidDiagram([Problem(None, "XInclude is not allowed in a diagram")])
    if etree.QName(root).namespace != BPMN_NS or etree.QName(root).localname != "definitions":
        raise InvalidDiagram([Problem(None, "the document is not BPMN 2.0 (bpmn:definitions expected)")])
    return root


def find_process(root: etree._Element, key: str | None) -> etree._Element | None:
    """The diagram's process with the id `key`, or else its only executable process; None when neither is
    found (the compiler and the importers each say why in their own words)."""
    processes = root.xpath("bpmn:process", namespaces=NS)
    for process in processes:
        if key is not None and process.get("id") == key:
            return process
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    return executable[0] if len(executable) == 1 else None


def _check_depth(root: etree._Element) -> None:
    for element in root.iter():
        depth = sum(1 for _ in element.iterancestors())
        if depth > MAX_NESTING:
            raise InvalidDiagram([Problem(element.get("id"), f"elements nested deeper than {MAX_NESTING}")])
