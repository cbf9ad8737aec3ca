"""Bringing diagrams drawn elsewhere into PlanFlow's conventions.

Camunda Modeler writes who does a step as `camunda:candidateGroups`, its form as `camunda:formKey`, its
deadline as `camunda:dueDate`, conditions and timers in JUEL/plain ISO text. PlanFlow reads the lane
(the group), `spiffworkflow:properties` (formJsonSchemaFilename, dueWorkingDays) and Python expressions.
spiff-arena models already use SpiffWorkflow's conventions; their forms are renamed on import, so only
the references change.

Both conversions work on the hardened parse of `xml.py`, name the process after the PlanFlow key, and
report what they could not carry over as warnings tied to the element.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from . import lint, xml
from .errors import InvalidDiagram, Problem
from .xml import BPMN_NS, NS, SPIFF_NS

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
SAFE_FORM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,150}$")
_DAYS = re.compile(r"^P(?:(\d{1,3})W|(\d{1,4})D)$", re.IGNORECASE)
_JUEL = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_FORM_PREFIXES = ("embedded:app:", "embedded:deployment:", "embedded:", "camunda-forms:app:",
                  "camunda-forms:deployment:", "camunda-forms:", "app:", "deployment:")
# What precedes the flow elements of a process, in the order the BPMN schema wants them.
_BEFORE_FLOW_ELEMENTS = ("documentation", "extensionElements", "supportedInterfaceRef", "ioSpecification",
                         "ioBinding", "auditing", "monitoring", "property", "laneSet")


@dataclass
class Converted:
    """A diagram in PlanFlow's conventions, with what could not be carried over."""

    xml: bytes
    warnings: list[Problem] = field(default_factory=list)


def _q(name: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{name}"


def _with_spiff_namespace(root: etree._Element) -> etree._Element:
    """The same document with the spiffworkflow prefix declared on the root (lxml cannot add one in place)."""
    if root.nsmap.get("spiffworkflow") == SPIFF_NS:
        return root
    nsmap = {k: v for k, v in root.nsmap.items() if k != "spiffworkflow"}
    nsmap["spiffworkflow"] = SPIFF_NS
    new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    new_root.text = root.text
    for child in list(root):
        new_root.append(child)
    return etree.fromstring(etree.tostring(new_root), xml.hardened_parser())


def _main_process(root: etree._Element, key: str) -> etree._Element:
    found = xml.find_process(root, key)
    if found is not None:
        return found
    processes = root.xpath("bpmn:process", namespaces=NS)
    if len(processes) == 1:  # an imported model's only process, even one not marked executable
        return processes[0]
    raise InvalidDiagram([Problem(None, "the diagram must hold exactly one executable process "
                                        f"(or one with the id '{key}')")])


def _rename_process(root: etree._Element, process: etree._Element, key: str) -> None:
    """Give the main process the PlanFlow key as its id, so that calls and lookups by key find it."""
    old = process.get("id")
    if old == key:
        return
    if root.xpath("//*[@id=$key]", key=key):
        raise InvalidDiagram([Problem(key, f"the id '{key}' is already used by another element; "
                                           "it is needed for the process itself")])
    process.set("id", key)
    for participant in root.iter(_q("participant")):
        if participant.get("processRef") == old:
            participant.set("processRef", key)
    for call in root.iter(_q("callActivity")):
        if call.get("calledElement") == old:
            call.set("calledElement", key)
    for plane in root.iter(f"{{{BPMNDI_NS}}}BPMNPlane"):
        if plane.get("bpmnElement") == old:
            plane.set("bpmnElement", key)


def _extension_elements(element: etree._Element) -> etree._Element:
    found = element.find(_q("extensionElements"))
    if found is not None:
        return found
    created = etree.Element(_q("extensionElements"))
    documentation = element.findall(_q("documentation"))
    position = element.index(documentation[-1]) + 1 if documentation else 0
    element.insert(position, created)
    return created


def set_properties(element: etree._Element, values: Mapping[str, str]) -> None:
    """Set spiffworkflow properties on an element, replacing those of the same name."""
    extensions = _extension_elements(element)
    props = extensions.find(_q("properties", SPIFF_NS))
    if props is None:
        props = etree.SubElement(extensions, _q("properties", SPIFF_NS))
    for name, value in values.items():
        for existing in props.findall(_q("property", SPIFF_NS)):
            if existing.get("name") == name:
                props.remove(existing)
        etree.SubElement(props, _q("property", SPIFF_NS), name=name, value=value)


def _remove_property(element: etree._Element, name: str) -> None:
    for prop in element.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                              namespaces=NS):
        if prop.get("name") == name:
            prop.getparent().remove(prop)


