"""The audit pages: a case's history with what each event changed, its replay event by event, its
verification, its history as CSV and PDF, events across cases, and the nightly verification runs."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from flask import Response, render_template, request

from app.services.audit import inspection, verification
from app.services.cases import page_data
from app.services.kernel.errors import Invalid
from app.thaidate import BANGKOK

from ..auth import current_actor, services
from . import audit_pdf, vendor
from .blueprint import pages
from .session import signed_in

EVENT_KINDS = ("case_started", "task_completed", "timers_fired", "message_received", "case_cancelled",
               "task_claimed", "task_unclaimed", "task_assigned", "attachment_added", "comment_added",
               "round_closed")


def _replay(case_id: int) -> dict:
    return inspection.replay_case(services(), current_actor(), case_id)


def _step_names(replay: dict) -> dict:
    """Step names of the case's diagram, for events that name a step."""
    if replay["masked"]:
        return {}
    try:
        view = page_data.case_view(services(), current_actor(), replay["case_id"])
    except Exception:  # noqa: BLE001 - an auditor may see the case only through the audit pages
        return {}
    return {e["spec_id"]: e["step"] for e in view["timeline"] if e.get("spec_id") and e.get("step")}


@pages.get("/cases/<int:case_id>/history")
@signed_in
def case_history(case_id: int):
    replay = _replay(case_id)
    verdict = None
    if request.args.get("verify"):
        verdict = verification.verify_case(services(), current_actor(), case_id).as_dict()
    return render_template("audit/history.html", replay=replay, case=replay["case"], verdict=verdict,
                           steps_named=_step_names(replay))


@pages.get("/cases/<int:case_id>/replay")
@signed_in
def case_replay(case_id: int):
    replay = _replay(case_id)
    steps = [s for s in replay["steps"] if "seq" in s]
    if not steps:
        raise Invalid("the case has no events")
    try:
        at = int(request.args.get("at", steps[-1]["seq"]))
    except ValueError:
        at = steps[-1]["seq"]
    index = max((i for i, s in enumerate(steps) if s["seq"] <= at), default=0)
    return render_template("audit/replay.html", replay=replay, case=replay["case"], steps=steps, index=index,
                           step=steps[index], diagram=vendor.available())


@pages.get("/cases/<int:case_id>/history.csv")
@signed_in
def case_history_csv(case_id: int):
    text = inspection.history_csv(services(), current_actor(), case_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="case-{case_id}-history.csv"'})


@pages.get("/cases/<int:case_id>/history.pdf")
@signed_in
def case_history_pdf(case_id: int):
    replay = _replay(case_id)
    pdf = audit_pdf.render(replay, current_actor())
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="case-{case_id}-history.pdf"'})


def _day(name: str):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise Invalid("dates are YYYY-MM-DD", {name: ["YYYY-MM-DD"]}) from exc
    return datetime.combine(day, time(0), tzinfo=BANGKOK)


@pages.get("/audit/events")
@signed_in
def audit_events():
    date_from, date_to = _day("from"), _day("to")
    filters = {k: request.args.get(k, "").strip() for k in ("user", "process", "kind", "from", "to")}
    events = inspection.search_events(services(), current_actor(), username=filters["user"] or None,
                                      date_from=date_from, date_to=date_to + timedelta(days=1) if date_to else None,
                                      process_key=filters["process"] or None, kind=filters["kind"] or None, limit=500)
    return render_template("audit/events.html", events=events, filters=filters, kinds=EVENT_KINDS)


@pages.get("/audit/runs")
@signed_in
def audit_runs():
    return render_template("audit/runs.html", runs=verification.latest_runs(services(), current_actor(), limit=20))


@pages.app_template_filter("plain")
def plain(value) -> str:
    """A data value as text: strings as they are, the rest as JSON with Thai left readable."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@pages.get("/audit/cases")
@signed_in
def audit_cases():
    process = request.args.get("process", "").strip()
    found = inspection.audit_cases(services(), current_actor(), process or None)
    return render_template("audit/cases.html", cases=found, process=process)
