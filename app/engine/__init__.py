"""The only package that imports SpiffWorkflow: diagrams in, workflow state and human steps out."""
from .diagram import CompiledProcess, MessageInfo, UserTaskInfo, called_processes, compile_diagram, sha256_of
from .errors import EngineError, EngineStall, InvalidDiagram, NotWaiting, Problem, StepFailed, TaskNotReady
from .runtime import (
    HumanTask,
    attach,
    cancel,
    case_data,
    complete,
    deliver_message,
    fire_timers,
    is_completed,
    next_timer_at,
    path_of,
    ready_human_tasks,
    start,
    waiting_messages,
)
from .serializer import STATE_FORMAT, digest, dump, json_safe, load, upgrade_state

__all__ = [
    "CompiledProcess", "MessageInfo", "UserTaskInfo", "called_processes", "compile_diagram", "sha256_of",
    "EngineError", "EngineStall", "InvalidDiagram", "NotWaiting", "Problem", "StepFailed", "TaskNotReady",
    "HumanTask", "attach", "cancel", "case_data", "complete", "deliver_message", "fire_timers",
    "is_completed", "next_timer_at", "path_of", "ready_human_tasks", "start", "waiting_messages", "STATE_FORMAT",
    "digest", "dump", "json_safe", "load", "upgrade_state",
]
