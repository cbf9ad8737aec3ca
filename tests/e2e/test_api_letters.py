"""Official letters over HTTP: a letter drafted, initialled and signed by a deputy for the director through the
API is numbered and found in the outgoing register; the register pages search and export CSV and Excel, and
refuse those who may not read them; the published documents carry their announcement's number and date."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from app.services.documents import publication

from ..stories import plan_at_school_step
from ..stories import start as start_story
from .conftest import assert_error

DIRECTOR = "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1"
SUBJECT = "ขอข้อมูลนักเรียนพิการเรียนร่วม"


def _letter(start, subject: str = SUBJECT):
    letter = start("official_letter", title=subject)
    letter.complete("letter_draft", "plan1", letter_kind="letter", letter_subject=subject,
                    letter_recipients="ผู้อำนวยการโรงเรียนบ้านศิลา")
    letter.complete("letter_check", "director", letter_check_decision="initial")
    return letter


def test_a_deputy_signs_over_the_api_and_the_letter_is_in_the_outgoing_register(api, start):
    letter = _letter(start)
    letter.complete("letter_sign", "deputy", letter_sign_decision="sign", letter_signed_as="acting",
                    letter_signed_for=DIRECTOR)
    letter.complete("letter_dispatch", "plan1", letter_dispatch_channel="post", letter_dispatched_on="2026-12-04")
    data = letter.refresh()["data"]
    assert (data["letter_number"], data["letter_signed_by"], data["letter_signed_as"]) == (
        "ศธ 04036/1", "deputy", "acting")
    answer = api.as_("director").get("/registers/outgoing")
    assert answer.status_code == 200
    [row] = answer.get_json()
    assert (row["number"], row["date"], row["subject"], row["signed_by"], row["signed_for"], row["status"]) == (
        "ศธ 04036/1", "2026-12-03", SUBJECT, "deputy", DIRECTOR, "dispatched")
    assert (row["dispatch_channel"], row["case_id"], row["masked"]) == ("post", letter.id, False)
    assert api.as_("plan2").get("/registers/outgoing?q=พิการ&year=2569&number=1").get_json() == [row]
    assert api.as_("plan2").get("/registers/outgoing?party=สพฐ").get_json() == []
    assert api.as_("auditor").get(f"/cases/{letter.id}/verify").get_json()["replay_ok"] is True


def test_the_registers_refuse_those_who_may_not_read_them_and_bad_searches(api, start):
    _letter(start).complete("letter_sign", "office", letter_sign_decision="sign", letter_signed_as="director")
    for path in ("/registers/outgoing", "/registers/incoming"):
        assert_error(api.as_(None).get(path), 401)
        assert_error(api.as_("school1").get(path), 403, "forbidden")
        assert_error(api.as_("secretary").get(path), 403, "forbidden")
        assert api.as_("auditor").get(path).status_code == 200
    for query, field in (("year=twenty", "year"), ("from=31/12/2569", "from"), ("limit=99999", "limit"),
                         ("q=" + "ก" * 201, "q"), ("from=2026-12-10&to=2026-12-01", "from")):
        error = assert_error(api.as_("director").get(f"/registers/outgoing?{query}"), 400)
        assert list(error["fields"]) == [field], query


def test_a_signing_refused_for_whom_the_deputy_signs_issues_no_number(api, start):
    letter = _letter(start)
    step = letter.task_of("letter_sign")
    before = api.snapshot(letter.id)
    data = letter.form_data(step["id"], "deputy", letter_sign_decision="sign", letter_signed_as="on_behalf")
    data.pop("letter_signed_for")
    error = assert_error(api.as_("deputy").post(f"/tasks/{step['id']}/complete", json={"data": data}), 400)
    assert list(error["fields"]) == ["letter_signed_for"]
    assert api.snapshot(letter.id) == before
    assert api.as_("director").get("/registers/outgoing").get_json() == []


def test_the_register_pages_search_and_export_csv_and_excel(as_user, ctx, people):
    for subject in ("ส่งรายงานผลการใช้จ่ายงบประมาณ", "เชิญประชุมผู้บริหารสถานศึกษา"):
        letter = start_story(ctx, people, "official_letter", title=subject)
        letter.send_letter(signer="deputy", letter_subject=subject, letter_recipients="เลขาธิการ กพฐ.")
    received = start_story(ctx, people, "correspondence", title="หนังสือเชิญประชุม")
    received.complete("register", "plan1", subject="เชิญประชุมชี้แจงงบประมาณ", sender="สพฐ.", secrecy="normal")

    director = as_user("director")
    html = director.text(director.get("/inbox"))
    assert 'id="nav-registers"' in html and "ทะเบียนหนังสือ" in html
    page = director.get("/registers/outgoing?q=งบประมาณ")
    html = director.text(page)
    assert page.status_code == 200 and "ทะเบียนหนังสือส่ง" in html
    assert 'data-number="ศธ 04036/1"' in html and 'data-number="ศธ 04036/2"' not in html
    assert "ปฏิบัติราชการแทน" in html, "a deputy's signature says for whom"

    as_csv = director.get("/registers/outgoing?format=csv&q=งบประมาณ")
    assert as_csv.mimetype == "text/csv" and as_csv.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["เลขที่หนังสือ", "ลงวันที่", "ประเภท", "เรื่อง"]
    assert [r[0] for r in rows[1:]] == ["ศธ 04036/1"] and rows[1][3] == "ส่งรายงานผลการใช้จ่ายงบประมาณ"
    as_xlsx = director.get("/registers/outgoing?format=xlsx")
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["ศธ 04036/2", "ศธ 04036/1"]

    incoming = director.text(director.get("/registers/incoming?party=สพฐ"))
    assert 'data-number="1/2569"' in incoming and "เชิญประชุมชี้แจงงบประมาณ" in incoming
    sheet = load_workbook(io.BytesIO(director.get("/registers/incoming?format=xlsx").data)).active
    assert list(sheet.iter_rows(min_row=2, values_only=True))[0][0] == "1/2569"

    bad = director.get("/registers/outgoing?year=abc")
    assert bad.status_code == 400 and 'id="error-year"' in director.text(bad)


def test_the_register_pages_refuse_schools_and_other_groups(as_user):
    school = as_user("school1")
    assert school.get("/registers/outgoing").status_code == 403
    assert school.get("/registers/incoming?format=csv").status_code == 403
    assert 'id="nav-registers"' not in school.text(school.get("/inbox"))
    secretary = as_user("secretary")
    assert secretary.get("/registers/incoming").status_code == 403
    assert as_user("plan2").get("/registers/incoming").status_code == 200


def test_the_published_plan_carries_its_announcements_number_and_date(ctx, people, clock, visitor):
    plan = plan_at_school_step(ctx, people, clock)
    data = plan.refresh()["data"]
    assert (data["submission_letter_number"], data["announcement_number"]) == ("ศธ 04036/1", "ศธ 04036/2")
    anonymous = visitor()
    html = anonymous.text(anonymous.get(f"/public/{publication.slug_of(plan.case['number'])}"))
    announcement = html.split('class="announcement-no"')[1].split("</dd>")[0]
    assert "ศธ 04036/2" in announcement and "ลงวันที่ 10 ธันวาคม 2569" in announcement
    assert "ศธ 04036/1" in html.split('class="letter-no"')[1].split("</dd>")[0], "and its submission to the committee"
