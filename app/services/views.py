"""The JSON shapes of cases and steps that the API and pages share (API.md's `case` and `task`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from app.store.models import Case, Task


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def task_dict(task: Task, case: Case | None = None) -> dict[str, Any]:
    result = {
        "id": task.id, "case_id": task.case_id, "name": task.name, "spec_id": task.spec_id, "lane": task.lane,
        "group": task.group_code, "assignee": task.assignee, "status": task.status,
        "created_at": iso(task.created_at), "due_at": iso(task.due_at), "completed_at": iso(task.completed_at),
        "completed_by": task.completed_by, "instance": task.instance, "form_name": task.form,
    }
    if case is not None:
        result.update(case_number=case.number, case_title=case.title, process_key=case.process_key)
    return result


def case_dict(case: Case, open_tasks: list[Task], with_data: bool = False) -> dict[str, Any]:
    result = {
        "id": case.id, "number": case.number, "process_key": case.process_key, "version": case.version.version,
        "title": case.title, "status": case.status, "fiscal_year": case.fiscal_year,
        "started_by": case.started_by, "started_at": iso(case.started_at), "completed_at": iso(case.completed_at),
        "last_event_at": iso(case.last_event_at), "status_reason": case.status_reason, "secrecy": case.secrecy,
        "open_tasks": [task_dict(t) for t in open_tasks],
    }
    if with_data:
        result["data"] = case.data
    return result
