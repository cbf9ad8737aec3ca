"""What the case page and the step page show, each gathered in one read: the case, its process's
manual section, legal references and expected outcome, the steps done and open, what else the case
waits for (a message with its form, a timer with its due time), the timeline, attachments and comments.
Never deserializes the workflow."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, joinedload

from app.services.catalog import processes, served_forms
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import NotFound
from app.store.models import OPEN_STATUSES, Attachment, Case, Event, Group, ProcessVersion, Task, User
from app.store.ui_models import TaskDraft

from . import assignees, lifecycle, message_rounds, revisable, round_review, rounds, waits
from .attachments import attachment_dict
from .case_json import case_dict, message_form, task_dict, wait_dict
from .comments import comments_of

# Events that are the case's own business, not bookkeeping, and what each is called on screen.
EVENT_KINDS = {
    "case_started": ("เริ่มเรื่อง", "Case started"),
    "task_completed": ("ดำเนินการเสร็จ", "Step completed"),
    "task_claimed": ("รับงาน", "Step claimed"),
    "task_unclaimed": ("คืนงาน", "Step returned to the group"),
    "task_assigned": ("มอบหมายงาน", "Step assigned"),
    "timers_fired": ("ถึงกำหนดเวลา", "Timer fired"),
    "message_received": ("บันทึกการรับหนังสือ/ข้อความ", "Message recorded"),
    "attachment_added": ("แนบไฟล์", "File attached"),
    "case_cancelled": ("ยกเลิกเรื่อง", "Case cancelled"),
    "case_suspended": ("พักเรื่อง", "Case suspended"),
    "case_resumed": ("ดำเนินเรื่องต่อ", "Case resumed"),
    "round_closed": ("ปิดรอบการส่งของสถานศึกษา", "Schools' round closed"),
}

DONE_KINDS = ("task_completed", "message_received")  # events that mark their element done on the diagram


def _visible_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case without its serialized workflow (pages never need it), or NotFound."""
    case = session.scalar(select(Case).options(defer(Case.state), joinedload(Case.version).defer(ProcessVersion.xml))
                          .where(Case.id == case_id, access.visible_cases_clause(actor)))
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def _process_info(version: ProcessVersion) -> dict[str, Any]:
    meta = version.metadata_json or {}
    return {"key": version.key, "version": version.version, "name": version.name, "name_en": meta.get("name_en"),
            "manual_section": version.manual_section, "expected_outcome": meta.get("expected_outcome"),
            "expected_outcome_en": meta.get("expected_outcome_en"),
            "legal_references": meta.get("legal_references", []),
            "legal_references_in_force": meta.get("legal_references_in_force", []),
            "documentation": meta.get("documentation")}


def _step_info(version: ProcessVersion, spec_id: str | None) -> dict[str, Any]:
    process = processes.compiled(version)
    info = process.user_task(spec_id) if spec_id else None
    if info is None and spec_id in process.catch_events:  # a message's event: its name and the form it took
        caught = process.catch_events[spec_id]
        form = version.forms.get(caught.form) if caught.form else None
        return {"name": caught.name, "name_en": caught.name_en, "instructions": None, "form": form}
    form = version.forms.get(info.form) if info and info.form else None
    return {"name": info.name if info else spec_id, "name_en": info.name_en if info else None,
            "instructions": info.instructions if info else None, "form": form}


def _served_step(case: Case, spec_id: str | None) -> dict[str, Any]:
    """The step's name, instructions and form, its years and choices as the case gives them."""
    step = _step_info(case.version, spec_id)
    return {**step, "form": served_forms.serve(step["form"], case.fiscal_year, case.data)}


def _group_names(session: Session, codes) -> dict[str, dict[str, str | None]]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    rows = session.execute(select(Group.code, Group.name, Group.name_en).where(Group.code.in_(wanted)))
    return {code: {"name": name, "name_en": name_en} for code, name, name_en in rows}


def _people(session: Session, usernames) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {name: display or name for name, display in rows}


def _attachments(session: Session, case_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id))
    return [attachment_dict(r) for r in rows]


