"""Refusals: each answers docs/api.md's status and error body, and leaves the case exactly as it was."""
from __future__ import annotations

import io
from pathlib import Path

import jsonschema

from .conftest import PREFIX, assert_error

BUDGET_XML = (Path(__file__).resolve().parents[2] / "processes" / "budget_transfer.bpmn").read_text(encoding="utf-8")
XML = {"Content-Type": "application/xml"}


def _at_director_approval(start):
    transfer = start("budget_transfer")
    transfer.complete("request", "plan1", category_from="operating", category_to="other", amount=50000,
                      destination_plan="")
    transfer.complete("analysis", "plan2")
    transfer.complete("group_review", "director", review_decision="support")
    return transfer


def test_without_a_valid_token_every_route_answers_401(api, client, start):
    case = start("development_plan")
    task_id = case.case["open_tasks"][0]["id"]
    routes = [("GET", "/processes", None), ("GET", "/cases", None), ("GET", f"/cases/{case.id}", None),
              ("POST", "/cases", {"process_key": "development_plan", "title": "เรื่อง"}),
              ("GET", f"/cases/{case.id}/history", None), ("GET", f"/cases/{case.id}/verify", None),
              ("GET", "/tasks", None), ("GET", f"/tasks/{task_id}", None), ("POST", f"/tasks/{task_id}/claim", None),
              ("POST", f"/tasks/{task_id}/complete", {"data": {}}), ("POST", f"/tasks/{task_id}/assign",
              {"username": "plan2"}), ("POST", f"/cases/{case.id}/cancel", {"reason": "x"}), ("GET", "/groups", None),
              ("POST", f"/cases/{case.id}/attachments", None), ("POST", "/processes/budget_transfer/versions", None)]
    before = api.snapshot(case.id)
    for header in (None, "Bearer pf_not-a-real-token", "Bearer ", "Basic cGxhbjE6cGxhbmZsb3ctZGVtbw==", "pf_x"):
        headers = {"Authorization": header} if header is not None else {}
        for method, path, body in routes:
            answer = client.open(PREFIX + path, method=method, headers=headers, json=body)
            assert_error(answer, 401, "unauthenticated")
    assert api.snapshot(case.id) == before


def test_a_person_of_another_group_may_not_claim_or_complete_a_step(api, start):
    transfer = _at_director_approval(start)
    step = transfer.task_of("director_approval")
    data = transfer.form_data(step["id"], "office", director_decision="approve")
    before = api.snapshot(transfer.id)
    for who in ("plan1", "plan2"):  # they see the case (they worked on it) but the step is the office director's
        assert api.as_(who).get(f"/cases/{transfer.id}").status_code == 200
        assert_error(api.as_(who).post(f"/tasks/{step['id']}/claim"), 403, "forbidden")
        assert_error(api.as_(who).post(f"/tasks/{step['id']}/complete", json={"data": data}), 403, "forbidden")
    assert api.snapshot(transfer.id) == before
    transfer.complete("director_approval", "office", director_decision="approve")
    transfer.send_letter()  # the notice of the approved transfer, signed by the office director
    record = transfer.task_of("record_transfer")
    assert_error(api.as_("office").post(f"/tasks/{record['id']}/claim"), 403, "forbidden")
    assert_error(api.as_("office").post(f"/tasks/{record['id']}/complete", json={"data": {}}), 403)