def _form_name(form_key: str) -> str | None:
    value = form_key.strip()
    for prefix in _FORM_PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    value = value.replace("\\", "/").rsplit("/", 1)[-1]
    value = re.sub(r"\.(html?|form)$", "", value)
    if not value.endswith(".json"):
        value += ".json"
    return value if SAFE_FORM_NAME.match(value) and ".." not in value else None


def _working_days(due: str) -> int | None:
    found = _DAYS.match(due.strip())
    if not found:
        return None
    return int(found.group(1)) * 5 if found.group(1) else int(found.group(2))


def _lane_set(process: etree._Element) -> etree._Element:
    found = process.find(_q("laneSet"))
    if found is not None:
        return found
    lane_set = etree.Element(_q("laneSet"), id=f"LaneSet_{process.get('id')}")
    position = 0
    for index, child in enumerate(process):
        if isinstance(child.tag, str) and etree.QName(child).localname in _BEFORE_FLOW_ELEMENTS:
            position = index + 1
    process.insert(position, lane_set)
    return lane_set


def _put_in_lane(root: etree._Element, process: etree._Element, element_id: str, group: str) -> None:
    lane_set = _lane_set(process)
    lane = next((lane for lane in lane_set.findall(_q("lane")) if lane.get("name") == group), None)
    if lane is None:
        ident = f"Lane_{re.sub(r'[^A-Za-z0-9_]', '_', group)}"
        while root.xpath("//*[@id=$ident]", ident=ident):
            ident += "_"
        lane = etree.SubElement(lane_set, _q("lane"), id=ident, name=group)
    ref = etree.Element(_q("flowNodeRef"))
    ref.text = element_id
    child_lanes = lane.find(_q("childLaneSet"))
    if child_lanes is not None:
        child_lanes.addprevious(ref)
    else:
        lane.append(ref)


def _python_condition(text: str) -> str:
    """JUEL's common operators in Python: ${a == 'x' && !b} -> a == 'x' and not b."""
    inner = _JUEL.match(text)
    expression = inner.group(1) if inner else text
    expression = re.sub(r"&&|\band\b", " and ", expression)
    expression = re.sub(r"\|\||\bor\b", " or ", expression)
    expression = re.sub(r"!(?!=)", " not ", expression)
    expression = re.sub(r"\beq\b", "==", expression)
    expression = re.sub(r"\bne\b", "!=", expression)
    for juel, python in (("true", "True"), ("false", "False"), ("null", "None")):
        expression = re.sub(rf"\b{juel}\b", python, expression)
    return re.sub(r"\s+", " ", expression).strip()


def _python_timer(text: str) -> str:
    inner = _JUEL.match(text)
    if inner:
        return inner.group(1).strip()
    value = text.strip()
    if value[:1] in ("'", '"'):
        return value  # already a Python string
    return json.dumps(value)


def _convert_user_task(root, process, task: etree._Element, lanes: dict[str, str], warnings: list[Problem]) -> None:
    ident = task.get("id")
    props: dict[str, str] = {}
    groups = [g.strip() for g in (task.get(_q("candidateGroups", CAMUNDA_NS)) or "").split(",") if g.strip()]
    if len(groups) > 1:
        warnings.append(Problem(ident, f"candidate groups {', '.join(groups)}: the step goes to the first, "
                                       f"{groups[0]} (a PlanFlow step belongs to one group)"))
    if groups and ident not in lanes:
        _put_in_lane(root, process, ident, groups[0])
    elif groups and lanes[ident] != groups[0]:
        warnings.append(Problem(ident, f"the step is drawn in lane {lanes[ident]} but names candidate group "
                                       f"{groups[0]}; the lane is kept"))
    form_key = task.get(_q("formKey", CAMUNDA_NS)) or task.get(_q("formRef", CAMUNDA_NS))
    if form_key:
        name = _form_name(form_key)
        if name:
            props[lint.FORM_PROPERTY] = name
        else:
            warnings.append(Problem(ident, f"form key {form_key!r} is not a plain form file name; left out"))
    due = task.get(_q("dueDate", CAMUNDA_NS))
    if due:
        days = _working_days(due)
        if days is not None:
            props["dueWorkingDays"] = str(days)
        else:
            warnings.append(Problem(ident, f"due date {due!r} is not a period in days (P5D) or weeks (P1W); "
                                           "set the due period in the editor"))
    for attribute in ("assignee", "candidateUsers"):
        if task.get(_q(attribute, CAMUNDA_NS)):
            warnings.append(Problem(ident, f"camunda:{attribute} is not used: steps go to the lane's group, "
                                           "whose director assigns them"))
    if task.xpath("bpmn:extensionElements/camunda:formData", namespaces={**NS, "camunda": CAMUNDA_NS}):
        warnings.append(Problem(ident, "Camunda generated form fields are not converted; name a JSON Schema "
                                       "form from the forms folder instead"))
    if props:
        set_properties(task, props)