def _open_tasks(session: Session, case: Case) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.status.in_(OPEN_STATUSES))
                                .order_by(Task.id)))


def _timeline(session: Session, case: Case) -> list[dict[str, Any]]:
    events = session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq))
    timeline = []
    for event in events:
        step = _served_step(case, event.task_spec_id) if event.task_spec_id else None
        label, label_en = EVENT_KINDS.get(event.kind, (event.kind, event.kind))
        timeline.append({"seq": event.seq, "at": event.at, "actor": event.actor, "kind": event.kind,
                         "label": label, "label_en": label_en, "spec_id": event.task_spec_id,
                         "step": step, "data": event.data})
    return timeline


def _open_step_dict(task: Task, case: Case, actor: Actor, now) -> dict[str, Any]:
    row = task_dict(task, case)
    row.update(_step_info(case.version, task.spec_id), due=task.due_at, may_work=access.may_work_on(actor, task),
               overdue=task.due_at is not None and task.due_at < now)
    row.pop("form", None)
    return row


def _waiting_dicts(ctx: ServiceContext, actor: Actor, case: Case, rows: list) -> list[dict[str, Any]]:
    """The case's waits as the page shows them. A message carries its form, and whether the actor may record
    it: the rule of `POST /cases/{id}/messages` (the process's staff; never an auditor) on a running case."""
    if not rows:
        return []
    forms = ctx.workflow_cache.forms(case.version) if any(r.kind == "message" for r in rows) else {}
    may_record = (case.status == "running" and not access.is_read_only(actor)
                  and lifecycle.may_start(actor, case.version))
    now = ctx.now()
    found = []
    for row in rows:
        item = {**wait_dict(row), "since_at": row.since, "due": row.due_at,
                "overdue": waits.timer_overdue(row, now)}
        if row.kind == "message":
            item.update(form=message_form(forms, row.form), may_record=may_record)
        found.append(item)
    return found


def _message_rounds(ctx: ServiceContext, actor: Actor, case: Case, rows: list) -> list[dict[str, Any]]:
    """The messages the case takes in rounds (OBEC's allocation): each round, the notices kept until the case
    reaches their wait, the totals, and the form to record the next notice while the case is not waiting for it
    (when it waits, the form of its wait records it)."""
    found = message_rounds.summaries(processes.compiled(case.version).messages, case.data or {})
    if not found:
        return []
    process = processes.compiled(case.version)
    forms = ctx.workflow_cache.forms(case.version)
    waiting_now = {r.message for r in rows if r.kind == "message"}
    may_record = (case.status == "running" and not access.is_read_only(actor)
                  and lifecycle.may_start(actor, case.version))
    for item in found:
        info = process.messages[item["message"]]
        caught = process.catch_events.get(info.element_ids[0]) if info.element_ids else None
        item.update(form=message_form(forms, info.form), name=caught.name if caught else info.name,
                    name_en=caught.name_en if caught else None,
                    may_record=may_record and item["message"] not in waiting_now)
    return found


def case_view(ctx: ServiceContext, actor: Actor, case_id: int) -> dict[str, Any]:
    """Everything the case page shows, for one case the actor may see."""
    with ctx.read() as session:
        case = _visible_case(session, actor, case_id)
        open_tasks = _open_tasks(session, case)
        waiting = waits.of_case(session, case.id)
        timeline = _timeline(session, case)
        done = sorted({e["spec_id"] for e in timeline if e["kind"] in DONE_KINDS and e["spec_id"]
                       and not (e["data"] or {}).get("kept")})
        comments = comments_of(session, case.id)
        people = _people(session, [case.started_by] + [t.assignee for t in open_tasks]
                         + [e["actor"] for e in timeline] + [c["author"] for c in comments])
        return {
            "case": {**case_dict(case, [], waits=waiting), "data": case.data},
            "process": _process_info(case.version),
            "open_steps": [_open_step_dict(t, case, actor, ctx.now()) for t in open_tasks],
            "waiting_for": _waiting_dicts(ctx, actor, case, waiting),
            "message_rounds": _message_rounds(ctx, actor, case, waiting),
            "done_spec_ids": done,
            "current_spec_ids": sorted({t.spec_id for t in open_tasks} | {w.element_id for w in waiting}),
            "rounds": rounds.open_rounds(session, case, actor),
            "timeline": timeline, "attachments": _attachments(session, case.id), "comments": comments,
            "people": people, "groups": _group_names(session, [t.group_code for t in open_tasks]),
        }


