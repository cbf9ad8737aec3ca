"""A decision that sends the work back to a step the person deciding chooses (the committee's ให้ปรับปรุงแล้วเสนอใหม่).

The diagram lists on the deciding step, in its property `revisableSteps`, the ids of the steps that may be
revised (the first is the one offered first); the step's form marks the field that names the chosen step with
`"x-revisable-steps": true`. The form as served offers those steps by their Thai names (English in
`x-enum-titles-en`), and a submission naming any other step is refused, so the diagram's gateway can route on
the field (`committee_revise_to == "strategies"`). The frozen form of a version stays generic, as for an
assignee field: the list belongs to the diagram.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from app import engine
from app.services.kernel.errors import Invalid

PROPERTY = "revisableSteps"
MARK = "x-revisable-steps"


def listed(info: engine.UserTaskInfo | None) -> list[str]:
    """The ids the step's `revisableSteps` property lists (separated by spaces or commas), in order."""
    text = (info.properties.get(PROPERTY) or "") if info else ""
    return list(dict.fromkeys(part for part in text.replace(",", " ").split() if part))


def field_of(form: Mapping[str, Any] | None) -> str | None:
    """The form's top-level field that names the step to revise, if it has one."""
    for name, prop in ((form or {}).get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get(MARK) is True:
            return name
    return None


def choices(process: engine.CompiledProcess, info: engine.UserTaskInfo | None) -> list[tuple[str, str, str]]:
    """(element id, Thai name, English name) of each step the deciding step may send the work back to."""
    found = []
    for element_id in listed(info):
        step = process.user_task(element_id)
        if step is not None:
            found.append((element_id, step.name, step.name_en or step.name))
    return found


def offer(form: Mapping[str, Any] | None, process: engine.CompiledProcess,
          info: engine.UserTaskInfo | None) -> Mapping[str, Any] | None:
    """The form as served: the marked field a choice of the revisable steps by name. A copy; `form` is kept."""
    field = field_of(form)
    if field is None:
        return form
    options = choices(process, info)
    served = copy.deepcopy(dict(form))
    prop = served["properties"][field]
    prop.update({"enum": [i for i, _, _ in options], "x-enum-titles": [th for _, th, _ in options],
                 "x-enum-titles-en": [en for _, _, en in options]})
    return served


def check(form: Mapping[str, Any] | None, process: engine.CompiledProcess, info: engine.UserTaskInfo | None,
          data: Mapping[str, Any]) -> None:
    """Invalid (400 naming the field) when the submission names a step that may not be revised from here."""
    field = field_of(form)
    value = data.get(field) if field else None
    if field is None or value in (None, ""):
        return  # whether it must be given is the form's own rule (required when the decision sends work back)
    allowed = choices(process, info)
    if value not in [i for i, _, _ in allowed]:
        names = ", ".join(th for _, th, _ in allowed) or "-"
        raise Invalid(f"{field}: {value!r} is not a step that may be revised here",
                      {field: [f"เลือกขั้นตอนที่ส่งกลับไปปรับปรุงได้จากรายการที่กำหนดเท่านั้น ({names}) "
                               "(choose one of the steps that may be revised)"]})


def problems(process: engine.CompiledProcess, marked: Mapping[str, str | None]) -> list[engine.Problem]:
    """Deploy-time: each step listing revisable steps names human steps of the diagram and its form has a
    field marked as the choice (`marked`: step id -> that field, or None)."""
    found = []
    for step in process.user_tasks.values():
        ids = listed(step)
        if not ids:
            continue
        unknown = [i for i in ids if process.user_task(i) is None]
        if unknown:
            found.append(engine.Problem(step.element_id, f"{PROPERTY} names {', '.join(unknown)}, which are not "
                                                         "human steps of this diagram"))
        if not marked.get(step.element_id):
            found.append(engine.Problem(step.element_id, f"{PROPERTY} is set but the step's form has no field "
                                                         f'marked "{MARK}": true to choose the step with'))
    return found
