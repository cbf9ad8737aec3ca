"""The pages in a real browser (Debian's Chromium driven by Playwright), as the planning staff use them:
sign in, start a development plan, complete its first steps as two colleagues, be told about a missing
field, attach a file, watch the diagram's marks move, and switch to English.

Screenshots of the inbox, step and case pages are kept under test-artifacts/ to be looked at.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.services.ops.demo import DEMO_PASSWORD

from ..conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_browser():
    reason = None
    if not CHROMIUM.exists():
        reason = "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright Python package is not installed (pip install -e '.[test]')"
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    """One backend is enough here: the pages' queries run on both in the test-client tests."""
    return request.param


@pytest.fixture
def server(app):
    _need_browser()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    _need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


class Person:
    """One member of staff at their own browser window."""

    def __init__(self, browser, base: str, username: str, phone: bool = False):
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        self.context = browser.new_context(viewport=size, locale="th-TH")
        self.page = self.context.new_page()
        self.base, self.username = base, username
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def sign_in(self) -> None:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", self.username)
        self.page.fill("#password", DEMO_PASSWORD)
        self.page.click("button.primary")
        self.page.wait_for_url(re.compile(r".*/inbox"))

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def diagram_marks(self) -> tuple[set[str], set[str]]:
        self.page.wait_for_selector("#diagram[data-ready='true']", timeout=15000)
        done = self.page.eval_on_selector_all(".djs-element.pf-done", "els => els.map(e => e.dataset.elementId)")
        current = self.page.eval_on_selector_all(".djs-element.pf-current",
                                                 "els => els.map(e => e.dataset.elementId)")
        return set(done), set(current)


def test_staff_start_a_plan_and_work_its_first_steps_in_the_browser(server, browser, tmp_path):
    plan1 = Person(browser, server, "plan1")
    plan1.sign_in()
    assert plan1.page.locator("h1").inner_text().startswith("งานของฉัน")
    plan1.page.keyboard.press("Tab")  # keyboard users start at "skip to content"
    assert plan1.page.evaluate("document.activeElement.className") == "skip"

    # Start a development plan: the first step is plan staff's, so plan1 lands on it.
    plan1.page.click("text=เริ่มเรื่องใหม่")
    plan1.page.check("input[name=process_key][value=development_plan]")
    plan1.page.fill("#f-title", "แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    plan1.page.click("button.primary")
    plan1.page.wait_for_url(re.compile(r".*/tasks/\d+"))
    assert "ทบทวนภารกิจ" in plan1.page.locator("h1").inner_text()

    # Sending without the plan's title: the server's message appears beside that field.
    plan1.page.fill("#f-plan_start_year", "2571")
    plan1.page.click("button[value=complete]")
    plan1.page.wait_for_selector("#err-plan_title")
    assert "กรุณากรอกข้อมูลนี้" in plan1.page.locator("#err-plan_title").inner_text()
    assert plan1.page.input_value("#f-plan_start_year") == "2571", "what was typed is kept"
    plan1.shot("step-page-missing-field")

    # Fill in the step, attach the information report, send.
    report = tmp_path / "รายงานข้อมูลสารสนเทศ.pdf"
    report.write_bytes(b"%PDF-1.4 information report")
    plan1.page.fill("#f-plan_title", "แผนพัฒนาการศึกษาขั้นพื้นฐาน สพป.ขอนแก่น เขต 1 พ.ศ. 2571–2575")
    plan1.page.fill("#f-plan_end_year", "2575")
    plan1.page.fill("#f-mission_review", "ทบทวนภารกิจตามกฎหมาย")
    plan1.page.fill("#f-information_reviewed", "ข้อมูลนักเรียน ครู และผลสัมฤทธิ์")
    plan1.page.set_input_files("input[name=information_report__upload]", str(report))
    plan1.page.click("button[value=complete]")
    plan1.page.wait_for_selector(".flash-success")
    case_link = plan1.page.locator(".crumbs a").nth(1)
    case_url = case_link.get_attribute("href")

    plan1.page.goto(server + case_url)
    done, current = plan1.diagram_marks()
    assert "review_mission" in done and current == {"swot"}
    assert "รายงานข้อมูลสารสนเทศ.pdf" in plan1.page.locator("#attachments").inner_text()
    plan1.shot("case-page")

    # A colleague on a phone takes the next step from the group's queue.
    plan2 = Person(browser, server, "plan2", phone=True)
    plan2.sign_in()
    plan2.page.wait_for_selector("table.inbox")
    plan2.shot("inbox-phone")
    plan2.page.click("text=วิเคราะห์สภาพแวดล้อม")
    plan2.page.wait_for_selector("#step-form")
    plan2.shot("step-page-phone")
    for field in ("strengths", "weaknesses", "opportunities", "threats", "status_assessment"):
        plan2.page.fill(f"#f-{field}", f"ผลการวิเคราะห์ {field}")
    plan2.page.select_option("#f-status_position", "star")
    plan2.page.click("button[value=draft]")
    plan2.page.wait_for_selector(".draft-note")
    plan2.page.click("button[value=complete]")
    plan2.page.wait_for_selector(".flash-success")

    plan1.page.reload()
    done, current = plan1.diagram_marks()
    assert {"review_mission", "swot"} <= done and current == {"vision_mission"}, "the marks moved on"

    # The inbox on a desktop, then the same page in English.
    plan1.page.goto(server + "/inbox")
    plan1.shot("inbox")
    plan1.page.click("text=วิสัยทัศน์")
    plan1.page.wait_for_selector("fieldset.rows")
    plan1.page.click("fieldset[data-rows=missions] .add-row")
    assert plan1.page.locator("fieldset[data-rows=missions] .row-item").count() == 2
    plan1.shot("step-page")
    plan1.page.click("button[lang=en]")
    plan1.page.wait_for_load_state()
    assert "My work" in plan1.page.locator("nav").first.inner_text()
    plan1.shot("step-page-english")

    csp = [p for p in plan1.problems + plan2.problems if "Content Security Policy" in p or "Refused" in p]
    assert not csp, csp
    assert not [p for p in plan1.problems + plan2.problems if "TypeError" in p or "ReferenceError" in p]
