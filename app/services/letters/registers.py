"""Reading the registers: who may, which letters they see, and the search of the register pages and the API.

Plan staff, the group and office directors, supervisors, auditors and administrators read both registers
(read only: nothing here changes a row). A secret letter (its own secrecy, or its case's) follows the rules
of secret cases (kernel/access.py): listed in full only to those who may see its case; an auditor without
the clearance sees that the number was issued, and when, but not to whom or about what; anyone else does not
see it. A text search never matches what the reader may not see.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql import ColumnElement

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden, Invalid
from app.store.letter_models import IncomingLetter, OutgoingLetter
from app.store.models import Case
from app.thaidate import BANGKOK

READER_GROUPS = frozenset({"plan_staff", "group_director", "office_director"})
MAX_ROWS = 5000
DEFAULT_ROWS = 500
MAX_TEXT = 200


@dataclass(frozen=True)
class Search:
    """What a reader asks of a register; every part optional."""

    year: int | None = None
    number: str | None = None  # the running number (15) or part of the full number (04036/15)
    text: str | None = None  # part of the subject
    party: str | None = None  # part of the recipients (outgoing) or of the sender (incoming)
    date_from: date | None = None
    date_to: date | None = None
    limit: int = DEFAULT_ROWS


def may_read(actor: Actor | None) -> bool:
    """Plan staff, the directors, supervisors, auditors and administrators."""
    if actor is None:
        return False
    return actor.is_admin or actor.is_auditor or actor.is_supervisor or bool(READER_GROUPS & actor.groups)


def _require_reader(actor: Actor) -> None:
    if not may_read(actor):
        raise Forbidden("only plan staff, directors, supervisors and auditors read the registers")


MAX_RUNNING_DIGITS = 9  # a year's letters never number a billion; an integer column holds any nine digits


def search_of(year: Any = None, number: Any = None, text: Any = None, party: Any = None, date_from: Any = None,
              date_to: Any = None, limit: Any = None) -> Search:
    """A Search from a query's text values; a bad value is a 400 naming its field."""
    def whole(name: str, value: Any, low: int, high: int) -> int | None:
        if value in (None, ""):
            return None
        text_value = str(value).strip()
        if not text_value.isdecimal() or not low <= int(text_value) <= high:
            raise Invalid(f"{name} must be a whole number from {low} to {high}",
                          {name: [f"ต้องเป็นจำนวนเต็ม {low}–{high} (whole number from {low} to {high})"]})
        return int(text_value)

    def day(name: str, value: Any) -> date | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(f"{name} must be a day (YYYY-MM-DD)",
                          {name: ["รูปแบบวันที่ไม่ถูกต้อง (a day as YYYY-MM-DD expected)"]}) from None

    def words(name: str, value: Any) -> str | None:
        value = (str(value).strip() if value is not None else "") or None
        if value is not None and len(value) > MAX_TEXT:
            raise Invalid(f"{name} is longer than {MAX_TEXT} characters",
                          {name: [f"ยาวเกิน {MAX_TEXT} ตัวอักษร (too long)"]})
        return value

    found = Search(year=whole("year", year, 2400, 2800), number=words("number", number), text=words("q", text),
                   party=words("party", party), date_from=day("from", date_from), date_to=day("to", date_to),
                   limit=whole("limit", limit, 1, MAX_ROWS) or DEFAULT_ROWS)
    if found.date_from and found.date_to and found.date_from > found.date_to:
        raise Invalid("from is after to", {"from": ["วันเริ่มต้นอยู่หลังวันสิ้นสุด (after the end day)"]})
    return found


def search_from(query: Mapping[str, Any]) -> Search:
    """A Search from the names the register page and the API take: year, number, q, party, from, to, limit."""
    return search_of(year=query.get("year"), number=query.get("number"), text=query.get("q"),
                     party=query.get("party"), date_from=query.get("from"), date_to=query.get("to"),
                     limit=query.get("limit"))


def _like(column, value: str) -> ColumnElement:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def _sight(actor: Actor, row_secrecy) -> tuple[ColumnElement, ColumnElement]:
    """(seen in full, seen masked) as SQL conditions on a register row joined to its case."""
    ordinary = and_(or_(row_secrecy.is_(None), row_secrecy.not_in(access.SECRET_LEVELS)), Case.secrecy.is_(None))
    full = or_(ordinary, access.visible_cases_clause(actor))
    masked = true() if actor.is_auditor else false()
    return full, masked