def test_a_person_who_cannot_see_the_case_is_told_it_does_not_exist(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    data = plan.form_data(step_id, "plan1")
    before = api.snapshot(plan.id)
    school = api.as_("school1")
    for answer in (school.get(f"/cases/{plan.id}"), school.get(f"/cases/{plan.id}/history"),
                   school.get(f"/tasks/{step_id}"), school.post(f"/tasks/{step_id}/claim"),
                   school.post(f"/tasks/{step_id}/complete", json={"data": data}),
                   school.post(f"/cases/{plan.id}/attachments", data={"file": (io.BytesIO(b"x"), "a.pdf")})):
        assert_error(answer, 404, "not_found")
    assert api.snapshot(plan.id) == before


def test_unknown_cases_tasks_and_versions_are_404(api):
    admin = api.as_("admin")
    for answer in (admin.get("/cases/999999"), admin.get("/cases/999999/history"), admin.get("/cases/999999/verify"),
                   admin.post("/cases/999999/cancel", json={"reason": "x"}), admin.get("/tasks/999999"),
                   admin.post("/tasks/999999/claim"), admin.post("/tasks/999999/complete", json={"data": {}}),
                   admin.post("/tasks/999999/assign", json={"username": "plan1"}),
                   admin.get("/processes/budget_transfer/versions/7/bpmn"), admin.get("/cases/not-a-number"),
                   admin.post("/cases", json={"process_key": "no_such_process", "title": "เรื่อง"})):
        assert_error(answer, 404)


def test_completing_a_step_twice_is_a_conflict(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    data = plan.form_data(step_id, "plan1")
    assert api.as_("plan1").post(f"/tasks/{step_id}/complete", json={"data": data}).status_code == 200
    before = api.snapshot(plan.id)
    assert_error(api.as_("plan1").post(f"/tasks/{step_id}/complete", json={"data": data}), 409, "conflict")
    assert_error(api.as_("plan1").post(f"/tasks/{step_id}/claim"), 409, "conflict")
    assert api.snapshot(plan.id) == before


def test_a_step_held_by_someone_else_cannot_be_claimed_or_completed(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    data = plan.form_data(step_id, "plan2")
    assert api.as_("plan1").post(f"/tasks/{step_id}/claim").status_code == 200
    before = api.snapshot(plan.id)
    assert_error(api.as_("plan2").post(f"/tasks/{step_id}/claim"), 409, "conflict")
    assert_error(api.as_("plan2").post(f"/tasks/{step_id}/unclaim"), 409, "conflict")
    assert_error(api.as_("plan2").post(f"/tasks/{step_id}/complete", json={"data": data}), 409, "conflict")
    assert api.snapshot(plan.id) == before
    assert plan.task_of("review_mission")["assignee"] == "plan1"


def test_status_changes_not_allowed_in_the_cases_status_are_conflicts(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    data = plan.form_data(step_id, "plan1")
    director = api.as_("director")
    assert_error(director.post(f"/cases/{plan.id}/resume", json={"reason": "ไม่ได้พักไว้"}), 409, "conflict")
    assert director.post(f"/cases/{plan.id}/suspend", json={"reason": "พักเรื่อง"}).status_code == 200
    before = api.snapshot(plan.id)
    assert_error(director.post(f"/cases/{plan.id}/suspend", json={"reason": "อีกครั้ง"}), 409)
    assert_error(api.as_("plan1").post(f"/tasks/{step_id}/complete", json={"data": data}), 409)
    assert api.snapshot(plan.id) == before
    assert_error(api.as_("plan1").post(f"/cases/{plan.id}/cancel", json={"reason": "ไม่ใช่หัวหน้า"}), 403)
    assert director.post(f"/cases/{plan.id}/cancel", json={"reason": "ยกเลิก"}).status_code == 200
    before = api.snapshot(plan.id)
    for action in ("cancel", "suspend", "resume"):
        assert_error(director.post(f"/cases/{plan.id}/{action}", json={"reason": "อีกครั้ง"}), 409, "conflict")
    assert api.snapshot(plan.id) == before


def test_a_form_missing_a_required_field_or_with_a_wrong_type_is_refused_naming_the_field(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    good = plan.form_data(step_id, "plan1")
    other = start("development_plan")
    elsewhere = str(other.upload("plan1")["id"])
    before = api.snapshot(plan.id)
    missing = {k: v for k, v in good.items() if k != "plan_title"}
    bad = [(missing, "plan_title"), ({**good, "plan_start_year": "สองพันห้าร้อย"}, "plan_start_year"),
           ({**good, "plan_start_year": 2571.5}, "plan_start_year"), ({**good, "mission_review": 5}, "mission_review"),
           ({**good, "ไม่มีช่องนี้": 1}, "ไม่มีช่องนี้"), ({**good, "information_report": elsewhere}, "information_report")]
    for data, field in bad:
        error = assert_error(api.as_("plan1").post(f"/tasks/{step_id}/complete", json={"data": data}), 400)
        assert field in error["fields"], (field, error)
    for body in ({"data": []}, {"data": good, "extra": 1}, {"data": "x"}, []):
        error = assert_error(api.as_("plan1").post(f"/tasks/{step_id}/complete", json=body), 400, "invalid")
        assert error["fields"]
    assert api.snapshot(plan.id) == before
    assert plan.task_of("review_mission")["status"] == "open"


def test_a_body_that_is_not_json_is_refused(api, start):
    plan = start("development_plan")
    step_id = plan.task_of("review_mission")["id"]
    before = api.snapshot(plan.id)
    plan1, director = api.as_("plan1"), api.as_("director")
    for kwargs in ({"data": "process_key=development_plan", "content_type": "application/x-www-form-urlencoded"},
                   {"data": "{not json", "content_type": "application/json"}, {"data": b"\xff\xfe", "content_type":
                   "application/json"}, {"data": "", "content_type": "application/json"}, {}):
        error = assert_error(plan1.post("/cases", **kwargs), 400, "invalid")
        assert "_body" in error["fields"]
        assert_error(plan1.post(f"/tasks/{step_id}/complete", **kwargs), 400, "invalid")
        assert_error(director.post(f"/cases/{plan.id}/cancel", **kwargs), 400, "invalid")
        assert_error(director.post(f"/tasks/{step_id}/assign", **kwargs), 400, "invalid")
    assert api.snapshot(plan.id) == before
    assert len(api.as_("admin").get("/cases").get_json()) == 1


def test_bad_start_bodies_and_queries_name_the_field(api):
    plan1 = api.as_("plan1")
    for body, field in (({"process_key": "development_plan"}, "title"), ({"title": "เรื่อง"}, "process_key"),
                        ({"process_key": "development_plan", "title": "   "}, "title"),
                        ({"process_key": "development_plan", "title": "ก" * 501}, "title"),
                        ({"process_key": "development_plan", "title": "เรื่อง", "data": [1]}, "data"),
                        ({"process_key": "development_plan", "title": "เรื่อง", "owner": "x"}, "owner")):
        assert field in assert_error(plan1.post("/cases", json=body), 400, "invalid")["fields"]
    assert_error(api.as_("school1").post("/cases", json={"process_key": "development_plan", "title": "x"}), 403)
    assert "scope" in assert_error(plan1.get("/tasks?scope=everything"), 400)["fields"]
    assert "stalled_days" in assert_error(plan1.get("/cases?stalled_days=-1"), 400)["fields"]
    assert api.as_("admin").get("/cases").get_json() == []


def test_an_attachment_over_the_size_limit_is_413_and_not_kept(api, ctx, start):
    plan = start("development_plan")
    ctx.max_upload_bytes = 1024
    before = api.snapshot(plan.id)
    for size in (1025, 64 * 1024, 300 * 1024):
        answer = api.as_("plan1").post(f"/cases/{plan.id}/attachments", content_type="multipart/form-data",
                                       data={"file": (io.BytesIO(b"x" * size), "ใหญ่.pdf")})
        assert_error(answer, 413)
    assert_error(api.as_("plan1").post(f"/cases/{plan.id}/attachments", data={"file": (io.BytesIO(b""), "a.pdf")}), 400)
    assert_error(api.as_("plan1").post(f"/cases/{plan.id}/attachments", data={"other": "x"}), 400)
    assert api.snapshot(plan.id) == before
    assert api.as_("plan1").get(f"/cases/{plan.id}/attachments").get_json() == []
    assert plan.upload("plan1", content=b"x" * 1024)["size"] == 1024


def test_an_invalid_diagram_is_refused_naming_the_element_and_nothing_is_deployed(api):
    owner = api.as_("owner")
    deployed = owner.get("/processes").get_json()
    bad = [("<bpmn:definitions><unclosed>", None),
           ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>', None),
           (BUDGET_XML.replace("<bpmn:definitions ", '<!DOCTYPE x [<!ENTITY b "boom">]><bpmn:definitions ', 1), None),
           (BUDGET_XML.replace('>transfer_decided_by == "office"<', ">__import__('os').system('id')<"), "f_within"),
           (BUDGET_XML.replace('sourceRef="gw_authority" targetRef="director_approval"',
                               'sourceRef="gw_authority" targetRef="no_such_step"'), "f_within"),
           (BUDGET_XML.replace("budget_transfer_analysis.json", "../../etc/passwd"), "analysis"),
           ("ไม่ใช่ XML", None)]
    for body, element_id in bad:
        error = assert_error(owner.post("/processes/budget_transfer/versions", data=body.encode(), headers=XML), 400)
        assert error["details"] and all(set(d) == {"element_id", "message"} for d in error["details"])
        if element_id:
            assert element_id in [d["element_id"] for d in error["details"]], error["details"]
    assert_error(owner.post("/processes/budget_transfer/versions", data=b"", headers=XML), 400)
    changed = BUDGET_XML.replace('value="Budget transfer"', 'value="Budget transfer, revised"')
    assert_error(api.as_("plan1").post("/processes/budget_transfer/versions", data=changed.encode(), headers=XML), 403)
    assert_error(owner.post("/processes/Bad-Key/versions", data=changed.encode(), headers=XML), 400)
    assert owner.get("/processes").get_json() == deployed, "nothing was deployed"
    assert {p["key"]: p["version"] for p in deployed}["budget_transfer"] == 1
    assert_error(owner.get("/processes/budget_transfer/versions/2/bpmn"), 404)


def test_without_a_token_a_bad_body_is_still_401(api, client, start):
    case = start("development_plan")
    task_id = case.case["open_tasks"][0]["id"]
    for path in ("/cases", f"/tasks/{task_id}/complete", f"/tasks/{task_id}/assign", f"/cases/{case.id}/cancel"):
        assert_error(client.post(PREFIX + path, json={"unexpected": True}), 401, "unauthenticated")


def _json_schema(node):
    """An OpenAPI 3.0 schema object as JSON Schema (`nullable` becomes a null type)."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    result = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") and "type" in node:
        result["type"] = [node["type"], "null"]
    return result


def test_cases_tasks_and_events_as_served_match_the_openapi_document(api, client, start):
    components = _json_schema(client.get("/api/openapi.json").get_json()["components"])
    case = start("development_plan")
    served = {"Case": api.case(case.id), "Task": api.as_("plan1").get("/tasks").get_json()[0],
              "Event": api.history(case.id)[0]}
    for name, instance in served.items():
        jsonschema.validate(instance, {"$ref": f"#/components/schemas/{name}", "components": components})


def test_text_the_database_cannot_hold_is_refused_in_every_json_body_and_page_form(api, start, as_user):
    """Found by the fuzz on PostgreSQL: a NUL in a token's name reached an INSERT and answered 500."""
    plan = start("development_plan")
    before = api.snapshot(plan.id)
    plan1 = api.as_("plan1")
    tokens = plan1.get("/me/tokens").get_json()
    for body in ('{"name": "a\\u0000b"}', '{"name": "\\ud800"}'):  # as JSON escapes, the way a client sends them
        answer = plan1.post("/me/tokens", data=body, content_type="application/json")
        assert "name" in assert_error(answer, 400, "invalid")["fields"]
    assert plan1.get("/me/tokens").get_json() == tokens
    assert_error(api.as_("admin").post("/holidays", json={"date": "2027-01-04", "name": "x\x00"}), 400)
    page = as_user("plan1")
    step_id = plan.task_of("review_mission")["id"]
    answer = page.post(f"/tasks/{step_id}", {"action": "draft", "mission_review": "พันธกิจ\x00"})
    assert answer.status_code == 400
    assert api.snapshot(plan.id) == before
