"""Per-school rounds that close (issue 15, item 2), told as the office lives them, through the service layer:
the plan staff close a round with three schools silent and the case moves on naming them; a late school is
refused; the closing date closes the round by itself, once, however many schedulers run; reminders go to the
late schools only; the office reviews what the schools sent in one table and sends one school back."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.services.audit import verification
from app.services.calendar import jobs
from app.services.cases import inbox, lifecycle, rounds, step_actions
from app.services.kernel.errors import Conflict, Forbidden, Invalid, NotFound, RoundClosed
from app.services.ops import ticks
from app.store.deadline_models import DueJob, Notification
from app.store.models import Event, Task

from ..at_once import at_once
from ..samples import fill
from ..stories import start

SCHOOLS = [f"104005000{i}" for i in range(1, 6)]
NAMES = {"1040050003": "โรงเรียนบ้านท่าพระ", "1040050004": "โรงเรียนบ้านดอนหัน", "1040050005": "โรงเรียนบ้านหนองเรือ"}
ITEMS = [{"category": "operating", "item": "ค่าวัสดุการเรียนการสอน", "amount": 120_000}]


def _school_step(case, number: int, spec_id: str = "school_budget_request") -> dict:
    return next(t for t in case.refresh()["open_tasks"]
                if t["spec_id"] == spec_id and t["group"] == f"school-{SCHOOLS[number - 1]}")


def _send(case, number: int, spec_id: str = "school_budget_request", **overrides) -> dict:
    """School `number` (1-5 of the demo register) sends its own step, as its own user."""
    step = _school_step(case, number, spec_id)
    who = case.people[f"school{number}"]
    form = step_actions.get_task(case.ctx, who, step["id"])["form"]
    data = fill(form, {"request_items": ITEMS, **overrides}, attachment_id=case.attachment())
    return step_actions.complete(case.ctx, who, step["id"], data)


def _round(ctx, people, closes_on: str = "2026-12-17"):
    case = start(ctx, people, "budget_request", title="จัดตั้งงบประมาณ พ.ศ. 2571")
    case.complete("notify_schools", "plan1", requests_close_on=closes_on)
    case.send_letter()  # the schools hear of the round by the office's circular
    return case


def _verified(case) -> None:
    verdict = verification.verify_case(case.ctx, case.people["auditor"], case.id)
    assert verdict.ok, verdict.problems


def _events(ctx, case_id: int, kind: str) -> list[Event]:
    with ctx.read() as session:
        return list(session.scalars(select(Event).where(Event.case_id == case_id, Event.kind == kind)
                                    .order_by(Event.seq)))


def test_the_plan_staff_close_a_round_with_three_schools_silent_and_the_case_moves_on_naming_them(ctx, people):
    case = _round(ctx, people)
    for number in (1, 2):
        _send(case, number)
    [open_round] = rounds.list_rounds(ctx, people["plan1"], case.id)
    assert (open_round["expected"], open_round["received"]) == (5, 2)
    assert open_round["closes_at"] == "2026-12-17T09:30:00+00:00", "16:30 Bangkok on the closing date"
    assert open_round["may_close"] is True

    closed = rounds.close_round(ctx, people["plan1"], case.id, "school_budget_request", "ครบกำหนดตามหนังสือแจ้ง")
    assert [t["spec_id"] for t in closed["open_tasks"]] == ["review_school_requests"], "the case moved on"
    [event] = _events(ctx, case.id, "round_closed")
    assert event.actor == "plan1" and event.data["closed_by"] == "staff"
    assert [(m["code"], m["name"]) for m in event.data["missing"]] == list(NAMES.items())
    assert (event.data["received"], event.data["expected"]) == (2, 5)
    assert rounds.list_rounds(ctx, people["plan1"], case.id) == []
    _verified(case)


def test_a_school_sending_after_the_close_is_refused_in_thai_and_nothing_changes(ctx, people):
    case = _round(ctx, people)
    _send(case, 1)
    late = _school_step(case, 3)
    rounds.close_round(ctx, people["director"], case.id, "school_budget_request")
    assert late["id"] not in [t["id"] for t in inbox.list_tasks(ctx, people["school3"])], "gone from its inbox"
    with ctx.read() as session:
        before = (session.scalar(select(func.count(Event.id))), session.get(Task, late["id"]).status)
    form = step_actions.get_task(ctx, people["school3"], late["id"])["form"]
    with pytest.raises(RoundClosed) as refused:
        step_actions.complete(ctx, people["school3"], late["id"], fill(form, {"request_items": ITEMS},
                                                                       attachment_id=case.attachment()))
    assert refused.value.status == 409 and refused.value.message.startswith("ปิดรับแล้ว")
    with ctx.read() as session:
        after = (session.scalar(select(func.count(Event.id))), session.get(Task, late["id"]).status)
    assert before == after == (before[0], "cancelled")
    _verified(case)


def test_only_the_plan_staff_and_the_group_director_close_a_round(ctx, people):
    case = _round(ctx, people)
    # they see the case (the office director signed its circular), and may not close its round
    for who in ("school1", "auditor", "office"):
        with pytest.raises(Forbidden):
            rounds.close_round(ctx, people[who], case.id, "school_budget_request")
    with pytest.raises(NotFound):  # not a case of their groups: they are not told it exists
        rounds.close_round(ctx, people["secretary"], case.id, "school_budget_request")
    with pytest.raises(Invalid):
        rounds.close_round(ctx, people["plan1"], case.id, "school_budget_request", "x" * 1001)
    assert _events(ctx, case.id, "round_closed") == []
    rounds.close_round(ctx, people["plan2"], case.id, "school_budget_request")
    with pytest.raises(Conflict):
        rounds.close_round(ctx, people["plan2"], case.id, "school_budget_request")


def _tick(ctx) -> dict:
    return ticks.run_tick(ctx, "test-scheduler")


def test_the_closing_date_closes_the_round_by_itself_once(ctx, people, clock):
    case = _round(ctx, people, closes_on="2026-12-10")
    for number in (1, 2, 4):
        _send(case, number)
    clock.set(datetime(2026, 12, 10, 9, 29, tzinfo=UTC))
    _tick(ctx)
    assert _events(ctx, case.id, "round_closed") == [], "not a minute early"
    clock.set(datetime(2026, 12, 10, 9, 30, tzinfo=UTC))
    _tick(ctx)
    [event] = _events(ctx, case.id, "round_closed")
    assert event.actor is None and event.data["closed_by"] == "closing_date"
    assert [m["code"] for m in event.data["missing"]] == [SCHOOLS[2], SCHOOLS[4]]
    assert case.open_steps() == ["review_school_requests"]
    clock.advance(days=1)
    _tick(ctx)
    assert len(_events(ctx, case.id, "round_closed")) == 1
    _verified(case)


def test_two_schedulers_at_the_closing_time_close_the_round_once(ctx, people, clock):
    case = _round(ctx, people, closes_on="2026-12-10")
    _send(case, 1)
    clock.set(datetime(2026, 12, 10, 9, 31, tzinfo=UTC))
    at_once(lambda: jobs.run_due(ctx, "scheduler-1"), lambda: jobs.run_due(ctx, "scheduler-2"))
    assert len(_events(ctx, case.id, "round_closed")) == 1
    with ctx.read() as session:
        closing = session.scalars(select(DueJob).where(DueJob.kind == "round_close")).all()
    assert [j.status for j in closing] == ["done"]
    _verified(case)


def test_reminders_go_to_the_late_schools_only_before_and_on_the_closing_day(ctx, people, clock):
    case = _round(ctx, people, closes_on="2026-12-17")  # a Thursday
    for number in (1, 2):
        _send(case, number)
    clock.set(datetime(2026, 12, 15, 1, 31, tzinfo=UTC))  # 08:31 Tuesday, two working days before
    jobs.run_due(ctx, "test")
    clock.set(datetime(2026, 12, 17, 1, 31, tzinfo=UTC))  # 08:31 on the closing day
    jobs.run_due(ctx, "test")
    reminded = [e for e in _events(ctx, case.id, "reminder_sent")]
    stages = sorted((e.data["stage"], tuple(e.data["to"])) for e in reminded)
    assert stages == sorted([(stage, (f"school{n}",)) for stage in ("before", "due") for n in (3, 4, 5)])
    with ctx.read() as session:
        titles = session.scalars(select(Notification.title).join(Task, Task.id == Notification.task_id)
                                 .order_by(Notification.id)).all()
    assert titles[0].startswith("ใกล้ปิดรับ") and titles[-1].startswith("ปิดรับวันนี้")
    clock.set(datetime(2026, 12, 18, 1, 31, tzinfo=UTC))  # the day after: the round closed, no overdue reminder
    jobs.run_due(ctx, "test")
    assert len(_events(ctx, case.id, "reminder_sent")) == 6
    assert len(_events(ctx, case.id, "round_closed")) == 1


def test_the_review_table_is_filled_from_the_submissions_and_the_register(ctx, people):
    case = _round(ctx, people)
    _send(case, 1, request_items=[{"category": "operating", "item": "วัสดุ", "amount": 100_000},
                                  {"category": "investment", "item": "ครุภัณฑ์", "amount": 50_000}])
    _send(case, 2)
    rounds.close_round(ctx, people["plan1"], case.id, "school_budget_request")
    review = step_actions.get_task(ctx, people["plan1"], case.task_of("review_school_requests")["id"])
    table = review["round_review"]
    assert table["field"] == "request_returns" and table["round"] == "school_budget_request"
    assert [(r["code"], r["name"], r["status"]) for r in table["rows"]] == [
        ("1040050001", "โรงเรียนบ้านโนนทัน", "received"), ("1040050002", "โรงเรียนบ้านศิลา", "received"),
        *[(code, name, "missing") for code, name in NAMES.items()]]
    assert table["rows"][0]["values"] == {"total": 150_000, "items": table["rows"][0]["values"]["items"],
                                          "mtef_file": case.attachment()}
    assert len(table["rows"][0]["values"]["items"]) == 2
    assert table["counts"] == {"received": 2, "corrected": 0, "sent_back": 0, "missing": 3}


def test_one_school_sent_back_corrects_and_the_review_sees_the_correction(ctx, people):
    case = _round(ctx, people)
    for number in range(1, 6):
        _send(case, number)
    review = case.task_of("review_school_requests")
    with pytest.raises(Invalid) as refused:
        step_actions.complete(ctx, people["plan1"], review["id"], {"request_returns": [
            {"code": "9999999999", "reason": "ไม่มีในทะเบียน"}]})
    assert list(refused.value.fields) == ["request_returns.0.code"]
    case.complete("review_school_requests", "plan1", request_returns=[
        {"code": SCHOOLS[1], "reason": "ยอดรวมงบดำเนินงานไม่ตรงกับรายการ"}], request_corrections_close_on="2026-12-24")
    [correction] = case.refresh()["open_tasks"]
    assert (correction["spec_id"], correction["group"]) == ("correct_school_request", f"school-{SCHOOLS[1]}")
    assert correction["instance"]["returned_reason"] == "ยอดรวมงบดำเนินงานไม่ตรงกับรายการ"
    assert correction["due_at"] == "2026-12-24T09:30:00+00:00"
    detail = step_actions.get_task(ctx, people["school2"], correction["id"])
    assert detail["previous_submission"]["request_items"] == ITEMS, "the correction starts from what it sent"
    _send(case, 2, "correct_school_request",
          request_items=[{"category": "operating", "item": "ค่าวัสดุการเรียนการสอน", "amount": 90_000}])
    review = step_actions.get_task(ctx, people["plan1"], case.task_of("review_school_requests")["id"])
    row = next(r for r in review["round_review"]["rows"] if r["code"] == SCHOOLS[1])
    assert (row["status"], row["values"]["total"]) == ("corrected", 90_000)
    case.complete("review_school_requests", "plan1", request_returns=[])
    assert case.open_steps() == ["analyse_suitability"]
    assert case.case["data"]["requests_total"] == 4 * 120_000 + 90_000
    _verified(case)


def test_a_correction_round_closed_without_the_correction_leaves_the_school_sent_back(ctx, people):
    case = _round(ctx, people)
    for number in range(1, 6):
        _send(case, number)
    case.complete("review_school_requests", "plan1", request_returns=[
        {"code": SCHOOLS[0], "reason": "แนบไฟล์ MTEF ผิดฉบับ"}])
    rounds.close_round(ctx, people["plan1"], case.id, "correct_school_request", "สถานศึกษาไม่ส่งแก้ไข")
    review = step_actions.get_task(ctx, people["plan1"], case.task_of("review_school_requests")["id"])
    row = review["round_review"]["rows"][0]
    assert (row["status"], row["returned_reason"], row["values"]["total"]) == (
        "sent_back", "แนบไฟล์ MTEF ผิดฉบับ", 120_000), "it keeps what it first sent"
    _verified(case)


def test_a_round_whose_closing_passed_while_its_case_was_suspended_closes_when_it_resumes(ctx, people, clock):
    case = _round(ctx, people, closes_on="2026-12-10")
    _send(case, 1)
    lifecycle.change_status(ctx, people["director"], case.id, "suspend", "รอนโยบาย")
    with pytest.raises(Conflict):
        rounds.close_round(ctx, people["plan1"], case.id, "school_budget_request")
    clock.set(datetime(2026, 12, 11, 2, 0, tzinfo=UTC))
    _tick(ctx)
    assert _events(ctx, case.id, "round_closed") == [], "a suspended case's round waits"
    lifecycle.change_status(ctx, people["director"], case.id, "resume", "ได้รับนโยบายแล้ว")
    clock.advance(minutes=1)
    _tick(ctx)
    [event] = _events(ctx, case.id, "round_closed")
    assert event.data["closed_by"] == "closing_date" and len(event.data["missing"]) == 4
    assert case.open_steps() == ["review_school_requests"]
    _verified(case)
