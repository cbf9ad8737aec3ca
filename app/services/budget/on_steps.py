"""What a budget transfer step learns from the authority table, inside the step's own transaction.

A step whose diagram sets the property `decidesTransferAuthority` = "true" (the transfer's analysis) is
completed with the table's answer added to its data: who approves (`transfer_decided_by`: office, committee
or obec), the row and its citation. The answer is part of the step's event, so a replay reproduces it and a
later edit of the table never rewrites a case's past; the diagram's gateway reads `transfer_decided_by`.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import engine

from . import authority

DECIDES = "decidesTransferAuthority"


def concerns(info: engine.UserTaskInfo | None) -> bool:
    return info is not None and str(info.properties.get(DECIDES) or "").strip().lower() == "true"


def before_completion(session: Session, step_data: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The submitted form plus the table's answer for the request the step holds (`step_data`)."""
    return {**data, **authority.decide(session, {**step_data, **data})}
