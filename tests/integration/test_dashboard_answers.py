"""The dashboard's index-driven queries answer exactly what a plain reading of the tasks table says:
workload (people and groups with nothing open included) and the missing school submissions, for the
office-wide director and for a director of one group, with suspended and cancelled cases about."""
from __future__ import annotations

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case

from app.services.accounts import users
from app.services.cases import lifecycle, step_actions
from app.services.dashboard import overview, step_times
from app.services.ops import generator
from app.store.models import OPEN_STATUSES, Case, Group, Task

from ..stories import plan_at_school_step, start


@pytest.fixture
def office(ctx, people, clock):
    plan_at_school_step(ctx, people, clock)
    transfer = start(ctx, people, "budget_transfer")
    step_actions.claim(ctx, people["plan2"], transfer.task_of("request")["id"])
    lifecycle.change_status(ctx, people["admin"], transfer.id, "suspend", "รอเอกสาร")
    dropped = start(ctx, people, "budget_transfer")
    dropped.complete("request", "plan1")
    lifecycle.change_status(ctx, people["admin"], dropped.id, "cancel", "ซ้ำ")
    for fiscal_year in (2571, 2572, 2573):  # budget request rounds whose schools have all yet to send theirs
        round_ = start(ctx, people, "budget_request", title=f"จัดตั้งงบประมาณ พ.ศ. {fiscal_year}")
        round_.complete("notify_schools", "plan1", fiscal_year=fiscal_year, requests_close_on="2027-01-15")
        round_.send_letter()
    generator.generate_cases(ctx, 80)
    lead = users.create_user(ctx, "lead", None, groups=["plan_staff"], supervises=["plan_staff"])
    return {"lead": lead, "director": people["director"]}


def _plain_workload(ctx, actor, scope_groups):
    """The workload as one GROUP BY over every step (what the dashboard did before its indexes)."""
    now = ctx.now()
    month = overview.month_start(now)
    is_open = Task.status.in_(OPEN_STATUSES)
    counts = (func.sum(sql_case((is_open, 1), else_=0)),
              func.sum(sql_case((and_(is_open, Task.due_at < now), 1), else_=0)),
              func.sum(sql_case((and_(Task.status == "completed", Task.completed_at >= month), 1), else_=0)))
    scope = Task.case_id.in_(select(Case.id).where(Case.status.in_(("running", "completed"))))
    if scope_groups is not None:
        scope = and_(scope, Task.group_code.in_(scope_groups))
    holder = func.coalesce(Task.assignee, Task.completed_by)
    with ctx.read() as session:
        people = {u: tuple(int(c or 0) for c in rest) for u, *rest in session.execute(
            select(holder, *counts).where(scope, holder.is_not(None)).group_by(holder))}
        groups = {g: tuple(int(c or 0) for c in rest) for g, *rest in session.execute(
            select(Task.group_code, *counts).where(scope).group_by(Task.group_code))}
    return people, groups


@pytest.mark.parametrize("who", ["director", "lead"])
def test_workload_lists_who_the_plain_reading_lists_with_the_same_counts(ctx, office, who):
    actor = office[who]
    load = overview.workload(ctx, actor)
    people, groups = _plain_workload(ctx, actor, None if who == "director" else ["plan_staff"])
    assert {p["username"]: (p["open"], p["overdue"], p["done_this_month"]) for p in load["people"]} == people
    assert {g["group"]: (g["open"], g["overdue"], g["done_this_month"]) for g in load["groups"]} == groups
    assert any(v == (0, 0, 0) for v in people.values()) or len(people) > 1
    overdue = [p["overdue"] for p in load["people"]]
    assert overdue == sorted(overdue, reverse=True)


def _plain_missing(ctx, actor):
    query = (select(Task.id, Task.spec_id, Task.group_code, Case.id, Group.name)
             .join(Case, Case.id == Task.case_id).outerjoin(Group, Group.code == Task.group_code)
             .where(Task.instance.is_not(None), Task.status.in_(OPEN_STATUSES), Case.status == "running")
             .order_by(Case.id, Task.spec_id, Task.group_code))
    grouped: dict[tuple[int, str], list] = {}
    with ctx.read() as session:
        for task_id, spec_id, group, case_id, name in session.execute(query):
            grouped.setdefault((case_id, spec_id), []).append(
                {"group": group, "name": name or group, "task_id": task_id})
    return grouped


def test_missing_submissions_are_those_of_the_plain_reading_a_page_at_a_time(ctx, office):
    director = office["director"]
    plain = _plain_missing(ctx, director)
    assert len(plain) > 3
    got = overview.missing_submissions(ctx, director)
    assert [((m["case_id"], m["spec_id"]), m["schools"]) for m in got] == list(plain.items())
    first = overview.missing_submissions(ctx, director, limit=3)
    assert [((m["case_id"], m["spec_id"]), m["schools"]) for m in first] == list(plain.items())[:3]


def test_a_group_director_sees_only_the_waits_and_trend_of_the_group(ctx, office):
    lead = office["lead"]
    with ctx.read() as session:
        busiest = session.execute(select(Case.process_key, func.count()).group_by(Case.process_key)
                                  .order_by(func.count().desc()).limit(1)).one()[0]
        waiting = dict(session.execute(
            select(Task.spec_id, func.count()).join(Case).where(
                Case.process_key == busiest, Task.group_code == "plan_staff", Task.status.in_(OPEN_STATUSES))
            .group_by(Task.spec_id)).all())
        done = session.scalar(select(func.count()).select_from(Task).where(
            Task.status == "completed", Task.group_code == "plan_staff"))
    rows = step_times.wait_times(ctx, lead, busiest)
    assert {r["spec_id"]: r["waiting_now"] for r in rows if r["waiting_now"]} == waiting
    assert sum(r["completed"] for r in step_times.monthly_trend(ctx, lead)) == done > 0
