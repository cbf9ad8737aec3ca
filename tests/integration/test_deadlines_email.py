"""Reminder and escalation e-mail, received by a real SMTP server on this machine, in Thai."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import compat32

import pytest
from sqlalchemy import select, update

from app.services.accounts import preferences
from app.services.cases import lifecycle
from app.services.ops import ticks
from app.store.deadline_models import OutgoingEmail
from app.store.models import Event, User
from app.thaidate import BANGKOK

from ..diagrams import deploy, one_step
from ..mailbox import Mailbox

SENDER = "กลุ่มนโยบายและแผน สพป.ขอนแก่น เขต 1 <plan@khonkaen1.go.th>"


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


def _mail_settings(ctx, smtp_url):
    ctx.settings.update(smtp_url=smtp_url, mail_from=SENDER, base_url="https://planflow.khonkaen1.go.th")
    with ctx.write() as session:
        for username in ("plan1", "plan2", "director"):
            session.execute(
                update(User).where(User.username == username).values(email=f"{username}@khonkaen1.go.th")
            )


def _raw(message, name: str) -> str:
    return message_from_bytes(message.as_bytes(), policy=compat32)[name]


def _mornings(ctx, clock, first: date, last: date):
    day = first
    while day <= last:
        clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=BANGKOK))
        ticks.run_until_idle(ctx, "scheduler-test")
        day += timedelta(days=1)


def _open_letter(ctx, people, clock):
    deploy(ctx, "letter", one_step("letter", {"dueWorkingDays": "3"}))
    clock.set(datetime(2027, 4, 9, 10, 0, tzinfo=BANGKOK))
    return lifecycle.start_case(ctx, people["plan1"], "letter", "หนังสือขอข้อมูลแผนปฏิบัติราชการ")


def test_reminders_arrive_by_email_in_thai_with_a_link_to_the_step(ctx, people, clock, mailbox):
    _mail_settings(ctx, mailbox.url)
    preferences.update_preferences(ctx, people["plan2"], email_notifications=False)
    case = _open_letter(ctx, people, clock)
    step_id = case["open_tasks"][0]["id"]
    _mornings(ctx, clock, date(2027, 4, 9), date(2027, 4, 12))
    received = mailbox.messages
    assert len(received) == 1, "owner has no address and plan2 turned e-mail off"
    message = received[0]
    assert message["Subject"] == f"[PlanFlow] ใกล้ครบกำหนด: จัดทำหนังสือตอบ ({case['number']})"
    assert message["To"] == "plan1@khonkaen1.go.th"
    # The sender's Thai name is folded into several encoded words; RFC 2047 decoding joins them. (The
    # standard library's newer address parser puts a space between them, so decode the raw header.)
    assert str(make_header(decode_header(_raw(message, "From")))) == SENDER
    body = message.get_content()
    assert "19 เมษายน 2570 เวลา 16:30 น." in body
    assert f"https://planflow.khonkaen1.go.th/tasks/{step_id}" in body
    with ctx.read() as session:
        event = session.scalar(
            select(Event).where(Event.case_id == case["id"], Event.kind == "reminder_sent")
        )
        assert event.data["emailed"] == ["plan1"] and event.data["message_ids"] == [message["Message-ID"]]

    _mornings(ctx, clock, date(2027, 4, 13), date(2027, 4, 22))
    escalations = [m for m in mailbox.messages if m["To"] == "director@khonkaen1.go.th"]
    assert [m["Subject"] for m in escalations] == [
        f"[PlanFlow] เรื่องล่าช้าเกินกำหนด 3 วันทำการ: จัดทำหนังสือตอบ ({case['number']})"
    ]
    assert "โปรดติดตามหรือมอบหมายผู้ปฏิบัติงาน" in escalations[0].get_content()
    # This letter's messages: the monitoring rounds the scheduler started late on the 9th remind plan1 too.
    ids = [m["Message-ID"] for m in mailbox.messages if f"({case['number']})" in m["Subject"]]
    assert len(ids) == len(set(ids)) == 6, "before, due, three overdue days to plan1, one escalation"


def test_a_mail_server_that_is_down_keeps_the_email_and_it_goes_when_the_server_is_back(
    ctx, people, clock, mailbox
):
    _mail_settings(ctx, "smtp://127.0.0.1:9")  # nothing listens on the discard port
    _open_letter(ctx, people, clock)
    # The monitoring rounds of 1 Jan and 1 Apr 2570, due since the December deploy, start now (no e-mail):
    # the tick below then carries out the letter's reminder alone.
    ticks.run_until_idle(ctx, "scheduler-test")
    clock.set(datetime(2027, 4, 12, 9, 0, tzinfo=BANGKOK))
    result = ticks.run_tick(ctx, "scheduler-test")
    assert result["jobs"]["done"] == 1 and result["mail"] == {"sent": 0, "failed": 2}, "to plan1 and plan2"
    with ctx.read() as session:
        waiting = session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id)).all()
        assert [(m.status, m.attempts) for m in waiting] == [("pending", 1), ("pending", 1)]
        assert "cannot reach the mail server" in waiting[0].last_error
    ctx.settings["smtp_url"] = mailbox.url
    assert ticks.run_tick(ctx, "scheduler-test")["mail"]["sent"] == 0, "it waits for its back-off"
    clock.advance(minutes=1)
    assert ticks.run_tick(ctx, "scheduler-test")["mail"]["sent"] == 2
    assert sorted(m["To"] for m in mailbox.messages) == ["plan1@khonkaen1.go.th", "plan2@khonkaen1.go.th"]
