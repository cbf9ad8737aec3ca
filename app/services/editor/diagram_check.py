"""The editor's check of a diagram: everything a deploy refuses, plus the office's own conventions.

A deploy refuses what cannot run safely (bad XML, expressions the sandbox rejects, dangling flows,
choices without a way out, unreachable elements, calls to processes that are not deployed, forms that
are named but missing). The check adds what makes a diagram workable in this office, and the editor
and imports hold diagrams to it before they deploy:

* every human step sits in a lane that is one of the office's groups (plan_staff, group_director,
  office_director, committee_secretary, school) or an existing group, so it reaches an inbox;
* every human step names a form that exists in the forms folder and is a valid JSON Schema;
* timer durations, dates and cycles written as constants parse as SpiffWorkflow will parse them, and a
  date carries its UTC offset;
* a field that names who does a school's step (`assigneeField`) is filled in at a step done per school,
  so that the school whose members are offered is known (see assignees.target_groups);
* a step listing the steps its decision may send the work back to (`revisableSteps`) names human steps of
  the diagram, and its form has the field that chooses one (see cases/revisable.py).

`deploy_version` stays lenient about lanes and forms (a diagram imported as is, or a test's small
diagram, may still deploy without them); the editor's deploy of a draft and the imports are not.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import engine
from app.services.accounts import schools
from app.services.cases import revisable
from app.services.catalog import forms, processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Invalid, InvalidDiagramError
from app.store.models import Group

from . import deployment


def known_groups(ctx: ServiceContext) -> dict[str, dict[str, str | None]]:
    """The groups a lane may name: the office's lanes and every group that exists."""
    with ctx.read() as session:
        return _groups(session)


def _groups(session: Session) -> dict[str, dict[str, str | None]]:
    found = {code: {"code": code, "name": name, "name_en": name_en, "kind": "lane"}
             for code, (name, name_en) in processes.LANE_NAMES.items()}
    for group in session.scalars(select(Group).order_by(Group.kind, Group.code)):
        found.setdefault(group.code, {"code": group.code, "name": group.name, "name_en": group.name_en,
                                      "kind": group.kind})
    return found


def check_diagram(ctx: ServiceContext, actor: Actor, key: str, xml: bytes) -> list[dict[str, Any]]:
    """Every problem of the diagram by element id, without deploying it (empty: it may be deployed)."""
    access.require_owner(actor, "check diagrams")
    processes.require_key(key)
    return [p.as_dict() for p in problems_in(ctx, key, xml)]


