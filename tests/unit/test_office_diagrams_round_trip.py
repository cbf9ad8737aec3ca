"""Every diagram of the office, stored and reloaded after each step, ends byte for byte where the same
steps run in memory end: a case whose cached workflow was lost must still replay to its digests."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import engine

from ..samples import fill

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
SCHOOLS = [{"code": "1040050001", "name": "โรงเรียนบ้านโนนทัน"}, {"code": "1040050002", "name": "โรงเรียนบ้านศิลา"}]
DIAGRAMS = sorted(p.stem for p in (ROOT / "processes").glob("*.bpmn"))


def _compiled(key: str) -> engine.CompiledProcess:
    called = {k: (ROOT / "processes" / f"{k}.bpmn").read_bytes()
              for k in engine.called_processes((ROOT / "processes" / f"{key}.bpmn").read_bytes())}
    return engine.compile_diagram((ROOT / "processes" / f"{key}.bpmn").read_bytes(), key, called)


# What the services add to a step's data before the engine runs it (budget/on_steps.py: who approves a budget
# transfer, from the authority table), here chosen by the walk so that each answer's branch is taken.
DECIDERS = ("office", "committee", "obec")


def service_answers(info: engine.UserTaskInfo | None, choice: int) -> dict:
    if info is not None and info.properties.get("decidesTransferAuthority") == "true":
        decided_by = DECIDERS[choice % len(DECIDERS)]
        return {"transfer_decided_by": decided_by, "within_office_authority": decided_by == "office"}
    return {}


def message_data(process: engine.CompiledProcess, name: str, choice: int = 0) -> dict:
    """What a message brings: its form filled in (the `choice`-th option of each list)."""
    form = process.messages[name].form
    schema = json.loads((ROOT / "forms" / form).read_text(encoding="utf-8")) if form else {}
    return fill(schema, attachment_id="1", pick=lambda options: options[choice % len(options)])


def _form_data(process: engine.CompiledProcess, element_id: str) -> dict:
    info = process.user_task(element_id)
    schema = json.loads((ROOT / "forms" / info.form).read_text(encoding="utf-8")) if info.form else {}
    return {**fill(schema, attachment_id="1"), **service_answers(info, 0)}


def _run(key: str, round_trip: bool) -> str:
    process = _compiled(key)
    workflow = engine.start(process, {"schools": SCHOOLS}, T0, f"{key}:0")
    for step_number in range(1, 200):
        if engine.is_completed(workflow):
            return engine.dump(workflow)
        ready = engine.ready_human_tasks(workflow, process)
        at = T0 + timedelta(hours=step_number)
        if ready:
            engine.complete(workflow, ready[0].engine_id, _form_data(process, ready[0].element_id), at,
                            f"{key}:{step_number}")
        elif engine.waiting_messages(workflow):
            name = engine.waiting_messages(workflow)[0]
            engine.deliver_message(workflow, name, message_data(process, name), at, f"{key}:{step_number}")
        else:
            due = engine.next_timer_at(workflow)
            engine.fire_timers(workflow, due + timedelta(minutes=1), f"{key}:{step_number}")
        if round_trip:
            workflow = engine.attach(engine.load(process, engine.dump(workflow)))
    raise AssertionError(f"{key} did not finish in 200 steps")


@pytest.mark.parametrize("key", DIAGRAMS)
def test_a_case_reloaded_after_every_step_ends_in_the_state_of_one_run_in_memory(key):
    assert _run(key, round_trip=True) == _run(key, round_trip=False)
