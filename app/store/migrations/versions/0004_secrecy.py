"""cases.secrecy: the secrecy level of correspondence, for filtering who sees a case

Revision ID: 0004_secrecy
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_secrecy"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("secrecy", sa.String(length=20), nullable=True))
        batch.create_index("ix_cases_secrecy", ["secrecy"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_secrecy")
        batch.drop_column("secrecy")
