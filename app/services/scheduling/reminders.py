"""Sending reminders and escalations: the scheduler's handler for those due jobs.

It runs inside the jobs' transaction (see `jobs.py`) and, for each job that still applies, notifies
the people concerned in the app, records the e-mails to send, appends a `reminder_sent` or
`escalated` event to the case's hash-chained history, and plans the next overdue reminder. A job
planned for a due date the step no longer has, for a step no longer open, or for a case that is not
running is skipped. A batch of jobs costs a handful of statements, not a handful per job.

Who is told: a reminder goes to the step's holder, or to every member of its group (not its
directors) while nobody holds it; an escalation goes to the directors of the step's group (members
whose membership role is `supervisor`), or, when the group has none, to the users with the global
supervisor role.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, defer

from app.services.calendar import deadlines, jobs
from app.services.cases import history
from app.services.catalog import processes
from app.services.kernel.context import ServiceContext
from app.store.deadline_models import DueJob, Notification, UserSetting
from app.store.models import OPEN_STATUSES, Case, Event, Group, Membership, ProcessVersion, Task, User, UserRole
from app.thaidate import format_date

from . import mail

SYSTEM_ACTOR = "system"
_cases = Case.__table__
_EVENT_COLUMNS = (
    "case_id",
    "seq",
    "at",
    "actor",
    "kind",
    "task_spec_id",
    "task_engine_id",
    "data",
    "state_digest",
    "prev_hash",
    "hash",
)
_DONE = jobs.Outcome("done", {})
_SKIPPED_STEP = jobs.Outcome("skipped", {"reason": "the step is closed or its due date changed"})


@dataclass(frozen=True)
class Recipient:
    user_id: int
    username: str
    email: str | None
    wants_email: bool


class Recipients:
    """Who hears about which step, looked up once for a whole batch."""

    def __init__(self, session: Session, steps: list[Task], escalations: bool):
        base = (
            select(User.id, User.username, User.email, UserSetting.email_notifications)
            .outerjoin(UserSetting, UserSetting.user_id == User.id)
            .where(User.active.is_(True))
        )
        self.by_username = {
            r[1]: self._recipient(r)
            for r in session.execute(
                base.where(User.username.in_({s.assignee for s in steps if s.assignee}))
            ).all()
        }
        groups = {s.group_code for s in steps if s.group_code}
        self.members: dict[str, list[Recipient]] = defaultdict(list)
        self.directors: dict[str, list[Recipient]] = defaultdict(list)
        with_group = (
            base.add_columns(Group.code, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.code.in_(groups))
            .order_by(User.username)
        )
        for row in session.execute(with_group).all():
            # The group's members hear of its steps; its directors only of escalated ones.
            (self.directors if row[5] == "supervisor" else self.members)[row[4]].append(self._recipient(row))
        self.supervisors = (
            [
                self._recipient(r)
                for r in session.execute(
                    base.join(UserRole, UserRole.user_id == User.id)
                    .where(UserRole.role == "supervisor")
                    .order_by(User.username)
                ).all()
            ]
            if escalations
            else []
        )

    @staticmethod
    def _recipient(row) -> Recipient:
        return Recipient(row[0], row[1], row[2], row[3] is not False)

    def for_step(self, step: Task, escalation: bool) -> list[Recipient]:
        if escalation:
            return self.directors.get(step.group_code) or self.supervisors
        if step.assignee:
            found = self.by_username.get(step.assignee)
            return [found] if found else []
        return self.members.get(step.group_code, [])


def _wording(stage: str, days: int, task: Task, number: str, title: str, escalation: bool,
             closes_round: bool = False) -> tuple[str, str]:
    """The Thai title and text of a notification (also the e-mail's subject and body)."""
    due = format_date(task.due_at, short=False)
    step = f"ขั้นตอน «{task.name}» ของเรื่องเลขที่ {number} ({title})"
    if closes_round:  # a school's step of a round: it closes at that time, and nothing is taken after it
        after = "หลังปิดรับแล้วระบบจะไม่รับข้อมูล และเรื่องจะดำเนินต่อโดยไม่มีข้อมูลของท่าน"
        if stage == "due":
            return (f"ปิดรับวันนี้: {task.name} ({number})", f"{step} ปิดรับวันนี้ ({due}) เวลา 16:30 น. {after}")
        return (f"ใกล้ปิดรับ: {task.name} ({number})",
                f"{step} จะปิดรับในวันที่ {due} เวลา 16:30 น. (อีก {days} วันทำการ) {after}")
    if escalation:
        holder = f"ผู้รับผิดชอบ: {task.assignee}" if task.assignee else f"ยังไม่มีผู้รับงาน (กลุ่ม {task.group_code})"
        return (
            f"เรื่องล่าช้าเกินกำหนด {days} วันทำการ: {task.name} ({number})",
            f"{step} เกินกำหนดมาแล้ว {days} วันทำการ (ครบกำหนด {due} เวลา 16:30 น.) {holder} "
            "โปรดติดตามหรือมอบหมายผู้ปฏิบัติงาน",
        )
    if stage == "before":
        return (
            f"ใกล้ครบกำหนด: {task.name} ({number})",
            f"{step} จะครบกำหนดในวันที่ {due} เวลา 16:30 น. (อีก {days} วันทำการ)",
        )
    if stage == "due":
        return (f"ครบกำหนดวันนี้: {task.name} ({number})", f"{step} ครบกำหนดวันนี้ ({due}) เวลา 16:30 น.")
    return (
        f"เกินกำหนด {days} วันทำการ: {task.name} ({number})",
        f"{step} เกินกำหนดมาแล้ว {days} วันทำการ (ครบกำหนด {due} เวลา 16:30 น.)",
    )


def _applies(job: DueJob, step: Task | None) -> bool:
    return (
        step is not None
        and step.status in OPEN_STATUSES
        and step.due_at is not None
        and step.due_at == datetime.fromisoformat(job.payload["task_due_at"])
    )


def _lock_cases(session: Session, case_ids: set[int]) -> dict[int, Any]:
    """Lock the batch's cases, in ascending id so two schedulers never wait on each other in a circle."""
    rows = session.execute(
        select(_cases.c.id, _cases.c.number, _cases.c.title, _cases.c.status)
        .where(_cases.c.id.in_(case_ids))
        .order_by(_cases.c.id)
        .with_for_update()
    ).all()
    return {row.id: row for row in rows}


def _last_events(session: Session, case_ids: set[int]) -> dict[int, Any]:
    """The last event of each case, as its row keeps it."""
    rows = session.execute(select(Case.id, Case.last_seq, Case.last_hash).where(Case.id.in_(case_ids))).all()
    return {row.id: SimpleNamespace(seq=row.last_seq, hash=row.last_hash) for row in rows if row.last_seq}


class _Batch:
    """The effects of one batch of reminders and escalations, written in a few statements at the end."""

    def __init__(self, ctx: ServiceContext, session: Session, cases: dict[int, Any], now: datetime):
        self.ctx, self.session, self.cases, self.now = ctx, session, cases, now
        self.previous = _last_events(session, set(cases))
        self.notifications: list[dict[str, Any]] = []
        self.emails: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.touched: set[int] = set()

    def notify(self, job: DueJob, step: Task, people: list[Recipient], escalation: bool) -> dict[str, Any]:
        case = self.cases[step.case_id]
        stage, days = job.payload["stage"], int(job.payload["working_days"])
        subject, body = _wording(stage, days, step, case.number, case.title, escalation,
                                 bool(job.payload.get("round")))
        link = f"/tasks/{step.id}"
        emailed, message_ids = [], []
        for person in people:
            self.notifications.append(
                {
                    "user_id": person.user_id,
                    "kind": "escalation" if escalation else "reminder",
                    "title": subject,
                    "body": body,
                    "link": link,
                    "case_id": step.case_id,
                    "task_id": step.id,
                    "job_key": job.key,
                    "created_at": self.now,
                }
            )
            if person.email and person.wants_email and mail.enabled(self.ctx):
                ident = mail.message_id(self.ctx, job.key, person.username)
                base = (self.ctx.settings.get("base_url") or "").rstrip("/")
                self.emails.append(
                    mail.intent(
                        user_id=person.user_id,
                        to_address=person.email,
                        subject=f"[PlanFlow] {subject}",
                        body=f"{body}\n\nเปิดขั้นตอนนี้: {base}{link}\n\n-- PlanFlow กลุ่มนโยบายและแผน",
                        message_id=ident,
                        job_key=job.key,
                        now=self.now,
                    )
                )
                emailed.append(person.username)
                message_ids.append(ident)
        data = {
            "stage": stage,
            "working_days": days,
            "due_at": step.due_at.isoformat(),
            "to": [p.username for p in people],
            "emailed": emailed,
            "message_ids": message_ids,
        }
        # A reminder is not progress: the case's last_event_at (the stalled-case filter reads it) must
        # stay, so the event is appended through a stand-in for the case row.
        stand_in = SimpleNamespace(id=step.case_id, number=case.number, last_event_at=None)
        event = history.append(
            self.session,
            stand_in,
            self.previous.get(step.case_id),
            self.now,
            SYSTEM_ACTOR,
            "escalated" if escalation else "reminder_sent",
            data=data,
            task_spec_id=step.spec_id,
            task_engine_id=step.engine_id,
        )
        # append() built and chained the event; the batch's events are then written in one statement.
        self.session.expunge(event)
        self.events.append({column: getattr(event, column) for column in _EVENT_COLUMNS})
        self.previous[step.case_id] = event
        self.touched.add(step.case_id)
        return {**data, "event_seq": event.seq}

    def write(self) -> None:
        if self.events:
            self.session.execute(Event.__table__.insert(), self.events)
        if self.notifications:
            self.session.execute(Notification.__table__.insert(), self.notifications)
        mail.queue(self.session, self.emails)
        if self.touched:
            # A step being completed at this very moment on one of these cases gets a clear conflict
            # (its lock version moved) instead of colliding with our history event.
            # The rows also take their last event's seq and hash (the next event chains to it).
            self.session.execute(
                update(_cases)
                .where(_cases.c.id == bindparam("case_id"))
                .values(lock_version=_cases.c.lock_version + 1, last_seq=bindparam("seq"),
                        last_hash=bindparam("hash")),
                [{"case_id": case_id, "seq": self.previous[case_id].seq, "hash": self.previous[case_id].hash}
                 for case_id in sorted(self.touched)],
            )


def _overdue_policies(session: Session, steps: list[Task]) -> dict[int, deadlines.ReminderPolicy]:
    """Each step's reminder policy, from its case's diagram version (parsed once per version)."""
    rows = session.execute(
        select(Case.id, ProcessVersion)
        .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
        .options(defer(ProcessVersion.xml), defer(ProcessVersion.forms))
        .where(Case.id.in_({s.case_id for s in steps}))
    ).all()
    version_of = {case_id: version for case_id, version in rows}
    policies = {}
    for step in steps:
        process = processes.compiled(version_of[step.case_id])
        policies[step.id] = deadlines.policy_for(process, process.user_task(step.spec_id))
    return policies


def _plan_next_overdue(session: Session, chained: list[tuple[DueJob, Task]], now: datetime) -> None:
    """Overdue reminders are planned one at a time, so they stop by themselves when the step closes."""
    if not chained:
        return
    policies = _overdue_policies(session, [step for _, step in chained])
    closures: frozenset[date] = deadlines.closure_days(session)
    following = [
        deadlines.next_overdue_job(
            step, step.due_at, int(job.payload["working_days"]), policies[step.id].overdue_every, closures
        )
        for job, step in chained
        if policies[step.id].overdue_every
    ]
    jobs.enqueue(session, following, now)


def send_reminders(
    ctx: ServiceContext, session: Session, batch: list[DueJob], now: datetime
) -> dict[int, jobs.Outcome]:
    """The handler of due reminders and escalations (registered at start-up), inside the batch's transaction."""
    cases = _lock_cases(session, {job.case_id for job in batch if job.case_id is not None})
    steps = {
        s.id: s
        for s in session.scalars(
            select(Task)
            .where(Task.id.in_({job.task_id for job in batch}))
            .execution_options(populate_existing=True)
        )
    }
    live = [job for job in batch if _applies(job, steps.get(job.task_id)) and job.case_id in cases]
    outcomes = {job.id: _SKIPPED_STEP for job in batch}
    if not live:
        return outcomes
    people = Recipients(session, [steps[job.task_id] for job in live], any(j.kind == "escalation" for j in live))
    effects = _Batch(ctx, session, cases, now)
    chained = []
    for job in sorted(live, key=lambda j: (j.case_id, j.run_at, j.id)):
        step, status = steps[job.task_id], cases[job.case_id].status
        escalation = job.kind == "escalation"
        if status == "running":
            effects.notify(job, step, people.for_step(step, escalation), escalation)
            outcomes[job.id] = _DONE  # what was sent, and to whom, is in the case's history
        else:
            outcomes[job.id] = jobs.Outcome("skipped", {"reason": f"the case is {status}"})
        if not escalation and job.payload["stage"] == "overdue" and status in ("running", "suspended"):
            chained.append((job, step))
    effects.write()
    _plan_next_overdue(session, chained, now)
    return outcomes
