"""Timers in the diagrams: boundary timers on a step, and a process that starts itself every quarter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.services.audit import verification
from app.services.cases import inbox, lifecycle, step_actions
from app.services.ops import ticks
from app.services.scheduling import schedules, timers
from app.store.deadline_models import DueJob, ProcessSchedule
from app.store.models import Case, DueTimer, Event, Task
from app.thaidate import BANGKOK

from ..at_once import at_once
from ..diagrams import deploy, one_step, with_boundary_timers

QUARTERLY = '"R/2026-10-01T08:00:00+07:00/P3M"'


def _steps(ctx, people, case_id):
    return sorted(t["spec_id"] for t in lifecycle.get_case(ctx, people["admin"], case_id)["open_tasks"])


def test_an_interrupting_boundary_timer_cancels_the_step_and_takes_the_escalation_path(ctx, people, clock):
    deploy(ctx, "urgent_letter", with_boundary_timers("urgent_letter", '"P5D"', '"P2D"'))
    case = lifecycle.start_case(ctx, people["plan1"], "urgent_letter", "หนังสือด่วนที่สุด")
    answer = case["open_tasks"][0]
    step_actions.claim(ctx, people["plan1"], answer["id"])
    clock.advance(days=2, minutes=1)
    assert timers.fire_due_timers(ctx)["fired"] == 1
    assert _steps(ctx, people, case["id"]) == ["answer", "note_delay"], (
        "the non-interrupting timer adds a step and leaves the first one open"
    )
    clock.advance(days=3)
    assert ticks.run_tick(ctx, "scheduler-test")["timers"]["fired"] == 1
    assert _steps(ctx, people, case["id"]) == ["note_delay", "takeover"]
    with ctx.read() as session:
        cancelled = session.get(Task, answer["id"])
        assert (cancelled.status, cancelled.assignee) == ("cancelled", "plan1")
        takeover = session.scalar(select(Task).where(Task.case_id == case["id"], Task.spec_id == "takeover"))
        assert takeover.group_code == "group_director"
        assert session.get(DueTimer, case["id"]) is None, "no timer left to wait for"
    director_inbox = [
        t for t in inbox.list_tasks(ctx, people["director"], scope="mine") if t["group"] == "group_director"
    ]
    assert [t["spec_id"] for t in director_inbox] == ["takeover"]
    step_actions.complete(
        ctx,
        people["plan2"],
        next(
            t["id"]
            for t in lifecycle.get_case(ctx, people["admin"], case["id"])["open_tasks"]
            if t["spec_id"] == "note_delay"
        ),
        {},
    )
    step_actions.complete(ctx, people["director"], director_inbox[0]["id"], {})
    assert lifecycle.get_case(ctx, people["admin"], case["id"])["status"] == "completed"
    verdict = verification.verify_case(ctx, people["auditor"], case["id"])
    assert verdict.ok, verdict.problems


def test_a_step_finished_in_time_leaves_no_timer_behind(ctx, people, clock):
    deploy(ctx, "urgent_letter", with_boundary_timers("urgent_letter", '"P5D"', '"P2D"'))
    case = lifecycle.start_case(ctx, people["plan1"], "urgent_letter", "หนังสือด่วน")
    step_actions.complete(ctx, people["plan1"], case["open_tasks"][0]["id"], {})
    clock.advance(days=10)
    assert timers.fire_due_timers(ctx) == {"fired": 0, "failed": 0, "busy": 0}
    assert lifecycle.get_case(ctx, people["admin"], case["id"])["status"] == "completed"


def test_two_schedulers_fire_a_due_timer_once(ctx, people, clock):
    deploy(ctx, "urgent_letter", with_boundary_timers("urgent_letter", '"P5D"', '"P2D"'))
    case = lifecycle.start_case(ctx, people["plan1"], "urgent_letter", "หนังสือด่วน")
    clock.advance(days=2, minutes=1)
    results = at_once(lambda: timers.fire_due_timers(ctx), lambda: timers.fire_due_timers(ctx))
    assert sum(r["fired"] for r in results) == 1 and sum(r["failed"] for r in results) == 0
    with ctx.read() as session:
        fired = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.case_id == case["id"], Event.kind == "timers_fired")
        )
    assert fired == 1
    assert _steps(ctx, people, case["id"]) == ["answer", "note_delay"]


def _started(ctx, key):
    with ctx.read() as session:
        return session.execute(
            select(Case.number, Case.started_at, Case.title).where(Case.process_key == key).order_by(Case.id)
        ).all()


def test_a_quarterly_process_starts_one_case_each_quarter_by_itself(ctx, people, clock):
    deploy(
        ctx,
        "quarterly_follow_up",
        one_step("quarterly_follow_up", {"dueWorkingDays": "10"}, start_timer=QUARTERLY),
    )
    with ctx.read() as session:
        registry = session.get(ProcessSchedule, "quarterly_follow_up")
        assert registry.expression == "R/2026-10-01T08:00:00+07:00/P3M"
        assert registry.next_at == datetime(2027, 1, 1, 8, 0, tzinfo=BANGKOK), (
            "deployed in December 2026: the October occurrence has passed"
        )
    clock.set(datetime(2027, 1, 1, 7, 59, tzinfo=BANGKOK))
    ticks.run_until_idle(ctx, "scheduler-a")
    assert _started(ctx, "quarterly_follow_up") == []
    clock.set(datetime(2027, 1, 1, 8, 0, 30, tzinfo=BANGKOK))
    ticks.run_until_idle(ctx, "scheduler-a")
    ticks.run_until_idle(ctx, "scheduler-b")
    started = _started(ctx, "quarterly_follow_up")
    assert len(started) == 1 and started[0].title == "ตอบหนังสือ (รอบวันที่ 1 ม.ค. 2570)"
    first = lifecycle.list_cases(ctx, people["admin"], process_key="quarterly_follow_up")[0]
    assert [t["spec_id"] for t in first["open_tasks"]] == ["answer"], (
        "the start event fired once and moved on"
    )
    with ctx.read() as session:
        assert session.get(DueTimer, first["id"]) is None, (
            "the case does not wait for the next quarter itself"
        )
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=BANGKOK))
    ticks.run_until_idle(ctx, "scheduler-b")
    assert len(_started(ctx, "quarterly_follow_up")) == 2
    assert verification.verify_case(ctx, people["auditor"], first["id"]).ok


def test_a_scheduler_that_was_down_starts_the_missed_quarters_late_and_once_each(ctx, people, clock):
    deploy(ctx, "quarterly_follow_up", one_step("quarterly_follow_up", {}, start_timer=QUARTERLY))
    clock.set(datetime(2027, 7, 2, 9, 0, tzinfo=BANGKOK))
    at_once(lambda: ticks.run_until_idle(ctx, "scheduler-a"), lambda: ticks.run_until_idle(ctx, "scheduler-b"))
    titles = [row.title for row in _started(ctx, "quarterly_follow_up")]
    assert titles == [
        "ตอบหนังสือ (รอบวันที่ 1 ม.ค. 2570)",
        "ตอบหนังสือ (รอบวันที่ 1 เม.ย. 2570)",
        "ตอบหนังสือ (รอบวันที่ 1 ก.ค. 2570)",
    ]


def test_a_new_version_without_the_timer_stops_the_schedule(ctx, people, clock):
    deploy(ctx, "quarterly_follow_up", one_step("quarterly_follow_up", {}, start_timer=QUARTERLY))
    deploy(ctx, "quarterly_follow_up", one_step("quarterly_follow_up", {"dueWorkingDays": "5"}))
    # The office's own timed processes (monitoring, evaluation, reporting) have schedules of their own.
    mine = [s for s in schedules.list_schedules(ctx) if s["process_key"] == "quarterly_follow_up"]
    assert [s["active"] for s in mine] == [False]
    with ctx.read() as session:
        statuses = session.scalars(
            select(DueJob.status).where(DueJob.kind == "start", DueJob.key.like("start:quarterly_follow_up:%"))
        ).all()
    assert statuses == ["cancelled"]
    clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=BANGKOK))
    ticks.run_until_idle(ctx, "scheduler-a")
    assert _started(ctx, "quarterly_follow_up") == []


def test_a_start_timer_the_scheduler_cannot_follow_is_refused_at_deploy(ctx, people):
    import pytest

    from app.services.kernel.errors import InvalidDiagramError

    with pytest.raises(InvalidDiagramError) as refused:
        deploy(ctx, "bad_cycle", one_step("bad_cycle", {}, start_timer='"R/P3M"'))
    assert refused.value.details[0]["element_id"] == "start"


def test_starting_a_timer_process_by_hand_runs_it_once_now(ctx, people, clock):
    deploy(ctx, "quarterly_follow_up", one_step("quarterly_follow_up", {}, start_timer=QUARTERLY))
    case = lifecycle.start_case(ctx, people["plan1"], "quarterly_follow_up", "ติดตามผลรอบพิเศษ")
    assert [t["spec_id"] for t in case["open_tasks"]] == ["answer"]
    step_actions.complete(ctx, people["plan1"], case["open_tasks"][0]["id"], {})
    assert lifecycle.get_case(ctx, people["admin"], case["id"])["status"] == "completed"
