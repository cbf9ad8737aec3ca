"""Moving a case through its steps as the office's people would, through the service layer."""
from __future__ import annotations

import io
from typing import Any

from app.services import attachments, cases, tasks

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
        self.case = cases.get_case(self.ctx, self.people["admin"], self.id)
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
        detail = tasks.get_task(self.ctx, self.people[who], task["id"])
        data = fill(detail["form"], overrides, attachment_id=self.attachment())
        self.case = tasks.complete(self.ctx, self.people[who], task["id"], data)
        return self.case


def start(ctx, people, process_key: str, who: str = "plan1", title: str = "เรื่องทดสอบ", data=None) -> CaseDriver:
    return CaseDriver(ctx, people, cases.start_case(ctx, people[who], process_key, title, data))
