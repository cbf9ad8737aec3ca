"""Running cases stay on their version; a process owner moves those that can move to the revised budget
transfer, and the auditor's replay still reaches every recorded state."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.audit import inspection, verification
from app.services.calendar.working_days import add_working_days
from app.services.cases import lifecycle
from app.services.catalog import processes
from app.services.editor import deployment, migration
from app.services.kernel.errors import Forbidden, Invalid, NotFound
from app.store.models import Case, ProcessVersion, Task

from ..editor_samples import ANALYSIS_V2, budget_transfer_v2
from ..stories import start

WITHIN_AUTHORITY = {"category_from": "operating", "category_to": "other", "amount": 50000}


def _version_id(ctx, case_id: int) -> int:
    with ctx.read() as session:
        return session.get(Case, case_id).process_version_id


def _open_row(ctx, case_id: int, spec_id: str) -> Task:
    with ctx.read() as session:
        return session.scalar(select(Task).where(Task.case_id == case_id, Task.spec_id == spec_id,
                                                 Task.status.in_(("open", "claimed"))))


def _revise(ctx, people, clock) -> None:
    clock.advance(days=1)
    version, created = deployment.deploy_version(ctx, people["owner"], "budget_transfer", budget_transfer_v2())
    assert created and version["version"] == 2
    clock.advance(hours=2)


def test_new_cases_run_on_the_revised_version_while_older_ones_stay_on_theirs(ctx, people, clock):
    older = start(ctx, people, "budget_transfer")
    _revise(ctx, people, clock)
    newer = start(ctx, people, "budget_transfer")
    assert older.refresh()["version"] == 1 and newer.case["version"] == 2
    newer.complete("request", "plan1", **WITHIN_AUTHORITY)
    assert newer.task_of("analysis")["name"] == ANALYSIS_V2
    older.complete("request", "plan1", **WITHIN_AUTHORITY)
    assert older.task_of("analysis")["name"] != ANALYSIS_V2
    assert verification.verify_case(ctx, people["auditor"], older.id).ok
    assert verification.verify_case(ctx, people["auditor"], newer.id).ok


def test_a_case_moves_only_when_no_step_it_passed_changed_and_still_verifies(ctx, people, clock):
    at_request = start(ctx, people, "budget_transfer", title="คำขอที่ยังไม่ได้บันทึก")
    at_analysis = start(ctx, people, "budget_transfer", title="คำขอที่รอวิเคราะห์")
    at_analysis.complete("request", "plan1", **WITHIN_AUTHORITY)
    past_analysis = start(ctx, people, "budget_transfer", title="คำขอที่วิเคราะห์แล้ว")
    past_analysis.complete("request", "plan1", **WITHIN_AUTHORITY)
    past_analysis.complete("analysis", "plan2")
    _revise(ctx, people, clock)
    ids = [at_request.id, at_analysis.id, past_analysis.id]
    histories = {i: len(lifecycle.case_history(ctx, people["admin"], i)) for i in ids}
    version_ids = {i: _version_id(ctx, i) for i in ids}

    preview = migration.migrate_cases(ctx, people["owner"], "budget_transfer", ids, 2, dry_run=True)
    assert [(r["case_id"], r["ok"]) for r in preview] == [(at_request.id, True), (at_analysis.id, True),
                                                          (past_analysis.id, False)]
    reason = preview[2]["reason"]
    assert "analysis" in reason and "completed" in reason and "name" in reason, reason
    assert ANALYSIS_V2 in reason, "the element diff says what the name became"
    assert [(b["element_id"], b["state"], b["problem"]) for b in preview[2]["blockers"]] == [
        ("analysis", "completed", "changed")] and "bpmn_name" in preview[2]["blockers"][0]["attributes"]
    assert {i: _version_id(ctx, i) for i in ids} == version_ids, "a dry run moves nothing"
    assert {i: len(lifecycle.case_history(ctx, people["admin"], i)) for i in ids} == histories

    moved = migration.migrate_cases(ctx, people["owner"], "budget_transfer", ids, 2)
    assert [(r["ok"], r["from_version"], r["to_version"]) for r in moved] == [
        (True, 1, 2), (True, 1, 2), (False, 1, 2)]
    assert moved[2]["reason"] == reason

    for case in (at_request, at_analysis):
        assert case.refresh()["version"] == 2 and _version_id(ctx, case.id) != version_ids[case.id]
        last = lifecycle.case_history(ctx, people["admin"], case.id)[-1]
        assert last["kind"] == "case_migrated" and last["actor"] == "owner"
        assert last["data"]["from_version"] == 1 and last["data"]["to_version"] == 2
        verdict = verification.verify_case(ctx, people["auditor"], case.id)
        assert verdict.ok, verdict.problems
    assert past_analysis.refresh()["version"] == 1
    assert len(lifecycle.case_history(ctx, people["admin"], past_analysis.id)) == histories[past_analysis.id]
    assert verification.verify_case(ctx, people["auditor"], past_analysis.id).ok

    # The open analysis step keeps its row (and whoever holds it) and takes the new label.
    assert at_analysis.task_of("analysis")["name"] == ANALYSIS_V2

    # The moved case goes on under the new version: four working days for the director, then the new step.
    at_analysis.complete("analysis", "plan2")
    at_analysis.complete("group_review", "director", review_decision="support")
    step = _open_row(ctx, at_analysis.id, "director_approval")
    assert step.due_at == add_working_days(step.created_at, 4)
    at_analysis.complete("director_approval", "office", director_decision="approve")
    at_analysis.send_letter()  # the approval announced by letter
    at_analysis.complete("record_transfer", "plan1")
    assert at_analysis.open_steps() == ["notify_requester"]
    at_analysis.complete("notify_requester", "plan1")
    assert at_analysis.refresh()["status"] == "completed"
    verdict = verification.verify_case(ctx, people["auditor"], at_analysis.id)
    assert verdict.ok, verdict.problems

    replay = inspection.replay_case(ctx, people["auditor"], at_analysis.id)
    kinds = [s["kind"] for s in replay["steps"]]
    moved_at = kinds.index("case_migrated")
    assert [s["version"] for s in replay["steps"]] == [1] * moved_at + [2] * (len(kinds) - moved_at)
    assert all(s["state_matches"] for s in replay["steps"])


def test_an_open_step_with_a_changed_due_period_is_given_the_new_one(ctx, people, clock):
    case = start(ctx, people, "budget_transfer")
    case.complete("request", "plan1", **WITHIN_AUTHORITY)
    case.complete("analysis", "plan2")
    case.complete("group_review", "director", review_decision="support")
    before = _open_row(ctx, case.id, "director_approval")
    assert before.due_at == add_working_days(before.created_at, 3)
    # Not the full revision (it renamed the analysis this case has passed): only the director's period.
    xml = processes.version_xml(ctx, "budget_transfer", 1).encode().replace(
        b'<spiffworkflow:property name="dueWorkingDays" value="3" />\n'
        b'          <spiffworkflow:property name="nameEn" value="Decide on the transfer" />',
        b'<spiffworkflow:property name="dueWorkingDays" value="4" />\n'
        b'          <spiffworkflow:property name="nameEn" value="Decide on the transfer" />', 1)
    assert deployment.deploy_version(ctx, people["owner"], "budget_transfer", xml)[1]
    result = migration.migrate_cases(ctx, people["owner"], "budget_transfer", [case.id], 2)
    assert result[0]["ok"], result
    after = _open_row(ctx, case.id, "director_approval")
    assert after.id == before.id and after.due_at == add_working_days(before.created_at, 4)
    assert verification.verify_case(ctx, people["auditor"], case.id).ok


def test_cases_that_cannot_move_are_each_given_the_reason(ctx, people, clock):
    finished = start(ctx, people, "budget_transfer")
    # Equipment within one plan, up to a million baht: กศจ.'s to approve (the authority table), and it refuses.
    finished.complete("request", "plan1", category_from="operating", category_to="investment", amount=900_000)
    finished.complete("analysis", "plan2")
    assert finished.refresh()["data"]["transfer_decided_by"] == "committee"
    finished.complete("group_review", "director", review_decision="support")
    finished.send_letter()  # the submission to กศจ.
    finished.complete("committee_decision", "secretary", decision="reject", meeting_number="7/2570")
    assert finished.refresh()["status"] == "completed"
    other = start(ctx, people, "group_meeting")
    _revise(ctx, people, clock)
    newer = start(ctx, people, "budget_transfer")
    results = migration.migrate_cases(ctx, people["owner"], "budget_transfer",
                                      [finished.id, other.id, newer.id, 999999], 2)
    reasons = {r["case_id"]: r["reason"] for r in results}
    assert not any(r["ok"] for r in results)
    assert "completed" in reasons[finished.id]
    assert "group_meeting" in reasons[other.id]
    assert "already on version 2" in reasons[newer.id]
    assert reasons[999999] == "no case 999999"
    codes = {r["case_id"]: r["refusal"]["code"] for r in results}
    assert codes == {finished.id: "not_running", other.id: "other_process", newer.id: "same_version",
                     999999: "not_found"}, "pages word the reason from these codes"


def test_only_process_owners_and_administrators_move_cases(ctx, people, clock):
    case = start(ctx, people, "budget_transfer")
    _revise(ctx, people, clock)
    with pytest.raises(Forbidden):
        migration.migrate_cases(ctx, people["director"], "budget_transfer", [case.id], 2)
    with pytest.raises(NotFound):
        migration.migrate_cases(ctx, people["owner"], "budget_transfer", [case.id], 3)
    with pytest.raises(Invalid):
        migration.migrate_cases(ctx, people["owner"], "budget_transfer", [], 2)
    assert migration.migrate_cases(ctx, people["admin"], "budget_transfer", [case.id], 2)[0]["ok"]


def test_a_version_altered_after_a_case_moved_to_it_fails_the_replay(ctx, people, clock):
    case = start(ctx, people, "budget_transfer")
    _revise(ctx, people, clock)
    assert migration.migrate_cases(ctx, people["owner"], "budget_transfer", [case.id], 2)[0]["ok"]
    with ctx.write() as session:
        row = session.scalar(select(ProcessVersion).where(ProcessVersion.key == "budget_transfer",
                                                          ProcessVersion.version == 2))
        row.sha256 = "0" * 64
    verdict = verification.verify_case(ctx, people["auditor"], case.id)
    assert not verdict.replay_ok and "not the one the case moved with" in " ".join(verdict.problems)
