"""Sending a step is one unit of work: the files sent with its form, their `attachment_added` events, the step
and the removal of its drafts commit together or not at all. A refused submission leaves the case, the
attachments folder and the sender's draft exactly as they were."""
from __future__ import annotations

import io

import pytest

from app import engine
from app.services.cases import attachments, step_actions, step_drafts
from app.services.cases.attachments import Upload
from app.services.kernel.errors import Conflict, Forbidden, Invalid, TooLarge

from ..samples import fill
from ..stories import start
from ..transactions import STEP_TABLES, files_on_disk, recorded, watching

MEMO = b"%PDF-1.4 memo asking to move the training budget"


def memo(name: str = "บันทึกข้อความ.pdf", content: bytes = MEMO, kind: str = "application/pdf") -> Upload:
    return Upload(name, kind, io.BytesIO(content), field="supporting_document")


@pytest.fixture
def request_step(ctx, people, clock):
    """A budget transfer waiting at its request, which two plan officers have each begun in a draft."""
    transfer = start(ctx, people, "budget_transfer", title="ขอโอนงบประมาณโครงการอบรมครู")
    task_id = transfer.task_of("request")["id"]
    step_drafts.save_draft(ctx, people["plan1"], task_id, {"reason": "ร่างของนางสาวสุดา"})
    step_drafts.save_draft(ctx, people["plan2"], task_id, {"reason": "ร่างของนายสมชาย"})
    clock.advance(minutes=10)
    form = step_actions.get_task(ctx, people["plan1"], task_id)["form"]
    return transfer, task_id, fill(form, {"amount": 120000})


def test_a_step_sent_with_a_file_commits_the_file_its_event_the_step_and_no_drafts_together(
        ctx, people, request_step):
    transfer, task_id, data = request_step
    with watching(ctx) as seen:
        step_actions.complete(ctx, people["plan1"], task_id, {**data, "supporting_document": memo()})
    (written,) = seen.writing()
    assert STEP_TABLES <= written, "one commit holds the file's row, its event, the step and the drafts"
    after = recorded(ctx, transfer.id, task_id)
    assert after["events"][-2:] == ["attachment_added", "task_completed"]
    assert after["drafts"] == {}, "both officers' drafts go: the step cannot be sent again"
    (row,) = attachments.list_attachments(ctx, people["plan1"], transfer.id)
    assert transfer.refresh()["data"]["supporting_document"] == str(row["id"]) and row["filename"] == "บันทึกข้อความ.pdf"
    assert files_on_disk(ctx) == [str(attachments.blob_path(ctx.attachments_dir, row["sha256"])
                                      .relative_to(ctx.attachments_dir))], "the file in place, nothing else"
    assert attachments.open_attachment(ctx, people["plan2"], transfer.id, row["id"])[1].read_bytes() == MEMO


def test_a_step_sent_without_files_also_removes_its_drafts_in_its_own_commit(ctx, people, request_step):
    transfer, task_id, data = request_step
    with watching(ctx) as seen:
        step_actions.complete(ctx, people["plan2"], task_id, data)  # as the API sends it: JSON, no files
    (written,) = seen.writing()
    assert {"tasks", "events", "task_drafts"} <= written
    assert recorded(ctx, transfer.id, task_id)["drafts"] == {}


def _empty_reason(ctx, people, transfer, task_id, data):
    return people["plan1"], {**data, "reason": "", "supporting_document": memo()}, Invalid, {"reason"}


def _web_page(ctx, people, transfer, task_id, data):
    return people["plan1"], {**data, "supporting_document": memo("memo.html", b"<script>", "text/html")}, \
        Invalid, {"supporting_document"}


def _over_the_limit(ctx, people, transfer, task_id, data):
    ctx.max_upload_bytes = 1024
    return people["plan1"], {**data, "supporting_document": memo(content=MEMO + bytes(4096))}, TooLarge, \
        {"supporting_document"}


def _already_sent(ctx, people, transfer, task_id, data):
    step_actions.complete(ctx, people["plan2"], task_id, data)
    return people["plan1"], {**data, "supporting_document": memo()}, Conflict, set()


def _an_auditor(ctx, people, transfer, task_id, data):
    return people["auditor"], {**data, "supporting_document": memo()}, Forbidden, set()


@pytest.mark.parametrize("refusal", [_empty_reason, _web_page, _over_the_limit, _already_sent, _an_auditor],
                         ids=["a field left empty", "a file of a refused type", "a file over the size limit",
                              "a step already sent", "an auditor, who only reads"])
def test_a_refused_submission_leaves_no_file_no_event_and_the_draft_as_it_was(ctx, people, request_step, refusal):
    transfer, task_id, data = request_step
    sender, submitted, refused_with, fields = refusal(ctx, people, transfer, task_id, data)
    before, on_disk = recorded(ctx, transfer.id, task_id), files_on_disk(ctx)
    with watching(ctx) as seen, pytest.raises(refused_with) as refused:
        step_actions.complete(ctx, sender, task_id, submitted)
    assert set(refused.value.fields) == fields, "the refusal names the field it is about"
    assert seen.writing() == [], "nothing committed"
    assert recorded(ctx, transfer.id, task_id) == before
    assert files_on_disk(ctx) == on_disk


