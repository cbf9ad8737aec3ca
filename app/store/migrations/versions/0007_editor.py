"""diagram_drafts: process owners' drafts of diagrams in the editor

Revision ID: 0007_editor
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_editor"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagram_drafts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("process_key", sa.String(length=80), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "process_key"),
    )
    op.create_index("ix_diagram_drafts_username", "diagram_drafts", ["username"])


def downgrade() -> None:
    op.drop_index("ix_diagram_drafts_username", table_name="diagram_drafts")
    op.drop_table("diagram_drafts")
