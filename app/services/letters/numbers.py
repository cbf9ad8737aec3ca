"""Register numbers as the 1983 Correspondence Regulation keeps them: each register runs from 1 in every
calendar year (Buddhist Era, Bangkok time), a number is issued once and never again.

A number is taken inside the transaction of the step that uses it: if that step fails, the transaction
rolls back with it and the number was never issued; once the step commits the counter never goes back,
whatever happens to the letter or its case afterwards.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.services.kernel.context import ServiceContext
from app.store.letter_models import LetterCounter
from app.thaidate import be_year

OUTGOING, INCOMING = "outgoing", "incoming"
DEFAULT_PREFIX = "ศธ 04036"
CIRCULAR = "circular"  # หนังสือเวียน: the regulation puts ว before the register number


def calendar_year(moment: datetime) -> int:
    """The calendar year (B.E.) a register runs in at `moment`, on Bangkok's calendar."""
    return be_year(moment)


def next_number(session: Session, register: str, year: int) -> int:
    """The next number of `register` in `year`. The counter's row stays locked until the caller's transaction
    ends (PostgreSQL; SQLite's writer holds the whole database), so two letters signed at once never share one."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LetterCounter).values(register=register, year=year, last_seq=1)
    statement = statement.on_conflict_do_update(
        index_elements=[LetterCounter.register, LetterCounter.year],
        set_={"last_seq": LetterCounter.last_seq + 1},
    ).returning(LetterCounter.last_seq)
    return session.execute(statement).scalar_one()


def prefix_of(ctx: ServiceContext) -> str:
    """The office's code before every outgoing number (setting PLANFLOW_LETTER_PREFIX)."""
    return str(ctx.settings.get("letter_prefix") or DEFAULT_PREFIX).strip()


def outgoing_number(prefix: str, seq: int, kind: str | None) -> str:
    """ศธ 04036/15, or ศธ 04036/ว 15 for a circular."""
    return f"{prefix}/ว {seq}" if kind == CIRCULAR else f"{prefix}/{seq}"
