"""The office's calendar of timed starts follows the Thai fiscal year (1 Oct - 30 Sep): monitoring of a quarter
starts once the quarter has ended (1 Jan, 1 Apr, 1 Jul, 1 Oct), once however many schedulers run, and the
evaluation and the annual report start themselves when the fiscal year ends."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.services.ops import ticks
from app.store.deadline_models import ProcessSchedule
from app.store.models import Case
from app.thaidate import BANGKOK

from ..at_once import at_once


def _started(ctx, key: str) -> list[str]:
    with ctx.read() as session:
        return list(session.scalars(select(Case.title).where(Case.process_key == key).order_by(Case.id)))


def _two_schedulers(ctx) -> None:
    at_once(lambda: ticks.run_until_idle(ctx, "scheduler-a"), lambda: ticks.run_until_idle(ctx, "scheduler-b"))


def test_monitoring_starts_once_after_each_quarter_ends_not_on_its_first_day(ctx, clock):
    with ctx.read() as session:
        schedule = session.get(ProcessSchedule, "monitoring")
        assert schedule.next_at == datetime(2027, 1, 1, 9, 0, tzinfo=BANGKOK), "after Q1 (Oct-Dec) ends"
    clock.set(datetime(2026, 12, 31, 16, 0, tzinfo=BANGKOK))
    _two_schedulers(ctx)
    assert _started(ctx, "monitoring") == [], "not while the quarter runs"
    clock.set(datetime(2027, 1, 1, 9, 0, 30, tzinfo=BANGKOK))
    _two_schedulers(ctx)
    assert len(_started(ctx, "monitoring")) == 1, "one case for the quarter, with two schedulers"
    _two_schedulers(ctx)
    assert len(_started(ctx, "monitoring")) == 1
    for month, count in ((4, 2), (7, 3), (10, 4)):
        clock.set(datetime(2027, month, 1, 9, 0, 30, tzinfo=BANGKOK))
        _two_schedulers(ctx)
        assert len(_started(ctx, "monitoring")) == count
    assert _started(ctx, "monitoring")[-1].endswith("(รอบวันที่ 1 ต.ค. 2570)"), "Q4 of fiscal 2570 is followed in October"


def test_evaluation_and_the_annual_report_start_themselves_when_the_fiscal_year_ends(ctx, clock):
    for key in ("evaluation", "reporting"):
        with ctx.read() as session:
            assert session.get(ProcessSchedule, key).next_at == datetime(2027, 10, 1, 9, 0, tzinfo=BANGKOK), key
    clock.set(datetime(2027, 9, 30, 16, 0, tzinfo=BANGKOK))
    _two_schedulers(ctx)
    assert _started(ctx, "evaluation") == [] and _started(ctx, "reporting") == [], "fiscal 2570 still runs"
    clock.set(datetime(2027, 10, 1, 9, 0, 30, tzinfo=BANGKOK))
    _two_schedulers(ctx)
    assert len(_started(ctx, "evaluation")) == 1 and len(_started(ctx, "reporting")) == 1
    clock.set(datetime(2028, 10, 1, 9, 0, 30, tzinfo=BANGKOK))
    _two_schedulers(ctx)
    assert len(_started(ctx, "evaluation")) == 2 and len(_started(ctx, "reporting")) == 2, "once a year"
