"""The office backs up every night and must be able to come back from the copy: every case's record
verifies after a restore into an empty database, on either backend, and the files come back whole."""
from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.audit import verification
from app.services.cases import attachments, lifecycle, step_actions
from app.services.cases.attachments import blob_path
from app.services.kernel.errors import Conflict, Invalid
from app.services.ops import backup
from app.store.models import Attachment, Event

from ..conftest import FakeClock, _context
from ..ops_support import assert_every_case_whole, empty_database
from ..samples import fill
from ..stories import start

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40  # binary content, not just text
PHOTO = bytes(reversed(range(256))) * 300


def _to_signature(case) -> None:
    """A letter drafted (keeping what the diagram set) and initialled: it waits for the office director to sign."""
    task = case.task_of("letter_draft")
    detail = step_actions.get_task(case.ctx, case.people["plan1"], task["id"])
    given = {name: detail["case_data"][name] for name in detail["form"]["properties"]
             if detail["case_data"].get(name) not in (None, "")}
    case.complete("letter_draft", "plan1", **given)
    case.complete("letter_check", "director", letter_check_decision="initial")
    assert case.open_steps() == ["letter_sign"]


def _office_with_history(ctx, people):
    """A finished transfer, one waiting for the office director to sign its submission to the committee (กศจ.)
    with two files, and one cancelled."""
    done = start(ctx, people, "budget_transfer", title="โอนงบดำเนินงานไปงบรายจ่ายอื่น")
    done.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    done.complete("analysis", "plan2")
    done.complete("group_review", "director", review_decision="support")
    done.complete("director_approval", "office", director_decision="approve")
    done.send_letter()  # the approval announced
    done.complete("record_transfer", "plan1")
    waiting = start(ctx, people, "budget_transfer", title="โอนงบลงทุน")
    for name, content in (("คำขอ.pdf", PDF), ("ภาพ.jpg", PHOTO)):
        attachments.attach_file(ctx, people["plan1"], waiting.id, name, "application/octet-stream",
                                io.BytesIO(content))
    waiting.complete("request", "plan1", category_from="operating", category_to="investment", amount=250000)
    waiting.complete("analysis", "plan2")
    waiting.complete("group_review", "director", review_decision="support")
    _to_signature(waiting)  # the submission to กศจ. (investment above the office's own authority)
    cancelled = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา (ยกเลิก)")
    lifecycle.change_status(ctx, people["director"], cancelled.id, "cancel", "เปิดซ้ำ")
    return done, waiting, cancelled


def _restored_context(url: str, folder: Path):
    return _context(url, folder, FakeClock())


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_a_backup_restored_into_an_empty_database_verifies_case_by_case(ctx, people, tmp_path, target):
    done, waiting, cancelled = _office_with_history(ctx, people)
    archive = Path(backup.create_backup(ctx, tmp_path / "nightly.tar.gz")["path"])
    manifest = backup.create_backup(ctx, tmp_path / "again.tar.gz")["manifest"]
    assert manifest["cases_by_status"] == {"cancelled": 1, "completed": 1, "running": 1}
    # two uploads of the waiting case, and the document the story attaches to each request step
    assert manifest["attachments"]["count"] == 3 and not manifest["missing_attachments"]

    restored_dir = tmp_path / "restored"
    with empty_database(target, tmp_path) as url:
        restored = _restored_context(url, restored_dir)
        try:
            report = backup.restore_backup(restored, archive)
            assert report["verified"] == {"cases": 3, "failed": []}
            assert report["tables"] == manifest["tables"]
            assert assert_every_case_whole(restored) == 3

            with ctx.read() as session:
                before = list(session.execute(
                    select(Event.case_id, Event.seq, Event.hash).order_by(Event.id)))
                files = {a.sha256: a.filename for a in session.scalars(select(Attachment))}
            with restored.read() as session:
                after = list(session.execute(select(Event.case_id, Event.seq, Event.hash).order_by(Event.id)))
            assert after == before
            for sha in files:
                assert blob_path(restored.attachments_dir, sha).read_bytes() == \
                    blob_path(ctx.attachments_dir, sha).read_bytes()
            assert {PDF, PHOTO} <= {blob_path(restored.attachments_dir, s).read_bytes() for s in files}

            # The office carries on where it stopped: the waiting case moves, a new case gets a new number.
            step = [t for t in lifecycle.get_case(restored, people["admin"], waiting.id)["open_tasks"]][0]
            form = step_actions.get_task(restored, people["office"], step["id"])["form"]
            step_actions.complete(restored, people["office"], step["id"], fill(form))
            fresh = lifecycle.start_case(restored, people["plan1"], "budget_transfer", "เรื่องใหม่หลังกู้คืน")
            assert fresh["id"] > cancelled.id and fresh["number"] != done.case["number"]
            assert verification.verify_case(restored, people["auditor"], waiting.id).ok
        finally:
            restored.db.dispose()


