"""Issue 8: auditors replay and verify every case — the history, replay, verify, events, runs pages,
CSV and PDF exports, and an auditor who can read everything and change nothing."""
from __future__ import annotations

import csv
import html as htmllib
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.services.audit import inspection, verification
from app.services.ops import ticks
from app.store.models import Event
from app.web import SESSION_ENDPOINTS

from ..stories import start


def _attr(html: str, name: str):
    found = re.search(rf'{name}="([^"]*)"', html)
    return json.loads(htmllib.unescape(found.group(1)))


@pytest.fixture
def transfer(ctx, people):
    case = start(ctx, people, "budget_transfer", title="โอนงบตรวจสอบ")
    case.complete("request", "plan1", category_from="operating", category_to="other", amount=50000)
    case.complete("analysis", "plan2")
    case.complete("group_review", "director", review_decision="support")
    return case


def _secret_letter(ctx, people):
    letter = start(ctx, people, "correspondence", title="หนังสือลับ เรื่องการสอบสวนวินัย")
    letter.complete("register", "plan1", urgency="normal", secrecy="secret")
    return letter


def test_the_history_page_shows_every_event_with_its_changes_field_by_field(as_user, transfer):
    page = as_user("auditor")
    html = page.text(page.get(f"/cases/{transfer.id}/history"))
    assert page.last.status_code == 200
    assert html.count('class="event event-') >= 3
    assert "เริ่มเรื่อง" in html or "case_started" in html
    assert "plan1" in html and "plan2" in html
    assert "2569" in html, "Buddhist-Era dates"
    # the request step's change: amount from nothing to 50000
    assert re.search(r"<td>amount</td><td class=\"before\">–</td><td class=\"after\">50000</td>", html)
    assert 'id="final-digest"' in html
    assert 'method="post" action="/cases/' not in html, "no action for an auditor"


def test_the_events_page_filters_by_user_date_process_and_kind(as_user, transfer, ctx, people, clock):
    other = start(ctx, people, "development_plan", title="แผนพัฒนา")
    other.complete("review_mission", "plan1")
    page = as_user("auditor")
    html = page.text(page.get("/audit/events?user=plan2"))
    rows = re.findall(r'class="event-row" data-case="([^"]+)" data-kind="([^"]+)"', html)
    assert rows and all(k == "task_completed" for _, k in rows)
    assert {c for c, _ in rows} == {transfer.case["number"]}
    html = page.text(page.get("/audit/events?process=development_plan"))
    rows = re.findall(r'class="event-row" data-case="([^"]+)" data-kind="([^"]+)"', html)
    assert rows and {c for c, _ in rows} == {other.case["number"]}
    html = page.text(page.get("/audit/events?kind=case_started"))
    rows = re.findall(r'class="event-row" data-case="([^"]+)" data-kind="([^"]+)"', html)
    assert len(rows) == 2 and {k for _, k in rows} == {"case_started"}
    today = clock().date()
    html = page.text(page.get(f"/audit/events?from={(today + timedelta(days=2)).isoformat()}"))
    assert "event-row" not in html
    html = page.text(page.get(f"/audit/events?from={(today - timedelta(days=1)).isoformat()}"
                              f"&to={(today + timedelta(days=1)).isoformat()}"))
    assert html.count("event-row") >= 5


def _seq_of(ctx, people, case_id, spec_id):
    steps = inspection.replay_case(ctx, people["auditor"], case_id)["steps"]
    return next(s["seq"] for s in steps if s["kind"] == "task_completed" and s["task_spec_id"] == spec_id)


def test_replay_at_a_chosen_event_shows_that_moments_data_and_path(as_user, transfer, ctx, people):
    page = as_user("auditor")
    html = page.text(page.get(f"/cases/{transfer.id}/replay?at=1"))
    assert page.last.status_code == 200
    assert _attr(html, "data-current") == ["matter"], "at the start: the first step, what the case is"
    assert 'data-field="amount"' not in html
    request_seq = _seq_of(ctx, people, transfer.id, "request")
    html = page.text(page.get(f"/cases/{transfer.id}/replay?at={request_seq}"))
    assert "request" in _attr(html, "data-done") and _attr(html, "data-current") == ["analysis"]
    assert re.search(r'data-field="amount">50000<', html)
    assert 'id="replay-prev"' in html and 'id="replay-next"' in html
    paths = _attr(html, "data-paths")
    assert len(paths) >= 3 and paths[0]["active"] == ["matter"] and paths[1]["active"] == ["request"]
    assert "<script>" not in html and "replay.js" in html


def test_verify_shows_the_verdict_and_names_the_first_tampered_event(as_user, transfer, ctx, people):
    page = as_user("auditor")
    case_page = as_user("director")
    assert 'id="verify-button"' in case_page.text(case_page.get(f"/cases/{transfer.id}"))
    html = page.text(page.get(f"/cases/{transfer.id}/history?verify=1"))
    assert "verdict-ok" in html and 'id="first-bad-seq"' not in html
    seq = _seq_of(ctx, people, transfer.id, "request")
    with ctx.write() as session:
        session.execute(update(Event).where(Event.case_id == transfer.id, Event.seq == seq)
                        .values(data={"amount": 999999}))
    html = page.text(page.get(f"/cases/{transfer.id}/history?verify=1"))
    assert "verdict-bad" in html
    assert re.search(rf'id="first-bad-seq">{seq}<', html)
    api = page.get(f"/api/v1/cases/{transfer.id}/verify")
    assert api.status_code == 200 and api.get_json()["chain_ok"] is False and api.get_json()["first_bad_seq"] == seq


