"""Demo data for the one-command start: users for every lane and role, five schools, the processes."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.services.accounts import schools, users
from app.services.editor import deployment
from app.services.kernel.actors import SYSTEM
from app.services.kernel.context import ServiceContext
from app.store.models import User

DEMO_PASSWORD = "planflow-demo"

DEMO_SCHOOLS = """code,name,district
1040050001,โรงเรียนบ้านโนนทัน,เมืองขอนแก่น
1040050002,โรงเรียนบ้านศิลา,เมืองขอนแก่น
1040050003,โรงเรียนบ้านท่าพระ,เมืองขอนแก่น
1040050004,โรงเรียนบ้านดอนหัน,เมืองขอนแก่น
1040050005,โรงเรียนบ้านหนองเรือ,บ้านฝาง
"""

# username, display name, groups, groups directed, roles
DEMO_USERS: list[tuple[str, str, list[str], list[str], list[str]]] = [
    ("plan1", "นางสาวสุดา วงศ์ใหญ่ (นักวิเคราะห์นโยบายและแผน)", ["plan_staff"], [], []),
    ("plan2", "นายสมชาย ศรีสุข (นักวิเคราะห์นโยบายและแผน)", ["plan_staff"], [], []),
    ("director", "นางวิไล ทองดี (ผู้อำนวยการกลุ่มนโยบายและแผน)", ["group_director"],
     ["plan_staff", "group_director"], ["supervisor"]),
    # The office director directs the group of those who sign for the office (a deputy signs on their
    # behalf, and is given a secret letter to sign by them).
    ("office", "นายประเสริฐ มั่นคง (ผู้อำนวยการ สพป.ขอนแก่น เขต 1)", ["office_director"], ["office_director"], []),
    ("deputy", "นายวิชัย รักษ์ราชการ (รองผู้อำนวยการ สพป.ขอนแก่น เขต 1)", ["office_director"], [], []),
    ("secretary", "นางสาวพิมพ์ใจ ใจดี (ฝ่ายเลขานุการ กศจ.)", ["committee_secretary"], [], []),
    ("owner", "นายธนา แผนงาม (ผู้ดูแลกระบวนงาน)", ["plan_staff"], [], ["process_owner"]),
    ("auditor", "นางสาวกมลา ตรวจดี (ผู้ตรวจสอบ)", [], [], ["auditor"]),
    ("auditor2", "นายวีระ ชั้นความลับ (ผู้ตรวจสอบที่ได้รับอนุญาตเข้าถึงเอกสารลับ)", [], [], ["auditor", "cleared"]),
    ("admin", "ผู้ดูแลระบบ", [], [], ["admin"]),
]


def create_demo(ctx: ServiceContext) -> dict[str, Any]:
    """Load the processes and create the demo accounts that do not exist yet (safe to run twice)."""
    loaded = deployment.load_directory(ctx, SYSTEM)
    schools.load_register(ctx, DEMO_SCHOOLS)
    created = []
    with ctx.read() as session:
        existing = set(session.scalars(select(User.username)))
    for username, name, groups, directs, roles in DEMO_USERS:
        if username not in existing:
            users.create_user(ctx, username, DEMO_PASSWORD, groups=groups, supervises=directs, roles=roles,
                              display_name=name)
            created.append(username)
    for number, school in enumerate(schools.list_schools(ctx), start=1):
        username = f"school{number}"
        if number <= 5 and username not in existing:
            users.create_user(ctx, username, DEMO_PASSWORD, groups=[f"school-{school['code']}"],
                              display_name=f"ครูผู้รับผิดชอบงานแผน {school['name']}")
            created.append(username)
    return {"processes": loaded, "users": created, "password": DEMO_PASSWORD}
