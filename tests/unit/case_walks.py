"""Cases driven the way the office would drive them, with a `variant` that picks other decisions, other
parallel steps and early reminders, so that a few variants of a diagram take every branch of it: variant 0
sends a school back from the first review of each round, variant 2 closes each round once a school has sent."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

from app import engine
from app.services.cases import revisable

from ..samples import fill
from . import engine_shapes
from .test_office_diagrams_round_trip import ROOT, SCHOOLS, T0, _compiled, message_data, service_answers

NOTICE = {"round_number": 1, "allocation_number": "ศธ 04002/ว1", "allocation_date": "2026-12-20", "amount": 1}


class Walk:
    """One case, moved on a step at a time; `workflow` may be swapped between steps (a reload)."""

    def __init__(self, process: engine.CompiledProcess, start_data: dict, variant: int, seed: str,
                 data_for: Callable[[engine.CompiledProcess, str, int], dict]):
        self.process, self.variant, self.seed, self.data_for = process, variant, seed, data_for
        self.now = T0
        self.visits: dict[str, int] = {}
        self.early_timers = 0
        self.closed: set[str] = set()  # the rounds variant 2 closed early
        self.workflow = engine.start(process, start_data, T0, f"{seed}:0")

    def steps(self, limit: int = 300) -> Iterator[int]:
        """Yield 0 after the start, then the number of each step, until the case completes."""
        yield 0
        for number in range(1, limit):
            if engine.is_completed(self.workflow):
                return
            self.step(number)
            yield number
        raise AssertionError(f"{self.seed} did not finish in {limit} steps")

    def step(self, number: int) -> None:
        """Do what the office would do next: a reminder due (early, in some variants), an open step, the
        notice OBEC sends, or the next timer."""
        workflow, seed = self.workflow, f"{self.seed}:{number}"
        self.now += timedelta(hours=1)
        ready = engine.ready_human_tasks(workflow, self.process)
        due = engine.next_timer_at(workflow)
        closable = [r for r in engine.open_rounds(workflow)
                    if r.received and r.waiting and r.element_id not in self.closed]
        if due is not None and self.early_timers < self.variant:
            self.early_timers += 1
            self._fire(due, seed)
        elif closable and self.variant == 2:
            self.closed.add(closable[0].element_id)
            engine.close_round(workflow, closable[0].round_id, self.now, seed)
        elif ready:
            task = ready[self.variant % len(ready)]
            visits = self.visits[task.element_id] = self.visits.get(task.element_id, -1) + 1
            data = self.data_for(self.process, task.element_id, self.variant + visits)
            engine.complete(workflow, task.engine_id, data, self.now, seed)
        elif engine.waiting_messages(workflow):
            name = engine.waiting_messages(workflow)[0]
            data = message_data(self.process, name, self.variant) if self.process.messages[name].form else NOTICE
            engine.deliver_message(workflow, name, data, self.now, seed)
        elif due is not None:
            self._fire(due, seed)
        else:
            raise AssertionError(f"{self.seed} waits for nothing at step {number}")

    def _fire(self, due, seed: str) -> None:
        self.now = max(self.now, due + timedelta(minutes=1))
        engine.fire_timers(self.workflow, self.now, seed)


# Diagrams whose walks need more variants than the usual three to pass every element: a budget transfer goes
# to one of three approvers (the office, the committee, OBEC: what the services add, by the walk's variant),
# and a third of its variants set the year's criteria instead of a request.
MORE_VARIANTS = {"budget_transfer": 9}


def variants_of(key: str) -> int:
    return MORE_VARIANTS.get(key, 3)


def office_data(process: engine.CompiledProcess, element_id: str, choice: int, variant: int = 0) -> dict:
    """The step's form filled in, with the `choice`-th option of each list and yes/no alternating; what the
    services would add to it (who approves a transfer) depends on the walk's `variant` alone."""
    info = process.user_task(element_id)
    schema = json.loads((ROOT / "forms" / info.form).read_text(encoding="utf-8")) if info and info.form else {}
    data = fill(schema, attachment_id="1", pick=lambda options: options[choice % len(options)])
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("type") == "boolean":
            data[name] = choice % 2 == 0
        if (prop.get("x-ui") or {}).get("widget") == "school-returns" and choice == 0:
            data[name] = [{"code": SCHOOLS[0]["code"], "reason": "แก้ไขตัวเลขให้ตรงกับเอกสาร"}]
        if prop.get(revisable.MARK) is True:  # the committee sends the work back to one of the steps it may
            steps = revisable.listed(info)
            data[name] = steps[choice % len(steps)]
    return {**data, **service_answers(info, variant // 3)}


def shape_data(process: engine.CompiledProcess, element_id: str, choice: int) -> dict:
    """Send the round back while `choice` is below 2 (so variants loop once or twice more), and an estimate."""
    return {"decision": "revise" if choice < 2 else "approve", "revenue": 1000 + choice}


def office_walk(key: str, variant: int) -> Walk:
    return Walk(_compiled(key), {"schools": SCHOOLS}, variant, f"{key}/{variant}",
                lambda process, element_id, choice: office_data(process, element_id, choice, variant))


def shape_walk(name: str, variant: int) -> Walk:
    return Walk(engine_shapes.compiled(name), {"schools": SCHOOLS}, variant, f"{name}/{variant}", shape_data)


class Stored:
    """What storage holds for a case in format 2, kept as the services will: chunks appended, live replaced."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.live = ""
        self.saves: list[engine.Saved] = []

    def save(self, workflow) -> engine.Saved:
        saved = engine.save_flat(workflow)
        if saved.replaces:
            self.chunks = []
        first = len(self.chunks) + 1
        assert [c.seq for c in saved.chunks] == list(range(first, first + len(saved.chunks))), "no chunk skipped"
        self.chunks += [c.text for c in saved.chunks]
        self.live = saved.live
        self.saves.append(saved)
        return saved

    def load(self, process: engine.CompiledProcess):
        return engine.attach(engine.load_flat(process, self.chunks, self.live))
