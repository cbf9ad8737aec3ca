"""What the steps of a letter write in the registers, inside the step's own transaction.

A step says what it does with a property of its diagram (see docs/letters.md):
* `issuesOutgoingNumber` = "field=value": when the submitted form has that value (the office director or a
  deputy signs), PlanFlow issues the next outgoing number and writes the letter in the outgoing register;
* `dispatchesOutgoingLetter` = "true": the register records how and when the signed letter was sent;
* `issuesIncomingNumber` = "true": a letter received is given the next incoming number, with the date and
  time of receipt, and written in the incoming register.

What PlanFlow issues (number, date, signer) is added to the step's data before the engine runs it, so it is
part of the step's event and a replay of the case reproduces it without asking the counters again.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import engine
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.store.letter_models import IncomingLetter, OutgoingLetter
from app.store.models import Case
from app.thaidate import local

from . import numbers

ISSUES_OUTGOING = "issuesOutgoingNumber"
DISPATCHES_OUTGOING = "dispatchesOutgoingLetter"
ISSUES_INCOMING = "issuesIncomingNumber"
PROPERTIES = (ISSUES_OUTGOING, DISPATCHES_OUTGOING, ISSUES_INCOMING)
SIGNED_AS_DIRECTOR = "director"


def concerns(info: engine.UserTaskInfo | None) -> bool:
    """Whether completing this step writes in a register (so the step's own data must be read first)."""
    return info is not None and any(info.properties.get(name) for name in PROPERTIES)


def _applies(rule: str | None, data: dict[str, Any]) -> bool:
    """A property's rule: "true" always, "field=value" when the submitted field has that value."""
    rule = (rule or "").strip()
    if not rule:
        return False
    if "=" not in rule:
        return rule.lower() == "true"
    field, value = (part.strip() for part in rule.split("=", 1))
    return str(data.get(field)) == value


def before_completion(session: Session, ctx: ServiceContext, actor: Actor, case: Case,
                      info: engine.UserTaskInfo, step_data: dict[str, Any], data: dict[str, Any],
                      now: datetime) -> dict[str, Any]:
    """The data the step is completed with: the submitted form plus what PlanFlow issued for it. `step_data`
    is what the step itself holds (the letter as drafted), read from the workflow."""
    letter = {**step_data, **data}
    if _applies(info.properties.get(ISSUES_OUTGOING), data):
        data = {**data, **_sign(session, ctx, actor, case, letter, now)}
    if _applies(info.properties.get(DISPATCHES_OUTGOING), data):
        _dispatch(session, actor, case, letter)
    if _applies(info.properties.get(ISSUES_INCOMING), data):
        data = {**data, **_receive(session, actor, case, letter, now)}
    return data


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _sign(session: Session, ctx: ServiceContext, actor: Actor, case: Case, letter: dict[str, Any],
          now: datetime) -> dict[str, Any]:
    year = numbers.calendar_year(now)
    seq = numbers.next_number(session, numbers.OUTGOING, year)
    kind = _text(letter.get("letter_kind")) or "letter"
    number = numbers.outgoing_number(numbers.prefix_of(ctx), seq, kind)
    day = local(now).date().isoformat()
    signed_as = _text(letter.get("letter_signed_as")) or SIGNED_AS_DIRECTOR
    signed_for = _text(letter.get("letter_signed_for")) if signed_as != SIGNED_AS_DIRECTOR else ""
    session.add(OutgoingLetter(
        year=year, seq=seq, number=number, letter_date=day, kind=kind,
        subject=_text(letter.get("letter_subject")), recipients=_text(letter.get("letter_recipients")),
        urgency=_text(letter.get("letter_urgency")) or None, secrecy=_text(letter.get("letter_secrecy")) or None,
        signed_at=now, signed_by=actor.username, signer_name=actor.display_name or actor.username,
        signed_as=signed_as, signed_for=signed_for or None, case_id=case.id, process_key=case.process_key,
        status="signed"))
    return {"letter_number": number, "letter_date": day, "letter_year": year, "letter_sequence": seq,
            "letter_signed_by": actor.username, "letter_signer_name": actor.display_name or actor.username,
            "letter_signed_as": signed_as, "letter_signed_for": signed_for}


def _dispatch(session: Session, actor: Actor, case: Case, letter: dict[str, Any]) -> None:
    number, year = _text(letter.get("letter_number")), letter.get("letter_year")
    if not number or not isinstance(year, int):  # a letter PlanFlow did not number has no row to complete
        return
    session.execute(update(OutgoingLetter).where(
        OutgoingLetter.case_id == case.id, OutgoingLetter.year == year, OutgoingLetter.number == number).values(
        status="dispatched", dispatched_on=_text(letter.get("letter_dispatched_on")) or None,
        dispatch_channel=_text(letter.get("letter_dispatch_channel")) or None, dispatched_by=actor.username))


def _receive(session: Session, actor: Actor, case: Case, letter: dict[str, Any], now: datetime) -> dict[str, Any]:
    year = numbers.calendar_year(now)
    seq = numbers.next_number(session, numbers.INCOMING, year)
    session.add(IncomingLetter(
        year=year, seq=seq, received_at=now, channel=_text(letter.get("received_channel")) or None,
        document_number=_text(letter.get("document_number")), document_date=_text(letter.get("document_date")) or None,
        sender=_text(letter.get("sender")), addressee=_text(letter.get("addressee")),
        subject=_text(letter.get("subject")), urgency=_text(letter.get("urgency")) or None,
        secrecy=_text(letter.get("secrecy")) or None, case_id=case.id, registered_by=actor.username))
    wall = local(now)
    return {"register_number": seq, "register_year": year, "received_on": wall.date().isoformat(),
            "received_at": wall.isoformat(timespec="minutes")}


def case_cancelled(session: Session, case_id: int) -> None:
    """A cancelled case's letters that were signed but never sent keep their numbers, marked cancelled."""
    session.execute(update(OutgoingLetter).where(OutgoingLetter.case_id == case_id,
                                                 OutgoingLetter.status == "signed").values(status="cancelled"))


def letters_of(session: Session, case_id: int) -> list[OutgoingLetter]:
    """The outgoing letters a case has sent or signed, in the order of their numbers."""
    return list(session.scalars(select(OutgoingLetter).where(OutgoingLetter.case_id == case_id)
                                .order_by(OutgoingLetter.year, OutgoingLetter.seq)))
