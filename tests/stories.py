"""Moving a case through its steps as the office's people would, through the service layer."""
from __future__ import annotations

import io
from typing import Any

from app.services.cases import attachments, lifecycle, step_actions
from app.services.kernel.errors import Conflict
from app.services.scheduling import timers

from .at_once import at_once
from .samples import fill


class CaseDriver:
    """Completes a case's open steps by their diagram ids, each as the person named."""

    def __init__(self, ctx, people, case: dict[str, Any]):
        self.ctx, self.people, self.case = ctx, people, case
        self._attachment: str | None = None

    @property
    def id(self) -> int:
        return self.case["id"]

    def refresh(self) -> dict[str, Any]:
        # A cleared auditor sees every case, secret correspondence included.
        self.case = lifecycle.get_case(self.ctx, self.people["auditor2"], self.id)
        return self.case

    def open_steps(self) -> list[str]:
        return sorted(t["spec_id"] for t in self.refresh()["open_tasks"])

    def attachment(self) -> str:
        if self._attachment is None:
            row = attachments.attach_file(self.ctx, self.people["plan1"], self.id, "เอกสาร.pdf",
                                          "application/pdf", io.BytesIO(b"%PDF-1.4 plan document"))
            self._attachment = str(row["id"])
        return self._attachment

    def task_of(self, spec_id: str) -> dict[str, Any]:
        found = [t for t in self.refresh()["open_tasks"] if t["spec_id"] == spec_id]
        assert found, f"no open step {spec_id}; open: {self.open_steps()}"
        return found[0]

    def complete(self, spec_id: str, who: str, **overrides) -> dict[str, Any]:
        task = self.task_of(spec_id)
        detail = step_actions.get_task(self.ctx, self.people[who], task["id"])
        data = fill(detail["form"], overrides, attachment_id=self.attachment())
        self.case = step_actions.complete(self.ctx, self.people[who], task["id"], data)
        return self.case

    def send_letter(self, signer: str = "office", **draft) -> dict[str, Any]:
        """An official letter through its four steps: plan staff draft it (keeping what the calling diagram set
        unless `draft` says otherwise), the group director initials it, `signer` signs it, plan staff send it."""
        task = self.task_of("letter_draft")
        detail = step_actions.get_task(self.ctx, self.people["plan1"], task["id"])
        given = {name: detail["case_data"][name] for name in detail["form"]["properties"]
                 if detail["case_data"].get(name) not in (None, "")}
        self.complete("letter_draft", "plan1", **{**given, **draft})
        self.complete("letter_check", "director", letter_check_decision="initial")
        signed_as = {"letter_signed_as": "on_behalf", "letter_signed_for": "ผู้อำนวยการ สพป.ขอนแก่น เขต 1"} \
            if signer != "office" else {"letter_signed_as": "director"}
        self.complete("letter_sign", signer, letter_sign_decision="sign", **signed_as)
        return self.complete("letter_dispatch", "plan1", letter_dispatched_on="2026-12-04")


# The step that says what kind of matter a case is, and the answer most of the office's cases give: a budget
# transfer is most often the office's own request. Stories that are not about that choice begin there.
BEGUN_AS = {"budget_transfer": ("matter", {"matter_kind": "office_request", "fiscal_year": 2570})}


def start(ctx, people, process_key: str, who: str = "plan1", title: str = "เรื่องทดสอบ", data=None,
          begun: bool = True) -> CaseDriver:
    """A case started by `who`; with `begun`, its first choice of kind made as BEGUN_AS says (where its version
    has that step: an earlier version may not)."""
    case = CaseDriver(ctx, people, lifecycle.start_case(ctx, people[who], process_key, title, data))
    spec_id, answers = BEGUN_AS.get(process_key, (None, {}))
    if begun and spec_id in case.open_steps():  # a choice of kind: no file goes with it
        task = case.task_of(spec_id)
        form = step_actions.get_task(ctx, people[who], task["id"])["form"]
        case.case = step_actions.complete(ctx, people[who], task["id"], fill(form, answers))
    return case


# The development plan (§2.2): drafting steps in order, each by a plan officer.
DRAFTING = [("review_mission", "plan1"), ("swot", "plan1"), ("vision_mission", "plan2"), ("strategies", "plan1"),
            ("outputs_kpis", "plan2"), ("midterm_targets", "plan1"), ("projects", "plan2")]


def draft_from(plan, first: str) -> None:
    names = [name for name, _ in DRAFTING]
    for name, who in DRAFTING[names.index(first):]:
        plan.complete(name, who)


def through_hearing(plan, clock) -> None:
    plan.complete("draft_review", "director", draft_review_decision="approve")
    plan.complete("hearing_open", "plan1", hearing_closes_on="2026-12-10")
    assert plan.open_steps() == [], "while the hearing is open nobody has a step"
    clock.set(clock.current.replace(day=10, hour=9, minute=31))  # 16:31 Bangkok on the closing day
    assert timers.fire_due_timers(plan.ctx)["fired"] == 1
    plan.complete("hearing_summary", "plan1")


def plan_at_school_step(ctx, people, clock) -> CaseDriver:
    """A development plan approved and published, waiting for every school's own plan."""
    plan = start(ctx, people, "development_plan", title="แผนพัฒนาการศึกษา พ.ศ. 2571-2575")
    draft_from(plan, "review_mission")
    through_hearing(plan, clock)
    plan.send_letter()  # the submission to the committee
    plan.complete("committee_decision", "secretary", decision="approve", meeting_number="3/2570")
    plan.send_letter()  # the announcement
    plan.complete("publication", "plan1")
    return plan


def send_at_once(ctx, people, step_id: int, data: dict, who: tuple[str, ...] = ("plan1", "plan2")) -> list[object]:
    """Each of `who` sends the same step at the same moment (a barrier, one thread each); their answers,
    the completed task's dict or the Conflict they were given."""
    return at_once(*(lambda username=username: step_actions.complete(ctx, people[username], step_id, data)
                     for username in who), expected=(Conflict,))
