"""The JSON shapes of cases, steps and waits that the API and pages share (docs/api.md's `case`, `task` and wait)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row

from app.services.catalog import processes
from app.store.models import Case, CaseWait, Task

from .message_rounds import summaries


def iso(moment: datetime | None) -> str | None:
    """A time as ISO 8601 text, or None."""
    return moment.isoformat() if moment else None


def task_dict(task: Task, case: Case | None = None) -> dict[str, Any]:
    """docs/api.md's task; with its case, the case's number, title and process too."""
    result = {
        "id": task.id, "case_id": task.case_id, "name": task.name, "spec_id": task.spec_id, "lane": task.lane,
        "group": task.group_code, "assignee": task.assignee, "status": task.status,
        "created_at": iso(task.created_at), "due_at": iso(task.due_at), "completed_at": iso(task.completed_at),
        "completed_by": task.completed_by, "instance": task.instance, "form_name": task.form,
    }
    if case is not None:
        result.update(case_number=case.number, case_title=case.title, process_key=case.process_key)
    return result


def wait_dict(row: CaseWait | Row, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    """A message or timer the case waits on (a CaseWait, or a row of its columns); with the version's `forms`,
    a message's form as its JSON Schema."""
    result = {"kind": row.kind, "element_id": row.element_id, "name": row.name, "name_en": row.name_en,
              "lane": row.lane, "since": iso(row.since)}
    if row.kind == "message":
        result.update(message=row.message, form_name=row.form)
        if forms is not None:
            result["form"] = message_form(forms, row.form)
    else:
        result["due_at"] = iso(row.due_at)
    return result


def message_form(forms: dict[str, Any], form_name: str | None) -> dict[str, Any]:
    """The JSON Schema a message's data is checked against: its form, or any object when it has none."""
    return (forms.get(form_name) if form_name else None) or {"type": "object"}


def case_dict(case: Case, open_tasks: list[Task], with_data: bool = False, waits: list[CaseWait | Row] | None = None,
              forms: dict[str, Any] | None = None) -> dict[str, Any]:
    """docs/api.md's case; `waiting_for` lists the messages and timers it waits on (`waits`), with each message's
    form as a JSON Schema when the version's `forms` are given."""
    result = {
        "id": case.id, "number": case.number, "process_key": case.process_key, "version": case.version.version,
        "title": case.title, "status": case.status, "fiscal_year": case.fiscal_year,
        "started_by": case.started_by, "started_at": iso(case.started_at), "completed_at": iso(case.completed_at),
        "last_event_at": iso(case.last_event_at), "status_reason": case.status_reason, "secrecy": case.secrecy,
        "open_tasks": [task_dict(t) for t in open_tasks],
        "waiting_for": [wait_dict(w, forms) for w in waits or []],
    }
    if with_data:
        result["data"] = case.data
        # A message taken in rounds (OBEC's allocation): its rounds, the notices kept early, and their totals.
        result["message_rounds"] = summaries(processes.compiled(case.version).messages, case.data or {})
    return result
