"""The replay page in a real browser: an auditor steps through a case and the diagram's marks move."""
from __future__ import annotations

from ..stories import start
from .test_browser import Person, backend, browser, server  # noqa: F401  (fixtures)


def _marks(person: Person, marker: str) -> set[str]:
    return set(person.page.eval_on_selector_all(f".djs-element.{marker}", "els => els.map(e => e.dataset.elementId)"))


def test_the_replay_stepper_moves_the_diagrams_marks(server, browser, ctx, people):  # noqa: F811
    transfer = start(ctx, people, "budget_transfer", title="โอนงบตรวจสอบ")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    auditor = Person(browser, server, "auditor")
    auditor.sign_in()
    auditor.page.goto(f"{server}/cases/{transfer.id}/replay?at=1")
    auditor.page.wait_for_selector("#diagram[data-ready='true']", timeout=15000)
    assert _marks(auditor, "pf-current") == {"matter"}, "at the start: the first step, what the case is"
    assert not {"matter", "request"} & _marks(auditor, "pf-done")

    # Dragging the slider re-marks the diagram at once, before the page for that event loads.
    last = int(auditor.page.get_attribute("#replay-slider", "max"))
    auditor.page.eval_on_selector("#replay-slider",
                                  f"el => {{ el.value = '{last}'; el.dispatchEvent(new Event('input')); }}")
    auditor.page.wait_for_function(f"document.getElementById('diagram').dataset.marked === '{last}'")
    assert {"matter", "request", "analysis", "group_review"} <= _marks(auditor, "pf-done")
    assert _marks(auditor, "pf-current") == {"director_approval"}

    # Letting go of the slider loads that event's page; the previous link goes one event back.
    with auditor.page.expect_navigation():
        auditor.page.eval_on_selector("#replay-slider", "el => el.dispatchEvent(new Event('change'))")
    auditor.page.wait_for_selector("#diagram[data-ready='true']", timeout=15000)
    assert _marks(auditor, "pf-current") == {"director_approval"}
    assert auditor.page.is_visible("dd[data-field='amount']")
    auditor.page.click("#replay-prev")
    auditor.page.wait_for_selector("#diagram[data-ready='true']", timeout=15000)
    assert "request" in _marks(auditor, "pf-done") and "director_approval" not in _marks(auditor, "pf-current")
    auditor.shot("audit-replay")
    # No script error and nothing refused by the Content-Security-Policy (a missing favicon is not a problem).
    assert not [p for p in auditor.problems if "Content Security Policy" in p or "Refused" in p
                or "TypeError" in p or "ReferenceError" in p], auditor.problems
