"""Sending a reminder or an escalation: the scheduler's handlers for those due jobs.

Each runs inside the job's transaction (see `jobs.py`): it notifies the people concerned in the
app, records the e-mails to send, appends a `reminder_sent` or `escalated` event to the case's
hash-chained history, and plans the next overdue reminder. A reminder planned for a due date the
step no longer has, or for a step no longer open, is skipped.

Who is told: a reminder goes to the step's holder, or to every member of its group (not its
directors) while nobody holds it; an escalation goes to the directors of the step's group (members
whose membership role is `supervisor`), or, when the group has none, to the users with the global
supervisor role.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, defer

from app.store.deadline_models import DueJob, UserSetting
from app.store.models import Case, Group, Membership, ProcessVersion, Task, User, UserRole
from app.thaidate import format_date

from . import deadlines, history, jobs, mail, notifications, processes
from .context import ServiceContext

SYSTEM_ACTOR = "system"
_cases = Case.__table__


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    email: str | None
    wants_email: bool


def _recipients(session: Session, task: Task, escalation: bool) -> list[Recipient]:
    base = (select(User.id, User.username, User.email, UserSetting.email_notifications)
            .outerjoin(UserSetting, UserSetting.user_id == User.id).where(User.active.is_(True)))
    if escalation:
        query = (base.join(Membership, Membership.user_id == User.id).join(Group, Group.id == Membership.group_id)
                 .where(Group.code == task.group_code, Membership.role == "supervisor"))
        rows = session.execute(query.order_by(User.username)).all()
        if not rows:
            rows = session.execute(base.join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == "supervisor").order_by(User.username)).all()
    elif task.assignee:
        rows = session.execute(base.where(User.username == task.assignee)).all()
    else:
        # The group's members, not its directors: they hear about a step only when it is escalated.
        rows = session.execute(base.join(Membership, Membership.user_id == User.id)
                               .join(Group, Group.id == Membership.group_id)
                               .where(Group.code == task.group_code, Membership.role == "member")
                               .order_by(User.username)).all()
    return [Recipient(r[0], r[1], r[2], r[3] is not False) for r in rows]


def _wording(stage: str, days: int, task: Task, number: str, title: str, escalation: bool) -> tuple[str, str]:
    """The Thai title and text of a notification (also the e-mail's subject and body)."""
    due = format_date(task.due_at, short=False)
    step = f"ขั้นตอน «{task.name}» ของเรื่องเลขที่ {number} ({title})"
    if escalation:
        holder = f"ผู้รับผิดชอบ: {task.assignee}" if task.assignee else f"ยังไม่มีผู้รับงาน (กลุ่ม {task.group_code})"
        return (f"เรื่องล่าช้าเกินกำหนด {days} วันทำการ: {task.name} ({number})",
                f"{step} เกินกำหนดมาแล้ว {days} วันทำการ (ครบกำหนด {due} เวลา 16:30 น.) {holder} "
                "โปรดติดตามหรือมอบหมายผู้ปฏิบัติงาน")
    if stage == "before":
        return (f"ใกล้ครบกำหนด: {task.name} ({number})",
                f"{step} จะครบกำหนดในวันที่ {due} เวลา 16:30 น. (อีก {days} วันทำการ)")
    if stage == "due":
        return (f"ครบกำหนดวันนี้: {task.name} ({number})", f"{step} ครบกำหนดวันนี้ ({due}) เวลา 16:30 น.")
    return (f"เกินกำหนด {days} วันทำการ: {task.name} ({number})",
            f"{step} เกินกำหนดมาแล้ว {days} วันทำการ (ครบกำหนด {due} เวลา 16:30 น.)")


def _still_applies(session: Session, job: DueJob) -> bool:
    row = session.execute(select(Task.status, Task.due_at).where(Task.id == job.task_id)).one_or_none()
    return (row is not None and row.status in deadlines.OPEN_STATUSES and row.due_at is not None
            and row.due_at == datetime.fromisoformat(job.payload["task_due_at"]))


def _lock_case(session: Session, case_id: int):
    """Lock the case and move its lock version on, so a step being completed at this very moment gets a
    clear conflict instead of colliding with our history event."""
    return session.execute(update(_cases).where(_cases.c.id == case_id)
                           .values(lock_version=_cases.c.lock_version + 1)
                           .returning(_cases.c.number, _cases.c.title, _cases.c.status,
                                      _cases.c.last_event_at)).one_or_none()


def _notify(ctx: ServiceContext, session: Session, job: DueJob, task: Task, case, now: datetime,
            escalation: bool) -> dict[str, Any]:
    stage, days = job.payload["stage"], int(job.payload["working_days"])
    subject, body = _wording(stage, days, task, case.number, case.title, escalation)
    link = f"/tasks/{task.id}"
    people = _recipients(session, task, escalation)
    emailed, message_ids = [], []
    for person in people:
        notifications.add(session, user_id=person.user_id, kind="escalation" if escalation else "reminder",
                          title=subject, body=body, link=link, case_id=task.case_id, task_id=task.id,
                          job_key=job.key, now=now)
        if person.email and person.wants_email and mail.enabled(ctx):
            ident = mail.message_id(ctx, job.key, person.username)
            base = (ctx.settings.get("base_url") or "").rstrip("/")
            mail.queue(session, user_id=person.user_id, to_address=person.email, subject=f"[PlanFlow] {subject}",
                       body=f"{body}\n\nเปิดขั้นตอนนี้: {base}{link}\n\n-- PlanFlow กลุ่มนโยบายและแผน",
                       message_id=ident, job_key=job.key, now=now)
            emailed.append(person.username)
            message_ids.append(ident)
    data = {"stage": stage, "working_days": days, "due_at": task.due_at.isoformat(),
            "to": [p.username for p in people], "emailed": emailed, "message_ids": message_ids}
    previous = history.last_event(session, task.case_id)
    # The case's last_event_at means "last progress" (the stalled-case filter reads it): a reminder is
    # not progress, so the event is appended through a stand-in that keeps the case row as it was.
    stand_in = SimpleNamespace(id=task.case_id, number=case.number, last_event_at=case.last_event_at)
    event = history.append(session, stand_in, previous, now, SYSTEM_ACTOR,
                           "escalated" if escalation else "reminder_sent", data=data,
                           task_spec_id=task.spec_id, task_engine_id=task.engine_id)
    return {**data, "event_seq": event.seq}


def _carry_out(ctx: ServiceContext, session: Session, job: DueJob, now: datetime, escalation: bool) -> jobs.Outcome:
    if not _still_applies(session, job):
        return jobs.Outcome("skipped", {"reason": "the step is closed or its due date changed"})
    case = _lock_case(session, job.case_id)
    if case is None or not _still_applies(session, job):
        return jobs.Outcome("skipped", {"reason": "the step is closed or its due date changed"})
    task = session.get(Task, job.task_id)
    if case.status == "running":
        outcome = jobs.Outcome("done", _notify(ctx, session, job, task, case, now, escalation))
    else:
        outcome = jobs.Outcome("skipped", {"reason": f"the case is {case.status}"})
    if not escalation:
        _plan_next_overdue(session, job, task, case, now)
    return outcome


def _plan_next_overdue(session: Session, job: DueJob, task: Task, case, now: datetime) -> None:
    """Overdue reminders are planned one at a time, so they stop by themselves when the step closes."""
    if job.payload["stage"] != "overdue" or case.status not in ("running", "suspended"):
        return
    version = session.scalar(select(ProcessVersion).options(defer(ProcessVersion.xml), defer(ProcessVersion.forms))
                             .where(ProcessVersion.id == select(Case.process_version_id)
                                    .where(Case.id == task.case_id).scalar_subquery()))
    process = processes.compiled(version)
    policy = deadlines.policy_for(process, process.user_task(task.spec_id))
    if not policy.overdue_every:
        return
    closures = deadlines.closure_days(session)
    next_job = deadlines.next_overdue_job(task, task.due_at, int(job.payload["working_days"]),
                                          policy.overdue_every, closures)
    jobs.enqueue(session, [next_job], now)


@jobs.handles("reminder")
def send_reminder(ctx: ServiceContext, session: Session, job: DueJob, now: datetime) -> jobs.Outcome:
    return _carry_out(ctx, session, job, now, escalation=False)


@jobs.handles("escalation")
def escalate(ctx: ServiceContext, session: Session, job: DueJob, now: datetime) -> jobs.Outcome:
    return _carry_out(ctx, session, job, now, escalation=True)
