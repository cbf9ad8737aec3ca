"""Every route of PlanFlow (pages and API, from the application's url_map) × every kind of user, with
the status each must get. The table is by endpoint name: a new route without a row fails the suite.

The path parameters are real ids of a fixture case (a development_plan case with an open step of
plan_staff and an attachment). A request that may change something runs against a fresh fixture, so
one user's accepted request never decides another's answer.
"""
from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

from app.services.accounts import preferences, users
from app.services.calendar import office_calendar
from app.services.cases import attachments, lifecycle, saved_filters
from app.services.cases.inbox import InboxFilters
from app.services.kernel.errors import Conflict
from app.services.ops.demo import DEMO_PASSWORD
from app.services.scheduling import notifications
from app.store.models import User

from ..samples import fill
from .conftest import Page

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = "outsider"  # staff of another group (committee_secretary), never in this case
KINDS = ("anonymous", "group_staff", "outside_staff", "other_school", "other_supervisor", "process_owner",
         "auditor", "admin")
USER_OF = {"anonymous": None, "group_staff": "plan2", "outside_staff": "secretary", "other_school": "school1",
           "other_supervisor": "otherdirector", "process_owner": "processowner", "auditor": "auditor",
           "admin": "admin"}

# What each kind of user gets, in KINDS order. A string of one status per kind, or a dict for methods
# that differ. 2xx/3xx/4xx as the route answers: 302 on pages means "sent to sign in" for anonymous.
# status per kind:     anon  group outsid school osup  owner audit admin
EXPECTED: dict[str, tuple[int, ...]] = {
    # --- the JSON API (404: the case is not one the caller may know exists) ---
    "api.add_attachment":         (401, 201, 404, 404, 201, 404, 403, 201),
    "api.add_closure":            (401, 403, 403, 403, 403, 403, 403, 201),
    "api.assign_task":            (401, 403, 404, 404, 403, 404, 403, 200),
    "api.cancel_case":            (401, 403, 404, 404, 403, 404, 403, 200),
    "api.case_history":           (401, 200, 404, 404, 200, 404, 200, 200),
    "api.case_history_csv":       (401, 200, 404, 404, 200, 404, 200, 200),
    "api.change_my_settings":     (401, 200, 200, 200, 200, 200, 200, 200),
    "api.claim_task":             (401, 200, 404, 404, 403, 404, 403, 200),
    "api.complete_task":          (401, 200, 404, 404, 403, 404, 403, 200),
    "api.dashboard_missing":      (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_open_cases":   (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_overdue":      (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_stalled":      (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_trend":        (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_wait_times":   (401, 403, 403, 403, 200, 403, 200, 200),
    "api.dashboard_workload":     (401, 403, 403, 403, 200, 403, 200, 200),
    "api.deliver_message":        (401, 400, 404, 404, 400, 404, 403, 400),
    "api.deploy_version":         (401, 403, 403, 403, 403, 200, 403, 200),
    "api.download_attachment":    (401, 200, 404, 404, 200, 404, 200, 200),
    "api.get_case":               (401, 200, 404, 404, 200, 404, 200, 200),
    "api.get_task":               (401, 200, 404, 404, 200, 404, 200, 200),
    "api.list_attachments":       (401, 200, 404, 404, 200, 404, 200, 200),
    "api.list_cases":             (401, 200, 200, 200, 200, 200, 200, 200),
    "api.list_groups":            (401, 200, 200, 200, 200, 200, 200, 200),
    "api.list_holidays":          (401, 200, 200, 200, 200, 200, 200, 200),
    "api.list_notifications":     (401, 200, 200, 200, 200, 200, 200, 200),
    "api.list_processes":         (401, 200, 200, 200, 200, 200, 200, 200),
    "api.list_tasks":             (401, 200, 200, 200, 200, 200, 200, 200),
    "api.my_calendar":            (401, 200, 200, 200, 200, 200, 200, 200),
    "api.my_settings":            (401, 200, 200, 200, 200, 200, 200, 200),
    "api.my_tokens":              (401, 200, 200, 200, 200, 200, 200, 200),
    "api.new_token":              (401, 201, 201, 201, 201, 201, 201, 201),
    "api.read_all_notifications": (401, 200, 200, 200, 200, 200, 200, 200),
    "api.read_notification":      (401, 200, 404, 404, 404, 404, 404, 404),
    "api.remove_closure":         (401, 403, 403, 403, 403, 403, 403, 200),
    "api.replay_case":            (401, 200, 404, 404, 200, 404, 200, 200),
    "api.resume_case":            (401, 403, 404, 404, 403, 404, 403, 409),
    "api.revoke_my_token":        (401, 200, 404, 404, 404, 404, 404, 404),
    "api.revoke_user_token":      (401, 403, 403, 403, 403, 403, 403, 200),
    "api.scheduler_state":        (401, 403, 403, 403, 403, 403, 403, 200),
    "api.search_events":          (401, 200, 200, 200, 200, 200, 200, 200),
    "api.sign_ins":               (401, 403, 403, 403, 403, 403, 403, 200),
    "api.start_case":             (401, 201, 201, 403, 201, 403, 403, 201),
    "api.suspend_case":           (401, 403, 404, 404, 403, 404, 403, 200),
    "api.unclaim_task":           (401, 200, 404, 404, 403, 404, 403, 200),
    "api.user_tokens":            (401, 403, 403, 403, 403, 403, 403, 200),
    "api.verification_runs":      (401, 403, 403, 403, 200, 403, 200, 200),
    "api.verify_case":            (401, 200, 404, 404, 200, 404, 200, 200),
    "api.version_bpmn":           (401, 200, 200, 200, 200, 200, 200, 200),
    # --- the pages (anonymous: 302 to the sign-in page; 302 after a form: done, back to a page;
    # pages.login POST is a wrong password for everyone: 401) ---
    "pages.account_security":     (302, 200, 200, 200, 200, 200, 200, 200),
    "pages.add_attachment":       (302, 302, 404, 404, 302, 404, 403, 302),
    "pages.add_comment":          (302, 302, 404, 404, 302, 404, 403, 302),
    "pages.assign":               (302, 403, 404, 404, 403, 404, 403, 302),
    "pages.case":                 (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.change_password":      (302, 400, 400, 400, 400, 400, 400, 400),
    "pages.claim":                (302, 302, 404, 404, 403, 404, 403, 302),
    "pages.create_token":         (302, 201, 201, 201, 201, 201, 201, 201),
    "pages.delete_filter":        (302, 302, 404, 404, 404, 404, 403, 404),
    "pages.discard_draft":        (302, 404, 404, 404, 404, 404, 403, 404),
    "pages.download_attachment":  (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.inbox":                (302, 200, 200, 200, 200, 200, 200, 200),
    "pages.inbox_bulk":           (302, 302, 302, 302, 302, 302, 403, 302),
    "pages.index":                (200, 302, 302, 302, 302, 302, 302, 302),
    "pages.language":             (302, 302, 302, 302, 302, 302, 302, 302),
    "pages.login":                (200, 302, 302, 302, 302, 302, 302, 302),
    "pages.logout":               (302, 302, 302, 302, 302, 302, 302, 302),
    "pages.new_case":             (302, 200, 200, 200, 200, 200, 200, 200),
    "pages.revoke_token":         (302, 302, 404, 404, 404, 404, 404, 404),
    "pages.save_filter":          (302, 302, 302, 302, 302, 302, 403, 302),
    "pages.start_case":           (302, 302, 302, 403, 302, 403, 403, 302),
    "pages.step":                 (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.submit_step":          (302, 302, 404, 404, 403, 404, 403, 302),
    "pages.unclaim":              (302, 302, 404, 404, 403, 404, 403, 302),
    # --- open to everyone by design: health and readiness (no scheduler in tests: 503), metrics for the
    # scraper, static files, the calendar feed (its secret address is the credential), the OpenAPI document ---
    "bpmn_js":                    (200, 200, 200, 200, 200, 200, 200, 200),
    "calendar.feed":              (200, 200, 200, 200, 200, 200, 200, 200),
    "healthz":                    (200, 200, 200, 200, 200, 200, 200, 200),
    "metrics":                    (200, 200, 200, 200, 200, 200, 200, 200),
    "openapi":                    (200, 200, 200, 200, 200, 200, 200, 200),
    "readyz":                     (503, 503, 503, 503, 503, 503, 503, 503),
    "static":                     (200, 200, 200, 200, 200, 200, 200, 200),
    # --- added with the editor, audit, dashboard and document pages ---
    "api.check_diagram":            (401, 400, 400, 400, 400, 400, 403, 400),
    "api.delete_draft":             (401, 403, 403, 403, 403, 404, 403, 404),
    "api.deploy_draft":             (401, 403, 403, 403, 403, 404, 403, 404),
    "api.diff_versions":            (401, 400, 400, 400, 400, 400, 400, 400),
    "api.editor_options":           (401, 403, 403, 403, 403, 200, 403, 200),
    "api.import_camunda":           (401, 400, 400, 400, 400, 400, 403, 400),
    "api.import_spiff_arena":       (401, 400, 400, 400, 400, 400, 403, 400),
    "api.list_drafts":              (401, 403, 403, 403, 403, 200, 403, 200),
    "api.list_versions":            (401, 200, 200, 200, 200, 200, 200, 200),
    "api.load_draft":               (401, 403, 403, 403, 403, 404, 403, 404),
    "api.migrate_cases":            (401, 400, 400, 400, 400, 400, 403, 400),
    "api.save_draft":               (401, 400, 400, 400, 400, 400, 403, 400),
    "pages.audit_cases":            (302, 403, 403, 403, 200, 403, 200, 200),
    "pages.audit_events":           (302, 200, 200, 200, 200, 200, 200, 200),
    "pages.audit_runs":             (302, 403, 403, 403, 200, 403, 200, 200),
    "pages.case_document":          (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.case_document_pdf":      (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.case_history":           (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.case_history_csv":       (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.case_history_pdf":       (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.case_replay":            (302, 200, 404, 404, 200, 404, 200, 200),
    "pages.dashboard_case_status":  (302, 400, 400, 400, 400, 400, 403, 400),
    "pages.dashboard_page":         (302, 403, 403, 403, 200, 403, 200, 200),
    "pages.dashboard_reassign":     (302, 302, 302, 302, 302, 302, 403, 302),
    "pages.dashboard_remind":       (302, 400, 400, 400, 400, 400, 403, 400),
    "pages.dashboard_resume":       (302, 302, 302, 302, 302, 302, 403, 302),
    "pages.dashboard_waits":        (302, 403, 403, 403, 200, 403, 200, 200),
    "pages.edit_process":           (302, 403, 403, 403, 403, 200, 403, 200),
    "pages.process_list":           (302, 403, 403, 403, 403, 200, 403, 200),
    "pages.public_document":        (404, 404, 404, 404, 404, 404, 404, 404),
    "pages.public_document_pdf":    (404, 404, 404, 404, 404, 404, 404, 404),
    "pages.public_index":           (200, 200, 200, 200, 200, 200, 200, 200),
    "sarabun_css":                  (200, 200, 200, 200, 200, 200, 200, 200),
    "sarabun_font":                 (404, 404, 404, 404, 404, 404, 404, 404),
    # --- recording a message the case waits for from its page (the fixture's case waits for none: the page
    # says so and sends the person back to the case; the API's own rule decides who may) ---
    "pages.record_message":         (302, 302, 404, 404, 302, 404, 403, 302),
    # --- the versions pages: owners, administrators, auditors and supervisors read them (the record); moving
    # cases is for owners and administrators (an empty move is a 400 naming the missing cases) ---
    "pages.process_versions":       (302, 403, 403, 403, 200, 200, 200, 200),
    "pages.process_diff":           (302, 403, 403, 403, 400, 400, 400, 400),
    "pages.migrate_page":           (302, 403, 403, 403, 403, 200, 403, 200),
    "pages.migrate_cases":          (302, 403, 403, 403, 403, 400, 403, 400),
    # --- the form editor: owners and administrators (the fixture's key names no form yet: 404 to read it, a
    # new empty form on the page; a save or preview without a body is a 400) ---
    "api.read_form":                (401, 403, 403, 403, 403, 404, 403, 404),
    "api.save_form":                (401, 403, 403, 403, 403, 400, 403, 400),
    "pages.form_editor":            (302, 403, 403, 403, 403, 200, 403, 200),
    "pages.form_preview":           (302, 403, 403, 403, 403, 400, 403, 400),
    # --- per-school rounds: who sees a case sees its rounds; the plan staff and their director close one (the
    # fixture's round has not opened yet: 409 for them; a director of another group and auditors: 403) ---
    "api.case_rounds":              (401, 200, 404, 404, 200, 404, 200, 200),
    "api.close_round":              (401, 409, 404, 404, 403, 404, 403, 409),
    "pages.close_round":            (302, 302, 404, 404, 403, 404, 403, 302),
    # --- the registers of official letters: plan staff, the directors, supervisors, auditors and
    # administrators read them; staff of other groups, schools and process owners who are none of these do not ---
    "api.outgoing_register":        (401, 200, 403, 403, 200, 403, 200, 200),
    "api.incoming_register":        (401, 200, 403, 403, 200, 403, 200, 200),
    "pages.outgoing_register":      (302, 200, 403, 403, 200, 403, 200, 200),
    "pages.incoming_register":      (302, 200, 403, 403, 200, 403, 200, 200),
    # --- the budget transfer authority table: those who work on transfers, supervisors, auditors and process
    # owners read it; only process owners and administrators change it (an empty page form is a 400; the
    # fixture's row 1 is gone once the owner removed it through the API: 404 after that) ---
    "api.list_transfer_authority":   (401, 200, 403, 403, 200, 200, 200, 200),
    "api.add_transfer_authority":    (401, 403, 403, 403, 403, 201, 403, 201),
    "api.change_transfer_authority": (401, 403, 403, 403, 403, 200, 403, 200),
    "api.remove_transfer_authority": (401, 403, 403, 403, 403, 200, 403, 404),
    "pages.transfer_authority":      (302, 200, 403, 403, 200, 200, 200, 200),
    "pages.save_transfer_authority": (302, 403, 403, 403, 403, 400, 403, 400),
    "pages.delete_transfer_authority": (302, 403, 403, 403, 403, 404, 403, 404),
}
AUTHORITY_RULE = {"scope": "same_plan", "category_from": "operating", "category_to": "other", "max_amount": 200000,
                  "decided_by": "office", "citation": "คำสั่ง สพฐ. ที่ 1/2570"}
PRINT = os.environ.get("PLANFLOW_MATRIX_PRINT") == "1"  # print what was observed (to write new rows)


def _extra_people(ctx) -> None:
    users.create_user(ctx, "otherdirector", DEMO_PASSWORD, groups=["committee_secretary"],
                      supervises=["committee_secretary"])
    users.create_user(ctx, "processowner", DEMO_PASSWORD, roles=["process_owner"])


class World:
    """A development_plan case started by plan1 with an attachment, and one of each other object a
    route names: plan1's notification, saved filter, token, calendar address; an office closure."""

    def __init__(self, ctx, people):
        plan1 = people["plan1"]
        case = lifecycle.start_case(ctx, plan1, "development_plan", "แผนพัฒนา (ทดสอบสิทธิ์)")
        self.case_id = case["id"]
        self.task = case["open_tasks"][0]
        self.attachment_id = attachments.attach_file(ctx, plan1, self.case_id, "แผน.pdf", "application/pdf",
                                                     io.BytesIO(b"%PDF-1.4 plan"))["id"]
        with ctx.write() as session:
            user_id = session.query(User).filter_by(username="plan2").one().id
            row = notifications.add(session, user_id=user_id, kind="assigned", title="t", body="b", link=None,
                                    case_id=self.case_id, task_id=self.task["id"], job_key=None, now=ctx.now())
            session.flush()
            self.notification_id = row.id if row is not None else 1
        self.filter_id = saved_filters.save_filter(ctx, people["plan2"], "ของฉัน", InboxFilters())["id"]
        self.token_id = users.issue_token(ctx, "plan2", "script")["id"]
        self.calendar = preferences.calendar_feed(ctx, people["plan2"])["url"]
        try:
            office_calendar.add_closure(ctx, people["admin"], "2030-01-07", "ปิดทำการ")
        except Conflict:
            pass
        self.bpmn = (ROOT / "processes" / "development_plan.bpmn").read_bytes()

    def path(self, rule) -> str:
        values = {"case_id": self.case_id, "task_id": self.task["id"], "attachment_id": self.attachment_id,
                  "key": "development_plan", "version": 1, "notification_id": self.notification_id,
                  "filter_id": self.filter_id, "token_id": self.token_id, "username": "plan2",
                  "day": "2030-01-07", "name": "diagram-js.css", "filename": "planflow.css",
                  "slug": "2570-0001", "path": "Sarabun_400Regular.ttf", "spec_id": "school_strategic_plan",
                  "rule_id": 1}
        if rule.endpoint == "calendar.feed":
            return self.calendar
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(r"<(?:[^:<>]+:)?" + name + ">", str(values[name]), path)
        return path


def _form_body(ctx, world, people) -> dict:
    from app.services.cases import step_actions
    task = step_actions.get_task(ctx, people["plan2"], world.task["id"])
    return fill(task["form"], {}, attachment_id=str(world.attachment_id))


def _api_request(endpoint: str, world: World, ctx, people) -> dict:
    bodies = {
        "api.start_case": {"process_key": "development_plan", "title": "เรื่องใหม่"},
        "api.cancel_case": {"reason": "ทดสอบ"}, "api.suspend_case": {"reason": "ทดสอบ"},
        "api.resume_case": {"reason": "ทดสอบ"}, "api.deliver_message": {"name": "no_such_message"},
        "api.assign_task": {"username": "plan1"}, "api.add_closure": {"date": "2030-01-08", "name": "ปิด"},
        "api.change_my_settings": {"email_notifications": True}, "api.my_calendar": {},
        "api.new_token": {"name": "x"},
        "api.add_transfer_authority": AUTHORITY_RULE, "api.change_transfer_authority": AUTHORITY_RULE,
    }
    if endpoint == "api.add_closure":
        api_closures = getattr(world, "closures", 0) + 1
        world.closures = api_closures
        return {"json": {"date": f"2031-01-{api_closures + 1:02d}", "name": "ปิด"}}
    if endpoint == "api.complete_task":
        return {"json": {"data": _form_body(ctx, world, people)}}
    if endpoint == "api.deploy_version":
        return {"data": world.bpmn, "content_type": "application/xml"}
    if endpoint == "api.add_attachment":
        return {"data": {"file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")}, "content_type": "multipart/form-data"}
    if endpoint in bodies:
        return {"json": bodies[endpoint]}
    return {}


def _page_form(endpoint: str, world: World, ctx, people) -> dict:
    forms = {
        "pages.login": {"username": f"nobody-{world.case_id}", "password": "wrong"},
        "pages.language": {"lang": "en"},
        "pages.inbox_bulk": {"action": "claim", "task_ids": str(world.task["id"])},
        "pages.save_filter": {"name": "ตัวกรอง"},
        "pages.start_case": {"process_key": "development_plan", "title": "เรื่องใหม่"},
        "pages.add_comment": {"body": "ความเห็น"},
        "pages.assign": {"username": "plan1"},
        "pages.change_password": {"current_password": "x", "new_password": "y", "confirm_password": "z"},
        "pages.create_token": {"name": "x"},
    }
    if endpoint == "pages.add_attachment":
        return {"file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")}
    if endpoint == "pages.submit_step":
        return {"action": "complete", **{k: json.dumps(v) if isinstance(v, (dict, list)) else str(v)
                                          for k, v in _form_body(ctx, world, people).items()}}
    return forms.get(endpoint, {})


def _callers(app, api):
    pages = {}

    def page(username):
        if username not in pages:
            visitor = Page(app)
            if username is not None:
                visitor.login(username)
            else:
                visitor.get("/login")
            pages[username] = visitor
        return pages[username]
    return page


def _send(app, api, page_of, kind, rule, method, world, ctx, people):
    username = USER_OF[kind]
    path = world.path(rule)
    if rule.endpoint.startswith("api."):
        kwargs = _api_request(rule.endpoint, world, ctx, people) if method != "GET" else {}
        headers = api.headers(username)
        return api.client.open(path, method=method, headers=headers, **kwargs)
    visitor = page_of(username)
    if method == "GET":
        return visitor.client.get(path)
    data = _page_form(rule.endpoint, world, ctx, people)
    data.setdefault("csrf_token", visitor.token)
    return visitor.client.post(path, data=data)


def _rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_the_table_names_every_route_and_nothing_else(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, f"routes without a row in the permission table: {missing}"
    assert not sorted(set(EXPECTED) - endpoints), "rows for routes that no longer exist"
    assert all(len(row) == len(KINDS) for row in EXPECTED.values())


def test_every_route_answers_every_kind_of_user_as_the_table_says(app, api, ctx, people):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _extra_people(ctx)
    people = {**people, "otherdirector": users.actor_for_username(ctx, "otherdirector")}
    page_of = _callers(app, api)
    shared = World(ctx, people)
    observed, wrong = {}, []
    for rule, method in _rules(app):
        for index, kind in enumerate(KINDS):
            # A GET changes nothing: one shared fixture; anything else gets its own.
            world = shared if method == "GET" else World(ctx, people)
            # Signing in or out ends the visitor's session: those get a visitor of their own.
            ends_session = rule.endpoint in ("pages.logout", "pages.login") and method == "POST"
            callers = _callers(app, api) if ends_session else page_of
            answer = _send(app, api, callers, kind, rule, method, world, ctx, people)
            status = answer.status_code
            observed.setdefault(rule.endpoint, {})[(method, kind)] = status
            assert status < 500 or rule.endpoint == "readyz", (rule.endpoint, method, kind,
                                                               answer.get_data(as_text=True)[:300])
            expected = EXPECTED.get(rule.endpoint)
            if expected is None:
                continue
            want = expected[index]
            if rule.endpoint == "pages.login" and method == "POST":
                want = 401  # a wrong password, whoever asks
            if status != want:
                wrong.append(f"{rule.endpoint} {method} {kind}: {status}, expected {want}")
    if PRINT:
        for endpoint, answers in observed.items():
            for method in sorted({m for m, _k in answers}):
                row = ", ".join(str(answers[(method, k)]) for k in KINDS)
                print(f'    "{endpoint}" {method}: ({row}),')
    assert not wrong, "\n".join(wrong)
