"""Exact p50/p90 of each step's waiting and working hours on PostgreSQL, without sorting every
completed step of a process on every request.

A busy process has tens of thousands of completed steps; sorting them all for each view of the waits
page costs more than the page's budget. Completed steps only ever grow (rows of step_durations are
added, never changed), so each worker keeps, per process and scope, their hours already sorted, and
checks before each use that they are still complete: the process's monthly totals (count and summed
duration, written in the same transaction as each completion) must be the ones the sorted hours were
loaded at. After a completion, the next request adds the steps completed since (read by completion
time, with an hour's overlap for transactions that committed late, and known ids skipped), and reloads
everything only if the count still differs. The open steps, timed against now,
are read on every request and merged in by order-statistic selection (two sorted lists, no re-sort),
so the answer is the same percentile_cont that one query over every step gives.
"""
from __future__ import annotations

import math
import threading
from bisect import insort
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_SIZE = 64  # processes x scopes kept per worker
OVERLAP = timedelta(hours=1)
_LOCK = threading.Lock()
_CACHE: OrderedDict[tuple, _Completed] = OrderedDict()


@dataclass(frozen=True)
class _Completed:
    stamp: tuple[int, int]
    count: int  # steps held
    latest: datetime | None  # the last completion held
    edge: dict[int, datetime]  # those completed within the overlap before it: id -> when (never changed)
    names: dict[str, str]
    claims: dict[str, list[float]]  # hours, ascending
    works: dict[str, list[float]]


def summarise(session, key: tuple, stamp_query, completed_query, since_query, open_query) -> list[dict[str, Any]]:
    """`stamp_query`: (count, summed microseconds) of the completed steps in scope; `completed_query`:
    (spec_id, min name, claim_us[] ascending, work_us[] ascending) per step; `since_query(at)`:
    (task_id, spec_id, name, claim_us, work_us, completed_at) of those completed at or after `at`
    (None: within the overlap before the last completion);
    `open_query`: (spec_id, min name, count, claim hours[], work hours[]) per step of the steps open now."""
    stamp = tuple(int(v or 0) for v in session.execute(stamp_query).one())
    with _LOCK:
        completed = _CACHE.get(key)
    if completed is None or completed.stamp != stamp:
        completed = (_catch_up(session, completed, stamp, since_query) if completed is not None else None) or \
            load_completed(session, stamp, completed_query, since_query)
        with _LOCK:
            _CACHE[key] = completed
            _CACHE.move_to_end(key)
            while len(_CACHE) > _SIZE:
                _CACHE.popitem(last=False)
    names, waiting = dict(completed.names), {}
    open_claims: dict[str, list[float]] = {}
    open_works: dict[str, list[float]] = {}
    for spec_id, name, count, claims, works in session.execute(open_query):
        names[spec_id] = min(names.get(spec_id, name), name)
        waiting[spec_id] = int(count)
        open_claims[spec_id] = sorted(claims or [])
        open_works[spec_id] = sorted(works or [])
    result = []
    for spec_id, name in names.items():
        c50, c90 = (percentile(completed.claims.get(spec_id, []), open_claims.get(spec_id, []), p) for p in (0.5, 0.9))
        w50, w90 = (percentile(completed.works.get(spec_id, []), open_works.get(spec_id, []), p) for p in (0.5, 0.9))
        result.append({"spec_id": spec_id, "name": name, "waiting_now": waiting.get(spec_id, 0),
                       "claim_p50_hours": c50, "claim_p90_hours": c90, "work_p50_hours": w50, "work_p90_hours": w90,
                       "total_p50_hours": (c50 or 0) + (w50 or 0)})
    return sorted(result, key=lambda s: -(s["total_p50_hours"] or 0))


def load_completed(session, stamp: tuple[int, int], completed_query, since_query) -> _Completed:
    """Every completed step's hours of one process and scope, sorted, as of the monthly totals `stamp`."""
    names, claims, works = {}, {}, {}
    for spec_id, name, claim_us, work_us in session.execute(completed_query):
        names[spec_id] = name
        claims[spec_id] = [v / _HOUR_US for v in claim_us or []]
        works[spec_id] = [v / _HOUR_US for v in work_us or []]
    count = sum(len(v) for v in claims.values())
    latest, edge = None, {}
    if count:
        recent = session.execute(since_query(None)).all()  # the last hour's completions, for the next catch-up
        latest = max(r.completed_at for r in recent)
        edge = {r.task_id: r.completed_at for r in recent}
    return _Completed(stamp, count, latest, edge, names, claims, works)


def _catch_up(session, held: _Completed, stamp: tuple[int, int], since_query) -> _Completed | None:
    """`held` plus the steps completed since it was read; None when that does not account for them all."""
    if held.latest is None:
        return None
    new = [r for r in session.execute(since_query(held.latest - OVERLAP)) if r.task_id not in held.edge]
    if held.count + len(new) != stamp[0]:
        return None  # a step completed earlier than the overlap, or one gone: read everything again
    names, claims, works = dict(held.names), dict(held.claims), dict(held.works)
    copied: set[str] = set()
    for row in new:
        if row.spec_id not in copied:  # copies, never the lists another request may be reading
            claims[row.spec_id] = list(claims.get(row.spec_id, []))
            works[row.spec_id] = list(works.get(row.spec_id, []))
            copied.add(row.spec_id)
        names[row.spec_id] = min(names.get(row.spec_id, row.name), row.name)
        insort(claims[row.spec_id], row.claim_us / _HOUR_US)
        if row.work_us is not None:
            insort(works[row.spec_id], row.work_us / _HOUR_US)
    latest = max([held.latest] + [r.completed_at for r in new])
    edge = {i: at for i, at in [*held.edge.items(), *((r.task_id, r.completed_at) for r in new)]
            if at >= latest - OVERLAP}
    return _Completed(stamp, stamp[0], latest, edge, names, claims, works)


_HOUR_US = 3_600_000_000


def percentile(a: list[float], b: list[float], share: float) -> float | None:
    """percentile_cont(share) of the union of two ascending lists (linear interpolation between the
    two closest ranks, as PostgreSQL and statistics.quantiles(method="inclusive") do)."""
    n = len(a) + len(b)
    if n == 0:
        return None
    position = share * (n - 1)
    lower = math.floor(position)
    first = kth(a, b, lower)
    if position == lower:
        return first
    return first + (kth(a, b, lower + 1) - first) * (position - lower)


def kth(a: list[float], b: list[float], k: int) -> float:
    """The k-th smallest (from 0) of two ascending lists together, by binary search on how many of
    the k+1 smallest come from `b`: O(log n), nothing merged."""
    lo, hi = max(0, k + 1 - len(a)), min(k + 1, len(b))
    while lo < hi:
        taken = (lo + hi) // 2
        if b[taken] < a[k - taken]:  # b's next is below a's last taken: take more from b
            lo = taken + 1
        else:
            hi = taken
    candidates = ([b[lo - 1]] if lo > 0 else []) + ([a[k - lo]] if k - lo >= 0 else [])
    return max(candidates)


def clear() -> None:
    """Forget every process's sorted hours (a test that counts the loads starts from none)."""
    with _LOCK:
        _CACHE.clear()

