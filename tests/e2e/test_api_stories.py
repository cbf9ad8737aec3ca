"""The manual's stories told over HTTP: the development plan (§2.2) and the budget transfer (§3.3),
each step completed by the person whose lane it is, with the form the API hands out."""
from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import datetime

from app.services.scheduling import timers

CASE_KEYS = {"id", "number", "process_key", "version", "title", "status", "started_at", "completed_at", "open_tasks"}
TASK_KEYS = {"id", "case_id", "name", "spec_id", "lane", "group", "assignee", "status", "created_at", "due_at"}
EVENT_KEYS = {"seq", "at", "actor", "kind", "task_spec_id", "data", "hash", "prev_hash"}
API_MD_ROUTES = ["GET /processes", "POST /processes/{key}/versions", "GET /processes/{key}/versions/{version}/bpmn",
                 "POST /cases", "GET /cases", "GET /cases/{case_id}", "POST /cases/{case_id}/cancel",
                 "POST /cases/{case_id}/suspend", "POST /cases/{case_id}/resume", "GET /tasks", "GET /tasks/{task_id}",
                 "POST /tasks/{task_id}/claim", "POST /tasks/{task_id}/unclaim", "POST /tasks/{task_id}/assign",
                 "POST /tasks/{task_id}/complete", "POST /cases/{case_id}/attachments", "GET /groups",
                 "GET /cases/{case_id}/history", "GET /cases/{case_id}/verify"]
DRAFTING = [("review_mission", "plan1"), ("swot", "plan1"), ("vision_mission", "plan2"), ("strategies", "plan1"),
            ("outputs_kpis", "plan2"), ("midterm_targets", "plan1"), ("projects", "plan2")]


def _has_offset(moment: str) -> bool:
    return datetime.fromisoformat(moment).utcoffset() is not None


def assert_case_shape(case: dict) -> None:
    assert CASE_KEYS <= set(case), CASE_KEYS - set(case)
    assert _has_offset(case["started_at"])
    for task in case["open_tasks"]:
        assert TASK_KEYS <= set(task), TASK_KEYS - set(task)
        assert task["status"] in ("open", "claimed") and _has_offset(task["created_at"])


def assert_record_holds(api, case_id: int) -> list[dict]:
    """The history is a hash chain in order, and the auditor's check replays it to the stored state."""
    events = api.history(case_id)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert all(EVENT_KEYS <= set(e) for e in events)
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:], strict=False))
    answer = api.as_("auditor").get(f"/cases/{case_id}/verify")
    assert answer.status_code == 200
    verdict = answer.get_json()
    assert verdict["chain_ok"] is True and verdict["replay_ok"] is True, verdict
    assert verdict["events"] == len(events)
    return events


def _draft_and_hold_the_hearing(api, plan, clock) -> None:
    for step, who in DRAFTING:
        plan.complete(step, who)
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.complete("hearing_open", "plan1", hearing_closes_on="2026-12-10")
    assert plan.open_steps() == [], "while the hearing is open nobody has a step"
    clock.set(clock.current.replace(day=10, hour=9, minute=29))  # 16:29 Bangkok: still open
    assert timers.fire_due_timers(api.ctx)["fired"] == 0
    clock.set(clock.current.replace(minute=31))  # 16:31 Bangkok on the closing day
    assert timers.fire_due_timers(api.ctx)["fired"] == 1
    assert plan.open_steps() == ["hearing_summary"]
    plan.complete("hearing_summary", "plan1")


