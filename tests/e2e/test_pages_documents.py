"""The documents on the pages: a published plan on the public page without sign-in, its PDF in Thai,
unpublished cases hidden from the public, and the annual action plan's operations calendar by month."""
from __future__ import annotations

import io

from pypdf import PdfReader

from app.services.documents import publication

from ..integration.test_procedures_part2 import PROJECTS, _mtef_steps
from ..stories import draft_from, plan_at_school_step, start, through_hearing


def _pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _pdf_fonts(body: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return fonts


def test_a_published_plan_is_on_the_public_page_without_sign_in(ctx, people, clock, visitor):
    plan = plan_at_school_step(ctx, people, clock)
    case = plan.refresh()
    slug = publication.slug_of(case["number"])
    anonymous = visitor()
    listing = anonymous.get("/public")
    assert listing.status_code == 200
    assert case["number"] in anonymous.text() and f"/public/{slug}" in anonymous.text()

    page = anonymous.get(f"/public/{slug}")
    assert page.status_code == 200
    html = anonymous.text()
    assert case["data"]["vision"] in html
    assert all(s["name"] in html for s in case["data"]["strategies"])
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาขอนแก่น เขต 1" in html
    assert f"/public/{slug}.pdf" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1], "no inline scripts (CSP)"


def test_the_published_plan_pdf_is_a_valid_pdf_with_thai_text_and_the_case_number(ctx, people, clock, visitor):
    plan = plan_at_school_step(ctx, people, clock)
    number = plan.case["number"]
    answer = visitor().get(f"/public/{publication.slug_of(number)}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.data.startswith(b"%PDF")
    text = _pdf_text(answer.data)
    assert number in text
    assert "แผนพัฒนาการศึกษา" in text and "วิสัยทัศน์" in text, text[:500]
    assert "ขอนแก่น" in text
    assert "Sarabun" in _pdf_fonts(answer.data), "the Thai typeface from the font package is embedded"


def test_an_unpublished_case_is_not_public_and_its_document_is_404_for_anonymous_visitors(ctx, people, visitor,
                                                                                         as_user):
    plan = start(ctx, people, "development_plan", title="แผนที่ยังไม่ประกาศ")
    draft_from(plan, "review_mission")
    slug = publication.slug_of(plan.case["number"])
    anonymous = visitor()
    anonymous.get("/public")
    assert plan.case["number"] not in anonymous.text() and "แผนที่ยังไม่ประกาศ" not in anonymous.text()
    assert anonymous.get(f"/public/{slug}").status_code == 404
    assert anonymous.get(f"/public/{slug}.pdf").status_code == 404
    assert anonymous.get(f"/cases/{plan.id}/document").status_code == 302, "staff pages ask to sign in"
    staff = as_user("plan1")
    assert staff.get(f"/cases/{plan.id}/document").status_code == 200
    assert "ยังไม่ได้ประกาศเผยแพร่" in staff.text()
    outsider = as_user("school1")
    assert outsider.get(f"/cases/{plan.id}/document").status_code == 404


def test_the_annual_action_plan_calendar_shows_its_months_in_thai(ctx, people, as_user):
    plan = start(ctx, people, "annual_action_plan", title="แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570")
    plan.complete("study_allocation", "plan1", fiscal_year=2570)
    for step in ("analyse_targets", "review_strategies"):
        plan.complete(step, "plan1")
    _mtef_steps(plan, ctx.workflow_cache.clear)
    extra = [{"activity": "ประชุมทบทวนแผนกลางปี", "month": "mar", "responsible": "กลุ่มนโยบายและแผน"}]
    plan.complete("detail_plan", "plan1", projects=PROJECTS, calendar_activities=extra)
    staff = as_user("plan1")
    page = staff.get(f"/cases/{plan.id}/document")
    assert page.status_code == 200
    html = staff.text()
    fiscal = 2570
    months = ["ตุลาคม", "พฤศจิกายน", "ธันวาคม", "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม",
              "มิถุนายน", "กรกฎาคม", "สิงหาคม", "กันยายน"]
    calendar = html.split('class="doc-calendar"')[1]
    positions = [calendar.index(f"{m} {fiscal - 1 if i < 3 else fiscal}") for i, m in enumerate(months)]
    assert positions == sorted(positions), "October to September, in Buddhist-Era years"
    assert "ยกระดับผลสัมฤทธิ์ O-NET" in calendar and "ประชุมทบทวนแผนกลางปี" in calendar
    assert "3,000,000.00 บาท" in html and "ปีงบประมาณ พ.ศ. 2570" in html
    pdf = staff.get(f"/cases/{plan.id}/document.pdf")
    assert pdf.status_code == 200 and "ตุลาคม" in _pdf_text(pdf.data)


def test_the_case_page_links_its_document_and_the_page_uses_the_thai_typeface(ctx, people, as_user):
    plan = start(ctx, people, "development_plan")
    staff = as_user("plan1")
    staff.get(f"/cases/{plan.id}")
    assert f"/cases/{plan.id}/document" in staff.text()
    staff.get(f"/cases/{plan.id}/document")
    assert "/vendor/sarabun/sarabun.css" in staff.text()
    css = staff.get("/vendor/sarabun/sarabun.css")
    assert css.status_code == 200 and "Sarabun_400Regular.ttf" in css.get_data(as_text=True)
    font = staff.get("/vendor/sarabun/Sarabun_400Regular.ttf")
    assert font.status_code == 200 and len(font.data) > 10_000
    assert staff.get("/vendor/sarabun/..%2Fpackage.json").status_code == 404


def test_the_committees_remarks_are_on_the_published_plan(ctx, people, clock, visitor):
    remarks = "ให้เพิ่มตัวชี้วัดด้านความปลอดภัยของผู้เรียน"
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    draft_from(plan, "review_mission")
    through_hearing(plan, clock)
    plan.send_letter()
    plan.complete("committee_decision", "secretary", decision="approve_with_remarks", committee_remarks=remarks,
                  resolution_letter_number="ศธ 0293/4512")
    plan.send_letter()
    plan.complete("publication", "plan1")
    anonymous = visitor()
    assert anonymous.get(f"/public/{publication.slug_of(plan.case['number'])}").status_code == 200
    html = anonymous.text()
    assert "เห็นชอบโดยมีข้อสังเกต ในการประชุมครั้งที่ 3/2570" in html
    assert remarks in html and "หนังสือที่ ศธ 0293/4512" in html
