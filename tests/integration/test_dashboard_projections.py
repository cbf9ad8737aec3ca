"""The dashboard's projections of completed steps (step_durations, step_month_totals) always say what
the tasks table says: after steps are claimed, reassigned and completed, after a case is suspended or
cancelled, after a failed step, and after the generator's bulk inserts."""
from __future__ import annotations

import statistics

import pytest
from sqlalchemy import func, select

from app.services.cases import lifecycle, step_actions
from app.services.dashboard import step_times
from app.services.kernel.errors import Invalid
from app.services.ops import generator
from app.store.dashboard_models import StepDuration, StepMonthTotal
from app.store.models import OPEN_STATUSES, Case, Task
from app.thaidate import BANGKOK

from ..stories import send_at_once, start


def _expected_waits(ctx, process_key: str) -> dict[str, tuple]:
    """Percentiles straight from the tasks table, as the dashboard computed them before the projection."""
    now, steps = ctx.now(), {}
    with ctx.read() as session:
        rows = session.execute(select(Task.spec_id, Task.status, Task.created_at, Task.claimed_at, Task.completed_at)
                               .join(Case, Case.id == Task.case_id)
                               .where(Case.process_key == process_key, Task.status != "cancelled"))
        for spec_id, status, created, claimed, completed in rows:
            step = steps.setdefault(spec_id, {"claim": [], "work": [], "waiting": 0})
            step["waiting"] += status in OPEN_STATUSES
            step["claim"].append(((claimed or completed or now) - created).total_seconds() / 3600)
            if claimed is not None:
                step["work"].append(((completed or now) - claimed).total_seconds() / 3600)
    return {spec: (s["waiting"], *_p(s["claim"]), *_p(s["work"])) for spec, s in steps.items()}


def _p(values):
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[8]


def _expected_trend(ctx, process_key: str | None) -> list[tuple]:
    months: dict[str, list[float]] = {}
    with ctx.read() as session:
        query = select(Task.completed_at, Task.created_at).join(Case, Case.id == Task.case_id).where(
            Task.status == "completed")
        if process_key:
            query = query.where(Case.process_key == process_key)
        for completed, created in session.execute(query):
            months.setdefault(completed.astimezone(BANGKOK).strftime("%Y-%m"), []).append(
                (completed - created).total_seconds() / 3600)
    return [(m, len(v), round(statistics.fmean(v), 2)) for m, v in sorted(months.items())]


def assert_in_step(ctx, people, process_key: str) -> None:
    admin = people["admin"]
    got = {r["spec_id"]: (r["waiting_now"], r["claim_p50_hours"], r["claim_p90_hours"], r["work_p50_hours"],
                          r["work_p90_hours"]) for r in step_times.wait_times(ctx, admin, process_key)}
    expected = _expected_waits(ctx, process_key)
    assert set(got) == set(expected)
    for spec, values in expected.items():
        assert [v is None for v in got[spec]] == [v is None for v in values], spec
        assert [v for v in got[spec] if v is not None] == pytest.approx([v for v in values if v is not None],
                                                                         rel=1e-9, abs=1e-9), spec
    for key in (process_key, None):
        trend = [(r["month"], r["completed"], r["mean_hours"]) for r in step_times.monthly_trend(ctx, admin, key)]
        assert trend == _expected_trend(ctx, key)
    with ctx.read() as session:
        completed = session.scalar(select(func.count()).select_from(Task).where(Task.status == "completed"))
        assert session.scalar(select(func.count()).select_from(StepDuration)) == completed
        assert session.scalar(select(func.coalesce(func.sum(StepMonthTotal.completed), 0))) == completed


def test_claims_reassignments_and_completions_are_projected_as_they_happen(ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    clock.advance(hours=7)
    step_actions.claim(ctx, people["plan1"], transfer.task_of("request")["id"])
    clock.advance(hours=3)
    transfer.complete("request", "plan1")
    assert_in_step(ctx, people, "budget_transfer")
    clock.advance(hours=20)
    step = transfer.task_of("analysis")["id"]
    step_actions.assign(ctx, people["director"], step, "plan2")  # reassigned: claimed by the director's choice
    clock.advance(hours=2)
    step_actions.assign(ctx, people["director"], step, "plan1")
    assert_in_step(ctx, people, "budget_transfer")
    clock.advance(days=35)  # into another month
    transfer.complete("analysis", "plan1")
    assert_in_step(ctx, people, "budget_transfer")


def test_suspended_and_cancelled_cases_keep_the_projection_in_step(ctx, people, clock):
    kept, dropped = start(ctx, people, "budget_transfer"), start(ctx, people, "budget_transfer")
    clock.advance(hours=5)
    kept.complete("request", "plan1")
    dropped.complete("request", "plan2")
    lifecycle.change_status(ctx, people["admin"], kept.id, "suspend", "รอเอกสาร")
    clock.advance(days=3)
    assert_in_step(ctx, people, "budget_transfer")  # a suspended case's open step still waits
    lifecycle.change_status(ctx, people["admin"], kept.id, "resume", "ได้เอกสารแล้ว")
    lifecycle.change_status(ctx, people["admin"], dropped.id, "cancel", "ซ้ำกับเรื่องอื่น")
    assert_in_step(ctx, people, "budget_transfer")  # its completed step still counts; its open one is gone
    clock.advance(hours=4)
    kept.complete("analysis", "plan2")
    assert_in_step(ctx, people, "budget_transfer")


def test_a_step_that_fails_leaves_no_trace(ctx, people, clock):
    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")["id"]
    with ctx.read() as session:  # the matter, completed when the case was begun
        before = session.scalar(select(func.count()).select_from(StepDuration))
    assert before == 1
    with pytest.raises(Invalid):
        step_actions.complete(ctx, people["plan1"], step, {"no_such_field": 1})
    assert_in_step(ctx, people, "budget_transfer")
    with ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(StepDuration)) == before


def test_generated_cases_are_projected_too(ctx, people, clock):
    generator.generate_cases(ctx, 60)
    with ctx.read() as session:
        busiest = session.execute(select(Case.process_key, func.count()).group_by(Case.process_key)
                                  .order_by(func.count().desc()).limit(1)).one()[0]
    assert_in_step(ctx, people, busiest)


def test_two_people_sending_one_step_at_once_project_it_once(ctx, people, clock):
    from ..samples import fill

    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")
    data = fill(step_actions.get_task(ctx, people["plan1"], step["id"])["form"],
                {"category_from": "operating", "category_to": "other", "amount": 1000})
    results = send_at_once(ctx, people, step["id"], data)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    assert_in_step(ctx, people, "budget_transfer")


def test_the_waits_catch_up_with_new_completions_without_reading_everything_again(ctx, people, clock, monkeypatch):
    from app.services.dashboard import wait_stats

    if ctx.db.engine.dialect.name != "postgresql":
        pytest.skip("the sorted hours are kept for PostgreSQL's path")
    wait_stats.clear()
    first, second = start(ctx, people, "budget_transfer"), start(ctx, people, "budget_transfer")
    clock.advance(hours=3)
    first.complete("request", "plan1")
    assert_in_step(ctx, people, "budget_transfer")  # loads the completed steps
    loads = []
    real_load = wait_stats.load_completed
    monkeypatch.setattr(wait_stats, "load_completed", lambda *args: loads.append(1) or real_load(*args))
    clock.advance(hours=5)
    second.complete("request", "plan2")
    clock.advance(hours=2)
    first.complete("analysis", "plan2")
    assert_in_step(ctx, people, "budget_transfer")  # the two new ones are added to what was held
    assert loads == []