def test_a_file_of_a_refused_type_and_an_empty_field_are_named_together(ctx, people, request_step):
    transfer, task_id, data = request_step
    with pytest.raises(Invalid) as refused:
        step_actions.complete(ctx, people["plan1"], task_id,
                              {**data, "reason": "", "supporting_document": memo("x.svg", b"<svg/>", "image/svg+xml")})
    assert set(refused.value.fields) == {"reason", "supporting_document"}
    assert files_on_disk(ctx) == []


def _engine_breaks(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the engine failed after the files were written")
    monkeypatch.setattr(engine, "complete", broken)


def test_a_failure_after_the_files_are_written_leaves_nothing_behind(ctx, people, request_step, monkeypatch):
    transfer, task_id, data = request_step
    before = recorded(ctx, transfer.id, task_id)
    _engine_breaks(monkeypatch)
    with watching(ctx) as seen, pytest.raises(RuntimeError):
        step_actions.complete(ctx, people["plan1"], task_id, {**data, "supporting_document": memo()})
    assert any("attachments" in tables for tables in seen.rolled_back), "the file's row was written, then undone"
    assert seen.writing() == []
    assert recorded(ctx, transfer.id, task_id) == before
    assert files_on_disk(ctx) == [], "no temporary file and no blob"

    monkeypatch.undo()
    step_actions.complete(ctx, people["plan1"], task_id, {**data, "supporting_document": memo()})
    assert len(files_on_disk(ctx)) == 1, "sent again, the file is kept"


def test_a_failed_submission_never_removes_the_copy_another_case_holds(ctx, people, request_step, monkeypatch):
    transfer, task_id, data = request_step
    other = start(ctx, people, "budget_transfer", title="อีกเรื่องหนึ่งที่แนบบันทึกฉบับเดียวกัน")
    held = attachments.attach_file(ctx, people["plan1"], other.id, "สำเนา.pdf", "application/pdf", io.BytesIO(MEMO))
    on_disk = files_on_disk(ctx)
    _engine_breaks(monkeypatch)
    with pytest.raises(RuntimeError):
        step_actions.complete(ctx, people["plan1"], task_id, {**data, "supporting_document": memo()})
    assert files_on_disk(ctx) == on_disk
    path = attachments.open_attachment(ctx, people["plan1"], other.id, held["id"])[1]
    assert path.read_bytes() == MEMO, "the same content under the same name stays for the case that holds it"

    monkeypatch.undo()
    step_actions.complete(ctx, people["plan1"], task_id, {**data, "supporting_document": memo()})
    assert files_on_disk(ctx) == on_disk, "sent again, both cases share the one copy and no temporary file stays"
    assert path.read_bytes() == MEMO


def test_a_draft_saved_with_a_file_keeps_both_in_one_commit_and_a_refused_file_changes_neither(
        ctx, people, request_step):
    transfer, task_id, _ = request_step
    before = recorded(ctx, transfer.id, task_id)
    with pytest.raises(Invalid) as refused:
        script = memo("run.sh", b"#!/bin/sh", "application/x-sh")
        step_drafts.save_draft(ctx, people["plan1"], task_id, {"reason": "แก้ร่าง", "supporting_document": script})
    assert set(refused.value.fields) == {"supporting_document"}
    assert recorded(ctx, transfer.id, task_id) == before and files_on_disk(ctx) == []

    with watching(ctx) as seen:
        step_drafts.save_draft(ctx, people["plan1"], task_id, {"reason": "แก้ร่าง", "supporting_document": memo()})
    assert seen.writing() == [{"attachments", "events", "cases", "task_drafts"}]
    saved = step_drafts.get_draft(ctx, people["plan1"], task_id)["data"]
    (row,) = attachments.list_attachments(ctx, people["plan1"], transfer.id)
    assert saved == {"reason": "แก้ร่าง", "supporting_document": str(row["id"])}


def test_an_upload_through_the_api_is_one_transaction_and_a_refused_one_keeps_nothing(ctx, people, request_step):
    transfer, _, _ = request_step
    with watching(ctx) as seen:
        attachments.attach_file(ctx, people["plan1"], transfer.id, "แผน.pdf", "application/pdf", io.BytesIO(MEMO))
    assert seen.writing() == [{"attachments", "events", "cases"}]
    on_disk = files_on_disk(ctx)
    for name, content in (("empty.pdf", b""), ("page.html", b"<p>")):
        with pytest.raises(Invalid):
            attachments.attach_file(ctx, people["plan1"], transfer.id, name, "application/pdf", io.BytesIO(content))
    assert files_on_disk(ctx) == on_disk
