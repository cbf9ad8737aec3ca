"""deadlines: office closures, due jobs, notifications, outgoing e-mail, user settings, start schedules,
scheduler heartbeats

Revision ID: 0003_deadlines
Revises: 0001
Create Date: 2026-11-24

Written by hand beside the models of `app/store/deadline_models.py`. It branches from 0001 like the
other feature migrations; upgrading to "heads" applies them all.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_deadlines"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "closures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "process_schedules",
        sa.Column("process_key", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expression", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("next_at", TIME, nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("process_key"),
    )
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("last_tick_at", TIME, nullable=False),
        sa.Column("ticks", sa.Integer(), nullable=False),
        sa.Column("last_tick_seconds", sa.Float(), nullable=True),
        sa.Column("last_result", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("worker"),
    )
    op.create_table(
        "outgoing_emails",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=False),
        sa.Column("job_key", sa.String(length=200), nullable=True),
        sa.Column("user_id", ID, nullable=True),
        sa.Column("to_address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("run_at", TIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_until", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.create_index("ix_outgoing_emails_status_run_at", ["status", "run_at"], unique=False)

    op.create_table(
        "user_settings",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("email_notifications", sa.Boolean(), nullable=False),
        sa.Column("calendar_token", sa.String(length=100), nullable=True),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
        sa.UniqueConstraint("calendar_token"),
    )
    op.create_table(
        "due_jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("run_at", TIME, nullable=False),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("done_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("due_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_due_jobs_kind_status", ["kind", "status"], unique=False)
        # Only pending jobs are ever searched by time; the partial index stays small as jobs pile up done.
        batch_op.create_index(
            "ix_due_jobs_pending_run_at",
            ["run_at"],
            unique=False,
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index("ix_due_jobs_task_id", ["task_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("case_id", ID, nullable=True),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("job_key", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("read_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_read", ["user_id", "read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_read")
    op.drop_table("notifications")
    with op.batch_alter_table("due_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_due_jobs_task_id")
        batch_op.drop_index("ix_due_jobs_pending_run_at")
        batch_op.drop_index("ix_due_jobs_kind_status")
    op.drop_table("due_jobs")
    op.drop_table("user_settings")
    with op.batch_alter_table("outgoing_emails", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_emails_status_run_at")
    op.drop_table("outgoing_emails")
    op.drop_table("scheduler_heartbeats")
    op.drop_table("process_schedules")
    op.drop_table("closures")
