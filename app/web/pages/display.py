"""How values look on the pages: Thai dates with Buddhist-Era years, fiscal years, baht, form labels."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask

from app import thaidate

from . import widgets
from .language import locale


def _lang() -> str:
    return locale()


def show_date(value: datetime | date | str | None, with_time: bool = False) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    if _lang() == "en":
        text = thaidate.format_date_en(value)
        if with_time and isinstance(value, datetime):
            text += f" {thaidate.local(value):%H:%M}"
        return text
    if with_time and isinstance(value, datetime):
        return thaidate.format_datetime(value)
    return thaidate.format_date(value)


def fiscal_label(year: int | None) -> str:
    if not year:
        return ""
    return f"FY {year} (B.E.)" if _lang() == "en" else f"ปีงบประมาณ พ.ศ. {year}"


def baht(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    return f"{value:,.2f}"


def pick(th: str | None, en: str | None) -> str:
    """The English text for English users when there is one, the Thai otherwise."""
    return (en or th or "") if _lang() == "en" else (th or en or "")


def title_of(prop: dict[str, Any], name: str = "") -> str:
    return pick(prop.get("title"), prop.get("x-title-en")) or name


def field_label(schema: dict[str, Any], path: str) -> str:
    """The on-screen name of a form field from its dotted path: "Projects, row 2: Budget"."""
    from flask_babel import gettext

    parts, prop, labels = path.split("."), schema, []
    for part in parts:
        if part.isdecimal():
            labels[-1] = gettext("%(field)s, row %(row)d", field=labels[-1], row=int(part) + 1)
            prop = prop.get("items") or {}
            continue
        prop = (prop.get("properties") or {}).get(part)
        if prop is None:
            return path
        labels.append(title_of(prop, part))
    return ": ".join(labels)


def file_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(thdate=show_date, thdatetime=lambda v: show_date(v, with_time=True),
                                 fiscal=fiscal_label, baht=baht, be_input=thaidate.to_be_input,
                                 filesize=file_size)
    # Macros imported without the page's context still follow the user's language through these.
    app.jinja_env.globals.update(
        pick=pick, title_of=title_of, widget_of=widgets.widget_of, ordered_fields=widgets.ordered_fields,
        choices_of=lambda prop: widgets.choices_of(prop, _lang()),
        choice_title=lambda prop, value: widgets.choice_title(prop, value, _lang()), field_label=field_label)
