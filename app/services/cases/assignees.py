"""Fields that name who does a later step (a diagram's `assigneeField`, such as the director's
`assigned_to` on a letter): the members the step offers as choices, and the check of what is sent.

The diagram says which step a field assigns; that step's lane (for a school's step, the school of the
step being filled in) is the group whose active members may be named. The member list is live data,
so it is added to the form as it is served and checked when the step is sent; the stored form and the
frozen form of a version stay generic. Leaving an optional field empty still sends the later step to
its group's queue.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app import engine
from app.services.accounts import schools
from app.services.catalog import forms
from app.services.kernel.errors import Invalid
from app.store.models import Group, Membership, Task, User

# What an assignee field carries in the form as served (beside `enum` and `x-enum-titles`).
SERVED_KEY = "x-assignee"


@dataclass(frozen=True)
class Choice:
    """One assignee field of a step's form: the group that acts next and its active members."""

    field: str
    steps: tuple[str, ...]  # the later steps the field assigns
    groups: tuple[str, ...]  # the groups those steps go to (one, unless the diagram spreads them)
    group_names: tuple[tuple[str, str], ...]  # (Thai, English) of each group
    members: tuple[tuple[str, str], ...]  # (username, display name) of the active members of every group

    @property
    def usernames(self) -> frozenset[str]:
        return frozenset(username for username, _ in self.members)

    def names(self) -> tuple[str, str]:
        """The groups' names as the messages show them, Thai and English."""
        return (", ".join(th for th, _ in self.group_names), ", ".join(en for _, en in self.group_names))


def target_groups(process: engine.CompiledProcess, field: str, task_lane: str | None,
                  task_group: str | None) -> tuple[str, ...]:
    """The groups whose members `field` may name when it is filled in at a step of `task_lane`/`task_group`.

    The same rule as the steps' own groups (step_runner.group_for): the lane of each step the field assigns,
    and for a school's step the school of the step being filled in, when that step is done per school."""
    found: list[str] = []
    for element_id in process.assignee_fields.get(field, ()):
        info = process.user_task(element_id)
        lane = info.lane if info else None
        if lane == schools.SCHOOL_LANE and task_lane == schools.SCHOOL_LANE and task_group:
            lane = task_group
        if lane and lane not in found:
            found.append(lane)
    return tuple(found)


def fields_of(process: engine.CompiledProcess, form: Mapping[str, Any] | None) -> list[str]:
    """The form's top-level fields that assign a later step."""
    properties = (form or {}).get("properties") or {}
    return [name for name in properties if name in process.assignee_fields]


def choices_for(session: Session, process: engine.CompiledProcess, task: Task,
                form: Mapping[str, Any] | None) -> dict[str, Choice]:
    """For each assignee field of the step's form, the group acting next and its active members."""
    found: dict[str, Choice] = {}
    for field in fields_of(process, form):
        groups = target_groups(process, field, task.lane, task.group_code)
        if not groups:
            continue  # the steps it assigns are in no lane: nobody's queue, nothing to choose from
        found[field] = Choice(field=field, steps=process.assignee_fields[field], groups=groups,
                              group_names=_group_names(session, groups), members=active_members(session, groups))
    return found


def active_members(session: Session, groups: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(username, display name) of the active users who are members of every one of `groups`."""
    if not groups:
        return ()
    rows = session.execute(
        select(User.username, User.display_name).join(Membership, Membership.user_id == User.id)
        .join(Group, Group.id == Membership.group_id)
        .where(Group.code.in_(groups), User.active.is_(True))
        .group_by(User.username, User.display_name)
        .having(func.count(distinct(Group.code)) == len(groups))
        .order_by(User.username))
    return tuple((username, display or username) for username, display in rows)


def _group_names(session: Session, groups: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    rows = {code: (name, name_en) for code, name, name_en in session.execute(
        select(Group.code, Group.name, Group.name_en).where(Group.code.in_(groups)))}
    return tuple((rows.get(code, (code, code))[0] or code, rows.get(code, (code, code))[1] or code)
                 for code in groups)


def offer(form: Mapping[str, Any] | None, choices: Mapping[str, Choice]) -> Mapping[str, Any] | None:
    """The form as served: each assignee field a choice of the members (`enum`, titles in `x-enum-titles`),
    with the group it draws on in `x-assignee`. Returns a copy; the form given is left as it was."""
    if not form or not choices:
        return form
    served = copy.deepcopy(dict(form))
    for field, choice in choices.items():
        prop = dict(served["properties"][field])
        prop.pop("examples", None)  # an example username is no help beside the real list
        th, en = choice.names()
        prop.update({"enum": [u for u, _ in choice.members], "x-enum-titles": [n for _, n in choice.members],
                     SERVED_KEY: {"groups": list(choice.groups), "group_name": th, "group_name_en": en,
                                  "steps": list(choice.steps)}})
        served["properties"][field] = prop
    return served


def refusals(form: Mapping[str, Any] | None, choices: Mapping[str, Choice],
             data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The assignee fields of `data` that name no active member of the group acting next, each with its
    message. An optional field left empty is no refusal: the later step goes to its group's queue."""
    required = set((form or {}).get("required") or [])
    found: dict[str, list[str]] = {}
    for field, choice in choices.items():
        if field not in data:
            continue  # missing: the form's own `required` says whether that is allowed
        value = data[field]
        if value in ("", None) and field not in required:
            continue
        if isinstance(value, str) and value in choice.usernames:
            continue
        th, en = choice.names()
        if not choice.members:
            found[field] = [f"กลุ่มผู้ปฏิบัติ {th} ยังไม่มีสมาชิกให้เลือก ต้องให้ผู้ดูแลระบบเพิ่มสมาชิกก่อน "
                            f"(the group {en} has no active members to choose from: an administrator must add "
                            "them first)"]
        else:
            found[field] = [f"กรุณาเลือกจากรายชื่อสมาชิกของกลุ่มผู้ปฏิบัติ {th} "
                            f"(choose an active member of the group {en})"]
    return found


def validate(form: Mapping[str, Any] | None, choices: Mapping[str, Choice], data: Any) -> dict[str, Any]:
    """forms.validate, and every assignee field naming a member of its group; one refusal naming every
    bad field (the form's own messages first)."""
    try:
        checked = forms.validate(form, data)
        problems: dict[str, list[str]] = {}
    except Invalid as exc:
        if not choices or not isinstance(data, dict):
            raise
        checked, problems = data, {k: list(v) for k, v in (exc.fields or {}).items()}
    for field, messages in refusals(form, choices, checked).items():
        problems.setdefault(field, messages)  # a value of the wrong type is already named by the form
    if problems:
        raise Invalid("some fields are missing or wrong: " + ", ".join(sorted(problems)), problems)
    return checked
