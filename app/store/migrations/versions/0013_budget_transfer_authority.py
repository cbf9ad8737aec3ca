"""budget transfer authority: the table of which transfers the office may approve, seeded with example rows

Revision ID: 0013_budget_transfer_authority
Revises: 0012_letter_registers
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = "0013_budget_transfer_authority"
down_revision = "0012_letter_registers"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The office's starting table. Citations marked as examples must be replaced by the process owner with the
# clause or delegation order in force (the order numbers here are placeholders, not real orders).
EXAMPLE = " (ตัวอย่าง ต้องแทนด้วยข้อ/คำสั่งที่ใช้บังคับจริง)"
SEED = [
    ("any", "personnel", "any", None, "obec",
     "ระเบียบว่าด้วยการบริหารงบประมาณ พ.ศ. 2562 ข้อ 29: งบบุคลากรโอนเปลี่ยนแปลงได้เมื่อได้รับอนุมัติจากสำนักงบประมาณ"
     + EXAMPLE, "โอนออกจากงบบุคลากร"),
    ("any", "any", "personnel", None, "obec",
     "ระเบียบว่าด้วยการบริหารงบประมาณ พ.ศ. 2562 ข้อ 29" + EXAMPLE, "โอนเข้างบบุคลากร"),
    ("across_plans", "any", "any", None, "obec",
     "ระเบียบว่าด้วยการบริหารงบประมาณ พ.ศ. 2562 ข้อ 32: การโอนต่างแผนงานเป็นอำนาจของหัวหน้าส่วนราชการ (สพฐ.)"
     + EXAMPLE, "โอนต่างแผนงาน"),
    ("same_plan", "any", "investment", 1000000, "committee",
     "คำสั่ง สพฐ. ที่ 000/2567 เรื่อง มอบอำนาจการโอนเปลี่ยนแปลงงบประมาณ ข้อ 2 (ให้ความเห็นชอบโดย กศจ.)"
     + EXAMPLE, "โอนไปเป็นงบลงทุน (ครุภัณฑ์ ที่ดินและสิ่งก่อสร้าง) ภายในแผนงานเดียวกัน ไม่เกิน 1,000,000 บาท"),
    ("same_plan", "any", "investment", None, "obec",
     "ระเบียบว่าด้วยการบริหารงบประมาณ พ.ศ. 2562 ข้อ 33" + EXAMPLE, "โอนไปเป็นงบลงทุนเกิน 1,000,000 บาท"),
    ("same_plan", "any", "any", 1000000, "office",
     "คำสั่ง สพฐ. ที่ 000/2567 เรื่อง มอบอำนาจการโอนเปลี่ยนแปลงงบประมาณ ข้อ 1 (มอบให้ผู้อำนวยการ สพป.)"
     + EXAMPLE, "ภายในแผนงานเดียวกัน งบดำเนินงาน งบเงินอุดหนุน งบรายจ่ายอื่น ไม่เกิน 1,000,000 บาท"),
    ("same_plan", "any", "any", None, "committee",
     "คำสั่ง สพฐ. ที่ 000/2567 เรื่อง มอบอำนาจการโอนเปลี่ยนแปลงงบประมาณ ข้อ 2 (ให้ความเห็นชอบโดย กศจ.)"
     + EXAMPLE, "ภายในแผนงานเดียวกัน เกิน 1,000,000 บาท"),
]


def upgrade() -> None:
    table = op.create_table(
        "transfer_authority_rules",
        sa.Column("id", ID, primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("category_from", sa.String(20), nullable=False),
        sa.Column("category_to", sa.String(20), nullable=False),
        sa.Column("max_amount", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(20), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("citation_is_example", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = datetime(2026, 10, 1, tzinfo=timezone.utc)
    op.bulk_insert(table, [
        {"position": index + 1, "scope": scope, "category_from": source, "category_to": target,
         "max_amount": limit, "decided_by": decider, "citation": citation, "citation_is_example": True,
         "note": note, "updated_by": "system", "updated_at": now}
        for index, (scope, source, target, limit, decider, citation, note) in enumerate(SEED)])


def downgrade() -> None:
    op.drop_table("transfer_authority_rules")
