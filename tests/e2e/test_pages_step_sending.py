"""A plan officer sends the budget transfer request from its page with the memo attached: the form, the
file, its history entry, the step and the officers' drafts commit together. A form the office refuses
comes back with the reason beside the field and keeps nothing: no file, no history entry, the draft as
it was. Sending the step through the API removes the drafts the same way."""
from __future__ import annotations

import io
import re

import pytest

from app import engine
from app.services.cases import step_drafts

from ..stories import start
from ..transactions import STEP_TABLES, files_on_disk, recorded, watching
from .test_pages_steps import REQUEST

MEMO = b"%PDF-1.4 memo from the promotion group"


@pytest.fixture
def drafted(ctx, people, as_user, clock):
    """The request step of a transfer, begun in a draft by plan1 (who will send it) and by plan2."""
    transfer = start(ctx, people, "budget_transfer", title="ขอโอนงบประมาณค่าวัสดุ")
    task_id = transfer.task_of("request")["id"]
    pages = {}
    for who, reason in (("plan1", "ร่างของนางสาวสุดา"), ("plan2", "ร่างของนายสมชาย")):
        pages[who] = as_user(who)
        pages[who].get(f"/tasks/{task_id}")
        assert pages[who].post(f"/tasks/{task_id}", {"reason": reason, "action": "draft"}).status_code == 302
    clock.advance(minutes=15)
    pages["plan1"].get(f"/tasks/{task_id}")
    return transfer, task_id, pages["plan1"]


def _send(page, task_id: int, form: dict, name: str = "บันทึกข้อความ.pdf", content: bytes = MEMO):
    form = {**form, "action": "complete", "supporting_document__upload": (io.BytesIO(content), name)}
    return page.post(f"/tasks/{task_id}", form, content_type="multipart/form-data")


def test_the_memo_the_step_and_the_drafts_go_in_one_commit(ctx, people, drafted):
    transfer, task_id, plan1 = drafted
    with watching(ctx) as seen:
        assert _send(plan1, task_id, REQUEST).status_code == 302
    (written,) = seen.writing()
    assert STEP_TABLES <= written
    after = recorded(ctx, transfer.id, task_id)
    assert after["events"][-2:] == ["attachment_added", "task_completed"] and after["drafts"] == {}
    assert len(after["attachments"]) == 1 and len(files_on_disk(ctx)) == 1
    case_page = plan1.text(plan1.get(f"/cases/{transfer.id}"))
    assert "บันทึกข้อความ.pdf" in case_page


@pytest.mark.parametrize("form, name, content, field, says", [
    ({**REQUEST, "reason": ""}, "บันทึกข้อความ.pdf", MEMO, "reason", "กรุณากรอกข้อมูลนี้"),
    (REQUEST, "บันทึกข้อความ.html", b"<script>alert(1)</script>", "supporting_document", "ชนิดไฟล์ไม่อนุญาต"),
], ids=["a field left empty", "a file of a refused type"])
def test_a_refused_form_says_why_beside_the_field_and_keeps_nothing(ctx, people, drafted, form, name, content,
                                                                    field, says):
    transfer, task_id, plan1 = drafted
    before, on_disk = recorded(ctx, transfer.id, task_id), files_on_disk(ctx)
    with watching(ctx) as seen:
        assert _send(plan1, task_id, form, name, content).status_code == 400
    html = plan1.text()
    assert re.search(rf'id="err-{field}">{says}', html), "the reason beside its field"
    if field != "supporting_document":
        assert re.search(r'id="err-supporting_document">กรุณาเลือกไฟล์ “บันทึกข้อความ.pdf” อีกครั้ง', html), \
            "the file was not kept, and the page says to choose it again"
    assert 'value="โครงการพัฒนาครู"' in html, "what was typed comes back"
    assert seen.writing() == []
    assert recorded(ctx, transfer.id, task_id) == before, "no file row, no history entry, both drafts as they were"
    assert files_on_disk(ctx) == on_disk == []
    assert step_drafts.get_draft(ctx, people["plan1"], task_id)["data"] == {"reason": "ร่างของนางสาวสุดา"}


def test_a_step_already_sent_or_not_ones_to_send_keeps_the_file_out_too(ctx, people, as_user, api, drafted):
    transfer, task_id, plan1 = drafted
    auditor = as_user("auditor")
    before = recorded(ctx, transfer.id, task_id)
    assert _send(auditor, task_id, REQUEST).status_code == 403, "auditors read cases and change nothing"
    assert recorded(ctx, transfer.id, task_id) == before and files_on_disk(ctx) == []

    # The request's fields only (the fiscal year is the matter's now, and the API refuses a field the form
    # lacks), with its amount as a number.
    request = {name: value for name, value in REQUEST.items() if name != "fiscal_year"}
    assert api.as_("plan2").post(f"/tasks/{task_id}/complete", json={"data": {
        **request, "amount": 5000}}).status_code == 200
    before = recorded(ctx, transfer.id, task_id)
    assert _send(plan1, task_id, REQUEST).status_code == 409, "plan2 sent it first"
    assert recorded(ctx, transfer.id, task_id) == before and files_on_disk(ctx) == []


def test_a_file_over_the_limit_is_named_beside_its_field_and_keeps_nothing(ctx, people, drafted):
    transfer, task_id, plan1 = drafted
    ctx.max_upload_bytes = 1024
    before = recorded(ctx, transfer.id, task_id)
    assert _send(plan1, task_id, REQUEST, content=MEMO + bytes(8192)).status_code == 413
    assert re.search(r'id="err-supporting_document">the file is larger than 1 KB', plan1.text())
    assert recorded(ctx, transfer.id, task_id) == before and files_on_disk(ctx) == []


def test_a_failure_after_the_file_is_written_keeps_nothing(ctx, people, drafted, monkeypatch):
    transfer, task_id, plan1 = drafted
    before = recorded(ctx, transfer.id, task_id)

    def fails(*_args, **_kwargs):
        raise engine.StepFailed("a script of the diagram failed", element_id="request")

    monkeypatch.setattr(engine, "complete", fails)
    assert _send(plan1, task_id, REQUEST).status_code == 400
    assert "a script of the diagram failed" in plan1.text()
    assert recorded(ctx, transfer.id, task_id) == before and files_on_disk(ctx) == []


def test_sending_the_step_through_the_api_removes_the_drafts_too(ctx, api, drafted):
    transfer, task_id, _ = drafted
    data = {key: value for key, value in REQUEST.items() if key not in ("fiscal_year", "amount")}
    api.headers("plan2")  # the token minted before watching: its own commit is no part of the step
    with watching(ctx) as seen:
        answer = api.as_("plan2").post(f"/tasks/{task_id}/complete",
                                       json={"data": {**data, "amount": 5000}})
    assert answer.status_code == 200, answer.get_json()
    (written,) = seen.writing()
    assert {"tasks", "events", "task_drafts"} <= written, "the step and its drafts in one commit"
    assert recorded(ctx, transfer.id, task_id)["drafts"] == {}
