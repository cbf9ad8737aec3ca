"""The deadline routes over HTTP: notifications, a person's settings and calendar, the office's holidays."""

from __future__ import annotations

from datetime import datetime

import pytest

from app import config
from app.services.accounts import users
from app.services.cases import lifecycle
from app.services.ops import ticks
from app.thaidate import BANGKOK
from app.web import create_app

from ..diagrams import deploy, one_step


@pytest.fixture
def client(ctx, tmp_path):
    settings = config.Settings(
        database_url=ctx.db.url,
        secret_key="test",
        attachments_dir=tmp_path / "files",
        forms_dir=ctx.forms_dir,
        processes_dir=ctx.processes_dir,
        instance_dir=tmp_path,
        testing=True,
    )
    return create_app(settings, context=ctx).test_client()


def _auth(ctx, username):
    return {"Authorization": f"Bearer {users.create_token(ctx, username)}"}


def _overdue_letter(ctx, people, clock):
    deploy(ctx, "letter", one_step("letter", {"dueWorkingDays": "3"}))
    clock.set(datetime(2027, 4, 9, 10, 0, tzinfo=BANGKOK))
    case = lifecycle.start_case(ctx, people["plan1"], "letter", "หนังสือขอข้อมูล")
    clock.set(datetime(2027, 4, 12, 9, 0, tzinfo=BANGKOK))
    ticks.run_until_idle(ctx, "scheduler-test")
    return case


def test_a_person_reads_their_reminders_and_marks_them_read(ctx, people, clock, client):
    case = _overdue_letter(ctx, people, clock)
    headers = _auth(ctx, "plan1")
    inbox = client.get("/api/v1/notifications?unread=true", headers=headers).get_json()
    assert len(inbox) == 1 and inbox[0]["kind"] == "reminder" and inbox[0]["case_id"] == case["id"]
    assert inbox[0]["link"] == f"/tasks/{case['open_tasks'][0]['id']}"
    read = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert client.get("/api/v1/notifications?unread=true", headers=headers).get_json() == []
    other = client.post(f"/api/v1/notifications/{inbox[0]['id']}/read", headers=_auth(ctx, "plan2"))
    assert other.status_code == 404, "someone else's notification is as good as missing"
    assert client.get("/api/v1/notifications").status_code == 401


def test_a_person_turns_reminder_email_off(ctx, people, client):
    headers = _auth(ctx, "plan1")
    assert client.get("/api/v1/me/settings", headers=headers).get_json()["email_notifications"] is True
    changed = client.patch("/api/v1/me/settings", json={"email_notifications": False}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["email_notifications"] is False
    bad = client.patch("/api/v1/me/settings", json={"email_notifications": "no"}, headers=headers)
    assert bad.status_code == 400 and "email_notifications" in bad.get_json()["error"]["fields"]


def test_the_calendar_address_lists_the_persons_open_steps_with_their_due_dates(ctx, people, clock, client):
    case = _overdue_letter(ctx, people, clock)
    made = client.post("/api/v1/me/calendar", json={}, headers=_auth(ctx, "plan2")).get_json()
    assert made["path"].startswith("/calendar/") and made["path"].endswith(".ics")
    feed = client.get(made["path"])
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    text = feed.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "DTSTART;VALUE=DATE:20270419" in text
    unfolded = text.replace("\r\n ", "")
    assert f"SUMMARY:ครบกำหนด: จัดทำหนังสือตอบ ({case['number']})" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded at 75 octets"
    renewed = client.post("/api/v1/me/calendar", json={"renew": True}, headers=_auth(ctx, "plan2")).get_json()
    assert client.get(made["path"]).status_code == 404, "the old address stops working"
    assert client.get(renewed["path"]).status_code == 200
    office = client.post("/api/v1/me/calendar", json={}, headers=_auth(ctx, "office")).get_json()
    assert "VEVENT" not in client.get(office["path"]).get_data(as_text=True), "not the office director's step"


def test_the_administrator_adds_and_removes_a_closure(ctx, people, client):
    admin = _auth(ctx, "admin")
    added = client.post(
        "/api/v1/holidays", json={"date": "2027-04-16", "name": "ปิดสำนักงานกรณีพิเศษ"}, headers=admin
    )
    assert added.status_code == 201 and added.get_json()["date_th"] == "16 เมษายน 2570"
    year = client.get("/api/v1/holidays?year=2027", headers=_auth(ctx, "plan1")).get_json()
    april = [(d["date"], d["kind"]) for d in year if d["date"].startswith("2027-04")]
    assert april == [
        ("2027-04-06", "public_holiday"),
        ("2027-04-13", "public_holiday"),
        ("2027-04-14", "public_holiday"),
        ("2027-04-15", "public_holiday"),
        ("2027-04-16", "closure"),
    ]
    assert (
        client.post("/api/v1/holidays", json={"date": "2027-04-16", "name": "ซ้ำ"}, headers=admin).status_code
        == 409
    )
    assert (
        client.post("/api/v1/holidays", json={"date": "16/04/2570", "name": "x"}, headers=admin).status_code
        == 400
    )
    staff = client.post(
        "/api/v1/holidays", json={"date": "2027-04-19", "name": "x"}, headers=_auth(ctx, "plan1")
    )
    assert staff.status_code == 403
    assert client.delete("/api/v1/holidays/2027-04-16", headers=admin).status_code == 200
    assert client.delete("/api/v1/holidays/2027-04-16", headers=admin).status_code == 404


def test_the_administrator_sees_the_schedulers_state(ctx, people, clock, client):
    _overdue_letter(ctx, people, clock)
    state = client.get("/api/v1/scheduler", headers=_auth(ctx, "admin")).get_json()
    assert state["heartbeats"][0]["worker"] == "scheduler-test" and state["heartbeats"][0]["alive"]
    # The letter's first reminder, and the two monitoring rounds (1 Jan and 1 Apr 2570) that the office's
    # quarterly timer start had due since the processes were deployed in December: the scheduler starts
    # missed occurrences late, once each.
    assert state["jobs"]["done"] == 3 and state["failing"] == []
    assert client.get("/api/v1/scheduler", headers=_auth(ctx, "plan1")).status_code == 403
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/v1/notifications/{notification_id}/read" in paths and "patch" in paths["/api/v1/me/settings"]
