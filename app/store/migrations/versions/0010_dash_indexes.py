"""Partial and covering indexes for the supervisors' dashboard at 100k cases (see
app/store/dashboard_models.py for what each serves)

Revision ID: 0010_dash_indexes
Revises: 0009_dash_projections, 0004_secrecy
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_dash_indexes"
down_revision = ("0009_dash_projections", "0004_secrecy")  # also after 0004: an index includes cases.secrecy
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('open', 'claimed')")
DONE = sa.text("status = 'completed'")
RUNNING = sa.text("status = 'running'")
UNASSIGNED = sa.text("assignee IS NULL")
NOT_LIVE = sa.text("status NOT IN ('running', 'completed')")


def upgrade() -> None:
    op.create_index("ix_tasks_open_due", "tasks", ["due_at"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index("ix_tasks_open_by_case", "tasks", ["case_id"], postgresql_where=OPEN, sqlite_where=OPEN,
                    postgresql_include=["spec_id", "group_code", "assignee", "completed_by", "due_at", "created_at",
                                        "claimed_at", "completed_at", "name"])
    op.create_index("ix_tasks_done_at", "tasks", ["completed_at"], postgresql_where=DONE, sqlite_where=DONE,
                    postgresql_include=["assignee", "completed_by", "group_code", "case_id"])
    op.create_index("ix_tasks_unassigned_completer", "tasks", ["completed_by"], postgresql_where=UNASSIGNED,
                    sqlite_where=UNASSIGNED)
    op.create_index("ix_cases_running_process_year", "cases", ["process_key", "fiscal_year"],
                    postgresql_where=RUNNING, sqlite_where=RUNNING,
                    postgresql_include=["secrecy", "started_by", "id"])
    op.create_index("ix_cases_not_live", "cases", ["id"], postgresql_where=NOT_LIVE, sqlite_where=NOT_LIVE)


def downgrade() -> None:
    for name, table in (("ix_cases_not_live", "cases"), ("ix_cases_running_process_year", "cases"),
                        ("ix_tasks_unassigned_completer", "tasks"), ("ix_tasks_done_at", "tasks"),
                        ("ix_tasks_open_by_case", "tasks"), ("ix_tasks_open_due", "tasks")):
        op.drop_index(name, table_name=table)
