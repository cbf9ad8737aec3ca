"""What a case waits on besides people, kept in `case_waits` with every step: OBEC's allocation notice for the
performance agreement, the close of the development plan's hearing. The table always says what the stored
workflow says (after a step, a cancellation, a generated office, an upgrade of an older database), and the
supervisors' stalled and overdue lists read it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import select

from app import engine
from app.services.accounts import users
from app.services.audit import verification
from app.services.cases import lifecycle, messages, state_store, waits
from app.services.catalog import processes
from app.services.dashboard import overview
from app.services.ops import generator
from app.services.ops.demo import DEMO_PASSWORD
from app.services.scheduling import timers
from app.store import schema
from app.store.models import Case, CaseWait, DueTimer

from ..diagrams import deploy, notice_or_reminder
from ..stories import draft_from, start
from .test_procedures_part2 import NOTICE, _agreement_waiting_for_obec

HEARING_CLOSES = datetime(2026, 12, 10, 9, 30, tzinfo=UTC)  # 16:30 Bangkok on the closing day


def _projected(ctx) -> dict[int, list[tuple]]:
    """Every case's rows in case_waits."""
    with ctx.read() as session:
        found: dict[int, list[tuple]] = {}
        for row in session.scalars(select(CaseWait).order_by(CaseWait.case_id, CaseWait.since, CaseWait.engine_id)):
            found.setdefault(row.case_id, []).append(
                (row.engine_id, row.kind, row.element_id, row.name, row.message, row.form, row.lane, row.since,
                 row.due_at))
        return found


def _from_workflows(ctx) -> dict[int, list[tuple]]:
    """What each running or suspended case's stored workflow says it waits on, read the slow way."""
    with ctx.read() as session:
        found: dict[int, list[tuple]] = {}
        for case in session.scalars(select(Case).where(Case.status.in_(("running", "suspended")))):
            process = processes.compiled(case.version)
            workflow = state_store.load(session, process, case)
            rows = [(w.engine_id, w.kind, w.element_id, w.name, w.message, w.form, w.lane, w.since, w.due_at)
                    for w in engine.waiting_for(workflow, process)]
            if rows:
                found[case.id] = sorted(rows, key=lambda r: (r[7], r[0]))
        return found


def _hearing_open(ctx, people):
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    draft_from(plan, "review_mission")
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.complete("hearing_open", "plan1", hearing_closes_on="2026-12-10")
    return plan


def test_the_wait_for_obecs_notice_is_kept_while_it_lasts_and_gone_when_the_notice_is_recorded(ctx, people, clock):
    agreement = _agreement_waiting_for_obec(ctx, people)
    assert _projected(ctx) == _from_workflows(ctx)
    [wait] = _projected(ctx)[agreement.id]
    assert wait[1:7] == ("message", "obec_allocation_received", "รับแจ้งการจัดสรรงบประมาณจาก สพฐ.", "obec_allocation",
                         "performance_agreement_obec_allocation.json", "plan_staff")
    clock.advance(days=3)
    case = messages.deliver_message(ctx, people["plan1"], agreement.id, "obec_allocation", NOTICE)
    assert case["waiting_for"] == [] and _projected(ctx) == {}
    assert verification.verify_case(ctx, people["auditor"], agreement.id).ok, "replay never reads the projection"


def test_a_suspended_case_keeps_its_wait_and_a_cancelled_one_drops_it(ctx, people):
    agreement = _agreement_waiting_for_obec(ctx, people)
    suspended = lifecycle.change_status(ctx, people["admin"], agreement.id, "suspend", "รอผลการประชุม")
    assert [w["message"] for w in suspended["waiting_for"]] == ["obec_allocation"]
    cancelled = lifecycle.change_status(ctx, people["admin"], agreement.id, "cancel", "ยกเลิกข้อตกลง")
    assert cancelled["waiting_for"] == [] and _projected(ctx) == {}


def test_a_timer_wait_has_its_due_time_and_ends_when_it_fires(ctx, people, clock):
    plan = _hearing_open(ctx, people)
    [wait] = lifecycle.get_case(ctx, people["plan1"], plan.id)["waiting_for"]
    assert (wait["kind"], wait["element_id"], wait["due_at"]) == ("timer", "hearing_closed", HEARING_CLOSES.isoformat())
    clock.set(HEARING_CLOSES + timedelta(minutes=1))
    assert timers.fire_due_timers(ctx)["fired"] == 1
    case = lifecycle.get_case(ctx, people["plan1"], plan.id)
    assert case["waiting_for"] == [] and [t["spec_id"] for t in case["open_tasks"]] == ["hearing_summary"]


