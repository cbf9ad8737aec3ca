"""Many due reminders at once, for the multi-process scheduler tests and the benchmark.

`seed_due_reminders` writes N open steps (one per case) each with one reminder due, straight into the
tables: starting ten thousand cases through the engine would take minutes and test nothing more.
`python -m tests.scheduler_load DATABASE_URL NOW [SMTP_URL]` is a scheduler process whose clock stands
at NOW, so a test can kill it and start another one later "in time" without sleeping.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

from app.store import db
from app.store.deadline_models import DueJob, Notification, OutgoingEmail
from app.store.models import Case, Event, ProcessVersion, Task, User

ROOT = Path(__file__).resolve().parent.parent


def seed_due_reminders(
    url: str, count: int, due_at: datetime, assignee: str = "plan1", email: str | None = None
) -> None:
    """`count` open budget_transfer steps held by `assignee`, each with a reminder due at `due_at`."""
    database = db.connect(url)
    try:
        with database.writer() as session:
            version = session.scalar(
                select(ProcessVersion)
                .where(ProcessVersion.key == "budget_transfer")
                .order_by(ProcessVersion.version.desc())
                .limit(1)
            )
            first_case = (session.scalar(select(func.max(Case.id))) or 0) + 1
            first_task = (session.scalar(select(func.max(Task.id))) or 0) + 1
            if email:
                session.execute(update(User).where(User.username == assignee).values(email=email))
            step_due = due_at + timedelta(hours=8)
            cases, tasks, jobs = [], [], []
            for n in range(count):
                case_id, task_id = first_case + n, first_task + n
                cases.append(
                    {
                        "id": case_id,
                        "number": f"L/{case_id:06d}",
                        "fiscal_year": 2570,
                        "process_version_id": version.id,
                        "process_key": version.key,
                        "title": f"โอนงบประมาณ รายการที่ {n + 1}",
                        "status": "running",
                        "state": "",
                        "state_format": 1,
                        "data": {},
                        "lock_version": 1,
                        "started_by": assignee,
                        "started_at": due_at - timedelta(days=5),
                        "last_event_at": due_at - timedelta(days=5),
                    }
                )
                tasks.append(
                    {
                        "id": task_id,
                        "case_id": case_id,
                        "engine_id": str(uuid.UUID(int=task_id)),
                        "spec_id": "analysis",
                        "name": "วิเคราะห์คำขอโอนงบประมาณ",
                        "lane": "plan_staff",
                        "group_code": "plan_staff",
                        "assignee": assignee,
                        "status": "claimed",
                        "created_at": due_at - timedelta(days=5),
                        "due_at": step_due,
                    }
                )
                jobs.append(
                    {
                        "key": f"reminder:{task_id}:{int(step_due.timestamp())}:due",
                        "kind": "reminder",
                        "status": "pending",
                        "due_at": due_at,
                        "run_at": due_at,
                        "case_id": case_id,
                        "task_id": task_id,
                        "attempts": 0,
                        "created_at": due_at,
                        "payload": {"stage": "due", "working_days": 0, "task_due_at": step_due.isoformat()},
                    }
                )
            for table, rows in ((Case, cases), (Task, tasks), (DueJob, jobs)):
                for start in range(0, len(rows), 2000):
                    session.execute(insert(table.__table__), rows[start : start + 2000])
            if database.url.startswith("postgresql"):
                for table in ("cases", "tasks"):
                    session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
            session.commit()
    finally:
        database.dispose()


def tally(url: str) -> dict:
    """What the schedulers did: jobs by status, notifications, history events, e-mails, and any duplicates."""
    database = db.connect(url)
    try:
        with database.reader() as session:
            per_job = (
                select(Notification.job_key, func.count().label("n"))
                .group_by(Notification.job_key)
                .subquery()
            )
            per_case = (
                select(Event.case_id, func.count().label("n"))
                .where(Event.kind == "reminder_sent")
                .group_by(Event.case_id)
                .subquery()
            )
            return {
                "jobs": dict(
                    session.execute(select(DueJob.status, func.count()).group_by(DueJob.status)).all()
                ),
                "workers": dict(
                    session.execute(
                        select(DueJob.done_by, func.count())
                        .where(DueJob.done_by.is_not(None))
                        .group_by(DueJob.done_by)
                    ).all()
                ),
                "notifications": session.scalar(select(func.count()).select_from(Notification)),
                "duplicate_notifications": session.scalar(
                    select(func.count()).select_from(per_job).where(per_job.c.n > 1)
                ),
                "reminder_events": session.scalar(
                    select(func.count()).select_from(Event).where(Event.kind == "reminder_sent")
                ),
                "duplicate_events": session.scalar(
                    select(func.count()).select_from(per_case).where(per_case.c.n > 1)
                ),
                "emails": dict(
                    session.execute(
                        select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)
                    ).all()
                ),
                "first_done": session.scalar(select(func.min(DueJob.done_at))),
                "last_done": session.scalar(select(func.max(DueJob.done_at))),
            }
    finally:
        database.dispose()


def main(argv: list[str]) -> int:
    from app.services import startup
    from app.services.kernel.context import ServiceContext
    from app.services.ops import ticks

    startup.install()
    url, now = argv[0], datetime.fromisoformat(argv[1])
    settings = (
        {
            "smtp_url": argv[2],
            "mail_from": "กลุ่มนโยบายและแผน <plan@khonkaen1.go.th>",
            "base_url": "https://planflow.example",
        }
        if len(argv) > 2
        else {}
    )
    ctx = ServiceContext(
        db=db.connect(url),
        attachments_dir=ROOT / "instance",
        forms_dir=ROOT / "forms",
        processes_dir=ROOT / "processes",
        clock=lambda: now,
        settings=settings,
    )
    print(json.dumps(ticks.run_until_idle(ctx, ticks.worker_name())), flush=True)
    ctx.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
