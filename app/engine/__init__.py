"""The only package that imports SpiffWorkflow: diagrams in, workflow state and human steps out."""
from .budget import Limits as EngineLimits
from .budget import configure as configure_limits
from .diagram import (
    ASSIGNEE_FIELD,
    CatchEventInfo,
    CompiledProcess,
    MessageInfo,
    UserTaskInfo,
    called_processes,
    compile_diagram,
    sha256_of,
)
from .errors import EngineError, EngineStall, InvalidDiagram, NotWaiting, Problem, RunTooLong, StepFailed, TaskNotReady
from .round_specs import RoundInfo
from .rounds import OpenRound, close_round, open_rounds
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
    task_data,
    waiting_messages,
)
from .serializer import STATE_FORMAT, digest, dump, json_safe, load, upgrade_state
from .start_timers import StartSchedule, schedule_of
from .state import Chunk, Saved, StateMismatch
from .state import digest as flat_digest
from .state import full_text as flat_full_text
from .state import load as load_flat
from .state import save as save_flat
from .state import upgrade as upgrade_to_flat
from .state_records import FORMAT as FLAT_STATE_FORMAT
from .waiting import Wait, waiting_for

__all__ = [
    "ASSIGNEE_FIELD",
    "CatchEventInfo", "CompiledProcess", "MessageInfo", "UserTaskInfo", "called_processes", "compile_diagram",
    "sha256_of",
    "EngineLimits", "configure_limits", "EngineError", "EngineStall", "InvalidDiagram", "NotWaiting", "Problem",
    "RunTooLong", "StepFailed", "TaskNotReady",
    "HumanTask", "attach", "cancel", "case_data", "complete", "deliver_message", "fire_timers",
    "is_completed", "next_timer_at", "path_of", "ready_human_tasks", "start", "task_data", "waiting_messages",
    "STATE_FORMAT",
    "digest", "dump", "json_safe", "load", "upgrade_state", "StartSchedule", "schedule_of",
    "FLAT_STATE_FORMAT", "Chunk", "Saved", "StateMismatch", "flat_digest", "flat_full_text", "load_flat", "save_flat",
    "upgrade_to_flat",
    "Wait", "waiting_for", "RoundInfo", "OpenRound", "close_round", "open_rounds",
]

# The diagram editor: the check's extra rules, element diffs, case migration and imports.
from .elements import diff as element_diff  # noqa: E402
from .imports import Converted, adapt_spiff_arena, arena_forms, convert_camunda  # noqa: E402
from .lint import HumanStep, check_timers, human_steps  # noqa: E402
from .migration import Blocker, MigrationRefused, migrate, migration_blockers  # noqa: E402
from .xml import MAX_DIAGRAM_BYTES  # noqa: E402
from .xml import parse as parse_xml  # noqa: E402

__all__ += [
    "element_diff", "Converted", "adapt_spiff_arena", "arena_forms", "convert_camunda", "HumanStep",
    "check_timers", "human_steps", "Blocker", "MigrationRefused", "migrate", "migration_blockers", "MAX_DIAGRAM_BYTES",
    "parse_xml",
]
