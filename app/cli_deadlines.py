"""`planflow holidays …`: the office's closures from the command line (administrators' shell)."""

from __future__ import annotations

import argparse
import json

from app import config
from app.bootstrap import build_context
from app.services.calendar import office_calendar
from app.services.kernel.actors import SYSTEM


def cmd_holidays_add(args) -> int:
    ctx = build_context(config.from_environment())
    row = office_calendar.add_closure(ctx, SYSTEM, args.date, " ".join(args.name))
    print(
        f"closure {row['date']} ({row['date_th']}) {row['name']} added; "
        f"{row['steps_rescheduled']} open steps rescheduled"
    )
    return 0


def cmd_holidays_remove(args) -> int:
    ctx = build_context(config.from_environment())
    row = office_calendar.remove_closure(ctx, SYSTEM, args.date)
    print(f"closure {row['date']} removed; {row['steps_rescheduled']} open steps rescheduled")
    return 0


def cmd_holidays_list(args) -> int:
    ctx = build_context(config.from_environment())
    if args.year:
        days = office_calendar.holidays_of_year(ctx, args.year)
    else:
        days = office_calendar.list_closures(ctx)
    if args.json:
        print(json.dumps(days, ensure_ascii=False, indent=1))
        return 0
    for day in days:
        kind = "closure" if day["kind"] == "closure" else "public "
        print(f"{day['date']}  {kind}  {day['name']}")
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register `holidays add DATE NAME`, `holidays remove DATE` and `holidays list [--year Y]`."""
    h = sub.add_parser("holidays", help="office closures besides weekends and public holidays")
    actions = h.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="declare a day closed: planflow holidays add 2027-04-16 ปิดสำนักงาน")
    add.add_argument("date", help="YYYY-MM-DD")
    add.add_argument("name", nargs="+")
    add.set_defaults(func=cmd_holidays_add)
    remove = actions.add_parser("remove", help="reopen a day declared closed")
    remove.add_argument("date", help="YYYY-MM-DD")
    remove.set_defaults(func=cmd_holidays_remove)
    listing = actions.add_parser("list", help="the office's closures (with --year: public holidays too)")
    listing.add_argument("--year", type=int, help="Christian-Era year, e.g. 2027")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_holidays_list)
