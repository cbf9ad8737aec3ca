"""The only package that imports SpiffWorkflow: diagrams in, workflow state and human steps out."""
from .diagram import CompiledProcess, UserTaskInfo, compile_diagram, sha256_of
from .errors import EngineError, EngineStall, InvalidDiagram, Problem, StepFailed, TaskNotReady
from .runtime import HumanTask, attach, cancel, case_data, complete, fire_timers, is_completed, next_timer_at
from .runtime import ready_human_tasks, start
from .serializer import STATE_FORMAT, digest, dump, json_safe, load, upgrade_state
from .start_timers import StartSchedule, schedule_of

__all__ = [
    "CompiledProcess", "UserTaskInfo", "compile_diagram", "sha256_of", "EngineError", "EngineStall",
    "InvalidDiagram", "Problem", "StepFailed", "TaskNotReady", "HumanTask", "attach", "cancel", "case_data",
    "complete", "fire_timers", "is_completed", "next_timer_at", "ready_human_tasks", "start", "STATE_FORMAT",
    "digest", "dump", "json_safe", "load", "upgrade_state", "StartSchedule", "schedule_of",
]
