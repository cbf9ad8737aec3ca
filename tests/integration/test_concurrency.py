"""Two people press "send" on the same step at the same moment: exactly one completion is recorded."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.services import tasks
from app.services.errors import Conflict
from app.store.models import Event

from ..samples import fill
from ..stories import start


def test_two_threads_completing_one_step_one_wins_and_one_gets_a_conflict(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")
    form = tasks.get_task(ctx, people["plan1"], step["id"])["form"]
    data = fill(form, {"category_from": "operating", "category_to": "other", "amount": 1000})
    results: list[object] = []
    barrier = threading.Barrier(2)

    def submit(who: str) -> None:
        barrier.wait()
        try:
            results.append(tasks.complete(ctx, people[who], step["id"], data))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=submit, args=(who,)) for who in ("plan1", "plan2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "dict"]
    with ctx.read() as session:
        completions = session.scalar(select(func.count()).select_from(Event).where(
            Event.case_id == transfer.id, Event.kind == "task_completed"))
    assert completions == 1
    assert transfer.open_steps() == ["analysis"]


def test_completing_a_step_twice_is_a_conflict_and_changes_nothing(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    step = transfer.task_of("request")
    transfer.complete("request", "plan1")
    before = transfer.refresh()
    with pytest.raises(Conflict):
        tasks.complete(ctx, people["plan1"], step["id"], {})
    assert transfer.refresh() == before
