"""A process owner edits a step form: every office form opens in the editor as it is, a saved form is the
one the next deploy freezes into its version (running cases keep theirs), two owners never overwrite each
other, and a form the step page could not draw is refused with each problem named by its field."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from app.services.cases import step_actions
from app.services.editor import deployment, form_editing
from app.services.editor.form_shapes import check_form_shape
from app.services.kernel.errors import Conflict, Forbidden, Invalid, NotFound

from ..conftest import ROOT
from ..editor_samples import BUDGET_TRANSFER
from ..stories import start

FIELD = {"title": "ชื่อโครงการ", "x-title-en": "Project name", "type": "string", "maxLength": 300}


def small_form(**fields) -> dict:
    """A one-field form (a fresh copy each time: the tests change it)."""
    return copy.deepcopy({"type": "object", "title": "แบบทดสอบ", "x-title-en": "Test form",
                          "properties": fields or {"project": FIELD}, "required": [], "additionalProperties": False})


@pytest.mark.parametrize("path", sorted((ROOT / "forms").glob("*.json")), ids=lambda p: p.stem)
def test_every_office_form_opens_in_the_editor_as_it_is(path: Path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert check_form_shape(copy.deepcopy(schema)) == schema


def test_an_owner_adds_a_field_and_the_next_deploy_uses_it_while_running_cases_keep_theirs(ctx, people, own_forms,
                                                                                         clock):
    owner = people["owner"]
    running = start(ctx, people, "budget_transfer")
    form = form_editing.read_form(ctx, owner, "budget_transfer_request.json")
    assert form["key"] == "budget_transfer_request" and form["schema"]["properties"]["amount"]
    schema = form["schema"]
    schema["properties"]["contact_phone"] = {"title": "เบอร์โทรศัพท์ผู้ประสานงาน", "x-title-en": "Contact phone",
                                             "type": "string", "maxLength": 20}
    schema["x-ui"]["order"].insert(1, "contact_phone")
    saved = form_editing.save_form(ctx, owner, "budget_transfer_request", schema, form["sha256"])
    assert saved["created"] is False and saved["sha256"] != form["sha256"]
    assert form_editing.read_form(ctx, owner, "budget_transfer_request")["sha256"] == saved["sha256"]

    old_form = step_actions.get_task(ctx, people["plan1"], running.task_of("request")["id"])["form"]
    assert "contact_phone" not in old_form["properties"], "a running case keeps its version's form"
    clock.advance(hours=1)
    version, created = deployment.deploy_version(ctx, owner, "budget_transfer",
                                                 BUDGET_TRANSFER.replace(b"</bpmn:definitions>",
                                                                         b"<!-- v2 --></bpmn:definitions>"))
    assert created and version["version"] == 2
    newer = start(ctx, people, "budget_transfer")
    newer_step = step_actions.get_task(ctx, people["plan1"], newer.task_of("request")["id"])
    assert "contact_phone" in newer_step["form"]["properties"]


def test_a_new_form_is_created_once_and_a_stale_save_is_refused(ctx, people, own_forms):
    owner, admin = people["owner"], people["admin"]
    with pytest.raises(NotFound):
        form_editing.read_form(ctx, owner, "school_visit_report")
    first = form_editing.save_form(ctx, owner, "school_visit_report", small_form(), None)
    assert first["created"] and (own_forms / "school_visit_report.json").is_file()
    stored = json.loads((own_forms / "school_visit_report.json").read_text(encoding="utf-8"))
    assert stored["$schema"].endswith("2020-12/schema") and stored["properties"]["project"]["title"] == "ชื่อโครงการ"
    with pytest.raises(Conflict):
        form_editing.save_form(ctx, admin, "school_visit_report", small_form(), None)  # someone created it first
    second = form_editing.save_form(ctx, admin, "school_visit_report", small_form(note=FIELD), first["sha256"])
    with pytest.raises(Conflict):
        form_editing.save_form(ctx, owner, "school_visit_report", small_form(), first["sha256"])  # stale
    assert form_editing.read_form(ctx, owner, "school_visit_report")["sha256"] == second["sha256"]


@pytest.mark.parametrize("who", ["plan1", "director", "auditor", "school1"])
def test_only_owners_and_administrators_edit_forms(ctx, people, own_forms, who):
    with pytest.raises(Forbidden):
        form_editing.read_form(ctx, people[who], "budget_transfer_request")
    with pytest.raises(Forbidden):
        form_editing.save_form(ctx, people[who], "new_form", small_form(), None)
    assert not (own_forms / "new_form.json").exists()


TABLE = {"title": "รายการ", "x-title-en": "Rows", "type": "array",
         "items": {"type": "object", "properties": {"item": FIELD}, "required": [], "additionalProperties": False}}


@pytest.mark.parametrize("change, path", [
    (lambda s: s["properties"].update({"Bad Name": FIELD}), "Bad Name"),
    (lambda s: s["properties"]["project"].update({"title": ""}), "project"),
    (lambda s: s["properties"]["project"].update({"$ref": "#/x"}), "project"),
    (lambda s: s["properties"]["project"].update({"type": "object"}), "project"),
    (lambda s: s["properties"].update({"rows": {**TABLE, "items": {**TABLE["items"], "properties": {"inner": TABLE}}}}),
     "rows.inner"),
    (lambda s: s["properties"]["project"].update({"enum": ["a", "a"]}), "project"),
    (lambda s: s["properties"]["project"].update({"format": "email"}), "project"),
    (lambda s: s.update({"required": ["missing"]}), "_form"),
    (lambda s: s.update({"properties": {}}), "_form"),
    (lambda s: s.update({"title": ""}), "_form"),
    (lambda s: s.update({"$defs": {}}), "_form"),
    (lambda s: s["properties"]["project"].update({"maxLength": -1}), "_form"),
])
def test_a_form_the_step_page_cannot_draw_is_refused_naming_the_field(ctx, people, own_forms, change, path):
    schema = small_form()
    change(schema)
    with pytest.raises(Invalid) as refused:
        form_editing.save_form(ctx, people["owner"], "refused_form", schema, None)
    assert path in refused.value.fields, refused.value.fields
    assert not (own_forms / "refused_form.json").exists()


def test_keys_and_sizes_are_bounded(ctx, people, own_forms):
    for key in ("../budget_transfer_request", "Budget", "a", ".hidden", "x/y"):
        with pytest.raises(Invalid):
            form_editing.save_form(ctx, people["owner"], key, small_form(), None)
    huge = small_form(**{f"f{i}": {**FIELD, "title": "ก" * 290} for i in range(100)})
    huge["properties"]["f0"]["x-ui"] = {"help": "ข" * 2000}
    for i in range(1, 100):
        huge["properties"][f"f{i}"]["x-ui"] = {"help": "ข" * 2000}
    with pytest.raises(Invalid) as refused:
        form_editing.save_form(ctx, people["owner"], "huge_form", huge, None)
    assert "too large" in str(refused.value.fields)
    many = small_form(**{f"f{i}": FIELD for i in range(101)})
    with pytest.raises(Invalid):
        form_editing.save_form(ctx, people["owner"], "many_fields", many, None)
