"""Thai calendar conventions: Buddhist-Era years and the fiscal year (1 October – 30 September)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543

MONTHS_TH = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
             "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
MONTHS_TH_SHORT = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
                   "พ.ย.", "ธ.ค."]


def local(moment: datetime) -> datetime:
    """The moment as Bangkok wall-clock time."""
    return moment.astimezone(BANGKOK)


def fiscal_year(moment: datetime | date) -> int:
    """The Thai fiscal year (Buddhist Era) a day falls in: fiscal 2570 = 1 Oct 2026 – 30 Sep 2027."""
    day = local(moment).date() if isinstance(moment, datetime) else moment
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_quarter_end(year: int, quarter: int) -> date:
    """The last day of a quarter of fiscal `year` (Buddhist Era); quarter 0 is the day before the year begins.
    Fiscal 2570: 0 = 30 Sep 2026, 1 = 31 Dec 2026, 2 = 31 Mar 2027, 3 = 30 Jun 2027, 4 = 30 Sep 2027."""
    first = year - BE_OFFSET - 1  # the calendar year (CE) the fiscal year begins in, on 1 October
    return [date(first, 9, 30), date(first, 12, 31), date(first + 1, 3, 31), date(first + 1, 6, 30),
            date(first + 1, 9, 30)][quarter]


def be_year(moment: datetime | date) -> int:
    day = local(moment) if isinstance(moment, datetime) else moment
    return day.year + BE_OFFSET


def format_date(moment: datetime | date | None, short: bool = True) -> str:
    """'24 พ.ย. 2569' (or the month in full), the way Thai offices write dates."""
    if moment is None:
        return ""
    day = local(moment) if isinstance(moment, datetime) else moment
    months = MONTHS_TH_SHORT if short else MONTHS_TH
    return f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"


def format_datetime(moment: datetime | None) -> str:
    if moment is None:
        return ""
    wall = local(moment)
    return f"{format_date(wall)} {wall:%H:%M} น."


MONTHS_EN_SHORT = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def format_date_en(moment: datetime | date | None) -> str:
    """'3 Dec 2026', for users who chose English."""
    if moment is None:
        return ""
    day = local(moment) if isinstance(moment, datetime) else moment
    return f"{day.day} {MONTHS_EN_SHORT[day.month - 1]} {day.year}"


def to_be_input(iso_day: str | None) -> str:
    """An ISO day (2026-12-01) as a form shows it for typing: 01/12/2569. Anything else is returned as is."""
    try:
        day = date.fromisoformat(iso_day or "")
    except (TypeError, ValueError):
        return iso_day or ""
    return f"{day.day:02d}/{day.month:02d}/{day.year + BE_OFFSET}"


def parse_be_input(text: str) -> str | None:
    """A day typed with a Buddhist-Era year (1/12/2569, 01-12-2569, 1.12.2569) as ISO 2026-12-01; None if it
    is not a real day. An ISO day with a BE year (2569-12-01) is also understood."""
    parts = [p for p in text.strip().replace("-", "/").replace(".", "/").replace(" ", "").split("/") if p]
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        return None
    if len(parts[0]) == 4:
        year, month, day_ = (int(p) for p in parts)
    else:
        day_, month, year = (int(p) for p in parts)
    if year < 2400:  # the office writes BE years; a CE year here is a mistake, not a guess to make
        return None
    try:
        return date(year - BE_OFFSET, month, day_).isoformat()
    except ValueError:
        return None
