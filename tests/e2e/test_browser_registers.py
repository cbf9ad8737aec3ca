"""The registers in a real browser: the group director opens the outgoing register from the menu, finds a
letter by its subject, downloads the register as Excel, and looks up a letter received in the incoming
register.

Screenshots are kept under test-artifacts/ to be looked at."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from ..stories import start
from .test_browser import Person, backend, browser, server  # noqa: F401  (the browser fixtures)


def test_the_director_searches_the_registers_and_downloads_one(server, browser, ctx, people, tmp_path):  # noqa: F811
    for subject in ("ส่งรายงานผลการใช้จ่ายงบประมาณ ไตรมาส 1", "เชิญประชุมผู้บริหารสถานศึกษา"):
        letter = start(ctx, people, "official_letter", title=subject)
        letter.send_letter(signer="deputy", letter_subject=subject, letter_recipients="ผู้อำนวยการสถานศึกษา")
    received = start(ctx, people, "correspondence", title="หนังสือ สพฐ.")
    received.complete("register", "plan1", subject="ขอข้อมูลนักเรียน", sender="สพฐ.", secrecy="normal")

    director = Person(browser, server, "director")
    director.sign_in()
    director.page.click("nav >> text=ทะเบียนหนังสือ")
    director.page.wait_for_selector("h1:has-text('ทะเบียนหนังสือส่ง')")
    assert director.page.locator("tr.register-row").count() == 2
    director.page.fill("#f-q", "ไตรมาส")
    director.page.click("#register-search button[type=submit]")
    director.page.wait_for_url("**/registers/outgoing?*q=*")
    rows = director.page.locator("tr.register-row")
    assert rows.count() == 1 and rows.first.get_attribute("data-number") == "ศธ 04036/1"
    assert "ปฏิบัติราชการแทน" in rows.first.inner_text(), "a deputy's signature says for whom"
    director.shot("register-outgoing")

    with director.page.expect_download() as caught:
        director.page.click("#export-xlsx")
    saved = tmp_path / "register.xlsx"
    caught.value.save_as(saved)
    sheet = load_workbook(io.BytesIO(saved.read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["ศธ 04036/1"], "what was found"

    director.page.click("nav.tabs >> text=ทะเบียนหนังสือรับ")
    director.page.wait_for_selector("h1:has-text('ทะเบียนหนังสือรับ')")
    row = director.page.locator("tr.register-row").first
    assert row.get_attribute("data-number") == "1/2569" and "ขอข้อมูลนักเรียน" in row.inner_text()
    director.shot("register-incoming")
    # The favicon's 404 is the only error allowed: no script refused by the CSP, no script error.
    assert [p for p in director.problems if "404" not in p] == [], director.problems
