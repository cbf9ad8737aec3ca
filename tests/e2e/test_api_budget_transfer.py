"""Budget transfers over HTTP: the process owner edits the authority table through the API and its page (others
are refused and nothing changes), and a transfer across programmes goes to OBEC and resumes when OBEC's answer
is recorded on the case page."""
from __future__ import annotations

from .conftest import assert_error

RULE = {"scope": "across_plans", "category_from": "operating", "category_to": "operating", "max_amount": 100000,
        "decided_by": "office", "citation": "คำสั่ง สพฐ. ที่ 12/2570 ข้อ 4", "position": 1}
ANSWER = {"obec_decision": "approve", "obec_letter_number": "ศธ 04002/789", "obec_letter_date": "2027-01-20"}


def test_only_the_process_owner_changes_the_authority_table(api):
    before = api.as_("plan1").get("/transfer-authority").get_json()
    assert before and all(row["citation_is_example"] for row in before), "seeded with examples to replace"
    assert_error(api.as_("director").post("/transfer-authority", json=RULE), 403)
    assert_error(api.as_("school1").get("/transfer-authority"), 403)
    assert_error(api.as_("owner").post("/transfer-authority", json={**RULE, "decided_by": "minister"}), 400)
    assert api.as_("plan1").get("/transfer-authority").get_json() == before, "refusals change nothing"
    added = api.as_("owner").post("/transfer-authority", json=RULE)
    assert added.status_code == 201
    rule = added.get_json()
    assert (rule["position"], rule["decided_by_title"], rule["updated_by"]) == (
        1, "อยู่ในอำนาจของ สพป. (ผอ.สพป. อนุมัติ)", "owner")
    path = f"/transfer-authority/{rule['id']}"
    changed = api.as_("owner").put(path, json={**RULE, "max_amount": 50000})
    assert changed.status_code == 200 and changed.get_json()["max_amount"] == 50000
    assert_error(api.as_("plan1").delete(path), 403)
    assert api.as_("owner").delete(path).status_code == 200
    assert_error(api.as_("owner").delete(path), 404)


def test_the_owners_page_lists_and_adds_rows_in_thai(as_user):
    owner = as_user("owner")
    html = owner.text(owner.get("/transfer-authority"))
    assert "ตารางอำนาจการโอนเปลี่ยนแปลงงบประมาณ" in html and "ต่างแผนงาน" in html
    assert "ตัวอย่าง: ต้องแทนด้วยข้อ/คำสั่งที่ใช้บังคับจริง" in html
    refused = owner.post("/transfer-authority", {"scope": "same_plan", "category_from": "operating",
                                                 "category_to": "other", "decided_by": "office", "citation": ""})
    assert refused.status_code == 400
    done = owner.post("/transfer-authority", {"scope": "same_plan", "category_from": "operating",
                                              "category_to": "other", "decided_by": "office", "max_amount": "20,000",
                                              "citation": "คำสั่ง สพฐ. ที่ 99/2570", "position": "1"})
    assert done.status_code == 302
    assert "คำสั่ง สพฐ. ที่ 99/2570" in owner.text(owner.get("/transfer-authority"))
    plan = as_user("plan2")
    assert plan.get("/transfer-authority").status_code == 200
    assert "authority-form" not in plan.text(), "plan staff read the table but have no form to change it"


def test_a_transfer_across_programmes_waits_for_obec_and_the_answer_is_recorded_on_its_page(api, start, as_user):
    transfer = start("budget_transfer", title="โอนงบประมาณต่างแผนงาน", begun=False)
    transfer.complete("matter", "plan1", matter_kind="office_request", fiscal_year=2570)
    transfer.complete("request", "plan1", plan="แผนงานพื้นฐาน", destination_plan="แผนงานยุทธศาสตร์",
                      category_from="operating", category_to="operating", amount=250000)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    case = transfer.send_letter()
    assert case["open_tasks"] == [] and [w["message"] for w in case["waiting_for"]] == ["obec_transfer_answer"]
    plan2 = as_user("plan2")
    html = plan2.text(plan2.get(f"/cases/{transfer.id}"))
    assert f'action="/cases/{transfer.id}/messages/obec_transfer_answer"' in html
    assert "ผลการพิจารณาของ สพฐ." in html
    done = plan2.post(f"/cases/{transfer.id}/messages/obec_transfer_answer", ANSWER)
    assert done.status_code == 302
    case = transfer.refresh()
    assert case["data"]["obec_answer"]["obec_decision"] == "approve"
    assert [t["spec_id"] for t in case["open_tasks"]] == ["letter_draft"]
