"""Moving a case to a new version of its diagram, in the engine alone: for every office diagram, a case moved
at any step to a version that changed nothing it has done goes on exactly as it would have, and a move that
would rewrite a completed step is refused naming it."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import engine
from app.services.catalog import forms
from app.services.ops.sample_data import fill

from ..editor_samples import ANALYSIS_V2, budget_transfer_v2
from .test_office_diagrams_round_trip import service_answers

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
START = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
SCHOOLS = {"schools": [{"code": "1040050001", "name": "โรงเรียนบ้านโนนทัน"},
                       {"code": "1040050002", "name": "โรงเรียนบ้านศิลา"}]}


def _compiled(key: str, xml: bytes) -> engine.CompiledProcess:
    called = {c: (ROOT / "processes" / f"{c}.bpmn").read_bytes() for c in engine.called_processes(xml)}
    return engine.compile_diagram(xml, key, called or None)


def _step(workflow, process, seed: str, at: datetime) -> None:
    """Do what the office would do next: the first open step, else let timers fire, else deliver a message."""
    ready = sorted(engine.ready_human_tasks(workflow, process), key=lambda h: (h.element_id, str(h.instance)))
    if ready:
        info = ready[0].info
        data = fill(forms.load_form(FORMS, info.form), attachment_id="1") if info and info.form else {}
        engine.complete(workflow, ready[0].engine_id, {**data, **service_answers(info, 0)}, at, seed)
        return
    engine.fire_timers(workflow, at + timedelta(days=400), seed)
    if not engine.ready_human_tasks(workflow, process) and not engine.is_completed(workflow):
        name = engine.waiting_messages(workflow)[0]
        form = process.messages[name].form
        engine.deliver_message(workflow, name, fill(forms.load_form(FORMS, form)) if form else {},
                               at + timedelta(days=400), seed + "m")


def _finish(workflow, process, key: str, seq: int, at: datetime):
    while not engine.is_completed(workflow):
        seq += 1
        assert seq < 100, "the case does not finish"
        at += timedelta(hours=1)
        _step(workflow, process, f"{key}:{seq}", at)
    return engine.case_data(workflow), {k: sorted(v) for k, v in engine.path_of(workflow).items()}


@pytest.mark.parametrize("key", ["budget_transfer", "budget_request", "development_plan", "annual_action_plan",
                                 "reporting"])
def test_a_case_moved_at_any_step_to_an_unchanged_diagram_goes_on_as_before(key):
    xml = (ROOT / "processes" / f"{key}.bpmn").read_bytes()
    old = _compiled(key, xml)
    new = _compiled(key, xml.replace(b"</bpmn:definitions>", b"<!-- revised layout --></bpmn:definitions>"))
    assert old.sha256 != new.sha256 and old.spec is not new.spec
    expected = _finish(engine.start(old, SCHOOLS, START, f"{key}:1"), old, key, 1, START)

    workflow, seq, at = engine.start(old, SCHOOLS, START, f"{key}:1"), 1, START
    while not engine.is_completed(workflow):
        moved = engine.attach(engine.load(old, engine.dump(workflow)))
        before = sorted((h.element_id, h.engine_id) for h in engine.ready_human_tasks(moved, old))
        engine.migrate(moved, new, at + timedelta(minutes=1), f"{key}:move:{seq}")
        text = engine.dump(moved)
        assert engine.dump(engine.attach(engine.load(new, text))) == text, "the moved state round-trips"
        assert sorted((h.element_id, h.engine_id) for h in engine.ready_human_tasks(moved, new)) == before
        assert _finish(moved, new, key, seq, at) == expected, f"moved after step {seq}"
        seq, at = seq + 1, at + timedelta(hours=1)
        _step(workflow, old, f"{key}:{seq}", at)


def test_a_move_that_would_rewrite_a_completed_step_is_refused_and_changes_nothing():
    old = _compiled("budget_transfer", (ROOT / "processes" / "budget_transfer.bpmn").read_bytes())
    new = _compiled("budget_transfer", budget_transfer_v2())
    workflow = engine.start(old, {}, START, "t:1")
    for seq in (2, 3, 4):  # the matter, the request, the analysis
        _step(workflow, old, f"t:{seq}", START + timedelta(hours=seq))
    text = engine.dump(workflow)
    with pytest.raises(engine.MigrationRefused) as refused:
        engine.migrate(workflow, new, START + timedelta(days=1), "t:5")
    [blocker] = refused.value.blockers
    assert (blocker.element_id, blocker.state, blocker.problem) == ("analysis", "completed", "changed")
    assert engine.dump(workflow) == text


def test_a_case_waiting_at_a_renamed_step_moves_and_sees_the_new_name():
    old = _compiled("budget_transfer", (ROOT / "processes" / "budget_transfer.bpmn").read_bytes())
    new = _compiled("budget_transfer", budget_transfer_v2())
    workflow = engine.start(old, {}, START, "t:1")
    for seq in (2, 3):  # the matter, the request
        _step(workflow, old, f"t:{seq}", START + timedelta(hours=seq))
    assert engine.migration_blockers(workflow, new) == []
    engine.migrate(workflow, new, START + timedelta(hours=4), "t:4")
    [step] = engine.ready_human_tasks(workflow, new)
    assert (step.element_id, step.name) == ("analysis", ANALYSIS_V2)
