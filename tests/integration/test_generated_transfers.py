"""Generated demo cases are sent as people send them: a budget transfer's analysis carries the authority
table's answer, as the step service adds it, so generated transfers go on to the approver the table names
instead of stopping at the gateway that reads it; and every generated case still verifies."""
from __future__ import annotations

from sqlalchemy import select

from app.services.audit import verification
from app.services.ops import generator
from app.store.models import Case, Event, Task


def test_generated_transfers_are_decided_by_the_authority_table_and_go_on(ctx, people, clock):
    generator.generate_cases(ctx, 400)
    with ctx.read() as session:
        transfers = session.scalars(select(Case.id).where(Case.process_key == "budget_transfer")).all()
        analysed = session.scalars(select(Event).where(Event.case_id.in_(transfers), Event.kind == "task_completed",
                                                       Event.task_spec_id == "analysis")).all()
        later = session.scalars(select(Task.spec_id).where(Task.case_id.in_(transfers), Task.spec_id.in_(
            ("director_approval", "letter_draft", "committee_decision", "record_transfer")))).all()
    assert analysed, "some generated transfers were analysed"
    assert all(event.data.get("transfer_decided_by") in ("office", "committee", "obec") for event in analysed)
    assert later, "generated transfers reach the approver the table names"
    for case_id in transfers:
        verdict = verification.verify_case(ctx, people["auditor"], case_id)
        assert verdict.ok, verdict.problems