def test_a_restore_refuses_a_database_that_already_holds_cases(ctx, people, tmp_path):
    _office_with_history(ctx, people)
    archive = backup.create_backup(ctx, tmp_path)["path"]
    assert Path(archive).name.startswith("planflow-")
    with pytest.raises(Conflict, match="empty database"):
        backup.restore_backup(ctx, Path(archive))


def test_a_damaged_backup_is_refused_before_anything_is_written(ctx, people, tmp_path):
    _office_with_history(ctx, people)
    archive = Path(backup.create_backup(ctx, tmp_path / "b.tar.gz")["path"])
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("attachments/") and data == PDF:
                data = data[:-1] + b"!"
            out.addfile(member, io.BytesIO(data))
    with empty_database("sqlite", tmp_path) as url:
        restored = _restored_context(url, tmp_path / "restored")
        try:
            with pytest.raises(Invalid, match="damaged"):
                backup.restore_backup(restored, damaged)
            assert not list((tmp_path / "restored" / "attachments").glob("??/??/*"))
        finally:
            restored.db.dispose()


def test_a_backup_taken_while_people_keep_working_is_consistent(ctx, people, tmp_path):
    """Steps complete in another thread while the backup runs; the copy is one instant of the office."""
    transfers = [start(ctx, people, "budget_transfer", title=f"โอนงบ {i}") for i in range(6)]
    stop = threading.Event()
    failures: list[BaseException] = []
    request = {"category_from": "operating", "category_to": "other", "amount": 1000}

    def keep_working():
        try:
            for transfer in transfers * 3:
                if stop.is_set():
                    return
                steps = transfer.open_steps()
                if steps:
                    who = {"request": "plan1", "analysis": "plan2",
                           "group_review": "director"}.get(steps[0], "office")
                    answers = {"request": request, "group_review": {"review_decision": "support"}}
                    transfer.complete(steps[0], who, **answers.get(steps[0], {}))
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)

    worker = threading.Thread(target=keep_working)
    worker.start()
    archives = []
    try:
        for n in range(3):
            archives.append(Path(backup.create_backup(ctx, tmp_path / f"during-{n}.tar.gz")["path"]))
    finally:
        stop.set()
        worker.join()
    assert failures == []
    for n, archive in enumerate(archives):
        with empty_database("sqlite", tmp_path) as url:
            restored = _restored_context(url, tmp_path / f"restored-{n}")
            try:
                assert backup.restore_backup(restored, archive)["verified"]["failed"] == []
                assert_every_case_whole(restored)
            finally:
                restored.db.dispose()


def test_old_dated_backups_are_pruned_and_others_kept(tmp_path):
    for stamp in ("20261201-013000", "20261202-013000", "20261203-013000"):
        (tmp_path / f"planflow-{stamp}.tar.gz").write_bytes(b"x")
    (tmp_path / "planflow-manual.tar.gz").write_bytes(b"x")
    removed = backup.prune(tmp_path, keep=2)
    assert [p.name for p in removed] == ["planflow-20261201-013000.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "planflow-20261202-013000.tar.gz", "planflow-20261203-013000.tar.gz", "planflow-manual.tar.gz"]



def test_the_command_line_backs_up_and_restores(ctx, people, tmp_path, monkeypatch, capsys):
    from app import cli

    _office_with_history(ctx, people)
    monkeypatch.setenv("DATABASE_URL", ctx.db.url)
    monkeypatch.setenv("PLANFLOW_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("PLANFLOW_ATTACHMENTS_DIR", str(ctx.attachments_dir))
    monkeypatch.setenv("PLANFLOW_SECRET_KEY", "test")
    assert cli.main(["backup", str(tmp_path), "--keep", "3"]) == 0
    made = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert made["cases"] == 3 and made["attachments"] == 3 and Path(made["path"]).exists()

    with empty_database("sqlite", tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("PLANFLOW_ATTACHMENTS_DIR", str(tmp_path / "restored-files"))
        assert cli.main(["restore", made["path"]]) == 0
        restored = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert restored["verified_cases"] == 3 and restored["failed"] == 0
        assert cli.main(["restore", made["path"]]) == 1  # not into a database that now holds the office
        assert "empty database" in capsys.readouterr().err
