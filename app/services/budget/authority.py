"""The transfer authority table: reading it, the process owner's edits, and the rule a request falls under.

Who approves a transfer is the first row, by position, whose scope, categories and amount match it. A request
no row covers is beyond the office's authority: it goes to OBEC, the safe side. Everyone who works on
budget transfers may read the table (the analysis names the row it used); only process owners (and
administrators) change it.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Forbidden, Invalid, NotFound
from app.store.budget_models import TransferAuthorityRule

ANY = "any"
CATEGORIES = ("personnel", "operating", "investment", "subsidy", "other")
CATEGORY_TITLES = {"personnel": "งบบุคลากร", "operating": "งบดำเนินงาน", "investment": "งบลงทุน",
                   "subsidy": "งบเงินอุดหนุน", "other": "งบรายจ่ายอื่น", ANY: "ทุกงบรายจ่าย"}
SCOPES = ("same_plan", "across_plans")
SCOPE_TITLES = {"same_plan": "ภายในแผนงานเดียวกัน", "across_plans": "ต่างแผนงาน", ANY: "ทุกกรณี"}
DECIDERS = ("office", "committee", "obec")
DECIDER_TITLES = {"office": "อยู่ในอำนาจของ สพป. (ผอ.สพป. อนุมัติ)", "committee": "เสนอ กศจ. ให้ความเห็นชอบ",
                  "obec": "เกินอำนาจ เสนอ สพฐ. พิจารณา"}
OUTSIDE_TABLE = "obec"
READER_GROUPS = frozenset({"plan_staff", "group_director", "office_director"})
MAX_TEXT = 2000
MAX_AMOUNT = 10**13


def may_read(actor: Actor) -> bool:
    return may_edit(actor) or actor.is_auditor or actor.is_supervisor or bool(READER_GROUPS & actor.groups)


def may_edit(actor: Actor) -> bool:
    return "process_owner" in actor.roles or actor.is_admin


def _require_reader(actor: Actor) -> None:
    if not may_read(actor):
        raise Forbidden("only plan staff, directors, supervisors, auditors and process owners read the table")


def rule_dict(rule: TransferAuthorityRule) -> dict[str, Any]:
    return {"id": rule.id, "position": rule.position, "scope": rule.scope, "scope_title": SCOPE_TITLES[rule.scope],
            "category_from": rule.category_from, "category_from_title": CATEGORY_TITLES[rule.category_from],
            "category_to": rule.category_to, "category_to_title": CATEGORY_TITLES[rule.category_to],
            "max_amount": rule.max_amount, "decided_by": rule.decided_by,
            "decided_by_title": DECIDER_TITLES[rule.decided_by], "citation": rule.citation,
            "citation_is_example": rule.citation_is_example, "note": rule.note, "updated_by": rule.updated_by,
            "updated_at": rule.updated_at.isoformat()}


def _ordered(session: Session) -> list[TransferAuthorityRule]:
    return list(session.scalars(select(TransferAuthorityRule).order_by(TransferAuthorityRule.position,
                                                                        TransferAuthorityRule.id)))


def list_rules(ctx: ServiceContext, actor: Actor) -> list[dict[str, Any]]:
    """The table in the order it is read."""
    _require_reader(actor)
    with ctx.read() as session:
        return [rule_dict(rule) for rule in _ordered(session)]


def _choice(data: dict[str, Any], name: str, allowed: tuple[str, ...], errors: dict[str, list[str]]) -> str:
    value = data.get(name)
    if value not in allowed:
        errors[name] = [f"เลือกจาก {', '.join(allowed)} (one of {', '.join(allowed)})"]
    return value


def checked(data: Any) -> dict[str, Any]:
    """A row as the process owner sent it, or Invalid naming each bad field (nothing is written)."""
    if not isinstance(data, dict):
        raise Invalid("a rule is an object", {"rule": ["ต้องเป็นออบเจกต์ JSON (a JSON object)"]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(data) - {"position", "scope", "category_from", "category_to", "max_amount", "decided_by",
                                  "citation", "citation_is_example", "note"})
    for name in unknown:
        errors[name] = ["ไม่รู้จักช่องนี้ (unknown field)"]
    rule = {"scope": _choice(data, "scope", (*SCOPES, ANY), errors),
            "category_from": _choice(data, "category_from", (*CATEGORIES, ANY), errors),
            "category_to": _choice(data, "category_to", (*CATEGORIES, ANY), errors),
            "decided_by": _choice(data, "decided_by", DECIDERS, errors)}
    limit = data.get("max_amount")
    if limit in ("", None):
        limit = None
    elif isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit < MAX_AMOUNT:
        errors["max_amount"] = ["จำนวนเต็มบาทที่มากกว่า 0 หรือเว้นว่าง (whole baht above 0, or empty)"]
    position = data.get("position")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)
                                 or not 0 < position < 10000):
        errors["position"] = ["ลำดับเป็นจำนวนเต็ม 1-9999 (a whole number 1-9999)"]
    citation = data.get("citation")
    if not isinstance(citation, str) or not citation.strip() or len(citation) > MAX_TEXT:
        errors["citation"] = ["ต้องอ้างข้อระเบียบหรือคำสั่งมอบอำนาจ (cite the clause or delegation order)"]
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_TEXT:
        errors["note"] = ["ข้อความไม่เกิน 2000 ตัวอักษร (text up to 2000 characters)"]
    example = data.get("citation_is_example", False)
    if not isinstance(example, bool):
        errors["citation_is_example"] = ["จริงหรือเท็จ (true or false)"]
    if errors:
        raise Invalid("the rule is not valid: " + ", ".join(sorted(errors)), errors)
    return {**rule, "max_amount": limit, "position": position, "citation": citation.strip(),
            "note": note.strip(), "citation_is_example": example}


def save_rule(ctx: ServiceContext, actor: Actor, data: Any, rule_id: int | None = None) -> dict[str, Any]:
    """Add a row (rule_id None; at the end unless it names a position) or change one."""
    if not may_edit(actor):
        raise Forbidden("only process owners and administrators edit the transfer authority table")
    access.require_may_write(actor)
    rule = checked(data)
    with ctx.write() as session:
        row = None
        if rule_id is not None:
            row = session.get(TransferAuthorityRule, rule_id)
            if row is None:
                raise NotFound(f"no transfer authority rule {rule_id}")
        if rule["position"] is None:
            rule["position"] = row.position if row is not None else (
                session.scalar(select(func.max(TransferAuthorityRule.position))) or 0) + 1
        if row is None:
            row = TransferAuthorityRule(**rule, updated_by=actor.username, updated_at=ctx.now())
            session.add(row)
        else:
            for name, value in rule.items():
                setattr(row, name, value)
            row.updated_by, row.updated_at = actor.username, ctx.now()
        session.flush()
        return rule_dict(row)


def delete_rule(ctx: ServiceContext, actor: Actor, rule_id: int) -> dict[str, Any]:
    if not may_edit(actor):
        raise Forbidden("only process owners and administrators edit the transfer authority table")
    access.require_may_write(actor)
    with ctx.write() as session:
        row = session.get(TransferAuthorityRule, rule_id)
        if row is None:
            raise NotFound(f"no transfer authority rule {rule_id}")
        gone = rule_dict(row)
        session.delete(row)
        return gone


def scope_of(request: dict[str, Any]) -> str:
    """ต่างแผนงาน when the request names a destination plan other than its own."""
    destination = str(request.get("destination_plan") or "").strip()
    return "across_plans" if destination and destination != str(request.get("plan") or "").strip() \
        else "same_plan"


def _matches(rule: TransferAuthorityRule, scope: str, source: Any, target: Any, amount: Any) -> bool:
    if rule.scope not in (ANY, scope):
        return False
    if rule.category_from not in (ANY, source) or rule.category_to not in (ANY, target):
        return False
    return rule.max_amount is None or (isinstance(amount, (int, float)) and amount <= rule.max_amount)


def decide(session: Session, request: dict[str, Any]) -> dict[str, Any]:
    """Who approves the request under today's table, and why: the data the transfer case keeps."""
    scope = scope_of(request)
    source, target, amount = request.get("category_from"), request.get("category_to"), request.get("amount")
    found = next((rule for rule in _ordered(session) if _matches(rule, scope, source, target, amount)), None)
    decided_by = found.decided_by if found is not None else OUTSIDE_TABLE
    return {"transfer_scope": scope, "transfer_decided_by": decided_by,
            "within_office_authority": decided_by == "office",
            "authority_rule_id": found.id if found is not None else None,
            "authority_citation": found.citation if found is not None else
            "ไม่มีในตารางอำนาจของ สพป. ถือว่าเกินอำนาจ (not in the office's table: beyond its authority)",
            "authority_decision_title": DECIDER_TITLES[decided_by]}
