"""Several calls at the same moment: one thread each, all released by one barrier, as two schedulers or two
people acting together would. The races the suite proves harmless (a step sent twice, two schedulers at
the same due time, two letters signed together) are driven through here."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(*calls: Callable[[], Any], expected: tuple[type[BaseException], ...] = ()) -> list[Any]:
    """Each call's result, in the order the calls finished; an exception of an `expected` type stands in
    for its call's result (any other is raised once every thread has ended)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    unexpected: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except expected as exc:
            results.append(exc)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread below
            unexpected.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if unexpected:
        raise unexpected[0]
    return results
