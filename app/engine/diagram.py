"""Turning an uploaded BPMN file into a checked, parsed process, once per version.

`compile_diagram` is the deploy-time gate: hardened XML, our own structural and expression checks,
SpiffWorkflow's XSD and parser; every problem is reported against the element that has it. The
result is cached by the file's digest (and those of the processes it calls), so cases of one version
share one parsed spec.

A diagram may call other deployed processes (`callActivity calledElement="mtef"`): their XML is passed
in beside it, parsed by the same parser, and their specs become subprocess specs of the result, so the
called process's human steps are steps of the calling case.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import checks, lint, support, xml
from .errors import InvalidDiagram, Problem
from .round_specs import RoundInfo, rounds_of

# The step property naming the case data field that says who does the step (a username).
ASSIGNEE_FIELD = "assigneeField"


@dataclass(frozen=True)
class UserTaskInfo:
    """What PlanFlow needs to know about one human step of a diagram."""

    element_id: str
    name: str
    name_en: str | None
    lane: str | None
    form: str | None
    due_working_days: int | None
    escalate_after_working_days: int | None
    instructions: str | None
    multi_instance: bool
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageInfo:
    """A message the diagram waits for (e.g. OBEC's allocation notice) and where its payload goes."""

    name: str
    element_ids: tuple[str, ...]
    variable: str  # the case data field that receives the payload
    form: str | None  # JSON Schema file the payload must satisfy, if any
    rounds: str | None = None  # the case-data list it is recorded in, round by round (notices.py), if any


@dataclass(frozen=True)
class CatchEventInfo:
    """An element a case can wait at: a message from outside (OBEC's notice) or a timer (a hearing closes)."""

    element_id: str
    kind: str  # "message" | "timer"
    name: str
    name_en: str | None
    lane: str | None
    message: str | None = None  # the message's name, for a message
    form: str | None = None  # the form the message's data must satisfy (what the API checks it against)


@dataclass(frozen=True)
class CompiledProcess:
    """A deployed diagram, parsed and checked; shared by every case of its version."""

    key: str
    sha256: str
    name: str
    metadata: dict[str, Any]
    spec: Any
    subprocess_specs: dict[str, Any]
    user_tasks: dict[str, UserTaskInfo]
    lanes: tuple[str, ...]
    calls: tuple[str, ...] = ()  # keys of the deployed processes whose XML was compiled in
    has_timers: bool = True  # False lets callers skip looking for pending timers after each step
    messages: dict[str, MessageInfo] = field(default_factory=dict)
    # Case data fields that name who does a later step (a step's `assigneeField`) -> the steps they assign.
    assignee_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    catch_events: dict[str, CatchEventInfo] = field(default_factory=dict)  # by element id
    rounds: dict[str, RoundInfo] = field(default_factory=dict)  # per-school rounds, by element id
    reviews: dict[str, str] = field(default_factory=dict)  # a review step -> the round it reviews

    def user_task(self, element_id: str) -> UserTaskInfo | None:
        return self.user_tasks.get(element_id)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compile_diagram(data: bytes, key: str | None = None,
                    called: Mapping[str, bytes] | None = None) -> CompiledProcess:
    """Check and parse a diagram with the XML of the processes it calls (key -> XML); raise
    InvalidDiagram listing every problem found."""
    called_items = tuple(sorted((k, bytes(v)) for k, v in (called or {}).items()))
    return _compile_cached(bytes(data), key, called_items)


def called_processes(data: bytes) -> list[str]:
    """The process ids a diagram calls that it does not define itself (what must be deployed first)."""
    return checks.external_calls(xml.parse(data))


@functools.lru_cache(maxsize=256)
def _compile_cached(data: bytes, key: str | None,
                    called_items: tuple[tuple[str, bytes], ...]) -> CompiledProcess:
    root = xml.parse(data)
    process = _main_process(root, key)
    called_roots = _parse_called(called_items, checks.process_ids(root))
    problems = _checked(root, called_roots.values())
    for called_key, called_root in called_roots.items():
        others = [root, *(r for k, r in called_roots.items() if k != called_key)]
        problems += [Problem(p.element_id, f"in called process {called_key}: {p.message}")
                     for p in _checked(called_root, others)]
    available = checks.process_ids(root).union(*(checks.process_ids(r) for r in called_roots.values()))
    for document in (root, *called_roots.values()):
        problems += checks.check_calls(document, available)
    problems += checks.check_call_cycles((root, *called_roots.values()))
    if problems:
        raise InvalidDiagram(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    documents = {f"{process.get('id')}.bpmn": root, **{f"{k}.bpmn": r for k, r in called_roots.items()}}
    try:
        parser.add_bpmn_xml(root, filename=f"{process.get('id')}.bpmn")
        for called_key, called_root in called_roots.items():
            parser.add_bpmn_xml(called_root, filename=f"{called_key}.bpmn")
        spec = parser.get_spec(process.get("id"))
        subprocess_specs = parser.get_subprocess_specs(process.get("id"))
    except ValidationException as exc:
        if isinstance(exc.__context__, RecursionError):
            # SpiffWorkflow reads a flow one element after another, recursively.
            raise InvalidDiagram([Problem(getattr(exc, "id", None) or None,
                                          "the flow is too long to read as one chain of elements (several hundred "
                                          "one after another): move part of it into a subprocess or a called process")
                                  ]) from None
        raise InvalidDiagram([_refusal(exc, documents)]) from None
    except (etree.LxmlError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidDiagram([Problem(None, f"the diagram could not be parsed: {exc}")]) from None
    user_tasks = _user_tasks(spec, subprocess_specs)
    messages = _messages(spec, subprocess_specs)
    rounds, reviews, round_problems = rounds_of([spec, *subprocess_specs.values()])
    if round_problems:
        raise InvalidDiagram(round_problems)
    return CompiledProcess(
        key=key or process.get("id"),
        sha256=sha256_of(data),
        name=process.get("name") or process.get("id"),
        metadata=_process_metadata(process),
        spec=spec,
        subprocess_specs=subprocess_specs,
        user_tasks=user_tasks,
        lanes=tuple(sorted({t.lane for t in user_tasks.values() if t.lane})),
        calls=tuple(k for k, _ in called_items),
        messages=messages,
        assignee_fields=_assignee_fields(user_tasks),
        catch_events=_catch_events(spec, subprocess_specs, messages),
        rounds=rounds,
        reviews=reviews,
        has_timers=any(bool(r.xpath("//bpmn:timerEventDefinition", namespaces=xml.NS))
                       for r in (root, *called_roots.values())),
    )


def _checked(root: etree._Element, others) -> list[Problem]:
    """Our own checks of one document: structure, expressions, literal timers, what PlanFlow cannot run."""
    return (checks.check_structure(root) + checks.check_expressions(root) + lint.check_timers(root)
            + support.check_supported(root, others))


def _parse_called(called_items, defined: set[str]) -> dict[str, etree._Element]:
    """Parse the called processes' XML, skipping any whose processes the diagram already defines."""
    roots = {}
    for called_key, called_xml in called_items:
        try:
            called_root = xml.parse(called_xml)
        except InvalidDiagram as exc:
            raise InvalidDiagram([Problem(p.element_id, f"in called process {called_key}: {p.message}")
                                  for p in exc.problems]) from None
        if not checks.process_ids(called_root) & defined:
            roots[called_key] = called_root
    return roots


def _refusal(exc: ValidationException, documents: Mapping[str, etree._Element]) -> Problem:
    """SpiffWorkflow's refusal, tied to an element: the BPMN schema's names only a line, so the problem takes
    the id of the element on that line (or of the nearest one around it), for the editor to mark."""
    element_id = getattr(exc, "id", None) or None
    line, document = getattr(exc, "line_number", None), documents.get(getattr(exc, "file_name", None) or "")
    if element_id is None and line and document is not None:
        on_line = next((e for e in document.iter() if isinstance(e.tag, str) and e.sourceline == line), None)
        if on_line is not None:
            element_id = next((e.get("id") for e in (on_line, *on_line.iterancestors()) if e.get("id")), None)
    message = _first_line(exc).replace(f"{{{xml.BPMN_NS}}}", "bpmn:").replace(f"{{{xml.SPIFF_NS}}}", "spiffworkflow:")
    return Problem(element_id, message)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _main_process(root: etree._Element, key: str | None) -> etree._Element:
    found = xml.find_process(root, key)
    if found is not None:
        return found
    processes = root.xpath("bpmn:process", namespaces=xml.NS)
    if not processes:
        raise InvalidDiagram([Problem(None, "the diagram has no process")])
    if not any(p.get("isExecutable", "true") != "false" for p in processes):
        raise InvalidDiagram([Problem(p.get("id"), 'the process is marked as not executable (isExecutable="false"): '
                                                   "mark the process PlanFlow should run as executable")
                              for p in processes])
    raise InvalidDiagram([Problem(None, f"no process with id '{key}' and more than one executable process: deploy "
                                        "the diagram under the id of the process to run")])


def _process_metadata(process: etree._Element) -> dict[str, Any]:
    meta: dict[str, Any] = {"legal_references": [], "legal_references_in_force": []}
    names = {"nameEn": "name_en", "manualSection": "manual_section", "expectedOutcome": "expected_outcome",
             "expectedOutcomeEn": "expected_outcome_en"}
    for prop in process.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                              namespaces=xml.NS):
        name, value = prop.get("name"), prop.get("value")
        if name == "legalReference" and value:
            meta["legal_references"].append(value)
        elif name == "legalReferenceInForce" and value:  # an instrument in force beside the manual's own
            meta["legal_references_in_force"].append(value)
        elif name in names:
            meta[names[name]] = value
        elif name:
            meta.setdefault("properties", {})[name] = value
    documentation = process.xpath("bpmn:documentation/text()", namespaces=xml.NS)
    if documentation:
        meta["documentation"] = documentation[0].strip()
    return meta


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _user_tasks(spec, subprocess_specs) -> dict[str, UserTaskInfo]:
    found: dict[str, UserTaskInfo] = {}
    owner: dict[str, str] = {}
    problems = []
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if not getattr(task_spec, "manual", False) or not getattr(task_spec, "bpmn_id", None):
                continue
            if task_spec.bpmn_id in owner and owner[task_spec.bpmn_id] != process_spec.name:
                # Steps are known by their element id (inbox rows, forms, history): one id, one step.
                first = owner[task_spec.bpmn_id]
                problems.append(Problem(task_spec.bpmn_id, f"the step id is used in both {first} and "
                                                           f"{process_spec.name}; rename one of them"))
                continue
            owner[task_spec.bpmn_id] = process_spec.name
            extensions = getattr(task_spec, "extensions", {}) or {}
            props = extensions.get("properties", {}) or {}
            found[task_spec.bpmn_id] = UserTaskInfo(
                element_id=task_spec.bpmn_id,
                name=task_spec.bpmn_name or task_spec.bpmn_id,
                name_en=props.get("nameEn"),
                lane=task_spec.lane,
                form=props.get("formJsonSchemaFilename"),
                due_working_days=_int_or_none(props.get("dueWorkingDays")),
                escalate_after_working_days=_int_or_none(props.get("escalateAfterWorkingDays")),
                instructions=extensions.get("instructionsForEndUser"),
                multi_instance=False,
                properties=dict(props),
            )
    if problems:
        raise InvalidDiagram(problems)
    return found


def _assignee_fields(user_tasks: Mapping[str, UserTaskInfo]) -> dict[str, tuple[str, ...]]:
    """Each field a step's `assigneeField` names, with the steps whose holder it decides."""
    found: dict[str, list[str]] = {}
    for step in user_tasks.values():
        name = (step.properties.get(ASSIGNEE_FIELD) or "").strip()
        if name:
            found.setdefault(name, []).append(step.element_id)
    return {name: tuple(sorted(steps)) for name, steps in sorted(found.items())}


def catch_definitions(task_spec) -> list[tuple[Any, Any]]:
    """(catch event spec, the event it catches) for what a waiting task of `task_spec` waits on.

    SpiffWorkflow moves the events after an event-based gateway onto the gateway itself (one "multiple"
    definition, in the order of its outputs) and leaves the events themselves catching nothing; the gateway
    waits on all of them at once and the first to come takes its path."""
    if isinstance(task_spec, EventBasedGateway):
        return list(zip(task_spec.outputs, task_spec.event_definition.event_definitions, strict=False))
    return [(task_spec, getattr(task_spec, "event_definition", None))]


def _catches(process_spec) -> list[tuple[Any, Any]]:
    """(catch event spec, its event) for every catch event of one process that has an element id."""
    return [(catch, definition) for task_spec in process_spec.task_specs.values()
            if isinstance(task_spec, CatchingEvent)
            for catch, definition in catch_definitions(task_spec) if getattr(catch, "bpmn_id", None)]


def _messages(spec, subprocess_specs) -> dict[str, MessageInfo]:
    """Every message the process (or a process it calls) catches, by message name."""
    found: dict[str, MessageInfo] = {}
    problems = []
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec, definition in _catches(process_spec):
            if not isinstance(definition, MessageEventDefinition):
                continue
            variable = getattr(definition, "message_var", None)
            if not variable:
                problems.append(Problem(task_spec.bpmn_id, "a message catch event needs spiffworkflow:"
                                        "messageVariable so that the message's data reaches the case"))
                continue
            props = (getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
            known = found.get(definition.name)
            found[definition.name] = MessageInfo(
                name=definition.name,
                element_ids=(known.element_ids if known else ()) + (task_spec.bpmn_id,),
                variable=variable,
                form=props.get("formJsonSchemaFilename") or (known.form if known else None),
                rounds=(props.get("messageRounds") or "").strip() or (known.rounds if known else None),
            )
    if problems:
        raise InvalidDiagram(problems)
    return found


def _catch_events(spec, subprocess_specs, messages: dict[str, MessageInfo]) -> dict[str, CatchEventInfo]:
    """Every message and timer catch event of the process and the processes it calls, by element id."""
    found: dict[str, CatchEventInfo] = {}
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec, definition in _catches(process_spec):
            if isinstance(definition, MessageEventDefinition):
                known = messages.get(definition.name)
                kind, message, form = "message", definition.name, known.form if known else None
            elif isinstance(definition, TimerEventDefinition):
                kind, message, form = "timer", None, None
            else:
                continue
            props = (getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {}
            found[task_spec.bpmn_id] = CatchEventInfo(
                element_id=task_spec.bpmn_id, kind=kind, name=task_spec.bpmn_name or task_spec.bpmn_id,
                name_en=props.get("nameEn"), lane=getattr(task_spec, "lane", None), message=message, form=form)
    return found
