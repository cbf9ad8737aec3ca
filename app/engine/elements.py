"""What changed between two versions of a diagram, element by element, read from the XML.

Each element of a process (steps, events, gateways, flows, lanes, the process itself) is reduced to a
flat description: its type, name, lane, form, due period, other properties, conditions, scripts,
timers and so on. Two versions are compared by element id, so the editor can colour the elements that
were added, removed or changed, and a process owner can see what a migration would carry a case into.
Layout (the diagram's shapes and edges) is not part of the description.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from . import lint, xml
from .xml import NS

_FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
}
_TRACKED = _FLOW_NODES | {"process", "sequenceFlow", "lane", "dataObjectReference", "dataStoreReference"}
# Properties with a field of their own in the description.
_OWN_FIELDS = {lint.FORM_PROPERTY: "form", "dueWorkingDays": "due_working_days"}


@dataclass(frozen=True)
class Element:
    element_id: str
    type: str
    name: str | None
    fields: dict[str, str | None]

    def summary(self) -> dict[str, Any]:
        return {"element_id": self.element_id, "type": self.type, "name": self.name}


def _text(element: etree._Element, path: str) -> str | None:
    found = element.xpath(path, namespaces=NS)
    if not found:
        return None
    value = found[0] if isinstance(found[0], str) else (found[0].text or "")
    return str(value).strip() or None


def _subtree(element: etree._Element | None) -> str | None:
    """A stable text form of a small subtree (loop markers, event definitions), without ids."""
    if element is None:
        return None
    parts = []
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        attrs = " ".join(f"{etree.QName(k).localname}={v}" for k, v in sorted(node.attrib.items())
                         if etree.QName(k).localname != "id")
        text = (node.text or "").strip()
        parts.append(f"{etree.QName(node).localname}({attrs}){'=' + text if text else ''}")
    return "; ".join(parts)


def _event_kind(element: etree._Element) -> str | None:
    kinds = [etree.QName(c).localname.removesuffix("EventDefinition") for c in element
             if isinstance(c.tag, str) and etree.QName(c).localname.endswith("EventDefinition")]
    return ", ".join(kinds) or None


def _describe(element: etree._Element, lanes: dict[str, str]) -> Element:
    kind = etree.QName(element).localname
    ident = element.get("id")
    fields: dict[str, str | None] = {"name": element.get("name") or None}
    if kind in _FLOW_NODES:
        fields["lane"] = lanes.get(ident)
        fields["documentation"] = _text(element, "bpmn:documentation")
        fields["instructions"] = _text(element, "bpmn:extensionElements/spiffworkflow:instructionsForEndUser")
        fields["event"] = _event_kind(element)
    props = lint.spiff_properties(element)
    for name, field in _OWN_FIELDS.items():
        fields[field] = props.pop(name, None)
    for name, value in props.items():
        fields[f"property {name}"] = value
    if kind == "sequenceFlow":
        fields.update(source=element.get("sourceRef"), target=element.get("targetRef"),
                      condition=_text(element, "bpmn:conditionExpression"))
    if kind.endswith("Gateway"):
        fields["default"] = element.get("default")
    if kind == "scriptTask":
        fields["script"] = _text(element, "bpmn:script")
    fields["pre-script"] = _text(element, "bpmn:extensionElements/spiffworkflow:preScript")
    fields["post-script"] = _text(element, "bpmn:extensionElements/spiffworkflow:postScript")
    if kind == "callActivity":
        fields["called process"] = element.get("calledElement")
    if kind == "boundaryEvent":
        fields.update(attached_to=element.get("attachedToRef"), interrupting=element.get("cancelActivity", "true"))
    for definition in element.xpath("bpmn:timerEventDefinition|bpmn:messageEventDefinition|"
                                    "bpmn:signalEventDefinition|bpmn:errorEventDefinition|"
                                    "bpmn:escalationEventDefinition|bpmn:conditionalEventDefinition",
                                    namespaces=NS):
        fields[etree.QName(definition).localname.removesuffix("EventDefinition").lower()] = _subtree(definition)
    loop = element.xpath("bpmn:multiInstanceLoopCharacteristics|bpmn:standardLoopCharacteristics", namespaces=NS)
    fields["loop"] = _subtree(loop[0]) if loop else None
    if kind == "lane":
        refs = sorted((r.text or "").strip() for r in element.xpath("bpmn:flowNodeRef", namespaces=NS))
        fields["steps"] = ", ".join(r for r in refs if r) or None
    if kind == "process":
        fields["documentation"] = _text(element, "bpmn:documentation")
    return Element(element_id=ident, type=kind, name=element.get("name") or None,
                   fields={k: v for k, v in fields.items() if v is not None})


def describe(root: etree._Element) -> dict[str, Element]:
    """Every tracked element of the document by id, in document order."""
    lanes = lint.lanes_by_node(root)
    found: dict[str, Element] = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or etree.QName(element).namespace != NS["bpmn"]:
            continue
        if etree.QName(element).localname in _TRACKED and element.get("id"):
            found.setdefault(element.get("id"), _describe(element, lanes))
    return found


def diff(before: bytes, after: bytes) -> dict[str, list[dict[str, Any]]]:
    """Elements added, removed and changed (field by field) from the diagram `before` to `after`."""
    old, new = describe(xml.parse(before)), describe(xml.parse(after))
    added = [e.summary() for ident, e in new.items() if ident not in old]
    removed = [e.summary() for ident, e in old.items() if ident not in new]
    changed = []
    for ident, element in new.items():
        previous = old.get(ident)
        if previous is None:
            continue
        changes = [{"field": "type", "before": previous.type, "after": element.type}] \
            if previous.type != element.type else []
        for field in list(previous.fields) + [f for f in element.fields if f not in previous.fields]:
            if previous.fields.get(field) != element.fields.get(field):
                changes.append({"field": field, "before": previous.fields.get(field),
                                "after": element.fields.get(field)})
        if changes:
            changed.append({**element.summary(), "changes": changes})
    return {"added": added, "removed": removed, "changed": changed}
