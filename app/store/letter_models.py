"""Tables of official letters: the office's two registers (ทะเบียนหนังสือส่ง, ทะเบียนหนังสือรับ) and the
counters that number them, per calendar year, as the 1983 Correspondence Regulation keeps them.

A register row is written in the same transaction as the step that issues its number (a letter signed, a
letter registered on arrival); the number is also in that step's event, so replaying a case reproduces it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import ID, Base


class LetterCounter(Base):
    """The last number a register issued in a calendar year (Buddhist Era); it only ever goes up."""

    __tablename__ = "letter_counters"
    register: Mapped[str] = mapped_column(String(10), primary_key=True)  # outgoing | incoming
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingLetter(Base):
    """One letter, notice, announcement or submission that left (or is leaving) the office."""

    __tablename__ = "outgoing_letters"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_outgoing_letters_case", "case_id"),
        Index("ix_outgoing_letters_day", "letter_date"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    # ศธ 04036/15 (a circular ศธ 04036/ว 15): the same text comes back every year, its date tells them apart.
    number: Mapped[str] = mapped_column(String(80))
    letter_date: Mapped[str] = mapped_column(String(10))  # the day it was signed (ISO), the letter's date
    kind: Mapped[str] = mapped_column(String(20))  # letter | circular | announcement | submission
    subject: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(20))
    secrecy: Mapped[str | None] = mapped_column(String(20))
    signed_at: Mapped[datetime]
    signed_by: Mapped[str] = mapped_column(String(80))  # the username of whoever signed
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signed_as: Mapped[str] = mapped_column(String(20), default="director")  # director | on_behalf | acting
    signed_for: Mapped[str | None] = mapped_column(String(300))  # whom a deputy signed for
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="signed")  # signed | dispatched | cancelled
    dispatched_on: Mapped[str | None] = mapped_column(String(10))
    dispatch_channel: Mapped[str | None] = mapped_column(String(20))
    dispatched_by: Mapped[str | None] = mapped_column(String(80))


class IncomingLetter(Base):
    """One letter the office received, with its register number and the time of receipt."""

    __tablename__ = "incoming_letters"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_incoming_letters_case", "case_id"),
        Index("ix_incoming_letters_received", "received_at"),
    )
    id: Mapped[int] = mapped_column(ID, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    channel: Mapped[str | None] = mapped_column(String(20))
    document_number: Mapped[str] = mapped_column(String(80))  # the sender's ที่
    document_date: Mapped[str | None] = mapped_column(String(10))
    sender: Mapped[str] = mapped_column(Text)
    addressee: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(20))
    secrecy: Mapped[str | None] = mapped_column(String(20))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    registered_by: Mapped[str] = mapped_column(String(80))
