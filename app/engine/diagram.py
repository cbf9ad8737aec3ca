"""Turning an uploaded BPMN file into a checked, parsed process, once per version.

`compile_diagram` is the deploy-time gate: hardened XML, our own structural and expression checks,
SpiffWorkflow's XSD and parser; every problem is reported against the element that has it. The
result is cached by the file's digest, so cases of one version share one parsed spec.
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from . import checks, xml
from .errors import InvalidDiagram, Problem


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

    def user_task(self, element_id: str) -> UserTaskInfo | None:
        return self.user_tasks.get(element_id)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compile_diagram(data: bytes, key: str | None = None) -> CompiledProcess:
    """Check and parse a diagram; raise InvalidDiagram listing every problem found."""
    return _compile_cached(bytes(data), key)


@functools.lru_cache(maxsize=256)
def _compile_cached(data: bytes, key: str | None) -> CompiledProcess:
    root = xml.parse(data)
    process = _main_process(root, key)
    problems = checks.check_structure(root) + checks.check_expressions(root)
    if problems:
        raise InvalidDiagram(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=f"{process.get('id')}.bpmn")
        spec = parser.get_spec(process.get("id"))
        subprocess_specs = parser.get_subprocess_specs(process.get("id"))
    except ValidationException as exc:
        raise InvalidDiagram([Problem(getattr(exc, "id", None), _first_line(exc))]) from None
    except (etree.LxmlError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidDiagram([Problem(None, f"the diagram could not be parsed: {exc}")]) from None
    user_tasks = _user_tasks(spec, subprocess_specs)
    return CompiledProcess(
        key=key or process.get("id"),
        sha256=sha256_of(data),
        name=process.get("name") or process.get("id"),
        metadata=_process_metadata(process),
        spec=spec,
        subprocess_specs=subprocess_specs,
        user_tasks=user_tasks,
        lanes=tuple(sorted({t.lane for t in user_tasks.values() if t.lane})),
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _main_process(root: etree._Element, key: str | None) -> etree._Element:
    processes = root.xpath("bpmn:process", namespaces=xml.NS)
    if key is not None:
        for process in processes:
            if process.get("id") == key:
                return process
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    if len(executable) == 1:
        return executable[0]
    if not processes:
        raise InvalidDiagram([Problem(None, "the diagram has no process")])
    raise InvalidDiagram([Problem(None, f"no process with id '{key}' and more than one executable process")])


def _process_metadata(process: etree._Element) -> dict[str, Any]:
    meta: dict[str, Any] = {"legal_references": []}
    names = {"nameEn": "name_en", "manualSection": "manual_section", "expectedOutcome": "expected_outcome",
             "expectedOutcomeEn": "expected_outcome_en"}
    for prop in process.xpath("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                              namespaces=xml.NS):
        name, value = prop.get("name"), prop.get("value")
        if name == "legalReference" and value:
            meta["legal_references"].append(value)
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
    for process_spec in [spec, *subprocess_specs.values()]:
        for task_spec in process_spec.task_specs.values():
            if not getattr(task_spec, "manual", False) or not getattr(task_spec, "bpmn_id", None):
                continue
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
    return found
