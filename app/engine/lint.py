"""What the editor's check reads from a diagram beyond what deploying needs: the human steps with their
lanes and forms, and timer expressions that are plain strings, parsed the way SpiffWorkflow will.

The services decide which lanes and forms are acceptable (they know the groups and the forms folder);
this module only reads the XML.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .errors import Problem
from .timer_limits import TimerTooLong, check_duration
from .xml import NS

# Tasks SpiffWorkflow hands to people (`manual`): user, manual and plain tasks.
HUMAN_TASK_TAGS = ("userTask", "manualTask", "task")
FORM_PROPERTY = "formJsonSchemaFilename"


@dataclass(frozen=True)
class HumanStep:
    """A step of the diagram that a person completes, as written in the XML."""

    element_id: str
    name: str | None
    kind: str
    lane: str | None
    form: str | None


def lanes_by_node(root: etree._Element) -> dict[str, str]:
    """Element id -> the name of the lane that holds it (SpiffWorkflow's lane is the lane's name)."""
    found: dict[str, str] = {}
    for lane in root.iter(f"{{{NS['bpmn']}}}lane"):
        for ref in lane.xpath("bpmn:flowNodeRef", namespaces=NS):
            if ref.text and ref.text.strip():
                found.setdefault(ref.text.strip(), lane.get("name") or lane.get("id") or "")
    return found


def spiff_properties(element: etree._Element) -> dict[str, str]:
    """The element's own spiffworkflow:properties (not those of nested elements)."""
    props = {}
    for prop in element.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                              namespaces=NS):
        if prop.get("name"):
            props[prop.get("name")] = prop.get("value") or ""
    return props


def human_steps(root: etree._Element) -> list[HumanStep]:
    """Every step a person completes, in document order, with its lane and the form it names."""
    lanes = lanes_by_node(root)
    steps = []
    for element in root.iter(*(f"{{{NS['bpmn']}}}{tag}" for tag in HUMAN_TASK_TAGS)):
        ident = element.get("id")
        if not ident:
            continue
        steps.append(HumanStep(element_id=ident, name=element.get("name"), kind=etree.QName(element).localname,
                               lane=lanes.get(ident) or None,
                               form=spiff_properties(element).get(FORM_PROPERTY) or None))
    return steps


_TIMER_PARTS = {"timeDuration": "duration", "timeDate": "date", "timeCycle": "cycle"}


def check_timers(root: etree._Element) -> list[Problem]:
    """Timer expressions that are string constants must parse as SpiffWorkflow will parse them when a case
    reaches the timer; expressions that compute the value (a case field) can only be checked then."""
    problems = []
    for definition in root.iter(f"{{{NS['bpmn']}}}timerEventDefinition"):
        event = definition.getparent()
        for child in definition:
            if not isinstance(child.tag, str) or etree.QName(child).localname not in _TIMER_PARTS:
                continue
            what = _TIMER_PARTS[etree.QName(child).localname]
            message = _timer_problem(what, (child.text or "").strip())
            if message:
                problems.append(Problem(event.get("id") if event is not None else None, message))
    return problems


def _literal(text: str) -> str | None:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _timer_problem(what: str, text: str) -> str | None:
    value = _literal(text) if text else None
    if value is None:
        return None  # an expression: compiled by the sandbox check, evaluated when the case gets there
    try:
        if what == "duration":
            parsed = TimerEventDefinition.parse_iso_duration(value)
            if not parsed:
                raise ValueError("no amount")
            check_duration(parsed)
        elif what == "date":
            moment = TimerEventDefinition.parse_time_or_duration(value)
            if not isinstance(moment, datetime):
                raise ValueError("not a date")
            if not value.upper().startswith(("P", "R")) and "W" not in value.upper() \
                    and datetime.fromisoformat(value).tzinfo is None:
                return (f"timer date {value!r} has no UTC offset; add one (e.g. +07:00) so that it means "
                        "the same moment on every server")
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except TimerTooLong as exc:
        return f"timer {what} {value!r}: {exc}"
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises bare Exception for a bad expression
        examples = {"duration": "P5D or PT4H", "date": "2026-12-10T16:30:00+07:00",
                    "cycle": "R4/2026-10-01T09:00:00+07:00/P3M"}
        return f"timer {what} {value!r} is not an ISO 8601 {what} (e.g. {examples[what]})"
    return None