def test_the_plan_is_drafted_heard_approved_published_and_every_school_makes_its_plan(api, start, clock):
    plan = start("development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    assert_case_shape(plan.case)
    assert plan.case["number"] == "2570/0001" and plan.case["status"] == "running"
    assert plan.open_steps() == ["review_mission"]
    first = api.as_("plan1").get(f"/tasks/{plan.task_of('review_mission')['id']}").get_json()
    assert first["form"]["type"] == "object" and first["form"]["required"]
    assert all("title" in p and "x-title-en" in p for p in first["form"]["properties"].values())

    content = "แผนพัฒนาการศึกษา ฉบับร่าง".encode()
    uploaded = plan.upload("plan1", "ร่างแผน.pdf", content)
    assert uploaded["size"] == len(content) and uploaded["sha256"] == hashlib.sha256(content).hexdigest()
    plan._attachment = str(uploaded["id"])

    _draft_and_hold_the_hearing(api, plan, clock)
    plan.send_letter()  # the submission to the committee
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    plan.send_letter(signer="deputy")  # the plan's announcement
    assert plan.refresh()["data"]["announcement_number"] == "ศธ 04036/2"
    publication = plan.task_of("publication")["id"]
    plan.complete_task(publication, "plan1")
    school_steps = plan.refresh()["open_tasks"]
    assert sorted(t["group"] for t in school_steps) == [f"school-104005000{i}" for i in range(1, 6)]
    school1 = api.as_("school1")
    assert school1.get(f"/cases/{plan.id}").status_code == 200, "a school sees the plan once it has a step in it"
    assert school1.post(f"/tasks/{publication}/claim").status_code == 403, "but not the planners' steps"
    assert school1.post(f"/tasks/{publication}/complete", json={"data": {}}).status_code == 403
    for i in range(1, 6):
        inbox = api.as_(f"school{i}").get("/tasks?scope=mine").get_json()
        assert [t["group"] for t in inbox] == [f"school-104005000{i}"], "each school sees its own step only"
        plan.complete_task(inbox[0]["id"], f"school{i}")
    plan.complete("review_school_plans", "plan1")  # the office reviews the five plans, sending none back

    final = plan.refresh()
    assert final["status"] == "completed" and final["open_tasks"] == [] and _has_offset(final["completed_at"])
    events = assert_record_holds(api, plan.id)
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "case_started" and "attachment_added" in kinds and kinds.count("timers_fired") == 1
    assert kinds.count("task_completed") == len(DRAFTING) + 6 + 5 + 1 + 2 * 4 - 1, "the review; two letters"
    assert any(str(plan.attachment()) in e["data"].values() for e in events if e["kind"] == "task_completed")


def test_the_group_director_sends_the_draft_back_to_the_swot_step(api, start):
    plan = start("development_plan")
    for step, who in DRAFTING:
        plan.complete(step, who)
    plan.complete("draft_review", "director", draft_review_decision="return_swot",
                  draft_review_comments="ข้อมูล SWOT ไม่ครบถ้วน")
    assert plan.open_steps() == ["swot"]
    assert_record_holds(api, plan.id)


def _request_transfer(start, **request):
    transfer = start("budget_transfer", title="ขอโอนเปลี่ยนแปลงงบประมาณ โครงการนิเทศ")
    assert transfer.open_steps() == ["request"], "begun as the office's own request"
    transfer.complete("request", "plan1", destination_plan="", **request)
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    return transfer


def test_a_transfer_within_the_offices_authority_is_approved_by_the_office_director(api, start):
    transfer = _request_transfer(start, category_from="operating", category_to="other", amount=50000)
    step = transfer.task_of("director_approval")
    assert transfer.open_steps() == ["director_approval"] and step["group"] == "office_director"
    assert [t["id"] for t in api.as_("office").get("/tasks").get_json()] == [step["id"]]
    transfer.complete("director_approval", "office", director_decision="approve")
    transfer.send_letter()  # the notice of the approved transfer
    assert transfer.open_steps() == ["record_transfer"]
    transfer.complete("record_transfer", "plan1")
    final = transfer.refresh()
    assert final["status"] == "completed" and final["data"]["within_office_authority"] is True
    assert_record_holds(api, transfer.id)


def test_a_large_transfer_goes_to_the_committee_which_approves_it(api, start):
    transfer = _request_transfer(start, category_from="operating", category_to="subsidy", amount=2_000_000)
    assert transfer.refresh()["data"]["transfer_decided_by"] == "committee", "beyond the office's own authority"
    transfer.send_letter()  # the submission to กศจ.
    assert transfer.task_of("committee_decision")["group"] == "committee_secretary"
    transfer.complete("committee_decision", "secretary", decision="approve", meeting_number="5/2570")
    transfer.send_letter()  # the notice of the approved transfer
    transfer.complete("record_transfer", "plan1")
    final = transfer.refresh()
    assert final["status"] == "completed" and final["data"]["within_office_authority"] is False
    assert_record_holds(api, transfer.id)


def test_the_committee_does_not_approve_the_transfer_and_the_case_ends(api, start):
    transfer = _request_transfer(start, category_from="operating", category_to="subsidy", amount=2_000_000)
    transfer.send_letter()
    transfer.complete("committee_decision", "secretary", decision="reject", meeting_number="6/2570")
    final = transfer.refresh()
    assert final["status"] == "completed" and final["open_tasks"] == [] and final["data"]["decision"] == "reject"
    events = assert_record_holds(api, transfer.id)
    assert (events[-1]["kind"], events[-1]["actor"], events[-1]["task_spec_id"]) == (
        "task_completed", "secretary", "committee_decision")


def test_the_group_director_assigns_a_step_to_another_planner(api, start):
    plan = start("development_plan")
    step = plan.task_of("review_mission")
    answer = api.as_("director").post(f"/tasks/{step['id']}/assign", json={"username": "plan2"})
    assert answer.status_code == 200
    assert (answer.get_json()["assignee"], answer.get_json()["status"]) == ("plan2", "claimed")
    assert api.as_("plan1").post(f"/tasks/{step['id']}/assign", json={"username": "plan1"}).status_code == 403
    assert step["id"] not in [t["id"] for t in api.as_("plan1").get("/tasks?scope=mine").get_json()]
    assert step["id"] in [t["id"] for t in api.as_("plan2").get("/tasks?scope=mine").get_json()]
    plan.complete("review_mission", "plan2")
    assert plan.open_steps() == ["swot"]
    assert "task_assigned" in [e["kind"] for e in assert_record_holds(api, plan.id)]


def test_the_inbox_shows_mine_my_groups_and_for_supervisors_everything(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    ids = lambda who, scope: [t["id"] for t in api.as_(who).get(f"/tasks?scope={scope}").get_json()]  # noqa: E731
    assert step_id in ids("plan1", "mine") and step_id in ids("plan2", "group")
    assert step_id not in ids("office", "mine") and step_id not in ids("school1", "group")
    assert api.as_("plan1").get("/tasks?scope=all").status_code == 403
    assert step_id in ids("director", "all") and step_id in ids("auditor", "all")
    assert api.as_("plan1").post(f"/tasks/{step_id}/claim").get_json()["assignee"] == "plan1"
    assert step_id in ids("plan1", "mine") and step_id not in ids("plan2", "group")
    assert api.as_("plan1").post(f"/tasks/{step_id}/unclaim").get_json()["assignee"] is None
    assert step_id in ids("plan2", "group")


def test_the_director_suspends_resumes_and_cancels_a_case_giving_reasons(api, start):
    plan = start("development_plan")
    director = api.as_("director")
    answer = director.post(f"/cases/{plan.id}/suspend", json={"reason": "รอผลการประชุมผู้บริหาร"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "suspended"
    assert plan.task_of("review_mission")["id"] not in [t["id"] for t in api.as_("plan1").get("/tasks").get_json()]
    answer = director.post(f"/cases/{plan.id}/resume", json={"reason": "ได้รับความเห็นชอบแล้ว"})
    assert answer.status_code == 200 and answer.get_json()["status"] == "running"
    answer = director.post(f"/cases/{plan.id}/cancel", json={"reason": "ยกเลิกตามนโยบายใหม่"})
    assert answer.status_code == 200
    assert (answer.get_json()["status"], answer.get_json()["open_tasks"]) == ("cancelled", [])
    events = assert_record_holds(api, plan.id)
    reasons = {e["kind"]: e["data"].get("reason") for e in events}
    assert reasons["case_suspended"] == "รอผลการประชุมผู้บริหาร" and reasons["case_cancelled"] == "ยกเลิกตามนโยบายใหม่"
    assert reasons["case_resumed"] == "ได้รับความเห็นชอบแล้ว"


def test_supervisors_find_cases_by_status_process_and_overdue_steps(api, start, clock):
    plan = start("development_plan")
    transfer = start("budget_transfer")
    api.as_("director").post(f"/cases/{plan.id}/cancel", json={"reason": "เริ่มใหม่"})
    ids = lambda query, who="director": [c["id"] for c in api.as_(who).get(f"/cases?{query}").get_json()]  # noqa: E731
    assert ids("") == [transfer.id, plan.id], "newest first"
    assert ids("process_key=budget_transfer") == [transfer.id]
    assert ids("status=cancelled") == [plan.id] and ids("status=running&process_key=development_plan") == []
    assert ids("overdue=true") == []
    clock.advance(days=30)
    assert ids("overdue=true") == [transfer.id] and ids("overdue=true&status=running") == [transfer.id]
    assert ids("stalled_days=10") == [transfer.id] and ids("stalled_days=100") == []
    assert ids("", who="school1") == [], "a school sees no case it has no part in"
    assert ids("", who="plan1") == [transfer.id, plan.id], "the starter sees their cases"


def test_every_group_is_listed_with_its_members(api):
    groups = {g["code"]: g for g in api.as_("plan1").get("/groups").get_json()}
    assert {"plan_staff", "group_director", "office_director", "committee_secretary"} <= set(groups)
    assert {"plan1", "plan2"} <= set(groups["plan_staff"]["members"])
    assert sorted(groups["office_director"]["members"]) == ["deputy", "office"]
    assert groups["school-1040050001"]["members"] == ["school1"]
    assert all(g["name"] for g in groups.values())


def test_a_process_owner_deploys_a_changed_diagram_and_new_cases_start_on_it(api, start):
    running = start("budget_transfer")
    owner, xml = api.as_("owner"), {"Content-Type": "application/xml"}
    original = owner.get("/processes/budget_transfer/versions/1/bpmn").get_data(as_text=True)
    changed = original.replace('value="Budget transfer"', 'value="Budget transfer (revised)"')
    answer = owner.post("/processes/budget_transfer/versions", data=changed.encode(), headers=xml)
    assert answer.status_code == 201
    deployed = answer.get_json()
    assert (deployed["key"], deployed["version"]) == ("budget_transfer", 2) and len(deployed["sha256"]) == 64
    listed = {p["key"]: p for p in owner.get("/processes").get_json()}
    assert listed["budget_transfer"]["version"] == 2 and listed["budget_transfer"]["manual_section"] == "3.3"
    bpmn = owner.get("/processes/budget_transfer/versions/2/bpmn")
    assert bpmn.status_code == 200 and bpmn.mimetype == "application/xml" and bpmn.get_data(as_text=True) == changed
    again = owner.post("/processes/budget_transfer/versions", data=changed.encode(), headers=xml)
    assert again.status_code == 200 and again.get_json()["version"] == 2, "unchanged content is not a new version"
    third = changed.replace("(revised)", "(third)").encode()
    answer = owner.post("/processes/budget_transfer/versions", data={"file": (io.BytesIO(third), "bt.bpmn")})
    assert answer.status_code == 201 and answer.get_json()["version"] == 3
    assert start("budget_transfer").case["version"] == 3
    assert running.refresh()["version"] == 1, "a running case stays on the version it started on"
    running.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    assert running.open_steps() == ["analysis"]


def test_the_openapi_document_describes_every_route_of_the_api(app, client):
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    doc = answer.get_json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] and doc["info"]["version"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path][method.lower()]
            assert operation["responses"] and operation["operationId"] == rule.endpoint.split(".")[-1]
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (path, declared)
    for path in API_MD_ROUTES:
        method, route = path.split(" ")
        assert method.lower() in doc["paths"]["/api/v1" + route], path
    operation_ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    text = json.dumps(doc)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', text)):
        assert ref in doc["components"]["schemas"], ref
