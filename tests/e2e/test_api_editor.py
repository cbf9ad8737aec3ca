"""The editor's API as the editor page and scripts use it: check, drafts, versions and diffs, moving cases,
imports; owners and administrators only (reading versions: anyone signed in)."""
from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.editor import diagram_imports

from ..editor_samples import BUDGET_TRANSFER, CAMUNDA, arena_model, budget_transfer_v2, without_lane, zipped
from .conftest import PREFIX, assert_error
from .test_api_fuzz import FUZZ, Case, check_answer, objects, send, text, values

XML = {"content_type": "application/xml"}


def test_without_a_token_every_editor_route_answers_401(client):
    routes = [("POST", "/processes/budget_transfer/check"), ("GET", "/editor/options"), ("GET", "/drafts"),
              ("GET", "/processes/budget_transfer/draft"), ("PUT", "/processes/budget_transfer/draft"),
              ("DELETE", "/processes/budget_transfer/draft"), ("POST", "/processes/budget_transfer/draft/deploy"),
              ("GET", "/processes/budget_transfer/versions"), ("GET", "/processes/budget_transfer/diff?from=1&to=2"),
              ("POST", "/processes/budget_transfer/migrate"), ("POST", "/processes/x/import/camunda"),
              ("POST", "/processes/x/import/spiff-arena")]
    for method, path in routes:
        assert_error(client.open(PREFIX + path, method=method, data=b"<x/>"), 401, "unauthenticated")


def test_staff_may_not_use_the_editor_but_may_read_versions(api):
    plan1 = api.as_("plan1")
    assert_error(plan1.post("/processes/budget_transfer/check", data=BUDGET_TRANSFER, **XML), 403, "forbidden")
    assert_error(plan1.get("/editor/options"), 403)
    assert_error(plan1._call("PUT", "/processes/budget_transfer/draft", data=BUDGET_TRANSFER, **XML), 403)
    assert_error(plan1.post("/processes/budget_transfer/migrate", json={"case_ids": [1], "to_version": 1}), 403)
    assert_error(plan1.post("/processes/x/import/camunda", data=CAMUNDA, **XML), 403)
    assert plan1.get("/processes/budget_transfer/versions").status_code == 200


def test_an_owner_checks_saves_a_draft_and_deploys_it(api):
    owner = api.as_("owner")
    answer = owner.post("/processes/budget_transfer/check", data=without_lane(BUDGET_TRANSFER, "analysis"), **XML)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False and [p["element_id"] for p in body["problems"]] == ["analysis"]
    answer = owner.post("/processes/budget_transfer/check", data={"file": (io.BytesIO(BUDGET_TRANSFER), "d.bpmn")},
                        content_type="multipart/form-data")
    assert answer.get_json() == {"ok": True, "problems": []}

    saved = owner._call("PUT", "/processes/budget_transfer/draft?base_version=1", data=budget_transfer_v2(), **XML)
    assert saved.status_code == 200 and saved.get_json()["base_version"] == 1
    assert [d["key"] for d in owner.get("/drafts").get_json()] == ["budget_transfer"]
    assert owner.get("/processes/budget_transfer/draft").get_json()["xml"].encode() == budget_transfer_v2()
    assert_error(owner._call("PUT", "/processes/budget_transfer/draft?base_version=x", data=BUDGET_TRANSFER, **XML),
                 400)
    deployed = owner.post("/processes/budget_transfer/draft/deploy")
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    assert_error(owner.get("/processes/budget_transfer/draft"), 404, "not_found")
    owner._call("PUT", "/processes/other/draft", data=BUDGET_TRANSFER, **XML)
    assert owner._call("DELETE", "/processes/other/draft").get_json() == {"key": "other", "deleted": True}


def test_versions_and_their_diff(api):
    api.as_("owner").post("/processes/budget_transfer/versions", data=budget_transfer_v2(), **XML)
    listed = api.as_("plan1").get("/processes/budget_transfer/versions").get_json()
    assert [v["version"] for v in listed] == [2, 1]
    diff = api.as_("plan1").get("/processes/budget_transfer/diff?from=1&to=2").get_json()
    assert {e["element_id"] for e in diff["added"]} == {"notify_requester", "f_notified"}
    assert {"analysis", "director_approval"} <= {e["element_id"] for e in diff["changed"]}
    assert_error(api.as_("plan1").get("/processes/budget_transfer/diff?from=1"), 400)
    assert_error(api.as_("plan1").get("/processes/budget_transfer/diff?from=1&to=7"), 404)


