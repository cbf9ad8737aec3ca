"""Running budget requests stay on the diagram they started with when the version with closing rounds is
deployed. A process owner can move a case that has not reached the schools' round yet: it then runs the round
that closes, and still verifies. A case already in (or past) the round cannot move: the schools' step it is in
the middle of changed (it closes now, and the office's review follows it), and the migration rules never let a
case's past belong to a diagram that no longer says what happened."""
from __future__ import annotations

import shutil
from pathlib import Path

from app.services.audit import verification
from app.services.cases import rounds
from app.services.editor import deployment, migration

from ..stories import start

PREVIOUS = Path(__file__).resolve().parents[1] / "previous_versions"
ROOT = Path(__file__).resolve().parents[2]


def _previous_version(ctx, people, own_forms) -> int:
    """The diagram before rounds closed, deployed with its follow-up form, as the newest version."""
    shutil.copy(PREVIOUS / "budget_request_follow_up.json", own_forms / "budget_request_follow_up.json")
    before, _ = deployment.deploy_version(ctx, people["owner"], "budget_request",
                                          (PREVIOUS / "budget_request.bpmn").read_bytes())
    return before["version"]


def _deploy_current(ctx, people) -> int:
    current, created = deployment.deploy_version(ctx, people["owner"], "budget_request",
                                                 (ROOT / "processes" / "budget_request.bpmn").read_bytes())
    assert created
    return current["version"]


def test_a_request_not_yet_at_the_schools_moves_to_rounds_that_close_and_one_in_the_round_stays(
        ctx, people, own_forms):
    old = _previous_version(ctx, people, own_forms)
    waiting = start(ctx, people, "budget_request", title="ยังไม่แจ้งสถานศึกษา")
    in_round = start(ctx, people, "budget_request", title="สถานศึกษากำลังส่งคำขอ")
    in_round.complete("notify_schools", "plan1", requests_close_on="2026-12-17")
    assert waiting.case["version"] == in_round.case["version"] == old
    new = _deploy_current(ctx, people)

    moved, stayed = migration.migrate_cases(ctx, people["owner"], "budget_request", [waiting.id, in_round.id], new)
    assert moved["ok"], moved["reason"]
    assert not stayed["ok"]
    blockers = {(b["element_id"], b["state"]) for b in stayed["blockers"] if b["element_id"]}
    assert {("school_budget_request", "in progress"), ("requests_closed", "waiting")} <= blockers, stayed["reason"]
    assert in_round.refresh()["version"] == old, "it keeps its own diagram: late schools are followed up there"
    assert rounds.list_rounds(ctx, people["plan1"], in_round.id) == [], "its old round does not close"

    waiting.complete("notify_schools", "plan1", requests_close_on="2026-12-17")
    waiting.send_letter()  # the schools hear of the round by the office's circular
    assert waiting.refresh()["version"] == new
    [round_] = rounds.list_rounds(ctx, people["plan1"], waiting.id)
    assert round_["closes_at"] == "2026-12-17T09:30:00+00:00"
    rounds.close_round(ctx, people["plan1"], waiting.id, "school_budget_request")
    assert waiting.open_steps() == ["review_school_requests"]
    for case in (waiting, in_round):
        verdict = verification.verify_case(ctx, people["auditor"], case.id)
        assert verdict.ok, verdict.problems
