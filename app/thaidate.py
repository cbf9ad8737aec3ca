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