def deploy_checked(ctx: ServiceContext, actor: Actor, key: str, xml: bytes,
                   extra_forms: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """Deploy a diagram only if the check finds nothing (400 listing every problem otherwise)."""
    with deployment.deploying(ctx) as session:
        return deploy_checked_in(ctx, session, actor, key, xml, extra_forms)


def deploy_checked_in(ctx: ServiceContext, session: Session, actor: Actor, key: str, xml: bytes,
                      extra_forms: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """deploy_checked inside the caller's deploy transaction (see deployment.deploying): the check reads
    what the deploy then builds on."""
    access.require_owner(actor, "deploy diagrams")
    processes.require_key(key)
    problems = _problems(ctx, session, key, xml, extra_forms)
    if problems:
        raise InvalidDiagramError("the diagram does not pass the check", [p.as_dict() for p in problems])
    return deployment.deploy_in(ctx, session, actor, key, xml)


def problems_in(ctx: ServiceContext, key: str, xml: bytes,
                extra_forms: Mapping[str, Any] | None = None) -> list[engine.Problem]:
    """The check itself; `extra_forms` are forms about to be written beside the diagram (an import)."""
    with ctx.read() as session:
        return _problems(ctx, session, key, xml, extra_forms)


def _problems(ctx: ServiceContext, session: Session, key: str, xml: bytes,
              extra_forms: Mapping[str, Any] | None) -> list[engine.Problem]:
    try:
        root = engine.parse_xml(xml)
    except engine.InvalidDiagram as exc:
        return exc.problems
    problems: list[engine.Problem] = []
    compiled = None
    try:
        _, called = processes.resolve_calls(session, key, xml)
        compiled = engine.compile_diagram(xml, key, called)
    except engine.InvalidDiagram as exc:
        problems += exc.problems
    groups = _groups(session)
    for step in engine.human_steps(root):
        problems += _lane_problems(step, groups)
        problems += _form_problems(ctx, step.element_id, step.form, extra_forms, required=True)
    if compiled is not None:
        for message in compiled.messages.values():
            problems += _form_problems(ctx, message.element_ids[0], message.form, extra_forms, required=False)
        problems += _assignee_problems(ctx, compiled, extra_forms)
        problems += revisable.problems(compiled, {
            step.element_id: revisable.field_of(_form_schema(ctx, step.form, extra_forms))
            for step in compiled.user_tasks.values() if revisable.listed(step)})
    problems += engine.check_timers(root)
    return list(dict.fromkeys(problems))


def _lane_problems(step: engine.HumanStep, groups: Mapping[str, Any]) -> list[engine.Problem]:
    office = ", ".join(processes.LANE_NAMES)
    if step.lane is None:
        return [engine.Problem(step.element_id, "the step is in no lane: put it in the lane of the group that "
                                                f"does it ({office}), or its inbox is nobody's")]
    if step.lane not in groups:
        return [engine.Problem(step.element_id, f"lane '{step.lane}' is not a group of the office: name the lane "
                                                f"after a group ({office}, or a group an administrator created)")]
    return []


def _form_problems(ctx: ServiceContext, element_id: str, form: str | None, extra_forms: Mapping[str, Any] | None,
                   required: bool) -> list[engine.Problem]:
    if not form:
        if not required:
            return []
        return [engine.Problem(element_id, "the step names no form: set its form "
                                           "(spiffworkflow property formJsonSchemaFilename)")]
    try:
        if extra_forms is not None and form in extra_forms:
            forms.check_schema(extra_forms[form], form)
        else:
            forms.load_form(ctx.forms_dir, form)
    except Invalid as exc:
        return [engine.Problem(element_id, exc.message)]
    return []


def _assignee_problems(ctx: ServiceContext, process: engine.CompiledProcess,
                       extra_forms: Mapping[str, Any] | None) -> list[engine.Problem]:
    problems = []
    for field, assigned in process.assignee_fields.items():
        lanes = {info.lane for info in map(process.user_task, assigned) if info}
        if schools.SCHOOL_LANE not in lanes:
            continue
        for step in process.user_tasks.values():
            if step.lane != schools.SCHOOL_LANE and field in _form_fields(ctx, step.form, extra_forms):
                problems.append(engine.Problem(step.element_id, (
                    f"the field {field} names who does the school's step {', '.join(assigned)}, but this step is "
                    "not done per school, so which school's members to offer is unknown: fill it in at a step "
                    "of the school lane")))
    return problems


def _form_schema(ctx: ServiceContext, form: str | None, extra_forms: Mapping[str, Any] | None) -> dict | None:
    """A step's form; None when it has no readable form (reported on its own)."""
    if not form:
        return None
    try:
        schema = extra_forms[form] if extra_forms is not None and form in extra_forms \
            else forms.load_form(ctx.forms_dir, form)
    except Invalid:
        return None
    return schema if isinstance(schema, dict) else None


def _form_fields(ctx: ServiceContext, form: str | None, extra_forms: Mapping[str, Any] | None) -> set[str]:
    """The top-level fields of a step's form; none when it has no readable form (reported on its own)."""
    properties = (_form_schema(ctx, form, extra_forms) or {}).get("properties")
    return set(properties) if isinstance(properties, dict) else set()


def editor_options(ctx: ServiceContext, actor: Actor) -> dict[str, Any]:
    """What the editor offers in its menus: the groups a lane may name and the forms a step may use."""
    access.require_owner(actor, "edit diagrams")
    found = []
    for path in sorted(ctx.forms_dir.glob("*.json")):
        try:
            schema = forms.load_form(ctx.forms_dir, path.name)
        except Invalid:
            continue  # the check names a broken form where a step uses it
        found.append({"name": path.name, "title": schema.get("title"), "title_en": schema.get("x-title-en")})
    return {"lanes": list(known_groups(ctx).values()), "forms": found,
            "max_diagram_bytes": engine.MAX_DIAGRAM_BYTES}
