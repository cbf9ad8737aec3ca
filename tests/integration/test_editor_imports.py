"""Diagrams drawn elsewhere: a Camunda Modeler file and a spiff-arena process model are imported, deployed and
run end to end; hostile zips are refused before anything is written."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from app.services.audit import verification
from app.services.editor import diagram_imports
from app.services.kernel.errors import Forbidden, Invalid, InvalidDiagramError, TooLarge
from app.store.models import ProcessVersion

from ..editor_samples import ARENA_BPMN, ARENA_FORMS, CAMUNDA, arena_model, zipped
from ..stories import start


def _versions(ctx) -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion))


def test_a_camunda_diagram_is_converted_deployed_and_runs(ctx, people, clock, own_forms):
    version, created = diagram_imports.import_camunda(ctx, people["owner"], "camunda_transfer", CAMUNDA)
    assert created and version["key"] == "camunda_transfer" and version["version"] == 1
    warned = {w["element_id"] for w in version["warnings"]}
    assert {"Activity_approve", "Activity_record"} <= warned, "two groups, and a due date that is not a period"

    case = start(ctx, people, "camunda_transfer", title="โอนงบ (นำเข้าจาก Camunda)")
    request = case.task_of("Activity_request")
    assert request["group"] == "plan_staff" and request["form_name"] == "budget_transfer_request.json"
    case.complete("Activity_request", "plan1", category_from="operating", category_to="other", amount=1000)
    assert case.open_steps() == [], "waiting an hour on the converted PT1H timer"
    clock.advance(hours=2)
    from app.services.scheduling import timers
    assert timers.fire_due_timers(ctx)["fired"] == 1
    approve = case.task_of("Activity_approve")
    assert approve["group"] == "office_director"
    case.complete("Activity_approve", "office", director_decision="approve")
    case.complete("Activity_record", "plan1")
    final = case.refresh()
    assert final["status"] == "completed" and final["data"]["director_decision"] == "approve"
    assert verification.verify_case(ctx, people["auditor"], case.id).ok


def test_a_camunda_step_with_no_group_is_refused_by_the_check(ctx, people, own_forms):
    xml = CAMUNDA.replace(b'camunda:candidateGroups="plan_staff"\n        camunda:formKey="budget_transfer_request"',
                          b'camunda:formKey="budget_transfer_request"', 1)
    before = _versions(ctx)
    with pytest.raises(InvalidDiagramError) as refused:
        diagram_imports.import_camunda(ctx, people["owner"], "camunda_transfer", xml)
    assert any(d["element_id"] == "Activity_request" and "no lane" in d["message"] for d in refused.value.details)
    assert _versions(ctx) == before


def test_a_spiff_arena_model_is_imported_with_its_forms_and_runs(ctx, people, own_forms):
    version, created = diagram_imports.import_spiff_arena(ctx, people["owner"], "room_booking",
                                                          io.BytesIO(arena_model()))
    assert created and version["version"] == 1
    assert version["forms"] == ["room_booking__request-schema.json", "room_booking__review-schema.json"]
    written = json.loads((own_forms / "room_booking__request-schema.json").read_text(encoding="utf-8"))
    assert written["x-ui"]["order"] == ["reason", "room", "days"]
    assert written["properties"]["reason"]["x-ui"] == {"widget": "textarea"}
    assert written["properties"]["days"]["x-ui"] == {"help": "นับวันทำการ"}
    assert not list(own_forms.glob("request-schema.json")), "only under the prefixed name"

    case = start(ctx, people, "room_booking", title="ขอใช้ห้องประชุม 1")
    assert case.task_of("request")["form_name"] == "room_booking__request-schema.json"
    case.complete("request", "plan1", days=3)
    assert case.task_of("review")["group"] == "group_director"
    case.complete("review", "director", decision="approve")
    final = case.refresh()
    assert final["status"] == "completed" and final["data"]["long_booking"] is True
    assert verification.verify_case(ctx, people["auditor"], case.id).ok

    again, created = diagram_imports.import_spiff_arena(ctx, people["owner"], "room_booking", io.BytesIO(arena_model()))
    assert not created and again["version"] == 1, "the same model again is not a new version"


def test_a_model_whose_diagram_names_a_form_the_zip_lacks_writes_nothing(ctx, people, own_forms):
    files = {"m/room-booking.bpmn": ARENA_BPMN,
             "m/request-schema.json": json.dumps(ARENA_FORMS["request-schema.json"]).encode()}
    with pytest.raises(InvalidDiagramError) as refused:
        diagram_imports.import_spiff_arena(ctx, people["owner"], "room_booking", io.BytesIO(zipped(files)))
    assert refused.value.details == [{"element_id": "review", "message": "form review-schema.json is not in the zip"}]
    assert not list(own_forms.glob("room_booking__*"))


@pytest.mark.parametrize("name", ["../../evil.json", "/etc/cron.d/evil.json", "m/../../evil.bpmn",
                                  "C:/evil.json", "m\\..\\evil.json"])
def test_a_zip_whose_entries_leave_their_folder_is_refused(ctx, people, own_forms, name):
    archive = zipped({"m/room-booking.bpmn": ARENA_BPMN, name: b"{}"})
    with pytest.raises(Invalid) as refused:
        diagram_imports.import_spiff_arena(ctx, people["owner"], "room_booking", io.BytesIO(archive))
    assert "zip entry" in refused.value.message
    assert not list(own_forms.parent.glob("evil*")) and not list(own_forms.glob("*evil*"))


def test_hostile_zips_are_refused(ctx, people, own_forms):
    owner = people["owner"]
    too_many = zipped({f"m/f{i}.json": b"{}" for i in range(diagram_imports.MAX_ZIP_ENTRIES + 1)})
    with pytest.raises(Invalid, match="entries"):
        diagram_imports.import_spiff_arena(ctx, owner, "room_booking", io.BytesIO(too_many))
    bomb = zipped({"m/room-booking.bpmn": ARENA_BPMN, "m/request-schema.json": b" " * (5 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024, "small packed, large unpacked"
    with pytest.raises(TooLarge):
        diagram_imports.import_spiff_arena(ctx, owner, "room_booking", io.BytesIO(bomb))
    with pytest.raises(TooLarge):
        too_large = io.BytesIO(b"PK" + b"\0" * diagram_imports.MAX_ZIP_BYTES)
        diagram_imports.import_spiff_arena(ctx, owner, "room_booking", too_large)
    link = zipped({"m/room-booking.bpmn": ARENA_BPMN, "m/request-schema.json": b"/etc/passwd"},
                  symlinks=("m/request-schema.json",))
    with pytest.raises(Invalid, match="symbolic link"):
        diagram_imports.import_spiff_arena(ctx, owner, "room_booking", io.BytesIO(link))
    with pytest.raises(Invalid, match="not a zip"):
        diagram_imports.import_spiff_arena(ctx, owner, "room_booking", io.BytesIO(b"not a zip at all"))
    assert not list(own_forms.glob("room_booking__*"))


@pytest.mark.parametrize("schema, complaint", [
    ({"type": "object", "properties": {"x": {"$ref": "https://example.org/evil.json"}}}, "another document"),
    ({"type": "object", "properties": {"x": {"$ref": "file:///etc/passwd"}}}, "another document"),
    (json.loads("[" * 200 + "]" * 200), "JSON Schema object"),
    ({"type": "object", "properties": {"x": json.loads('{"a":' * 100 + "1" + "}" * 100)}}, "nested deeper"),
])
def test_an_imported_form_that_reaches_outside_itself_or_nests_without_end_is_refused(ctx, people, own_forms,
                                                                                       schema, complaint):
    files = {"m/room-booking.bpmn": ARENA_BPMN, "m/request-schema.json": json.dumps(schema).encode(),
             "m/review-schema.json": json.dumps(ARENA_FORMS["review-schema.json"]).encode()}
    with pytest.raises(Invalid, match=complaint):
        diagram_imports.import_spiff_arena(ctx, people["owner"], "room_booking", io.BytesIO(zipped(files)))
    assert not list(own_forms.glob("room_booking__*"))


def test_only_process_owners_and_administrators_import(ctx, people, own_forms):
    with pytest.raises(Forbidden):
        diagram_imports.import_camunda(ctx, people["plan1"], "camunda_transfer", CAMUNDA)
    with pytest.raises(Forbidden):
        diagram_imports.import_spiff_arena(ctx, people["director"], "room_booking", io.BytesIO(arena_model()))
