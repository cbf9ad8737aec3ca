"""PlanFlow as gunicorn serves it, except that the first step completed pauses inside its transaction
(after the engine ran and the event was appended, before the commit) and says so in a marker file,
so that a fault test can kill the worker at exactly that point.

PLANFLOW_FAULT_MARKER names the marker file; PLANFLOW_FAULT_PAUSE the pause in seconds.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from app.services.kernel import hooks
from app.web.wsgi import app  # noqa: F401  (what gunicorn serves)


def pause_inside_the_first_completion(case, event) -> None:
    marker = os.environ.get("PLANFLOW_FAULT_MARKER")
    if not marker or event.kind != "task_completed" or Path(marker).exists():
        return
    Path(marker).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("PLANFLOW_FAULT_PAUSE", "30")))


hooks.listen(hooks.step_applied, pause_inside_the_first_completion)
