"""Which steps of a diagram are per-school rounds, read from the diagram when it is compiled.

A round is a parallel multi-instance user task (one instance per school of a list in the case's data)
that carries the property `schoolRound` ("true"), or `correctsRound` naming the round whose submissions it
sends back for correction. Such a step closes: on its closing date, or when the office closes it, the
instances still open are cancelled and the case moves on with what was received (see `rounds.py`).
A user task with `reviewsRound` is the office's review of that round's submissions.

Each instance's output item must carry the school it came from under "school" (every office diagram's
post-script writes `{"school": school, ...}`): the review reads the schools back from the collection.
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import ParallelMultiInstanceTask

from .errors import Problem

ROUND = "schoolRound"
CORRECTS = "correctsRound"
REVIEWS = "reviewsRound"
CLOSING_FIELD = "roundClosingField"


@dataclass(frozen=True)
class RoundInfo:
    """One per-school round of a diagram."""

    element_id: str
    name: str
    lane: str | None
    items: str  # the case data list the round runs over (one instance per item, e.g. `schools`)
    item: str  # the name each instance's item has in its step (e.g. `school`)
    collection: str  # the case data list collecting what each school sent
    corrects: str | None = None  # for a correction round: the round whose submissions it corrects
    closing_field: str | None = None  # the case data field holding its closing date, if any


def _properties(task_spec) -> dict[str, str]:
    return ((getattr(task_spec, "extensions", {}) or {}).get("properties", {}) or {})


def _has_parent(process_spec, task_spec) -> bool:
    """Whether a user task is the instance spec of a multi-instance step of its process."""
    return any(getattr(other, "task_spec", None) == task_spec.name for other in process_spec.task_specs.values()
               if other is not task_spec)


def _marks_round(props: dict[str, str]) -> bool:
    return str(props.get(ROUND) or "").strip().lower() in ("true", "1", "yes") or bool(props.get(CORRECTS))


def _marked(process_specs, reviews: dict[str, str]) -> list[tuple[str, object, dict[str, str], object]]:
    """(element id, multi-instance spec or mis-marked step, its properties, the spec of its instances) of each
    step marked as a round; collects the review steps into `reviews` on the way."""
    marked = []
    for process_spec in process_specs:
        for task_spec in process_spec.task_specs.values():
            element = getattr(task_spec, "bpmn_id", None)
            if not element:
                continue
            if getattr(task_spec, "manual", False):
                props = _properties(task_spec)
                if props.get(REVIEWS):
                    reviews[element] = props[REVIEWS].strip()
                if _marks_round(props) and not _has_parent(process_spec, task_spec):
                    marked.append((element, task_spec, props, task_spec))  # not a multi-instance step
                continue
            # A multi-instance step's properties are on its instances' spec, named by `task_spec`.
            child = process_spec.task_specs.get(getattr(task_spec, "task_spec", None) or "")
            props = _properties(child) if child is not None else {}
            if _marks_round(props):
                marked.append((element, task_spec, props, child))
    return marked


def rounds_of(process_specs) -> tuple[dict[str, RoundInfo], dict[str, str], list[Problem]]:
    """(rounds by element id, review step -> the round it reviews, problems) of a diagram's processes."""
    rounds: dict[str, RoundInfo] = {}
    reviews: dict[str, str] = {}
    problems: list[Problem] = []
    for element, task_spec, props, instances in _marked(process_specs, reviews):
        problem = _shape_problem(task_spec)
        if problem:
            problems.append(Problem(element, problem))
            continue
        rounds[element] = RoundInfo(
            element_id=element, name=instances.bpmn_name or element, lane=getattr(instances, "lane", None),
            items=task_spec.data_input.bpmn_id, item=task_spec.input_item.bpmn_id,
            collection=task_spec.data_output.bpmn_id, corrects=(props.get(CORRECTS) or "").strip() or None,
            closing_field=(props.get(CLOSING_FIELD) or "").strip() or None)
    problems += [Problem(element, f"{CORRECTS} names '{info.corrects}', which is not a round")
                 for element, info in rounds.items() if info.corrects and info.corrects not in rounds]
    problems += [Problem(element, f"{REVIEWS} names '{target}', which is not a round")
                 for element, target in reviews.items() if target not in rounds]
    return rounds, reviews, problems


def _shape_problem(task_spec) -> str | None:
    if not isinstance(task_spec, ParallelMultiInstanceTask):
        return "a school round must be a parallel multi-instance user task"
    if task_spec.data_input is None or task_spec.input_item is None:
        return "a school round needs a loop data input and an input data item (one instance per school)"
    if task_spec.data_output is None or task_spec.output_item is None:
        return "a school round needs a loop data output and an output data item (what each school sent)"
    return None
