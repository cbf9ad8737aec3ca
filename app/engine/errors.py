"""What the engine raises, so callers never need to know SpiffWorkflow's exception types."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a diagram, tied to the element that has it."""

    element_id: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {"element_id": self.element_id, "message": self.message}


class EngineError(Exception):
    """Base of the engine's errors."""


class InvalidDiagram(EngineError):
    """The diagram cannot be deployed; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.element_id or '-'}: {p.message}" for p in problems))


class TaskNotReady(EngineError):
    """A client named a task that is not waiting for a person (completed, predicted or unknown)."""


class NotWaiting(EngineError):
    """A message arrived for a case that is not waiting for it (not yet, or no longer)."""


class StepFailed(EngineError):
    """A script, condition or timer failed while the workflow advanced."""

    def __init__(self, message: str, element_id: str | None = None):
        self.element_id = element_id
        super().__init__(message)


class EngineStall(EngineError):
    """SpiffWorkflow stopped short of work it should have done; refuse rather than record a wrong state."""


class RunTooLong(EngineError):
    """One engine call ran more automatic steps, or longer, than its budget allows (see `budget.py`)."""

    def __init__(self, message: str, element_id: str | None = None, limit: str = "tasks"):
        self.element_id = element_id
        self.limit = limit
        super().__init__(message)
