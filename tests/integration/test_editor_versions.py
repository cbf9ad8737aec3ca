"""The versions page: who deployed what and when, and what changed between two versions."""
from __future__ import annotations

import pytest

from app.services.editor import deployment, versions
from app.services.kernel.errors import Invalid, NotFound

from ..editor_samples import ANALYSIS_V1, ANALYSIS_V2, budget_transfer_v2
from ..stories import start


def test_the_revised_budget_transfer_lists_its_renamed_step_longer_due_period_and_new_step(ctx, people, clock):
    running = start(ctx, people, "budget_transfer")
    clock.advance(days=1)
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", budget_transfer_v2())

    listed = versions.list_versions(ctx, people["plan1"], "budget_transfer")
    assert [v["version"] for v in listed] == [2, 1]
    assert listed[0]["deployed_by"] == "owner" and listed[1]["deployed_by"] == "system"
    assert listed[0]["deployed_at"] > listed[1]["deployed_at"] and len(listed[0]["sha256"]) == 64
    assert [v["running_cases"] for v in listed] == [0, 1] and running.refresh()["version"] == 1

    diff = versions.diff_versions(ctx, people["plan1"], "budget_transfer", 1, 2)
    assert {e["element_id"] for e in diff["added"]} == {"notify_requester", "f_notified"}
    assert diff["removed"] == []
    changed = {e["element_id"]: e["changes"] for e in diff["changed"]}
    assert changed["analysis"] == [{"field": "name", "before": ANALYSIS_V1, "after": ANALYSIS_V2}]
    assert changed["director_approval"] == [{"field": "due_working_days", "before": "3", "after": "4"}]
    assert changed["f_recorded"] == [{"field": "target", "before": "end_transferred", "after": "notify_requester"}]
    assert "request" not in changed, "unchanged steps are not listed"

    backwards = versions.diff_versions(ctx, people["plan1"], "budget_transfer", 2, 1)
    assert {e["element_id"] for e in backwards["removed"]} == {"notify_requester", "f_notified"}


def test_asking_for_a_version_that_does_not_exist(ctx, people):
    with pytest.raises(NotFound):
        versions.diff_versions(ctx, people["plan1"], "budget_transfer", 1, 9)
    with pytest.raises(NotFound):
        versions.list_versions(ctx, people["plan1"], "no_such_process")
    with pytest.raises(Invalid):
        versions.diff_versions(ctx, people["plan1"], "budget_transfer", 1, 1)
