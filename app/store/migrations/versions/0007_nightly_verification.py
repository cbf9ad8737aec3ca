"""verification_runs.night: one scheduled verification per Bangkok night

Revision ID: 0007_nightly_verification
Revises: 0005_audit
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_nightly_verification"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("verification_runs", sa.Column("night", sa.Date(), nullable=True))
    op.create_index("ix_verification_runs_night", "verification_runs", ["night"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_verification_runs_night", table_name="verification_runs")
    op.drop_column("verification_runs", "night")
