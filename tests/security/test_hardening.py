"""Web hardening: headers, cookies and sessions, password rules, API tokens, the sign-in record and
what may be attached."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.services.accounts import users
from app.services.kernel.errors import Invalid
from app.web import SESSION_IDLE

from ..e2e.conftest import assert_error


def test_pages_and_api_answers_carry_the_security_headers(client, as_user, api):
    for answer in (client.get("/login"), as_user("plan1").get("/inbox"), api.as_("plan1").get("/cases")):
        headers = answer.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    page_policy = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in page_policy and "unsafe-inline" not in page_policy
    assert "Strict-Transport-Security" not in client.get("/login").headers  # plain HTTP in tests
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://planflow.test").headers


def test_the_session_ends_after_eight_idle_hours_and_its_cookie_is_httponly(app, visitor):
    assert app.permanent_session_lifetime == SESSION_IDLE == timedelta(hours=8)
    page = visitor()
    response = page.login("plan1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_the_session_cookie_is_secure_behind_https(monkeypatch, ctx, tmp_path):
    from app.config import Settings
    from app.web import create_app
    monkeypatch.setenv("PLANFLOW_HTTPS", "1")
    settings = Settings(database_url=ctx.db.url, secret_key="test", attachments_dir=ctx.attachments_dir,
                        forms_dir=ctx.forms_dir, processes_dir=ctx.processes_dir, instance_dir=tmp_path, testing=True)
    app = create_app(settings, context=ctx)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert "Strict-Transport-Security" in app.test_client().get("/login").headers


@pytest.mark.parametrize("password, why", [("short-pw", "10 characters"), ("newperson1", "username"),
                                           ("Password123", "common"), ("qwertyuiop", "common")])
def test_weak_new_passwords_are_refused(ctx, password, why):
    with pytest.raises(Invalid) as refused:
        users.create_user(ctx, "newperson1", password)
    assert why in refused.value.message


def test_a_user_changes_their_password_on_the_settings_page(as_user, visitor):
    page = as_user("plan1")
    page.get("/settings/security")
    weak = page.post("/settings/password", {"current_password": "planflow-demo", "new_password": "plan1",
                                            "confirm_password": "plan1"})
    assert weak.status_code == 400
    wrong = page.post("/settings/password", {"current_password": "nope-nope-nope",
                                             "new_password": "ต้นไม้สีเขียว-2570", "confirm_password": "ต้นไม้สีเขียว-2570"})
    assert wrong.status_code == 400
    done = page.post("/settings/password", {"current_password": "planflow-demo",
                                            "new_password": "ต้นไม้สีเขียว-2570", "confirm_password": "ต้นไม้สีเขียว-2570"})
    assert done.status_code == 302
    visitor().login("plan1", "ต้นไม้สีเขียว-2570")


def test_tokens_are_listed_shown_once_and_revoked_by_their_owner_and_administrators(api, client):
    made = api.as_("plan1").post("/me/tokens", json={"name": "สคริปต์รายงาน"})
    assert made.status_code == 201
    token = made.get_json()["token"]
    mine = api.as_("plan1").get("/me/tokens").get_json()
    assert any(t["id"] == made.get_json()["id"] and t["name"] == "สคริปต์รายงาน" for t in mine)
    assert all("token" not in t for t in mine)
    header = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=header).status_code == 200
    assert api.as_("plan2").open_delete(f"/me/tokens/{made.get_json()['id']}").status_code == 404
    assert api.as_("admin").get("/users/plan1/tokens").status_code == 200
    assert api.as_("plan2").get("/users/plan1/tokens").status_code == 403
    revoked = api.as_("admin").open_delete(f"/users/plan1/tokens/{made.get_json()['id']}")
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert_error(client.get("/api/v1/cases", headers=header), 401)


def test_sign_ins_and_failures_are_recorded_for_administrators(visitor, api):
    visitor().post("/login", {"username": "plan2", "password": "wrong-guess"})
    visitor().login("plan2")
    record = api.as_("admin").get("/sign-ins?username=plan2").get_json()
    assert [r["succeeded"] for r in record[:2]] == [True, False]
    assert api.as_("plan1").get("/sign-ins").status_code == 403


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "run.sh", "noextension", "virus.exe"])
def test_only_documents_images_and_archives_may_be_attached(api, start, name):
    case = start("development_plan")
    answer = api.as_("plan1").post(f"/cases/{case.id}/attachments", data={"file": (io.BytesIO(b"<x>"), name)},
                                   content_type="multipart/form-data")
    assert_error(answer, 400)


def test_a_pdf_sent_as_html_is_refused(api, start):
    case = start("development_plan")
    answer = api.as_("plan1").post(
        f"/cases/{case.id}/attachments", content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"<script>"), "a.pdf", "text/html")})
    assert_error(answer, 400)


def test_the_session_cookie_is_secure_when_the_request_came_over_https(app):
    client = app.test_client()
    login = client.get("/login", base_url="https://planflow.test")
    token = login.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    answer = client.post("/login", base_url="https://planflow.test", headers={"Referer": "https://planflow.test/login"},
                         data={"username": "plan1", "password": "planflow-demo", "csrf_token": token})
    assert answer.status_code == 302
    assert "Secure" in answer.headers["Set-Cookie"]