def step_view(ctx: ServiceContext, actor: Actor, task_id: int) -> dict[str, Any]:
    """Everything the step page shows: the step, its form (a field naming who does a later step offering
    the members of that step's group) and the actor's draft, and the case around it."""
    with ctx.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(f"no task {task_id}")
        case = _visible_case(session, actor, task.case_id)
        step = _step_info(case.version, task.spec_id)
        is_open = task.status in OPEN_STATUSES and case.status == "running"
        draft = session.get(TaskDraft, (task.id, actor.username))
        members = []
        if is_open and actor.supervises(task.group_code):
            members = [{"username": username, "display_name": name}
                       for username, name in assignees.active_members(session, (task.group_code,))]
        comments = comments_of(session, case.id)
        earlier = _latest_submissions(session, case, exclude=task.spec_id)
        process = processes.compiled(case.version)
        served = served_forms.serve(step["form"], case.fiscal_year, case.data)
        form = assignees.offer(served, assignees.choices_for(session, process, task, served))
        form = revisable.offer(form, process, process.user_task(task.spec_id))
        rounds_part = {
            "round_review": round_review.review_table(session, case, process, task.spec_id, form),
            "previous_submission": round_review.previous_submission(session, case, process, task)
            if is_open else None,
            "round_closed": rounds.closed_notice(session, case, task),
        }
        return {
            **rounds_part,
            "task": {**task_dict(task, case), "due": task.due_at, **step,
                     "form": form or {"type": "object", "properties": {}}},
            "case": {**case_dict(case, []), "data": case.data},
            "process": _process_info(case.version),
            "is_open": is_open, "may_work": is_open and access.may_work_on(actor, task),
            "holder_is_other": task.assignee not in (None, actor.username),
            "supervises": is_open and actor.supervises(task.group_code), "members": members,
            "draft": {"data": draft.data, "saved_at": draft.saved_at} if draft else None,
            "attachments": _attachments(session, case.id), "comments": comments, "earlier": earlier,
            "people": _people(session, [task.assignee, case.started_by] + [c["author"] for c in comments]
                              + [e["actor"] for e in earlier]),
            "groups": _group_names(session, [task.group_code]),
        }


def _latest_submissions(session: Session, case: Case, exclude: str | None) -> list[dict[str, Any]]:
    """The last data submitted at each earlier step, and recorded with each message the case received (OBEC's
    notice, which the next step works from), in the order they happened."""
    latest: dict[str, Event] = {}
    for event in session.scalars(select(Event).where(Event.case_id == case.id, Event.kind.in_(DONE_KINDS),
                                                     Event.task_spec_id.is_not(None)).order_by(Event.seq)):
        if event.kind == "message_received" and (event.data or {}).get("kept") == "round":
            continue  # a later round: not the notice the step after the wait works from
        latest.pop(event.task_spec_id, None)  # a step done again (a revision loop) moves to the end
        latest[event.task_spec_id] = event
    return [{"spec_id": e.task_spec_id, "at": e.at, "actor": e.actor,
             "data": e.data.get("data") if e.kind == "message_received" else e.data,
             "step": _served_step(case, e.task_spec_id)}
            for e in latest.values() if e.task_spec_id != exclude]


def startable(ctx: ServiceContext, actor: Actor) -> list[dict[str, Any]]:
    """The processes the actor may start, each with its manual section and expected outcome."""
    found = []
    for process in processes.list_processes(ctx):
        with ctx.read() as session:
            version = processes.latest_version(session, process["key"])
            if lifecycle.may_start(actor, version):
                found.append(process)
    return found