def _search(ctx: ServiceContext, actor: Actor, search: Search, table, party, their_number, day, bounds) -> list:
    """(row, case number, seen in full) of one register, newest number first. `party` is the column a
    recipient or sender search reads, `their_number` the text a number that is not a plain number matches,
    `day` the column the range of days bounds, `bounds` how a day becomes a value of that column."""
    _require_reader(actor)
    full, masked = _sight(actor, table.secrecy)
    query = select(table, Case.number, full.label("full")).join(Case, Case.id == table.case_id)
    query = query.where(or_(full, masked))
    if search.year:
        query = query.where(table.year == search.year)
    if search.number:
        # A running number is a plain number of at most nine digits (Thai digits too); anything else, a
        # longer run of digits included, can only be part of a number as written.
        running = search.number.isdecimal() and len(search.number) <= MAX_RUNNING_DIGITS
        query = query.where(table.seq == int(search.number) if running else _like(their_number, search.number))
    if search.text or search.party:
        query = query.where(full)  # never let a search find what the reader may not see
        if search.text:
            query = query.where(_like(table.subject, search.text))
        if search.party:
            query = query.where(_like(party, search.party))
    if search.date_from:
        query = query.where(day >= bounds(search.date_from, time.min))
    if search.date_to:
        query = query.where(day <= bounds(search.date_to, time.max))
    query = query.order_by(table.year.desc(), table.seq.desc()).limit(search.limit)
    with ctx.read() as session:
        return list(session.execute(query))


def outgoing(ctx: ServiceContext, actor: Actor, search: Search) -> list[dict[str, Any]]:
    """The outgoing register (ทะเบียนหนังสือส่ง), newest number first."""
    table = OutgoingLetter
    rows = _search(ctx, actor, search, table, table.recipients, table.number, table.letter_date,
                   lambda day, _at: day.isoformat())
    return [_outgoing_row(row, case_number, bool(seen)) for row, case_number, seen in rows]


def _outgoing_row(row: OutgoingLetter, case_number: str, seen: bool) -> dict[str, Any]:
    base = {"id": row.id, "year": row.year, "seq": row.seq, "number": row.number, "date": row.letter_date,
            "kind": row.kind, "urgency": row.urgency, "secrecy": row.secrecy, "status": row.status,
            "dispatched_on": row.dispatched_on, "masked": not seen}
    if not seen:
        return {**base, "subject": None, "recipients": None, "signed_by": None, "signer_name": None,
                "signed_as": None, "signed_for": None, "dispatch_channel": None, "case_id": None,
                "case_number": None, "process_key": None}
    return {**base, "subject": row.subject, "recipients": row.recipients, "signed_by": row.signed_by,
            "signer_name": row.signer_name, "signed_as": row.signed_as, "signed_for": row.signed_for,
            "dispatch_channel": row.dispatch_channel, "case_id": row.case_id, "case_number": case_number,
            "process_key": row.process_key}


def incoming(ctx: ServiceContext, actor: Actor, search: Search) -> list[dict[str, Any]]:
    """The incoming register (ทะเบียนหนังสือรับ), newest number first."""
    table = IncomingLetter
    rows = _search(ctx, actor, search, table, table.sender, table.document_number, table.received_at,
                   lambda day, at: datetime.combine(day, at, tzinfo=BANGKOK))
    return [_incoming_row(row, case_number, bool(seen)) for row, case_number, seen in rows]


def _incoming_row(row: IncomingLetter, case_number: str, seen: bool) -> dict[str, Any]:
    base = {"id": row.id, "year": row.year, "seq": row.seq, "received_at": row.received_at.isoformat(),
            "urgency": row.urgency, "secrecy": row.secrecy, "masked": not seen}
    if not seen:
        return {**base, "channel": None, "document_number": None, "document_date": None, "sender": None,
                "addressee": None, "subject": None, "registered_by": None, "case_id": None, "case_number": None}
    return {**base, "channel": row.channel, "document_number": row.document_number,
            "document_date": row.document_date, "sender": row.sender, "addressee": row.addressee,
            "subject": row.subject, "registered_by": row.registered_by, "case_id": row.case_id,
            "case_number": case_number}
