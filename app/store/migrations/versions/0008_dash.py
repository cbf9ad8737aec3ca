"""Indexes for the supervisors' dashboard pages: a case's open steps, and the open per-school steps

Revision ID: 0008_dash
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_dash"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN_INSTANCES = sa.text("instance IS NOT NULL AND status IN ('open', 'claimed')")


def upgrade() -> None:
    # The stalled-cases list reads each case's open steps; the visibility checks look a case's steps up.
    op.create_index("ix_tasks_case_status", "tasks", ["case_id", "status"])
    # The schools that have not submitted: a few open per-school steps among millions of others.
    op.create_index("ix_tasks_open_instances", "tasks", ["case_id", "spec_id", "group_code"],
                    postgresql_where=OPEN_INSTANCES, sqlite_where=OPEN_INSTANCES)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_instances", table_name="tasks")
    op.drop_index("ix_tasks_case_status", table_name="tasks")
