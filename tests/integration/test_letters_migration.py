"""Letters already in progress when the office's correspondence diagram gained the official letter: cases stay
on the version they started on, and move to the new one only where the migration rules allow it.

The version before the change is kept beside this file (before_letters/), with the forms of its reply steps.
A letter still waiting to be registered moves, and is then numbered by PlanFlow; a letter past the director's
instruction does not (the instruction step it completed changed: เกษียนสั่งการ), nor one whose reply is
being drafted (its step is gone: the reply is an official letter now)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.services.audit import verification
from app.services.cases import step_actions
from app.services.editor import deployment, migration

from ..stories import start

BEFORE = Path(__file__).with_name("before_letters")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def versions(ctx, people, own_forms, clock):
    """The correspondence before official letters as version 2, then today's as version 3."""
    for form in BEFORE.glob("*.json"):
        shutil.copy(form, own_forms / form.name)
    old, created = deployment.deploy_version(ctx, people["owner"], "correspondence",
                                             (BEFORE / "correspondence.bpmn").read_bytes())
    assert created and old["version"] == 2

    def today() -> dict:
        shutil.copy(ROOT / "forms" / "correspondence_register.json", own_forms)  # its own register form
        return deployment.deploy_version(ctx, people["owner"], "correspondence",
                                         (ROOT / "processes" / "correspondence.bpmn").read_bytes())[0]
    return today


def test_letters_move_to_the_version_with_official_letters_only_where_nothing_they_passed_changed(ctx, people,
                                                                                                  versions, clock):
    waiting = start(ctx, people, "correspondence", title="ยังไม่ได้ลงทะเบียน")
    instructed = start(ctx, people, "correspondence", title="สั่งการแล้ว")
    instructed.complete("register", "plan1", register_number=7, register_year=2569, received_on="2026-12-01",
                        urgency="normal", secrecy="normal")
    instructed.complete("assign", "director", instruction_type="act_and_reply", assigned_to="plan2")
    drafting = start(ctx, people, "correspondence", title="กำลังร่างหนังสือตอบ")
    drafting.complete("register", "plan1", register_number=8, register_year=2569, received_on="2026-12-01",
                      urgency="normal", secrecy="normal")
    drafting.complete("assign", "director", instruction_type="act_and_reply", assigned_to="plan2")
    drafting.complete("act", "plan2")
    assert drafting.open_steps() == ["draft_reply"], "the reply of version 2 is its own step"
    clock.advance(days=1)
    assert versions()["version"] == 3
    assert waiting.refresh()["version"] == 2, "a running case stays on its version"

    results = {r["case_id"]: r for r in migration.migrate_cases(
        ctx, people["owner"], "correspondence", [waiting.id, instructed.id, drafting.id], 3)}
    assert results[waiting.id]["ok"], results[waiting.id]
    refused = {case.id: {b["element_id"]: b["problem"] for b in results[case.id]["blockers"]}
               for case in (instructed, drafting)}
    assert refused[instructed.id] == {"register": "changed", "assign": "changed"}, results[instructed.id]
    assert refused[drafting.id]["draft_reply"] == "removed", results[drafting.id]

    form = step_actions.get_task(ctx, people["plan1"], waiting.task_of("register")["id"])["form"]
    assert "register_number" not in form["properties"], "the new version's form: PlanFlow gives the number"
    waiting.complete("register", "plan1", urgency="normal", secrecy="normal")
    data = waiting.refresh()["data"]
    assert (data["register_number"], data["register_year"]) == (1, 2569), "numbered by PlanFlow after the move"
    waiting.complete("assign", "director", instruction_type="act_and_reply", assigned_to="plan1")
    waiting.complete("act", "plan1")
    waiting.send_letter()
    waiting.complete("file", "plan1")
    assert waiting.refresh()["data"]["reply_number"] == "ศธ 04036/1"
    for case in (waiting, instructed, drafting):
        verdict = verification.verify_case(ctx, people["auditor"], case.id)
        assert verdict.ok, verdict.problems
