"""The versions pages as a process owner uses them after revising the budget transfer: the list of
versions, what changed between two, and moving the running cases that can move. Staff get 403; auditors
read the versions and the differences (part of the record) but may not move cases."""
from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from app.services.editor import deployment

from ..editor_samples import ANALYSIS_V2, budget_transfer_v2
from ..stories import start

WITHIN_AUTHORITY = {"category_from": "operating", "category_to": "other", "amount": 50000}


@pytest.fixture
def revised(ctx, people, clock):
    """A budget transfer waiting at its request (can move) and one past its analysis (cannot), then v2."""
    waiting = start(ctx, people, "budget_transfer", title="คำขอรอบันทึก")
    analysed = start(ctx, people, "budget_transfer", title="คำขอที่วิเคราะห์แล้ว")
    analysed.complete("request", "plan1", **WITHIN_AUTHORITY)
    analysed.complete("analysis", "plan2")
    clock.advance(days=1)
    deployment.deploy_version(ctx, people["owner"], "budget_transfer", budget_transfer_v2())
    return waiting, analysed


def _data(html: str, name: str) -> list[str]:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    return json.loads(htmllib.unescape(found.group(1)))


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("auditor", 200), ("director", 200),
                                         ("plan1", 403), ("school1", 403)])
def test_who_may_see_the_versions_and_their_differences(as_user, revised, who, status):
    page = as_user(who)
    assert page.get("/processes/budget_transfer/versions").status_code == status
    assert page.get("/processes/budget_transfer/diff?from=1&to=2").status_code == status


@pytest.mark.parametrize("who, status", [("owner", 200), ("admin", 200), ("auditor", 403), ("director", 403),
                                         ("plan1", 403)])
def test_only_owners_and_administrators_open_the_migration_page(as_user, revised, who, status):
    assert as_user(who).get("/processes/budget_transfer/migrate").status_code == status


def test_the_versions_page_lists_who_deployed_when_the_digest_and_running_cases(as_user, revised):
    page = as_user("owner")
    html = page.text(page.get("/processes/budget_transfer/versions"))
    rows = re.findall(r'<tr class="version-row" data-version="(\d+)">(.*?)</tr>', html, re.S)
    assert [n for n, _ in rows] == ["2", "1"]
    assert "owner" in rows[0][1] and "system" in rows[1][1]
    assert re.search(r'<td [^>]*class="num running">2</td>', rows[1][1]), "both cases still run on version 1"
    assert "2569" in html or "2570" in html, "dates in Buddhist-Era years"
    assert "ย้ายเรื่องที่กำลังดำเนินการ" in html, "owners are offered the move"
    auditor = as_user("auditor")
    assert "ย้ายเรื่องที่กำลังดำเนินการ" not in auditor.text(auditor.get("/processes/budget_transfer/versions"))


def test_the_difference_page_colours_added_and_changed_and_lists_the_removed(as_user, revised):
    page = as_user("owner")
    html = page.text(page.get("/processes/budget_transfer/diff?from=1&to=2"))
    assert set(_data(html, "added")) == {"notify_requester", "f_notified"}
    assert {"analysis", "director_approval"} <= set(_data(html, "changed"))
    assert _data(html, "removed") == []
    assert ANALYSIS_V2 in html and "/versions/2/bpmn" in html and "/versions/1/bpmn" in html
    backwards = page.text(page.get("/processes/budget_transfer/diff?from=2&to=1"))
    assert set(_data(backwards, "removed")) == {"notify_requester", "f_notified"}
    assert page.get("/processes/budget_transfer/diff?from=1").status_code == 400
    assert page.get("/processes/budget_transfer/diff?from=1&to=9").status_code == 404


def test_the_owner_checks_then_moves_the_case_that_can_move(as_user, revised):
    waiting, analysed = revised
    page = as_user("owner")
    html = page.text(page.get("/processes/budget_transfer/migrate"))
    assert f'id="case-{waiting.id}"' in html and f'id="case-{analysed.id}"' in html
    checked = page.post("/processes/budget_transfer/migrate",
                        {"to_version": "2", "case_id": [str(waiting.id), str(analysed.id)], "action": "check"})
    text = page.text(checked)
    assert checked.status_code == 200 and "ย้ายได้" in text and "ย้ายไม่ได้" in text
    assert "เสร็จแล้ว" in text and "ฉบับใหม่เปลี่ยน" in text, "the reason is worded in Thai from the service's data"
    assert waiting.refresh()["version"] == 1, "a check moves nothing"

    moved = page.post("/processes/budget_transfer/migrate",
                      {"to_version": "2", "case_id": [str(waiting.id), str(analysed.id)], "action": "move"})
    assert moved.status_code == 200 and "ย้ายแล้ว" in page.text(moved)
    assert waiting.refresh()["version"] == 2 and analysed.refresh()["version"] == 1
    html = page.text(page.get("/processes/budget_transfer/migrate"))
    assert f'id="case-{waiting.id}"' not in html and f'id="case-{analysed.id}"' in html


def test_a_move_without_cases_is_refused_and_staff_may_not_post_it(as_user, revised):
    assert as_user("owner").post("/processes/budget_transfer/migrate", {"to_version": "2"}).status_code == 400
    assert as_user("plan1").post("/processes/budget_transfer/migrate",
                                 {"to_version": "2", "case_id": "1"}).status_code == 403
    assert as_user("auditor").post("/processes/budget_transfer/migrate",
                                   {"to_version": "2", "case_id": "1"}).status_code == 403


def test_the_case_page_links_to_the_versions_for_those_who_may_read_them(as_user, revised):
    waiting, _ = revised
    for who, linked in (("owner", True), ("auditor", True), ("plan1", False)):
        page = as_user(who)
        html = page.text(page.get(f"/cases/{waiting.id}"))
        assert ('href="/processes/budget_transfer/versions"' in html) is linked, who