def test_history_downloads_as_csv_and_as_a_pdf_with_the_final_digest(as_user, transfer):
    pypdf = pytest.importorskip("pypdf")
    page = as_user("auditor")
    answer = page.get(f"/cases/{transfer.id}/history.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "seq" and rows[-1][0] == "final_digest"
    digest = rows[-1][1]
    answer = page.get(f"/cases/{transfer.id}/history.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(answer.data)).pages)
    squeezed = re.sub(r"\s+", "", text)
    assert digest in squeezed, "the chain's final digest is printed"
    assert "ประวัติ" in squeezed and transfer.case["number"] in squeezed


def test_an_uncleared_auditor_sees_a_secret_case_as_metadata_only(as_user, ctx, people):
    letter = _secret_letter(ctx, people)
    number = letter.refresh()["number"]
    page = as_user("auditor")
    html = page.text(page.get(f"/cases/{letter.id}/history"))
    assert page.last.status_code == 200 and number in html
    assert "การสอบสวนวินัย" not in html and "register_number" not in html and "plan1" not in html
    html = page.text(page.get(f"/cases/{letter.id}/replay?at=2"))
    assert "การสอบสวนวินัย" not in html and 'data-field=' not in html
    csv_text = page.text(page.get(f"/cases/{letter.id}/history.csv"))
    assert "register_number" not in csv_text and "plan1" not in csv_text and "final_digest" in csv_text
    html = page.text(page.get("/audit/events?process=correspondence"))
    assert number in html and "(ลับ)" in html
    html = page.text(page.get("/audit/cases"))
    assert f'data-case="{number}"' in html and "หนังสือลับ: ไม่แสดงเนื้อหา" in html
    assert "การสอบสวนวินัย" not in html
    assert page.get(f"/cases/{letter.id}/attachments/1").status_code == 404
    assert page.get(f"/api/v1/cases/{letter.id}").status_code == 404
    cleared = as_user("auditor2")
    html = cleared.text(cleared.get(f"/cases/{letter.id}/history"))
    assert "การสอบสวนวินัย" in html and "register_number" in html
    assert "การสอบสวนวินัย" in cleared.text(cleared.get("/audit/cases"))


def test_an_auditor_reaches_no_write_route_on_a_case(app, as_user, transfer, ctx, people):
    letter = _secret_letter(ctx, people)
    page = as_user("auditor")
    task = transfer.task_of("director_approval")
    values = {"case_id": transfer.id, "task_id": task["id"], "attachment_id": 1, "filter_id": 1, "id": transfer.id,
              "key": "budget_transfer", "version": 1, "name": "x", "username": "plan1", "job_id": 1}
    session_routes = SESSION_ENDPOINTS  # signing in and out, language, one's own password and tokens
    tried = 0
    for rule in app.url_map.iter_rules():
        if not (rule.methods & {"POST", "PUT", "PATCH", "DELETE"}) or rule.endpoint in session_routes:
            continue
        args = {a: values.get(a, 1) for a in rule.arguments}
        path = rule.build(args, append_unknown=False)[1] if hasattr(rule, "build") else None
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            answer = page.client.open(path, method=method, data={"csrf_token": page.token})
            assert answer.status_code in (403, 404, 405), (method, path, answer.status_code)
            api = page.client.open(path, method=method, json={})
            assert not 200 <= api.status_code < 300, (method, path, api.status_code)
            tried += 1
    assert tried >= 15
    assert transfer.open_steps() == ["director_approval"], "nothing changed"
    html = page.text(page.get(f"/cases/{transfer.id}"))
    assert 'method="post" action="/cases/' not in html
    html = page.text(page.get(f"/tasks/{task['id']}"))
    assert "/claim" not in html and 'id="step-form"' not in html
    html = page.text(page.get("/inbox?scope=all"))
    assert 'action="/inbox/filters"' not in html and 'value="claim"' not in html
    assert letter.id


def test_a_nightly_run_is_recorded_once_with_two_schedulers_and_shown_to_supervisors(as_user, ctx, clock, transfer):
    clock.set(clock().replace(hour=17, minute=0))  # after 01:00 Bangkok on the next day (UTC 17:00 = 00:00 +07)
    clock.advance(hours=1, minutes=5)
    ticks.run_tick(ctx, "one:1")
    ticks.run_tick(ctx, "two:2")
    ticks.run_tick(ctx, "one:1")
    runs = verification.latest_runs(ctx, _supervisor(ctx))
    assert len(runs) == 1 and runs[0]["cases"] >= 1 and runs[0]["failed"] == 0
    clock.advance(days=1)
    ticks.run_tick(ctx, "two:2")
    ticks.run_tick(ctx, "one:1")
    assert len(verification.latest_runs(ctx, _supervisor(ctx))) == 2
    page = as_user("director")
    html = page.text(page.get("/audit/runs"))
    assert html.count("run-row") == 2
    assert "/audit/runs" in page.text(page.get("/inbox"))
    plan = as_user("plan1")
    assert plan.get("/audit/runs").status_code == 403


def _supervisor(ctx):
    from app.services.accounts import users

    return users.actor_for_username(ctx, "director")