def convert_camunda(data: bytes, key: str) -> Converted:
    """A Camunda Modeler diagram in PlanFlow's conventions: lanes from candidate groups, forms and due periods
    as spiffworkflow properties, Python conditions and timer expressions."""
    root = _with_spiff_namespace(xml.parse(data))
    process = _main_process(root, key)
    _rename_process(root, process, key)
    warnings: list[Problem] = []
    for proc in root.xpath("bpmn:process", namespaces=NS):
        lanes = lint.lanes_by_node(proc)
        for task in proc.iter(_q("userTask"), _q("manualTask")):
            _convert_user_task(root, proc, task, lanes, warnings)
    for condition in root.iter(_q("conditionExpression")):
        language = condition.get("language")
        if language and language.lower() not in ("python", "juel"):
            warnings.append(Problem(condition.getparent().get("id"), f"a {language} condition must be "
                                                                     "rewritten in Python"))
        elif condition.text and condition.text.strip():
            condition.text = _python_condition(condition.text)
    for tag in ("timeDuration", "timeDate", "timeCycle"):
        for timer in root.iter(_q(tag)):
            if timer.text and timer.text.strip():
                timer.text = _python_timer(timer.text)
    for script in root.iter(_q("scriptTask")):
        script_format = (script.get("scriptFormat") or "python").lower()
        if script_format != "python":
            warnings.append(Problem(script.get("id"), f"the {script_format} script must be rewritten in Python"))
    for service in root.iter(_q("serviceTask"), _q("sendTask"), _q("businessRuleTask")):
        warnings.append(Problem(service.get("id"), f"{etree.QName(service).localname} is not supported by "
                                                   "PlanFlow; model it as a user or script task"))
    return Converted(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), warnings)


def arena_forms(data: bytes) -> dict[str, tuple[str | None, str | None]]:
    """Element id -> (form schema file, UI schema file) for the steps of a spiff-arena diagram that name them."""
    root = xml.parse(data)
    found = {}
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        props = lint.spiff_properties(element)
        form, ui_form = props.get(lint.FORM_PROPERTY) or None, props.get("formUiSchemaFilename") or None
        if form or ui_form:
            found[element.get("id")] = (form, ui_form)
    return found


def adapt_spiff_arena(data: bytes, key: str, renamed_forms: Mapping[str, str]) -> Converted:
    """A spiff-arena diagram with its process named after the key and its forms under their imported names
    (the UI schema is merged into the form, so its reference goes)."""
    root = _with_spiff_namespace(xml.parse(data))
    process = _main_process(root, key)
    _rename_process(root, process, key)
    warnings: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        props = lint.spiff_properties(element)
        form = props.get(lint.FORM_PROPERTY)
        if form:
            if form in renamed_forms:
                set_properties(element, {lint.FORM_PROPERTY: renamed_forms[form]})
            else:
                warnings.append(Problem(element.get("id"), f"form {form} is not in the zip"))
        if "formUiSchemaFilename" in props:
            _remove_property(element, "formUiSchemaFilename")
    for service in root.iter(_q("serviceTask"), _q("businessRuleTask")):
        warnings.append(Problem(service.get("id"), f"{etree.QName(service).localname} (connectors, DMN) is not "
                                                   "supported by PlanFlow"))
    return Converted(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), warnings)
