"""A performance agreement waiting for OBEC's notice, in a real browser: the case page says what it waits for
and marks the event on the diagram; a plan officer types the notice in (a Buddhist-Era date, an amount in
baht), is told about the field left wrong, and records it; the case moves on to notifying the schools."""
from __future__ import annotations

from ..integration.test_procedures_part2 import _agreement_waiting_for_obec
from .test_browser import Person, backend, browser, server  # noqa: F401  (fixtures)


def test_a_plan_officer_records_obecs_notice_on_the_case_page(server, browser, ctx, people, clock):  # noqa: F811
    agreement = _agreement_waiting_for_obec(ctx, people)
    clock.advance(days=14)
    plan2 = Person(browser, server, "plan2")
    plan2.sign_in()
    plan2.page.goto(f"{server}/cases/{agreement.id}")
    plan2.page.wait_for_selector("#diagram[data-ready='true']", timeout=15000)
    waiting = plan2.page.inner_text("#waiting")
    assert "รอหนังสือแจ้งการจัดสรรงบประมาณจาก สพฐ. ตั้งแต่ 3 ธ.ค. 2569" in waiting
    marked = plan2.page.eval_on_selector_all(".djs-element.pf-current", "els => els.map(e => e.dataset.elementId)")
    assert marked == ["obec_allocation_received"], "the event the case waits at is marked on the diagram"

    plan2.page.fill("#f-round_number", "1")
    plan2.page.fill("#f-allocation_number", "ศธ 04002/ว5678")
    plan2.page.fill("#f-allocation_date", "20/12/2569")
    plan2.page.click("#message-obec_allocation button.primary")
    plan2.page.wait_for_selector("#err-amount")
    assert plan2.page.input_value("#f-allocation_number") == "ศธ 04002/ว5678", "what was typed comes back"
    plan2.shot("case-waiting-for-obec")

    plan2.page.fill("#f-amount", "12,500,000")
    plan2.page.click("#message-obec_allocation button.primary")
    plan2.page.wait_for_url(f"{server}/tasks/**")
    assert "แจ้งสถานศึกษาทราบผลการจัดสรรงบประมาณ" in plan2.page.inner_text("h1")
    assert agreement.refresh()["data"]["obec_allocation"]["amount"] == 12_500_000
    assert not [p for p in plan2.problems if "Content Security Policy" in p or "Refused" in p
                or "TypeError" in p or "ReferenceError" in p], plan2.problems
