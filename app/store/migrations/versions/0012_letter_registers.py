"""letter registers: the outgoing and incoming registers of official letters and their yearly counters

Revision ID: 0012_letter_registers
Revises: 0011_case_waits
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_letter_registers"
down_revision = "0011_case_waits"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "letter_counters",
        sa.Column("register", sa.String(10), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
    )
    op.create_table(
        "outgoing_letters",
        sa.Column("id", ID, primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(80), nullable=False),
        sa.Column("letter_date", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=True),
        sa.Column("secrecy", sa.String(20), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_by", sa.String(80), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("signed_as", sa.String(20), nullable=False),
        sa.Column("signed_for", sa.String(300), nullable=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("process_key", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("dispatched_on", sa.String(10), nullable=True),
        sa.Column("dispatch_channel", sa.String(20), nullable=True),
        sa.Column("dispatched_by", sa.String(80), nullable=True),
        sa.UniqueConstraint("year", "seq"),
    )
    op.create_index("ix_outgoing_letters_case", "outgoing_letters", ["case_id"])
    op.create_index("ix_outgoing_letters_day", "outgoing_letters", ["letter_date"])
    op.create_table(
        "incoming_letters",
        sa.Column("id", ID, primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=True),
        sa.Column("document_number", sa.String(80), nullable=False),
        sa.Column("document_date", sa.String(10), nullable=True),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("addressee", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=True),
        sa.Column("secrecy", sa.String(20), nullable=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("registered_by", sa.String(80), nullable=False),
        sa.UniqueConstraint("year", "seq"),
    )
    op.create_index("ix_incoming_letters_case", "incoming_letters", ["case_id"])
    op.create_index("ix_incoming_letters_received", "incoming_letters", ["received_at"])


def downgrade() -> None:
    op.drop_table("incoming_letters")
    op.drop_table("outgoing_letters")
    op.drop_table("letter_counters")
