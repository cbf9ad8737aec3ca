"""How long each step of a process waits to be claimed and is worked (p50, p90, the heatmap over the diagram),
and the steps completed per month."""
from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Float,
    Interval,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.store.dashboard_models import StepDuration, StepMonthTotal
from app.store.models import OPEN_STATUSES, Case, Task

from . import wait_stats
from .scope import group_scope, reading, require_viewer, task_scope

_HOUR_US = 3_600_000_000  # the projections keep durations in exact microseconds


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return statistics.median(values), cuts[8]


def wait_times(ctx: ServiceContext, actor: Actor, process_key: str) -> list[dict[str, Any]]:
    """For each step of a process: how long it waited to be claimed and was worked (hours, p50/p90), and
    how many cases wait there now — the numbers behind the heatmap over the diagram.

    Completed steps come from their projection (step_durations: one narrow row each, read by process);
    the steps still open are few and are timed against now."""
    require_viewer(actor)
    now = ctx.now()
    done = (select(StepDuration.spec_id, StepDuration.name, StepDuration.claim_us, StepDuration.work_us)
            .where(StepDuration.process_key == process_key, group_scope(actor, StepDuration.group_code)))
    waiting = (select(Task.spec_id, Task.name, Task.created_at, Task.claimed_at, Task.completed_at)
               .join(Case, Case.id == Task.case_id)
               .where(Case.process_key == process_key, Task.status.in_(OPEN_STATUSES), task_scope(actor)))
    with reading(ctx) as session:
        if session.get_bind().dialect.name == "postgresql":
            return _summarise_in_sql(session, actor, process_key, done, waiting, now)
        rows = [(spec, name, False, claim / _HOUR_US, None if work is None else work / _HOUR_US)
                for spec, name, claim, work in session.execute(done)]
        for spec, name, created, claimed, completed in session.execute(waiting):
            rows.append((spec, name, True, ((claimed or completed or now) - created).total_seconds() / 3600,
                         None if claimed is None else ((completed or now) - claimed).total_seconds() / 3600))
        return _summarise(rows)


def _summarise_in_sql(session, actor: Actor, process_key: str, done, waiting, now: datetime) -> list[dict[str, Any]]:
    """PostgreSQL gathers each step's values into arrays (the completed side straight from its covering
    index, in step order); wait_stats keeps the completed side sorted between requests and merges in
    the open steps, for the same percentile_cont as one query over every step."""
    at_now = literal(now, DateTime(timezone=True))
    open_claim = func.extract("epoch", func.coalesce(Task.claimed_at, Task.completed_at, at_now)
                              - Task.created_at) / 3600
    open_work = func.extract("epoch", func.coalesce(Task.completed_at, at_now) - Task.claimed_at) / 3600
    completed = done.with_only_columns(
        StepDuration.spec_id, func.min(StepDuration.name),
        func.array_agg(aggregate_order_by(StepDuration.claim_us, StepDuration.claim_us)),
        func.array_agg(aggregate_order_by(StepDuration.work_us, StepDuration.work_us)).filter(
            StepDuration.work_us.is_not(None)),
    ).group_by(StepDuration.spec_id)
    current = waiting.with_only_columns(
        Task.spec_id, func.min(Task.name), func.count(), func.array_agg(cast(open_claim, Float)),
        func.array_agg(cast(open_work, Float)).filter(Task.claimed_at.is_not(None)),
    ).group_by(Task.spec_id)
    scope = group_scope(actor, StepMonthTotal.group_code)
    stamp = select(func.sum(StepMonthTotal.completed), func.sum(StepMonthTotal.total_us)).where(
        StepMonthTotal.process_key == process_key, scope)
    key = (str(session.get_bind().url), process_key, None if scope is True else tuple(sorted(actor.supervised_groups)))
    in_scope = (StepDuration.process_key == process_key, group_scope(actor, StepDuration.group_code))

    def since(at: datetime | None):
        if at is None:
            latest = select(func.max(StepDuration.completed_at)).where(*in_scope).scalar_subquery()
            at = latest - literal(wait_stats.OVERLAP, Interval())
        return select(StepDuration.task_id, StepDuration.spec_id, StepDuration.name, StepDuration.claim_us,
                      StepDuration.work_us, StepDuration.completed_at).where(*in_scope, StepDuration.completed_at >= at)

    return wait_stats.summarise(session, key, stamp, completed, since, current)


def _summarise(rows) -> list[dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    for spec_id, name, is_open, claim, work in rows:
        step = steps.setdefault(spec_id, {"spec_id": spec_id, "name": name, "claim": [], "work": [], "waiting_now": 0})
        step["name"] = min(step["name"], name)
        step["waiting_now"] += 1 if is_open else 0
        step["claim"].append(claim)
        if work is not None:
            step["work"].append(work)
    result = []
    for step in steps.values():
        claim50, claim90 = _percentiles(step.pop("claim"))
        work50, work90 = _percentiles(step.pop("work"))
        result.append({**step, "claim_p50_hours": claim50, "claim_p90_hours": claim90,
                       "work_p50_hours": work50, "work_p90_hours": work90,
                       "total_p50_hours": (claim50 or 0) + (work50 or 0)})
    return sorted(result, key=lambda s: -(s["total_p50_hours"] or 0))


def monthly_trend(ctx: ServiceContext, actor: Actor, process_key: str | None = None) -> list[dict[str, Any]]:
    """Steps completed and their mean hours, per month (Bangkok time), from the monthly totals that each
    step's completion adds to (step_month_totals): a few rows per month, however long the history."""
    require_viewer(actor)
    query = (select(StepMonthTotal.month, func.sum(StepMonthTotal.completed), func.sum(StepMonthTotal.total_us))
             .where(group_scope(actor, StepMonthTotal.group_code))
             .group_by(StepMonthTotal.month).order_by(StepMonthTotal.month))
    if process_key:
        query = query.where(StepMonthTotal.process_key == process_key)
    with reading(ctx) as session:
        return [{"month": m, "completed": int(n), "mean_hours": round(int(us) / int(n) / _HOUR_US, 2)}
                for m, n, us in session.execute(query) if n]
