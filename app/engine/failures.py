"""Whatever goes wrong while SpiffWorkflow runs a diagram is the step's failure, told by element.

SpiffWorkflow wraps what its script engine runs, but much of what a diagram decides is read by the library
itself and fails as plain Python: a multi-instance step whose cardinality is text or whose collection is
missing (TypeError), a timer date that is no date (ValueError), a process's completion condition or a
message's correlation evaluated outside the script engine (NameError). Those reached the services as
unhandled errors. Here every failure of a diagram's run becomes StepFailed with the element that failed;
the engine's own refusals (RunTooLong, EngineStall ...) pass through untouched, and so do assertions, which
are the cross-checks tests switch on.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType

from SpiffWorkflow.exceptions import SpiffWorkflowException

from .errors import EngineError, StepFailed
from .sandbox import SandboxError


@contextlib.contextmanager
def diagram_failures(task=None) -> Iterator[None]:
    """Run SpiffWorkflow on a case; a failure is StepFailed naming the element (or `task`'s) that failed."""
    try:
        yield
    except (EngineError, AssertionError):
        raise
    except SpiffWorkflowException as exc:
        raise StepFailed(describe(exc), _element(getattr(exc, "task", None)) or failing_element(exc, task)) \
            from None
    except SandboxError as exc:
        raise StepFailed(str(exc), failing_element(exc, task)) from None
    except Exception as exc:  # noqa: BLE001 - anything the library raised while running the diagram
        raise StepFailed(f"{type(exc).__name__}: {exc}", failing_element(exc, task)) from None


def describe(exc: Exception) -> str:
    """SpiffWorkflow's first line, with the error it wraps."""
    text = str(exc).strip().splitlines()
    inner = getattr(exc, "exception", None)
    detail = f" ({type(inner).__name__}: {inner})" if inner is not None else ""
    return (text[0] if text else type(exc).__name__) + detail


def failing_element(exc: BaseException, task=None) -> str | None:
    """The element whose task was running where `exc` was raised (SpiffWorkflow's methods call it
    `my_task`), else `task`'s."""
    for frame in reversed(list(_frames(exc.__traceback__))):
        element = _element(frame.f_locals.get("my_task"))
        if element:
            return element
    return _element(task)


def _frames(tb: TracebackType | None):
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next


def _element(task) -> str | None:
    return getattr(getattr(task, "task_spec", None), "bpmn_id", None)
