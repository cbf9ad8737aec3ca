"""Whether this process can serve: the database answers, its schema is current, and the scheduler
ticks. Load balancers and orchestrators ask through /readyz; Prometheus reads the case counts."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, func, inspect, select, text
from sqlalchemy.exc import SQLAlchemyError

from app.store import schema
from app.store.models import Case

from .context import ServiceContext

# A scheduler that has not reported for this long is taken to be down (PLANFLOW_HEARTBEAT_MAX_AGE, seconds).
DEFAULT_HEARTBEAT_MAX_AGE = 180
_HEARTBEAT_COLUMNS = ("beat_at", "last_beat_at", "at", "seen_at", "updated_at")


def _heartbeat_max_age() -> timedelta:
    return timedelta(seconds=int(os.environ.get("PLANFLOW_HEARTBEAT_MAX_AGE", DEFAULT_HEARTBEAT_MAX_AGE)))


def _heartbeat_table(connection) -> tuple[str, str] | None:
    """The scheduler's heartbeat table and its time column, when the schema has one.

    The scheduler records a heartbeat in a table whose name contains "heartbeat"; until that migration
    is applied there is nothing to check, and readiness does not depend on the scheduler.
    """
    inspector = inspect(connection)
    for table in sorted(inspector.get_table_names()):
        if "heartbeat" not in table:
            continue
        # By type, or by name where SQLite's reflection does not know the declared type.
        times = [c["name"] for c in inspector.get_columns(table)
                 if isinstance(c["type"], DateTime) or c["name"] in _HEARTBEAT_COLUMNS]
        preferred = [name for name in times if name in _HEARTBEAT_COLUMNS]
        if preferred or times:
            return table, (preferred or times)[0]
    return None


def _last_heartbeat(connection, table: str, column: str) -> datetime | None:
    preparer = connection.dialect.identifier_preparer
    value = connection.execute(text(
        f"SELECT MAX({preparer.quote(column)}) FROM {preparer.quote(table)}")).scalar()
    if isinstance(value, str):  # SQLite hands back text for an untyped aggregate
        value = datetime.fromisoformat(value)
    elif isinstance(value, int | float | Decimal):  # or a number, for a column of numeric affinity
        value = datetime.fromtimestamp(float(value), UTC)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # times are stored in UTC
    return value


def readiness(ctx: ServiceContext) -> dict[str, Any]:
    """{"ready": bool, "checks": {name: "ok" | reason}}: what stops this process from serving, if anything."""
    checks: dict[str, str] = {}
    engine = ctx.db.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            heartbeat = _heartbeat_table(connection)
            if heartbeat is None:
                checks["scheduler"] = "ok (no heartbeat table yet)"
            else:
                last = _last_heartbeat(connection, *heartbeat)
                age = ctx.now() - last if last else None
                if last is None:
                    checks["scheduler"] = "no scheduler has reported yet"
                elif age > _heartbeat_max_age():
                    checks["scheduler"] = f"the scheduler last reported {int(age.total_seconds())} s ago"
                else:
                    checks["scheduler"] = "ok"
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
