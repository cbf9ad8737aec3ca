"""Thai dates: Buddhist-Era years, fiscal years from October, and working days around Songkran."""
from __future__ import annotations

from datetime import date, datetime

from app.services.calendar.working_days import add_working_days, is_working_day, subtract_working_days
from app.thaidate import BANGKOK, fiscal_year, format_date


def test_fiscal_2570_runs_from_october_2026_to_september_2027():
    assert fiscal_year(date(2026, 9, 30)) == 2569
    assert fiscal_year(date(2026, 10, 1)) == 2570
    assert fiscal_year(date(2027, 9, 30)) == 2570


def test_dates_show_buddhist_era_years():
    assert format_date(date(2026, 11, 24)) == "24 พ.ย. 2569"
    assert format_date(date(2027, 4, 13), short=False) == "13 เมษายน 2570"


def test_songkran_and_weekends_are_not_working_days():
    assert not is_working_day(date(2027, 4, 13))
    assert not is_working_day(date(2027, 4, 10))  # Saturday
    assert is_working_day(date(2027, 4, 9))


def test_three_working_days_from_the_friday_before_songkran():
    friday = datetime(2027, 4, 9, 10, 0, tzinfo=BANGKOK)
    due = add_working_days(friday, 3)
    assert due.date() == date(2027, 4, 19)


def test_a_closure_added_by_the_office_moves_the_due_date():
    monday = datetime(2026, 12, 7, 9, 0, tzinfo=BANGKOK)
    assert add_working_days(monday, 1).date() == date(2026, 12, 8)
    assert add_working_days(monday, 1, frozenset({date(2026, 12, 8)})).date() == date(2026, 12, 9)


def test_stalled_cutoff_counts_back_over_the_weekend():
    monday = datetime(2026, 12, 14, 9, 0, tzinfo=BANGKOK)
    assert subtract_working_days(monday, 1).date() == date(2026, 12, 11)
