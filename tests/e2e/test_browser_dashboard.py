"""The supervisors' dashboard in a real browser: the group director sees the overdue steps, reassigns
two of them at once, and looks at where budget transfers wait, coloured over the process diagram.

Screenshots are kept under test-artifacts/ to be looked at."""
from __future__ import annotations

import re

from app.services.cases import step_actions

from ..stories import start
from .test_browser import Person, backend, browser, server  # noqa: F401  (the browser fixtures)


def test_the_director_reassigns_overdue_steps_and_sees_where_cases_wait(server, browser, ctx, people, clock):  # noqa: F811
    first = start(ctx, people, "budget_transfer", title="โอนงบ ครุภัณฑ์")
    second = start(ctx, people, "budget_transfer", title="โอนงบ ซ่อมแซมอาคาร")
    clock.advance(hours=10)
    step_actions.claim(ctx, people["plan1"], first.task_of("request")["id"])
    clock.advance(hours=5)
    first.complete("request", "plan1")
    clock.advance(days=30)

    director = Person(browser, server, "director")
    director.sign_in()
    director.page.click("nav >> text=แดชบอร์ดติดตามงาน")
    director.page.wait_for_selector("h1:has-text('แดชบอร์ดติดตามงาน')")
    overdue = director.page.locator("table.dash-overdue tbody tr")
    assert overdue.count() == 2
    director.page.check("#reassign-form .select-all")
    director.page.select_option("#reassign-user", "plan2")
    director.page.click("#reassign-form button[type=submit]")
    director.page.wait_for_selector(".flash-success")
    holders = director.page.locator("table.dash-overdue td.holder").all_inner_texts()
    assert holders == ["plan2", "plan2"]
    assert second.task_of("request")["assignee"] == "plan2"
    director.shot("dashboard")

    director.page.click("nav.tabs >> text=เรื่องค้างอยู่ที่ใด")
    director.page.select_option("#process", "budget_transfer")
    director.page.click("form.filter-form button.primary")
    director.page.wait_for_selector("#heatmap[data-ready='true']", timeout=15000)
    coloured = director.page.eval_on_selector_all(
        ".djs-element[class*='pf-heat-']", "els => els.map(e => e.dataset.elementId)")
    assert {"request", "analysis"} <= set(coloured)
    badges = director.page.locator(".djs-overlay .pf-heat-badge").all_inner_texts()
    assert len(badges) >= 2 and all(re.fullmatch(r"\d+\.\d h · \d+", b) for b in badges), badges
    director.shot("dashboard-heatmap")
    # The favicon's 404 is the only error allowed: no script refused by the CSP, no script error.
    assert [p for p in director.problems if "404" not in p] == [], director.problems
