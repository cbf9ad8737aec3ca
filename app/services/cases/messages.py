"""Messages from outside the office that a case waits for, such as OBEC's budget allocation notice.

Staff record what arrived (or an integration posts it); the case's waiting catch event takes the
data, and the case moves on. Like a completed step, the delivery is one event in the case's
history, so replay re-delivers it at the same time with the same data.

A message the diagram takes in rounds (OBEC's allocation in งวด, see message_rounds) is accepted while the case
runs, waiting for it or not: before the case reaches its wait the notice is kept and taken there; after, it is a
later round. The event says which (`kept`: "pending" or "round"); the engine decides the same way on replay.
"""
from __future__ import annotations

from typing import Any

from app import engine
from app.services.catalog import forms, processes
from app.services.kernel import access
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.kernel.errors import Conflict, Forbidden, Invalid

from . import attachments, blob_store, message_rounds, step_runner
from .case_json import case_dict, message_form
from .lifecycle import may_start

MAX_NAME = 200


def deliver_message(ctx: ServiceContext, actor: Actor, case_id: int, name: str, data: Any) -> dict[str, Any]:
    """Hand a running case the message `name` with `data`; 409 unless the case is waiting for it now or the
    message comes in rounds (then 409 for a round number already recorded)."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid("a message name is required", {"name": ["กรุณาระบุชื่อข้อความ (required)"]})
    now = ctx.now()
    with blob_store.pending(ctx.attachments_dir) as blobs, ctx.write() as session:
        case = access.get_visible_case(session, actor, case_id)
        # Those who may start the process (its lanes other than schools, supervisors, administrators)
        # are the case's staff: they are the ones who receive its incoming letters.
        access.require_may_write(actor)
        if not may_start(actor, case.version):
            raise Forbidden("only staff of the case's groups and supervisors may record a message for it")
        process = processes.compiled(case.version)
        expected = process.messages.get(name)
        if expected is None:
            known = ", ".join(sorted(process.messages)) or "none"
            raise Invalid(f"the process {case.process_key} receives no message '{name}' "
                          f"(it receives: {known})", {"name": ["ไม่มีข้อความนี้ในกระบวนงาน (unknown message)"]})
        if case.status != "running":
            raise Conflict(f"the case is {case.status}")
        form = message_form(ctx.workflow_cache.forms(case.version), expected.form)
        loaded = None
        if attachments.uploads_in(data):  # files sent with the notice's form on the case page
            attachments.refuse_before_writing(lambda stand_in: forms.validate(form, stand_in), data)
            loaded = step_runner.load_workflow(ctx, case)  # before the files' events move the case's version
            data = attachments.record_uploads(session, ctx, blobs, actor, case, data, now)
        payload = forms.validate(form, data)
        if expected.rounds:
            payload = message_rounds.numbered(case.data or {}, expected, payload)
        attachments.require_files_of(session, case, form, payload)
        recorded = {"name": name, "data": engine.json_safe(payload)}

        def deliver(workflow, seed: str) -> None:
            outcome = engine.deliver_message(workflow, name, payload, now, seed)
            if outcome != "taken":  # kept for the wait ahead, or a later round: the case stays where it is
                recorded["kept"] = outcome

        step = step_runner.run_step(
            ctx, session, case, actor.username, "message_received", now, deliver, data=recorded,
            task_spec_id=expected.element_ids[0] if len(expected.element_ids) == 1 else None, loaded=loaded)
        session.flush()
        result = {**case_dict(case, step.open_tasks, waits=step.waits), "recorded_as": recorded.get("kept", "taken")}
    step_runner.remember(ctx, case, step.workflow)
    return result
