"""step_durations and step_month_totals: the dashboard's projections of completed steps, filled from
the steps already completed

Revision ID: 0009_dash_projections
Revises: 0008_dash, 0006_dashboard
"""
from datetime import UTC, timedelta

from alembic import op
import sqlalchemy as sa

revision = "0009_dash_projections"
down_revision = ("0008_dash", "0006_dashboard")  # also after 0006: the backfill reads tasks.claimed_at
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BANGKOK = timedelta(hours=7)  # no daylight saving in Thailand

PG_DURATIONS = """
INSERT INTO step_durations (task_id, process_key, spec_id, name, group_code, completed_at, claim_us, work_us)
SELECT t.id, c.process_key, t.spec_id, t.name, t.group_code, t.completed_at,
       (extract(epoch FROM coalesce(t.claimed_at, t.completed_at) - t.created_at) * 1000000)::bigint,
       CASE WHEN t.claimed_at IS NOT NULL
            THEN (extract(epoch FROM t.completed_at - t.claimed_at) * 1000000)::bigint END
FROM tasks t JOIN cases c ON c.id = t.case_id
WHERE t.status = 'completed' AND t.completed_at IS NOT NULL
"""
PG_TOTALS = """
INSERT INTO step_month_totals (month, process_key, group_code, completed, total_us)
SELECT to_char(t.completed_at AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM'), c.process_key, coalesce(t.group_code, ''),
       count(*), sum((extract(epoch FROM t.completed_at - t.created_at) * 1000000)::bigint)
FROM tasks t JOIN cases c ON c.id = t.case_id
WHERE t.status = 'completed' AND t.completed_at IS NOT NULL
GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.create_table(
        "step_durations",
        sa.Column("task_id", ID, sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("process_key", sa.String(80), nullable=False),
        sa.Column("spec_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("group_code", sa.String(80), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim_us", sa.BigInteger(), nullable=False),
        sa.Column("work_us", sa.BigInteger(), nullable=True),
    )
    # Covering: a process's rows come back from the index alone, already in step order.
    op.create_index("ix_step_durations_process_spec", "step_durations", ["process_key", "spec_id"],
                    postgresql_include=["group_code", "claim_us", "work_us", "name"])
    # The waits page catches up with the steps completed since it last read them.
    op.create_index("ix_step_durations_process_done", "step_durations", ["process_key", "completed_at"])
    op.create_table(
        "step_month_totals",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("process_key", sa.String(80), primary_key=True),
        sa.Column("group_code", sa.String(80), primary_key=True),
        sa.Column("completed", sa.BigInteger(), nullable=False),
        sa.Column("total_us", sa.BigInteger(), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DURATIONS)
        op.execute(PG_TOTALS)
    else:
        _fill_in_python(op.get_bind())


def _fill_in_python(bind) -> None:
    """SQLite has no exact interval arithmetic: the same rows, computed here (a development database)."""
    micro = timedelta(microseconds=1)
    rows = bind.execute(sa.text(
        "SELECT t.id, c.process_key, t.spec_id, t.name, t.group_code, t.created_at, t.claimed_at, t.completed_at "
        "FROM tasks t JOIN cases c ON c.id = t.case_id WHERE t.status = 'completed' AND t.completed_at IS NOT NULL"))
    durations, totals = [], {}
    for task_id, key, spec_id, name, group, created, claimed, completed in rows:
        created, claimed, completed = (_utc(v) for v in (created, claimed, completed))
        durations.append({"task_id": task_id, "process_key": key, "spec_id": spec_id, "name": name,
                          "group_code": group, "completed_at": completed,
                          "claim_us": ((claimed or completed) - created) // micro,
                          "work_us": (completed - claimed) // micro if claimed else None})
        total = totals.setdefault(((completed + BANGKOK).strftime("%Y-%m"), key, group or ""), [0, 0])
        total[0] += 1
        total[1] += (completed - created) // micro
    if durations:
        bind.execute(sa.text(
            "INSERT INTO step_durations (task_id, process_key, spec_id, name, group_code, completed_at, claim_us, "
            "work_us) VALUES (:task_id, :process_key, :spec_id, :name, :group_code, :completed_at, :claim_us, "
            ":work_us)"), [dict(d, completed_at=d["completed_at"].strftime("%Y-%m-%d %H:%M:%S.%f")) for d in durations])
    if totals:
        bind.execute(sa.text("INSERT INTO step_month_totals VALUES (:m, :k, :g, :n, :us)"),
                     [{"m": m, "k": k, "g": g, "n": n, "us": us} for (m, k, g), (n, us) in totals.items()])


def _utc(value):
    if value is None:
        return None
    if isinstance(value, str):
        from datetime import datetime

        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def downgrade() -> None:
    op.drop_table("step_month_totals")
    op.drop_index("ix_step_durations_process_done", table_name="step_durations")
    op.drop_index("ix_step_durations_process_spec", table_name="step_durations")
    op.drop_table("step_durations")
