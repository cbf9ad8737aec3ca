"""The budget transfer authority table (ตารางอำนาจการโอนเปลี่ยนแปลงงบประมาณ) the process owner maintains.

Each row says who approves a kind of transfer: the office itself (within its authority), the Provincial
Education Committee (กศจ.) or OBEC (beyond the office's authority), citing the clause of the Budget
Administration Regulation or the delegation order that says so. A budget transfer case reads the table
when its analysis is done; what it found is written into that step's data, so a later edit of the table
never changes a case's past.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import ID, Base


class TransferAuthorityRule(Base):
    """One kind of transfer and who approves it; the first row (by position) that matches a request wins."""

    __tablename__ = "transfer_authority_rules"
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(20))  # same_plan | across_plans | any
    category_from: Mapped[str] = mapped_column(String(20))  # personnel | operating | ... | any
    category_to: Mapped[str] = mapped_column(String(20))
    max_amount: Mapped[int | None] = mapped_column(BigInteger)  # whole baht; none: any amount
    decided_by: Mapped[str] = mapped_column(String(20))  # office | committee | obec
    citation: Mapped[str] = mapped_column(Text)
    citation_is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]
