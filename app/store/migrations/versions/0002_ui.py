"""the pages' tables: sign-in attempts, step drafts, saved inbox filters, case comments

Revision ID: 0002_ui
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_ui"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_index("ix_tasks_inbox_group", "tasks", ["group_code", "assignee", "status", "due_at", "case_id"])
    op.create_index("ix_tasks_inbox_assignee", "tasks", ["assignee", "status", "due_at", "case_id"])
    op.create_index("ix_cases_process_year", "cases", ["process_key", "fiscal_year"])
    op.create_index("ix_cases_title", "cases", ["title"])
    op.create_table(
        "login_attempts",
        sa.Column("id", ID, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempts_username_at", "login_attempts", ["username", "at"])
    op.create_index("ix_login_attempts_address_at", "login_attempts", ["address", "at"])
    op.create_table(
        "task_drafts",
        sa.Column("task_id", ID, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", "username"),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", ID, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "name"),
    )
    op.create_index("ix_saved_filters_username", "saved_filters", ["username"])
    op.create_table(
        "comments",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("task_id", ID, nullable=True),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_comments_case_id", "comments", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_comments_case_id", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_saved_filters_username", table_name="saved_filters")
    op.drop_table("saved_filters")
    op.drop_table("task_drafts")
    op.drop_index("ix_login_attempts_address_at", table_name="login_attempts")
    op.drop_index("ix_login_attempts_username_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index("ix_tasks_inbox_assignee", table_name="tasks")
    op.drop_index("ix_tasks_inbox_group", table_name="tasks")
    op.drop_index("ix_cases_title", table_name="cases")
    op.drop_index("ix_cases_process_year", table_name="cases")
