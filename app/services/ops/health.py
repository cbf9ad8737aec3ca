"""Whether this process can serve: the database answers, its schema is current, and the scheduler
ticks. Load balancers and orchestrators ask through /readyz; Prometheus reads the case counts."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.services.kernel.context import ServiceContext
from app.store import schema
from app.store.models import Case

from . import ticks

# A scheduler that has not reported for this long is taken to be down, unless the settings say otherwise
# (PLANFLOW_HEARTBEAT_MAX_AGE, seconds, through app.config).
DEFAULT_HEARTBEAT_MAX_AGE = 180


def _heartbeat_max_age(ctx: ServiceContext) -> timedelta:
    return timedelta(seconds=int(ctx.settings.get("heartbeat_max_age") or DEFAULT_HEARTBEAT_MAX_AGE))


def _scheduler_check(ctx: ServiceContext) -> str:
    last = ticks.last_tick_at(ctx)
    if last is None:
        return "no scheduler has reported yet: start `planflow scheduler`"
    age = ctx.now() - last
    if age > _heartbeat_max_age(ctx):
        return f"the scheduler last reported {int(age.total_seconds())} s ago"
    return "ok"


def readiness(ctx: ServiceContext) -> dict[str, Any]:
    """{"ready": bool, "checks": {name: "ok" | reason}}: what stops this process from serving, if anything."""
    checks: dict[str, str] = {}
    engine = ctx.db.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
        checks["scheduler"] = _scheduler_check(ctx)
    except SQLAlchemyError as exc:
        checks["database"] = f"unreachable: {_first_line(exc)}"
        return {"ready": False, "checks": checks}
    try:
        current = schema.is_current(engine)
        checks["migrations"] = "ok" if current else "the schema is behind: run `planflow init`"
    except SQLAlchemyError as exc:
        checks["migrations"] = f"cannot read the schema revision: {_first_line(exc)}"
    return {"ready": all(v.startswith("ok") for v in checks.values()), "checks": checks}


def _first_line(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return (str(original).strip().splitlines() or [type(original).__name__])[0][:200]


def cases_by_status(ctx: ServiceContext) -> dict[str, int]:
    """How many cases are in each status, for the metrics page."""
    with ctx.read() as session:
        return {status: count for status, count in
                session.execute(select(Case.status, func.count()).group_by(Case.status))}
