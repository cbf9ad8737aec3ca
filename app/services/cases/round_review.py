"""The office's review of a round: one row per school of the register, filled from what each school sent.

The review step's form has a field drawn as the table (`x-ui.widget` "school-returns", its columns in
`x-ui.columns`): each row is a school of the list the round ran over (the register the case started with),
its status (received, corrected, missing, or sent back and not corrected) and the figures it sent, read from
the round's collection in the case's data, never typed again. Sending a school back is a row of that field
(its code and a reason); the diagram then opens a correction step for that school only, with the same form.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.services.kernel.errors import Invalid
from app.store.models import Case, Event, Task

RETURNS_WIDGET = "school-returns"
STATUSES = ("received", "corrected", "sent_back", "missing")


def returns_field(form: dict[str, Any] | None) -> str | None:
    """The form's field that sends schools back (drawn as the round's table), if it has one."""
    for name, prop in ((form or {}).get("properties") or {}).items():
        if isinstance(prop, dict) and (prop.get("x-ui") or {}).get("widget") == RETURNS_WIDGET:
            return name
    return None


def _code(entry: Any) -> str | None:
    school = entry.get("school") if isinstance(entry, dict) else None
    return school.get("code") if isinstance(school, dict) else None


def _last_corrections(session: Session, case: Case, process: engine.CompiledProcess, round_id: str) -> dict:
    """The latest correction step of each school sent back in the round, by school code."""
    specs = [spec for spec, info in process.rounds.items() if info.corrects == round_id]
    if not specs:
        return {}
    latest: dict[str, Task] = {}
    for row in session.scalars(select(Task).where(Task.case_id == case.id, Task.spec_id.in_(specs))
                               .order_by(Task.id)):
        code = (row.instance or {}).get("code")
        if code:
            latest[code] = row
    return latest


def review_table(session: Session, case: Case, process: engine.CompiledProcess, spec_id: str,
                 form: dict[str, Any] | None) -> dict[str, Any] | None:
    """The table a review step shows (None for any other step)."""
    round_id = process.reviews.get(spec_id)
    field = returns_field(form)
    if round_id is None or field is None:
        return None
    info = process.rounds[round_id]
    data = case.data or {}
    columns = ((form["properties"][field].get("x-ui") or {}).get("columns")) or []
    sent = {_code(entry): entry for entry in data.get(info.collection) or [] if _code(entry)}
    corrections = _last_corrections(session, case, process, round_id)
    rows = []
    for school in data.get(info.items) or []:
        if not isinstance(school, dict):
            continue
        code = school.get("code")
        entry = sent.get(code)
        correction = corrections.get(code)
        if entry is None:
            status = "missing"
        elif correction is not None and correction.status == "cancelled":
            status = "sent_back"  # its correction round closed before it sent the correction
        elif entry["school"].get("returned_reason"):
            status = "corrected"
        else:
            status = "received"
        reason = (correction.instance or {}).get("returned_reason") if correction is not None else None
        rows.append({"code": code, "name": school.get("name"), "status": status, "returned_reason": reason,
                     "values": {c["key"]: entry.get(c["key"]) for c in columns} if entry else {}})
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUSES}
    return {"round": round_id, "round_name": info.name, "field": field, "columns": columns, "rows": rows,
            "counts": counts}


def check_returns(session: Session, case: Case, process: engine.CompiledProcess, task: Task,
                  form: dict[str, Any] | None, data: dict[str, Any]) -> None:
    """Refuse (400, naming the row) a school sent back that sent nothing in the round, or sent back twice."""
    table = review_table(session, case, process, task.spec_id, form)
    if table is None:
        return
    sent = {row["code"] for row in table["rows"] if row["status"] != "missing"}
    problems: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, row in enumerate(data.get(table["field"]) or []):
        code = row.get("code") if isinstance(row, dict) else None
        path = f"{table['field']}.{index}.code"
        if code not in sent:
            problems[path] = ["ส่งกลับได้เฉพาะสถานศึกษาที่ส่งข้อมูลในรอบนี้แล้ว "
                              "(only a school that sent something in this round can be sent back)"]
        elif code in seen:
            problems[path] = ["ส่งกลับสถานศึกษาเดียวกันซ้ำ (this school is sent back twice)"]
        seen.add(code)
    if problems:
        raise Invalid("only the schools that sent something in the round can be sent back, each once", problems)


def previous_submission(session: Session, case: Case, process: engine.CompiledProcess,
                        task: Task) -> dict[str, Any] | None:
    """For a school's correction step: what that school last sent in the round, to start its correction from."""
    info = process.rounds.get(task.spec_id)
    code = (task.instance or {}).get("code")
    if info is None or info.corrects is None or not code:
        return None
    done = session.execute(
        select(Task.instance, Event.data).join(Event, (Event.case_id == Task.case_id)
                                               & (Event.task_engine_id == Task.engine_id))
        .where(Task.case_id == case.id, Task.spec_id.in_([info.corrects, task.spec_id]),
               Task.status == "completed", Event.kind == "task_completed")
        .order_by(Event.seq.desc())).all()
    for instance, submitted in done:
        if (instance or {}).get("code") == code:
            return submitted
    return None
