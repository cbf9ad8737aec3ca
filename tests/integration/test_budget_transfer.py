"""§3.3: moving budget between the five categories; within the office's authority the office director
decides, otherwise กศจ. must approve."""
from __future__ import annotations

from app.services.audit import verification

from ..stories import start


def _request(ctx, people, **fields):
    transfer = start(ctx, people, "budget_transfer", title="โอนเปลี่ยนแปลงงบประมาณ โครงการพัฒนาครู")
    transfer.complete("request", "plan1", **fields)
    transfer.complete("analysis", "plan2")
    return transfer


def test_a_transfer_within_the_offices_authority_is_approved_by_the_office_director(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="other", amount=50000)
    assert transfer.open_steps() == ["director_approval"], "no committee for a transfer within authority"
    transfer.complete("director_approval", "office", director_decision="approve")
    transfer.complete("record_transfer", "plan1")
    final = transfer.refresh()
    assert final["status"] == "completed"
    assert final["data"]["within_office_authority"] is True
    assert verification.verify_case(ctx, people["auditor"], transfer.id).ok


def test_a_transfer_into_investment_needs_the_committees_approval(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="investment", amount=250000)
    assert transfer.open_steps() == ["submit_to_committee"]
    transfer.complete("submit_to_committee", "office")
    transfer.complete("committee_decision", "secretary", decision="approve", meeting_number="5/2570")
    transfer.complete("record_transfer", "plan1")
    assert transfer.refresh()["status"] == "completed"
    assert verification.verify_case(ctx, people["auditor"], transfer.id).ok


def test_the_committee_sends_a_transfer_back_and_the_amended_request_is_within_authority(ctx, people):
    transfer = _request(ctx, people, category_from="personnel", category_to="operating", amount=2_000_000)
    transfer.complete("submit_to_committee", "office")
    transfer.complete("committee_decision", "secretary", decision="revise", meeting_number="6/2570")
    assert transfer.open_steps() == ["request"]
    transfer.complete("request", "plan1", category_from="operating", category_to="subsidy", amount=90000)
    transfer.complete("analysis", "plan2")
    assert transfer.open_steps() == ["director_approval"]


def test_the_committee_rejects_a_transfer(ctx, people):
    transfer = _request(ctx, people, category_from="operating", category_to="investment", amount=3_000_000)
    transfer.complete("submit_to_committee", "office")
    transfer.complete("committee_decision", "secretary", decision="reject", meeting_number="7/2570")
    final = transfer.refresh()
    assert final["status"] == "completed" and final["data"]["decision"] == "reject"