def test_a_timer_past_due_and_not_fired_is_overdue_after_a_grace_period(ctx, people, clock):
    plan = _hearing_open(ctx, people)
    clock.set(HEARING_CLOSES + waits.TIMER_GRACE - timedelta(minutes=1))
    assert overview.overdue_steps(ctx, people["director"]) == [], "the scheduler has a tick or two to fire it"
    clock.set(HEARING_CLOSES + timedelta(days=2))
    [row] = overview.overdue_steps(ctx, people["director"])
    assert (row["kind"], row["case_id"], row["task_id"], row["days_overdue"]) == ("timer", plan.id, None, 2)
    assert row["wait"]["due_at"] == HEARING_CLOSES.isoformat()
    assert [c["id"] for c in lifecycle.list_cases(ctx, people["director"], overdue=True)] == [plan.id]
    lifecycle.change_status(ctx, people["admin"], plan.id, "suspend", "พักไว้ก่อน")
    assert overview.overdue_steps(ctx, people["director"]) == [], "a suspended case's timer waits for its resumption"


def test_a_message_awaited_long_makes_a_case_stalled_for_the_director_of_its_lane(ctx, people, clock):
    agreement = _agreement_waiting_for_obec(ctx, people)
    users.create_user(ctx, "plan_head", DEMO_PASSWORD, groups=["plan_staff"], supervises=["plan_staff"])
    users.create_user(ctx, "finance_head", DEMO_PASSWORD, groups=["finance"], supervises=["finance"])
    plan_head, finance_head = (users.actor_for_username(ctx, n) for n in ("plan_head", "finance_head"))
    clock.advance(days=14)
    lifecycle.change_status(ctx, people["admin"], agreement.id, "suspend", "ตรวจสอบเอกสาร")
    lifecycle.change_status(ctx, people["admin"], agreement.id, "resume", "ตรวจสอบแล้ว")  # events, not the notice
    [row] = overview.stalled_cases(ctx, plan_head, working_days=5)
    assert row["case_id"] == agreement.id and row["stalled_since"] == "2026-12-03T02:00:00+00:00"
    assert [w["message"] for w in row["waiting_for"]] == ["obec_allocation"] and row["waiting_on"] == []
    assert overview.stalled_cases(ctx, finance_head, working_days=5) == [], "another group's director"
    assert [c["id"] for c in lifecycle.list_cases(ctx, people["director"], stalled_days=5)] == [agreement.id]
    assert overview.stalled_cases(ctx, plan_head, working_days=20) == []


def test_generated_cases_wait_as_their_workflows_say_and_timers_wake_them(ctx, people):
    generator.generate_cases(ctx, 60)
    projected = _projected(ctx)
    assert projected and projected == _from_workflows(ctx)
    due = {case_id: min(w[8] for w in rows if w[1] == "timer")
           for case_id, rows in projected.items() if any(w[1] == "timer" for w in rows)}
    with ctx.read() as session:
        assert {t.case_id: t.due_at for t in session.scalars(select(DueTimer))} == due


def test_upgrading_an_older_database_fills_the_waits_of_its_running_cases(ctx, people):
    agreement = _agreement_waiting_for_obec(ctx, people)
    plan = _hearing_open(ctx, people)
    before = _projected(ctx)
    assert set(before) == {agreement.id, plan.id}
    bind = ctx.db.writer.kw["bind"]
    ctx.db.dispose()
    with bind.begin() as connection:
        command.downgrade(schema.alembic_config(connection), "0010_dash_indexes")
    schema.upgrade(bind)
    assert _projected(ctx) == before


def test_at_an_event_based_gateway_the_case_waits_for_the_notice_and_the_reminder_and_either_moves_it_on(
        ctx, people, clock):
    """A diagram drawn elsewhere waits at an event-based gateway: SpiffWorkflow holds the events after it on the
    gateway, and a case there once waited for nothing PlanFlow could see. Now both waits are listed, the
    scheduler wakes the case for the reminder, and the notice takes the other path."""
    deploy(ctx, "chase_notice", notice_or_reminder("chase_notice"))
    case = start(ctx, people, "chase_notice")
    case.complete("prepare", "plan1")
    waiting = lifecycle.get_case(ctx, people["plan1"], case.id)["waiting_for"]
    assert sorted((w["kind"], w["element_id"]) for w in waiting) == [("message", "notice"), ("timer", "reminder")]
    reminder = next(w for w in waiting if w["kind"] == "timer")
    clock.set(datetime.fromisoformat(reminder["due_at"]) + timedelta(minutes=1))
    assert timers.fire_due_timers(ctx)["fired"] == 1
    assert case.open_steps() == ["chase"]
    case.complete("chase", "plan1")
    assert {w["element_id"] for w in lifecycle.get_case(ctx, people["plan1"], case.id)["waiting_for"]} == {
        "notice", "reminder"}, "waiting again after the chase"
    messages.deliver_message(ctx, people["plan1"], case.id, "obec_allocation", {})
    after = lifecycle.get_case(ctx, people["plan1"], case.id)
    assert after["waiting_for"] == [] and case.open_steps() == ["notify"]
    verdict = verification.verify_case(ctx, people["auditor"], case.id)
    assert verdict.chain_ok and verdict.replay_ok, verdict.problems