def test_moving_cases_over_http(api, start):
    waiting = start("budget_transfer")
    passed = start("budget_transfer")
    passed.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    passed.complete("analysis", "plan2")
    api.as_("owner").post("/processes/budget_transfer/versions", data=budget_transfer_v2(), **XML)
    body = {"case_ids": [waiting.id, passed.id], "to_version": 2, "dry_run": True}
    preview = api.as_("owner").post("/processes/budget_transfer/migrate", json=body)
    assert preview.status_code == 200
    assert [(r["case_id"], r["ok"]) for r in preview.get_json()] == [(waiting.id, True), (passed.id, False)]
    assert waiting.refresh()["version"] == 1
    moved = api.as_("owner").post("/processes/budget_transfer/migrate", json={**body, "dry_run": False}).get_json()
    assert moved[0]["ok"] and not moved[1]["ok"] and "analysis" in moved[1]["reason"]
    assert waiting.refresh()["version"] == 2 and api.history(waiting.id)[-1]["kind"] == "case_migrated"
    verdict = api.as_("auditor").get(f"/cases/{waiting.id}/verify").get_json()
    assert verdict["chain_ok"] and verdict["replay_ok"], verdict
    for bad in ({"case_ids": [], "to_version": 2}, {"case_ids": ["1"], "to_version": 2}, {"case_ids": [1]},
                {"case_ids": [1], "to_version": 2, "extra": 1}, [1, 2]):
        assert_error(api.as_("owner").post("/processes/budget_transfer/migrate", json=bad), 400)


def test_imports_over_http(api, own_forms):
    owner = api.as_("owner")
    camunda = owner.post("/processes/camunda_transfer/import/camunda", data=CAMUNDA, **XML)
    assert camunda.status_code == 201, camunda.get_json()
    assert camunda.get_json()["version"] == 1 and camunda.get_json()["warnings"]
    arena = owner.post("/processes/room_booking/import/spiff-arena", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(arena_model()), "room-booking.zip")})
    assert arena.status_code == 201, arena.get_json()
    assert arena.get_json()["forms"] == ["room_booking__request-schema.json", "room_booking__review-schema.json"]
    evil = zipped({"../evil.json": b"{}"})
    assert_error(owner.post("/processes/room_booking/import/spiff-arena", data={"file": (io.BytesIO(evil), "e.zip")},
                            content_type="multipart/form-data"), 400, "invalid")
    big = b"PK" + b"\0" * (diagram_imports.MAX_ZIP_BYTES + 1)
    assert_error(owner.post("/processes/room_booking/import/spiff-arena", data={"file": (io.BytesIO(big), "b.zip")},
                            content_type="multipart/form-data"), 413)
    assert_error(owner.post("/processes/room_booking/import/spiff-arena", data=b"", **XML), 400)


def test_the_openapi_document_describes_the_editor_routes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/processes/{key}/check", "post"), ("/api/v1/processes/{key}/draft", "put"),
                         ("/api/v1/processes/{key}/draft", "delete"), ("/api/v1/processes/{key}/diff", "get"),
                         ("/api/v1/processes/{key}/migrate", "post"),
                         ("/api/v1/processes/{key}/import/spiff-arena", "post")):
        assert method in paths[path], path


# Whatever a script sends to the editor's routes, the answer is below 500 and a refused move changes nothing.

@pytest.fixture
def waiting_transfer(api) -> Case:
    return Case(api, "budget_transfer")


@FUZZ
@given(body=objects("case_ids", "to_version", "dry_run")
       | st.fixed_dictionaries({"case_ids": st.lists(st.integers(-5, 2**64) | text, max_size=3),
                                "to_version": st.integers(-2, 2**64) | values}, optional={"dry_run": values}))
def test_asking_to_move_cases_with_any_body(api, waiting_transfer, body):
    before = waiting_transfer.snapshot()
    check_answer(send(api.as_("owner"), "POST", "/processes/budget_transfer/migrate", body))
    assert waiting_transfer.snapshot() == before, "version 1 is the only one: nothing can move"


@FUZZ
@given(data=st.binary(max_size=300) | st.builds(lambda cut: BUDGET_TRANSFER[:cut], st.integers(0, 4000)),
       key=st.sampled_from(["budget_transfer", "x", "Bad-Key", "a" * 90]))
def test_checking_and_drafting_any_bytes(api, data, key):
    owner = api.as_("owner")
    check_answer(owner.post(f"/processes/{key}/check", data=data, **XML))
    check_answer(owner._call("PUT", f"/processes/{key}/draft", data=data, **XML))
    check_answer(owner.post(f"/processes/{key}/import/camunda", data=data, **XML))
    check_answer(owner.post(f"/processes/{key}/import/spiff-arena", data={"file": (io.BytesIO(data), "m.zip")},
                            content_type="multipart/form-data"))
