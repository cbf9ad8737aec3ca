"""Scheduler processes (real OS processes) against one database: every reminder exactly once, even when
one of them is killed in the middle of its work."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.store import db
from app.store.deadline_models import DueJob, OutgoingEmail
from app.store.models import Case
from app.thaidate import BANGKOK

from ..mailbox import Mailbox
from ..scheduler_load import seed_due_reminders, tally

ROOT = Path(__file__).resolve().parents[2]


def _cli_env(url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PLANFLOW_SECRET_KEY": "test",
        "PLANFLOW_INSTANCE_DIR": str(tmp_path),
    }
    env.pop("PLANFLOW_SMTP_URL", None)
    return env


@pytest.mark.parametrize("backend", ["postgresql"])
def test_two_scheduler_processes_send_ten_thousand_due_reminders_exactly_once(database_url, tmp_path):
    seed_due_reminders(database_url, 10_000, datetime.now(UTC) - timedelta(minutes=1))
    command = [sys.executable, "-m", "app.cli", "scheduler", "--until-idle"]
    workers = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=_cli_env(database_url, tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode(errors="replace")[-2000:]
    counts = tally(database_url)
    assert _seeded_reminder_jobs(database_url) == {"done": 10_000}
    assert counts["notifications"] == 10_000 and counts["duplicate_notifications"] == 0
    assert counts["reminder_events"] == 10_000 and counts["duplicate_events"] == 0
    assert len(counts["workers"]) == 2 and min(counts["workers"].values()) > 0, "both schedulers took a share"


class _Counter:
    """Reads progress from the database while a scheduler process works."""

    def __init__(self, url: str):
        self.database = db.connect(url)

    def done(self) -> int:
        with self.database.reader() as session:
            return session.scalar(select(func.count()).select_from(DueJob).where(DueJob.status == "done"))

    def sent(self) -> int:
        with self.database.reader() as session:
            return session.scalar(
                select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.status == "sent")
            )

    def intents(self) -> list[str]:
        with self.database.reader() as session:
            return list(session.scalars(select(OutgoingEmail.message_id)))


def _seeded_reminder_jobs(url: str) -> dict[str, int]:
    """The seeded reminders' jobs by status. The office's timed starts have jobs too: pending until their day
    (monitoring each quarter from 1 Jan 2570, evaluation and reporting on 1 Oct), and on 19 April 2570 the
    scheduler starts the monitoring rounds of 1 Jan and 1 Apr, due since the deploy, and plans their reminders."""
    database = db.connect(url)
    try:
        with database.reader() as session:
            return dict(
                session.execute(
                    select(DueJob.status, func.count())
                    .join(Case, Case.id == DueJob.case_id)
                    .where(DueJob.kind == "reminder", Case.number.like("L/%"))
                    .group_by(DueJob.status)
                ).all()
            )
    finally:
        database.dispose()


def _scheduler_at(url: str, now: datetime, smtp_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.scheduler_load", url, now.isoformat(), smtp_url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _kill_when(process: subprocess.Popen, reached, timeout: float = 120) -> None:
    """SIGKILL the process as soon as `reached()` holds, and check it was still at work then."""
    limit = time.monotonic() + timeout
    while not reached():
        assert process.poll() is None, process.stderr.read().decode(errors="replace")[-2000:]
        assert time.monotonic() < limit, "the scheduler made no progress"
        time.sleep(0.02)  # waiting for another process, not for time to pass
    assert process.poll() is None, "the scheduler had already finished: nothing was interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_a_scheduler_killed_in_the_middle_of_its_work_loses_nothing_and_repeats_nothing(
    database_url, backend
):
    count = 1000 if backend == "postgresql" else 600
    monday = datetime(2027, 4, 19, 8, 30, tzinfo=BANGKOK)
    mailbox = Mailbox()
    try:
        seed_due_reminders(database_url, count, monday, email="plan1@khonkaen1.go.th")
        progress = _Counter(database_url)
        first = _scheduler_at(database_url, monday + timedelta(minutes=1), mailbox.url)
        _kill_when(first, lambda: progress.done() >= count // 5)  # killed while carrying out reminders
        interrupted_at = progress.done()
        assert 0 < interrupted_at < count
        second = _scheduler_at(database_url, monday + timedelta(minutes=10), mailbox.url)
        _kill_when(second, lambda: progress.sent() >= count // 3)  # killed while sending e-mail
        # Messages claimed by the killed scheduler are sent again once their claim (5 minutes) runs out.
        third = _scheduler_at(database_url, monday + timedelta(minutes=20), mailbox.url)
        _, err = third.communicate(timeout=300)
        assert third.returncode == 0, err.decode(errors="replace")[-2000:]

        counts = tally(database_url)
        assert _seeded_reminder_jobs(database_url) == {"done": count}, "nothing lost"
        assert counts["notifications"] == count and counts["duplicate_notifications"] == 0, "nothing twice"
        assert counts["reminder_events"] == count and counts["duplicate_events"] == 0
        assert counts["emails"] == {"sent": count}
        received = collections.Counter(m["Message-ID"] for m in mailbox.messages)
        assert set(received) == set(progress.intents()), "every e-mail arrived"
        repeats = sum(n - 1 for n in received.values())
        # At least once: a message the server accepted just before the kill, not yet marked sent, goes
        # again — with the same Message-ID, so it is recognisable. At most the one in flight.
        assert repeats <= 1, received.most_common(3)
        progress.database.dispose()
    finally:
        mailbox.stop()
