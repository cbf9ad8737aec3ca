"""A message the office receives in rounds (OBEC's allocation comes in งวด): the round number each notice carries,
the refusal of a round already recorded, and what the case shows of them (each round, the notices kept until the
case reaches its wait, and the totals, added up here and never by a diagram's script).

The engine records the rounds (engine/notices.py); this module only reads the case's data.
"""
from __future__ import annotations

from typing import Any

from app.engine import MessageInfo
from app.services.kernel.errors import Conflict

ROUND_FIELD = "round_number"
PENDING = "pending_messages"


def _numbers(data: dict[str, Any], info: MessageInfo) -> list[int]:
    found = [r.get(ROUND_FIELD) for r in data.get(info.rounds or "") or [] if isinstance(r, dict)]
    found += [(p.get("data") or {}).get(ROUND_FIELD) for p in data.get(PENDING) or []
              if isinstance(p, dict) and p.get("name") == info.name]
    return [n for n in found if isinstance(n, int)]


def numbered(data: dict[str, Any], info: MessageInfo, payload: dict[str, Any]) -> dict[str, Any]:
    """The notice with its round number: the one it names, or the round after the last one recorded.
    A number already recorded (or kept) is refused with 409 naming the field, changing nothing."""
    recorded = _numbers(data, info)
    number = payload.get(ROUND_FIELD)
    if number is None:
        return {**payload, ROUND_FIELD: max(recorded, default=0) + 1}
    if number in recorded:
        raise Conflict(f"round {number} of '{info.name}' is already recorded in this case",
                       {ROUND_FIELD: [f"งวดที่ {number} บันทึกไว้แล้ว (round {number} is already recorded)"]})
    return payload


def _amount(value: Any) -> float | int:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _by_category(rounds: list[dict[str, Any]]) -> dict[str, float | int]:
    """The amounts of every round's items, added up per budget category (in the order first seen)."""
    totals: dict[str, float | int] = {}
    for entry in rounds:
        for value in entry.values():
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("category"), str) and "amount" in item:
                    totals[item["category"]] = totals.get(item["category"], 0) + _amount(item["amount"])
    return totals


def summaries(messages: dict[str, MessageInfo], data: dict[str, Any]) -> list[dict[str, Any]]:
    """Per message taken in rounds: its rounds in the order they came, the notices kept for a wait not yet
    reached, and the totals of the rounds recorded (the amount, and the amount per budget category)."""
    found = []
    for info in sorted(messages.values(), key=lambda m: m.name):
        if not info.rounds:
            continue
        rounds = [r for r in data.get(info.rounds) or [] if isinstance(r, dict)]
        pending = [{**(p.get("data") or {}), "received_at": p.get("received_at")}
                   for p in data.get(PENDING) or [] if isinstance(p, dict) and p.get("name") == info.name]
        found.append({"message": info.name, "variable": info.rounds, "rounds": rounds, "pending": pending,
                      "total": sum(_amount(r.get("amount")) for r in rounds), "by_category": _by_category(rounds)})
    return found
