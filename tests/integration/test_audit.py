"""An auditor steps through a case: what each event changed, and where the case stood on its diagram."""
from __future__ import annotations

from sqlalchemy import select, update

from app.services.audit import inspection, verification
from app.store.models import Event

from ..stories import start


def _transfer(ctx, people):
    transfer = start(ctx, people, "budget_transfer")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    return transfer


def test_replay_shows_each_events_changes_and_the_path_taken(ctx, people):
    transfer = _transfer(ctx, people)
    replay = inspection.replay_case(ctx, people["auditor"], transfer.id)
    steps = replay["steps"]
    # The matter is chosen as the case begins (no file goes with it); the request's memo comes with the request.
    assert [(s["kind"], s["task_spec_id"]) for s in steps][:4] == [
        ("case_started", None), ("task_completed", "matter"), ("attachment_added", None),
        ("task_completed", "request")]
    request = next(s for s in steps if s["task_spec_id"] == "request")
    changed = {c["field"]: c for c in request["changes"]}
    assert changed["amount"] == {"field": "amount", "before": None, "after": 1000}
    assert "request" in request["path"]["done"] and "analysis" in request["path"]["active"]
    analysis = next(s for s in steps if s["task_spec_id"] == "analysis")
    scripted = {c["field"]: c["after"] for c in analysis["changes"]}
    assert scripted["within_office_authority"] is True, "the authority table's answer is part of the change"
    assert scripted["transfer_decided_by"] == "office"
    last = steps[-1]
    assert last["path"]["active"] == ["director_approval"]
    assert all(s["state_matches"] for s in steps)


def test_replay_marks_the_events_whose_recorded_state_it_does_not_reach(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        event = session.scalar(select(Event).where(Event.case_id == transfer.id, Event.task_spec_id == "request"))
        seq = event.seq
        session.execute(update(Event).where(Event.id == event.id).values(data={**event.data, "amount": 5}))
    steps = inspection.replay_case(ctx, people["auditor"], transfer.id)["steps"]
    assert all(s["state_matches"] for s in steps if s["seq"] < seq)
    assert not next(s for s in steps if s["seq"] == seq)["state_matches"]
    assert not steps[-1]["state_matches"] or steps[-1]["state_digest"] is None


def test_events_can_be_searched_across_cases_by_user_and_kind(ctx, people):
    _transfer(ctx, people)
    _transfer(ctx, people)
    found = inspection.search_events(ctx, people["auditor"], username="plan2", kind="task_completed")
    assert len(found) == 2 and {e["task_spec_id"] for e in found} == {"analysis"}
    assert inspection.search_events(ctx, people["auditor"], process_key="development_plan") == []


def test_a_verification_of_every_case_is_recorded_for_supervisors(ctx, people, clock):
    _transfer(ctx, people)
    started = clock()
    run = verification.record_run(ctx, verification.verify_all(ctx), started)
    assert run["cases"] == 1 and run["failed"] == 0
    assert verification.latest_runs(ctx, people["director"])[0]["id"] == run["id"]


def test_history_exports_as_csv_with_the_final_digest(ctx, people):
    transfer = _transfer(ctx, people)
    text = inspection.history_csv(ctx, people["auditor"], transfer.id)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("seq,at,actor,kind")
    history = verification.verify_case(ctx, people["auditor"], transfer.id)
    assert lines[-1].startswith("final_digest,") and len(lines) == history.events + 2


def test_replay_marks_a_recorded_state_edited_on_one_event(ctx, people):
    transfer = _transfer(ctx, people)
    with ctx.write() as session:
        event = session.scalar(select(Event).where(Event.case_id == transfer.id, Event.task_spec_id == "request"))
        seq = event.seq
        session.execute(update(Event).where(Event.id == event.id).values(state_digest="0" * 64))
    steps = inspection.replay_case(ctx, people["auditor"], transfer.id)["steps"]
    assert [s["seq"] for s in steps if not s["state_matches"]] == [seq]
