"""Places where other layers may listen to what the services do, without the services knowing them.

The web layer counts completed steps for its metrics here; fault tests pause a step inside its
transaction. A listener's failure is logged and never undoes the use case.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("planflow.hooks")

# Inside the transaction, after the engine step ran and its event was appended, before the commit:
# listener(case=Case, event=Event).
step_applied: list[Callable[..., None]] = []
# After a step's completion committed: listener(case=dict) with the case as the API returns it.
step_completed: list[Callable[..., None]] = []


def listen(hook: list[Callable[..., None]], listener: Callable[..., None]) -> None:
    """Add a listener once (creating several applications in one process must not count twice)."""
    if listener not in hook:
        hook.append(listener)


def emit(hook: list[Callable[..., None]], **kwargs: Any) -> None:
    """Tell every listener of `hook`; one that fails is logged and the use case goes on."""
    for listener in list(hook):
        try:
            listener(**kwargs)
        except Exception:  # noqa: BLE001 - a listener never breaks the use case
            log.exception("listener %r failed", listener)
