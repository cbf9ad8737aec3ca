"""The supervisors' dashboard (issue 6): open, overdue and stalled work, workload, missing school
submissions with a one-click reminder, reassigning steps and suspending, resuming or cancelling cases,
and where cases wait (per-step times with a heatmap over the diagram). Every list exports to CSV and
Excel with ?format=csv|xlsx."""
from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.cases import inbox as inbox_service
from app.services.cases import lifecycle
from app.services.dashboard import overview, step_times
from app.services.kernel.errors import Conflict, Forbidden, Invalid, NotFound

from ..auth import current_actor, services
from . import exports, vendor
from .blueprint import pages
from .inbox import flash_invalid, task_ids
from .session import signed_in

LISTS = ("open", "overdue", "stalled", "people", "groups", "missing", "waits", "trend")


def _days() -> int:
    value = request.args.get("days", "5")
    return min(int(value), 260) if value.isdigit() and len(value) <= 3 else 5


def _table(name: str, data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The columns and rows of one list, as exported."""
    if name == "open":
        return ["process_key", "fiscal_year", "open"], [[r["process_key"], r["fiscal_year"], r["open"]]
                                                        for r in data["open"]]
    if name == "overdue":
        cols = ["case_number", "case_title", "process_key", "step", "group", "assignee", "due_at", "days_overdue",
                "kind"]
        return cols, [[r[c] for c in cols] for r in data["overdue"]]
    if name == "stalled":
        return (["case_number", "title", "process_key", "last_event_at", "waiting_on", "stalled_since",
                 "waiting_for"],
                [[r["case_number"], r["title"], r["process_key"], r["last_event_at"],
                  "; ".join(f"{w['step']} ({w['assignee'] or w['group']})" for w in r["waiting_on"]),
                  r["stalled_since"], "; ".join(_wait_text(w) for w in r["waiting_for"])]
                 for r in data["stalled"]])
    if name in ("people", "groups"):
        key = "username" if name == "people" else "group"
        cols = [key, "open", "overdue", "done_this_month"]
        return cols, [[r[c] for c in cols] for r in data["workload"][name]]
    if name == "missing":
        return (["case_number", "title", "step", "due_at", "schools"],
                [[r["case_number"], r["title"], r["step"], r["due_at"], "; ".join(s["name"] for s in r["schools"])]
                 for r in data["missing"]])
    if name == "waits":
        cols = ["spec_id", "name", "claim_p50_hours", "claim_p90_hours", "work_p50_hours", "work_p90_hours",
                "total_p50_hours", "waiting_now"]
        return cols, [[r[c] for c in cols] for r in data["waits"]]
    cols = ["month", "completed", "mean_hours"]
    return cols, [[r[c] for c in cols] for r in data["trend"]]


def _wait_text(wait: dict[str, Any]) -> str:
    """A message or timer a case waits on, as one cell of an export (ISO times, as the other columns)."""
    if wait["kind"] == "message":
        return f"{wait['kind']} {wait['message']}: {wait['name']} (since {wait['since']})"
    return f"{wait['kind']}: {wait['name']} (due {wait['due_at']})"


def _export(name: str, data: dict[str, Any], fmt: str) -> Response:
    if name not in LISTS:
        raise Invalid("unknown list", {"list": [f"choose from {', '.join(LISTS)}"]})
    columns, rows = _table(name, data)
    return exports.table_response(f"dashboard-{name}", name, columns, rows, fmt)


@pages.get("/dashboard")
@signed_in
def dashboard_page():
    actor, ctx = current_actor(), services()
    days = _days()
    data = {"open": overview.open_cases(ctx, actor), "overdue": overview.overdue_steps(ctx, actor),
            "stalled": overview.stalled_cases(ctx, actor, days), "workload": overview.workload(ctx, actor),
            "missing": overview.missing_submissions(ctx, actor)}
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(request.args.get("list", ""), data, fmt)
    return render_template("dashboard.html", data=data, days=days,
                           assignable=inbox_service.assignable_users(ctx, actor))


def _process_choices() -> list[dict[str, Any]]:
    return inbox_service.filter_choices(services())["processes"]


@pages.get("/dashboard/waits")
@signed_in
def dashboard_waits():
    actor, ctx = current_actor(), services()
    choices = _process_choices()
    key = request.args.get("process") or (choices[0]["key"] if choices else "")
    if choices and key not in {p["key"] for p in choices}:
        raise NotFound("no such process")
    data = {"waits": step_times.wait_times(ctx, actor, key) if key else [],
            "trend": step_times.monthly_trend(ctx, actor, key or None)}
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return _export(request.args.get("list", "waits"), data, fmt)
    process = next((p for p in choices if p["key"] == key), None)
    heat = {r["spec_id"]: {"p50": r["total_p50_hours"], "waiting": r["waiting_now"], "name": r["name"]}
            for r in data["waits"]}
    return render_template("dashboard_waits.html", data=data, choices=choices, process=process, key=key,
                           heat=heat, diagram=vendor.available())


@pages.post("/dashboard/reassign")
@signed_in
def dashboard_reassign():
    actor, ctx = current_actor(), services()
    username = request.form.get("username") or ""
    try:
        ids = task_ids(request.form.getlist("task_id"))
        if not ids:
            raise Invalid("choose steps", {"task_id": [_("Choose at least one step.")]})
        if not username:
            raise Invalid("choose a person", {"username": [_("Choose who takes the steps.")]})
        result = inbox_service.bulk(ctx, actor, "assign", ids, username)
    except Invalid as exc:
        flash_invalid(exc)
        return redirect(url_for("pages.dashboard_page") + "#overdue")
    done = len(result.done)
    refused = [failure for failure in result.failed if failure["code"] == Forbidden.code]
    for failure in result.failed:
        if failure["code"] != Forbidden.code:
            flash(_("Step %(id)s: %(message)s", id=failure["id"], message=failure["message"]), "error")
    if refused and not done:  # none of the steps is the actor's to give: the service's refusal, as a 403 page
        raise Forbidden(refused[0]["message"])
    if refused:
        flash(ngettext("%(num)d step is outside your groups and was not reassigned.",
                       "%(num)d steps are outside your groups and were not reassigned.", len(refused)), "error")
    if done:
        flash(ngettext("Assigned %(num)d step.", "Assigned %(num)d steps.", done), "success")
    return redirect(url_for("pages.dashboard_page") + "#overdue")


@pages.post("/dashboard/cases/<int:case_id>/status")
@signed_in
def dashboard_case_status(case_id: int):
    action = request.form.get("action", "")
    if action not in ("suspend", "resume", "cancel"):
        raise Invalid("unknown action", {"action": ["suspend, resume or cancel"]})
    try:
        lifecycle.change_status(services(), current_actor(), case_id, action, request.form.get("reason", ""))
    except Invalid as exc:
        flash_invalid(exc)
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash({"suspend": _("The case was suspended."), "resume": _("The case was resumed."),
               "cancel": _("The case was cancelled.")}[action], "success")
    return redirect(url_for("pages.dashboard_page") + "#stalled")


@pages.post("/dashboard/remind")
@signed_in
def dashboard_remind():
    case_id = request.form.get("case_id", "")
    if not case_id.isdigit() or len(case_id) > 12:
        raise Invalid("case_id must be a number", {"case_id": ["not a number"]})
    try:
        sent = overview.remind_missing(services(), current_actor(), int(case_id), request.form.get("spec_id", ""))
    except Invalid as exc:
        flash_invalid(exc)
    else:
        flash(ngettext("Reminded %(num)d school.", "Reminded %(num)d schools.", len(sent["schools"])), "success")
    return redirect(url_for("pages.dashboard_page") + "#missing")


@pages.post("/dashboard/resume")
@signed_in
def dashboard_resume():
    case_id = request.form.get("case_id", "").strip()
    if not case_id.isdigit() or len(case_id) > 12:
        flash(_("Give the case's id as a number."), "error")
        return redirect(url_for("pages.dashboard_page") + "#stalled")
    return dashboard_case_status(int(case_id))
