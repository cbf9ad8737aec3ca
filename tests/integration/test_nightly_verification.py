"""The nightly verification of every case: after 01:00 Bangkok, exactly once per night, however many
schedulers tick at the same moment; a tampered case is named in the run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from app.services.audit import verification
from app.services.cases import lifecycle
from app.services.ops import ticks
from app.store.models import Event, VerificationRun
from app.thaidate import BANGKOK

from ..at_once import at_once


def _runs(ctx):
    with ctx.read() as session:
        return list(session.scalars(select(VerificationRun).order_by(VerificationRun.id)))


def test_two_schedulers_ticking_together_record_one_run_per_night(ctx, people, clock):
    case = lifecycle.start_case(ctx, people["plan1"], "budget_transfer", "โอนงบ")
    clock.set(datetime(2026, 12, 4, 0, 59, tzinfo=BANGKOK))
    ticks.run_tick(ctx, "scheduler-a")
    assert _runs(ctx) == [], "not before 01:00"
    clock.set(datetime(2026, 12, 4, 1, 2, tzinfo=BANGKOK))
    def scheduler(name):
        for _ in range(3):
            ticks.run_tick(ctx, name)

    at_once(lambda: scheduler("scheduler-a"), lambda: scheduler("scheduler-b"))
    runs = _runs(ctx)
    assert len(runs) == 1 and runs[0].night.isoformat() == "2026-12-04" and runs[0].cases == 1 and runs[0].failed == 0

    with ctx.write() as session:
        session.execute(update(Event).where(Event.case_id == case["id"], Event.seq == 1).values(actor="mallory"))
    clock.set(datetime(2026, 12, 5, 3, 0, tzinfo=BANGKOK))
    ticks.run_tick(ctx, "scheduler-b")
    ticks.run_tick(ctx, "scheduler-a")
    runs = verification.latest_runs(ctx, people["director"])
    assert len(runs) == 2 and runs[0]["night"] == "2026-12-05" and runs[0]["failed"] == 1
    assert runs[0]["failures"][0]["number"] == case["number"] and runs[0]["failures"][0]["first_bad_seq"] == 1
