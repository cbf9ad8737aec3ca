"""On the step page the director chooses who acts on a letter from the members of the group that acts;
a name from outside it comes back with the message beside the field, and an empty group is said so."""
from __future__ import annotations

import html as markup
import re

import pytest
from sqlalchemy import delete, select

from app.services.cases import lifecycle
from app.store.models import Group, Membership

from ..stories import start

INSTRUCTION = {"instruction_type": "act", "director_instructions": "รวบรวมข้อมูลนักเรียนส่ง สพฐ.",
               "action": "complete"}


@pytest.fixture
def letter(ctx, people):
    case = start(ctx, people, "correspondence", title="หนังสือ สพฐ. ขอข้อมูลนักเรียน")
    case.complete("register", "plan1", urgency="normal", secrecy="normal")
    return case


def _select_of(html: str, name: str) -> str:
    found = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no select for {name}"
    return found.group(1)


def test_the_director_chooses_the_officer_by_name_from_the_plan_staff(as_user, ctx, people, letter):
    task_id = letter.task_of("assign")["id"]
    director = as_user("director")
    options = _select_of(director.text(director.get(f"/tasks/{task_id}")), "assigned_to")
    assert '<option value="plan2">นายสมชาย ศรีสุข (นักวิเคราะห์นโยบายและแผน)</option>' in options
    assert 'value="plan1"' in options and 'value="office"' not in options, "only the group that acts"
    director.post(f"/tasks/{task_id}", {**INSTRUCTION, "assigned_to": "plan2"})
    assert director.last.status_code == 302
    act = letter.task_of("act")
    assert (act["assignee"], act["status"]) == ("plan2", "claimed")


def test_a_name_from_outside_the_group_comes_back_beside_the_field(as_user, ctx, people, letter):
    task_id = letter.task_of("assign")["id"]
    before = (lifecycle.get_case(ctx, people["admin"], letter.id),
              lifecycle.case_history(ctx, people["admin"], letter.id))
    director = as_user("director")
    director.get(f"/tasks/{task_id}")
    response = director.post(f"/tasks/{task_id}", {**INSTRUCTION, "assigned_to": "office"})
    assert response.status_code == 400
    html = markup.unescape(director.text())
    assert re.search(r'id="err-assigned_to">กรุณาเลือกจากรายชื่อสมาชิกของกลุ่มผู้ปฏิบัติ เจ้าหน้าที่กลุ่มนโยบายและแผน '
                     r'\(choose an active member of the group Plan staff\)', html)
    assert 'href="#f-assigned_to">ผู้รับผิดชอบ</a>' in html, "the summary names the field by its title"
    assert 'value="plan2"' in _select_of(html, "assigned_to"), "the choices are offered again"
    after = lifecycle.get_case(ctx, people["admin"], letter.id), lifecycle.case_history(ctx, people["admin"], letter.id)
    assert after == before, "the case, its steps and its history are as they were"


def test_an_empty_group_is_said_so_instead_of_an_empty_list(as_user, ctx, people, letter):
    with ctx.write() as session:
        group_id = session.scalar(select(Group.id).where(Group.code == "plan_staff"))
        session.execute(delete(Membership).where(Membership.group_id == group_id))
    task_id = letter.task_of("assign")["id"]
    director = as_user("director")
    html = markup.unescape(director.text(director.get(f"/tasks/{task_id}")))
    assert '<select id="f-assigned_to"' not in html
    assert re.search(r'<p class="no-choices" id="f-assigned_to" role="note">ยังไม่มีผู้ให้เลือก: กลุ่มผู้ปฏิบัติ '
                     r'“เจ้าหน้าที่กลุ่มนโยบายและแผน” ยังไม่มีสมาชิก', html)
    assert "ระหว่างนี้ยังส่งงานขั้นตอนนี้ไม่ได้ แต่บันทึกร่างไว้ได้" in html, "the field is required"
    director.post(f"/tasks/{task_id}", {**INSTRUCTION, "action": "draft"})
    assert director.last.status_code == 302, "a draft is kept all the same"
