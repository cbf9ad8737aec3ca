"""tasks.claimed_at, cases.seed and indexes for the supervisors' dashboard

Revision ID: 0006_dashboard
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_dashboard"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_tasks_status_due", ["status", "due_at"])
        batch.create_index("ix_tasks_completed_by_at", ["completed_by", "completed_at"])
        batch.create_index("ix_tasks_spec_status", ["spec_id", "status"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("seed", sa.String(length=64), nullable=True))
        batch.create_index("ix_cases_status_last_event", ["status", "last_event_at"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_status_last_event")
        batch.drop_column("seed")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_spec_status")
        batch.drop_index("ix_tasks_completed_by_at")
        batch.drop_index("ix_tasks_status_due")
        batch.drop_column("claimed_at")
