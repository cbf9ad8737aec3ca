"""Two people press "send" on the same step at the same moment: exactly one completion is recorded."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.cases import step_actions
from app.services.kernel.errors import Conflict
from app.store.models import Event

from ..samples import fill
from ..stories import send_at_once, start


def test_two_threads_completing_one_step_one_wins_and_one_gets_a_conflict(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")
    form = step_actions.get_task(ctx, people["plan1"], step["id"])["form"]
    data = fill(form, {"category_from": "operating", "category_to": "other", "amount": 1000})
    results = send_at_once(ctx, people, step["id"], data)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    with ctx.read() as session:
        completions = session.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == transfer.id, Event.kind == "task_completed", Event.task_spec_id == "request"))
    assert completions == 1
    assert transfer.open_steps() == ["analysis"]


def test_completing_a_step_twice_is_a_conflict_and_changes_nothing(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")
    transfer.complete("request", "plan1")
    before = transfer.refresh()
    with pytest.raises(Conflict):
        step_actions.complete(ctx, people["plan1"], step["id"], {})
    assert transfer.refresh() == before
