"""A step whose transaction did not commit leaves nothing behind: not its chunks, nor the workflow it changed in
the worker's cache (that workflow counts chunks the database never got), so the next try starts from what is
stored and the case still verifies and loads."""
from __future__ import annotations

import pytest

from app.services.audit import verification
from app.services.cases import state_store, step_runner
from app.services.catalog import processes
from app.store.models import Case

from ..stories import start


class Outage(Exception):
    pass


def test_a_step_that_failed_after_saving_its_state_is_not_kept_and_the_next_try_records_it(ctx, people,
                                                                                             monkeypatch):
    transfer = start(ctx, people, "budget_transfer", title="โอนงบที่บันทึกไม่สำเร็จ")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    with ctx.read() as session:
        chunks_before = state_store.chunk_texts(session, transfer.id)
    real = step_runner.project_tasks

    def failing(*args, **kwargs):  # after the state and its chunks were written, before the commit
        raise Outage("the database went away")
    monkeypatch.setattr(step_runner, "project_tasks", failing)
    with pytest.raises(Outage):
        transfer.complete("analysis", "plan2")
    monkeypatch.setattr(step_runner, "project_tasks", real)
    with ctx.read() as session:
        assert state_store.chunk_texts(session, transfer.id) == chunks_before, "rolled back with the step"

    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    transfer.complete("director_approval", "office")
    assert verification.verify_case(ctx, people["auditor"], transfer.id).ok
    ctx.workflow_cache.clear()
    with ctx.read() as session:
        case = session.get(Case, transfer.id)
        state_store.load(session, processes.compiled(case.version), case)  # the chain ends where the row says
