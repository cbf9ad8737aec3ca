"""The office's school register: each school is a group whose members are that school's users."""
from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid
from app.store.models import Group

# The lane of the steps every school does for itself; each school's step goes to that school's group.
SCHOOL_LANE = "school"


def school_group(code: str) -> str:
    """The group of the school with this register code."""
    return f"school-{code}"


def school_register(session: Session) -> list[dict[str, str]]:
    """Every school's code and name, as a case that sends steps to the schools starts with."""
    groups = session.scalars(select(Group).where(Group.kind == "school").order_by(Group.code)).all()
    return [{"code": g.code.removeprefix("school-"), "name": g.name} for g in groups]


def load_register(ctx: ServiceContext, csv_text: str) -> dict[str, int]:
    """Add or rename schools from CSV with the columns code, name (Thai) and district."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = {"code", "name"} - set(reader.fieldnames or [])
    if missing:
        raise Invalid(f"the CSV needs the columns code, name, district; missing: {', '.join(sorted(missing))}")
    rows = list(reader)
    for number, row in enumerate(rows, start=2):
        if not (row.get("code") or "").strip().isalnum() or not (row.get("name") or "").strip():
            raise Invalid(f"line {number}: a code (letters and digits) and a name are required")
    added = updated = 0
    with ctx.write() as session:
        for row in rows:
            code = school_group(row["code"].strip())
            name = row["name"].strip()
            district = (row.get("district") or "").strip()
            group = session.scalar(select(Group).where(Group.code == code))
            if group is None:
                session.add(Group(code=code, name=name, name_en=district or None, kind="school"))
                added += 1
            elif group.name != name or (district and group.name_en != district):
                group.name, group.name_en = name, district or group.name_en
                updated += 1
    return {"added": added, "updated": updated}


def list_schools(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every school of the register, with its code, name and district."""
    with ctx.read() as session:
        rows = session.scalars(select(Group).where(Group.kind == "school").order_by(Group.code))
        return [{"code": g.code.removeprefix("school-"), "name": g.name, "district": g.name_en} for g in rows]
