"""Which running cases the migration page offers: those of the process on a version older than the chosen
one, running (a suspended case is resumed first), and visible to the owner; and who reads the versions."""
from __future__ import annotations

import pytest

from app.services.cases import lifecycle
from app.services.editor import deployment, migration_candidates, versions
from app.services.kernel.errors import Forbidden, NotFound

from ..editor_samples import budget_transfer_v2
from ..stories import start


def test_the_page_offers_running_cases_older_than_the_target(ctx, people, clock):
    first = start(ctx, people, "budget_transfer", title="คำขอแรก")
    paused = start(ctx, people, "budget_transfer", title="คำขอที่พักไว้")
    lifecycle.change_status(ctx, people["admin"], paused.id, "suspend", "รอเอกสาร")
    start(ctx, people, "development_plan", title="เรื่องของกระบวนงานอื่น")
    clock.advance(days=1)
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", budget_transfer_v2())
    newer = start(ctx, people, "budget_transfer", title="คำขอบนฉบับใหม่")

    offer = migration_candidates.migration_candidates(ctx, people["owner"], "budget_transfer", None)
    assert offer["versions"] == [2, 1] and offer["to_version"] == 2
    assert [c["id"] for c in offer["cases"]] == [first.id]
    assert offer["cases"][0]["version"] == 1 and offer["cases"][0]["open_steps"]
    assert migration_candidates.migration_candidates(ctx, people["admin"], "budget_transfer", 1)["cases"] == []
    assert newer.id not in [c["id"] for c in offer["cases"]]
    assert migration_candidates.case_numbers(ctx, people["owner"], [first.id]) == {first.id: first.case["number"]}
    with pytest.raises(NotFound):
        migration_candidates.migration_candidates(ctx, people["owner"], "budget_transfer", 7)
    with pytest.raises(NotFound):
        migration_candidates.migration_candidates(ctx, people["owner"], "no_such_process", None)


@pytest.mark.parametrize("who", ["plan1", "director", "auditor"])
def test_only_owners_and_administrators_are_offered_moves(ctx, people, who):
    assert not migration_candidates.may_migrate(people[who])
    with pytest.raises(Forbidden):
        migration_candidates.migration_candidates(ctx, people[who], "budget_transfer", None)


def test_who_reads_the_versions_pages(people):
    readers = {name for name in ("plan1", "school1", "director", "owner", "auditor", "admin")
               if versions.may_read_versions(people[name])}
    assert readers == {"director", "owner", "auditor", "admin"}
    assert migration_candidates.may_migrate(people["owner"]) and migration_candidates.may_migrate(people["admin"])
