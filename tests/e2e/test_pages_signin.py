"""Signing in and out of the pages: sessions, CSRF on every form, throttled guessing, Thai error pages."""
from __future__ import annotations

from sqlalchemy import func, select

from app.services.accounts import signin, users
from app.store.ui_models import LoginAttempt


def test_a_member_of_staff_signs_in_and_lands_on_their_inbox_in_thai(visitor):
    page = visitor()
    response = page.login("plan1")
    assert response.headers["Location"].endswith("/inbox")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    inbox = page.get("/inbox")
    assert inbox.status_code == 200
    assert "งานของฉัน" in page.text() and 'lang="th"' in page.text()
    assert "Content-Security-Policy" in inbox.headers
    assert "script-src 'self'" in inbox.headers["Content-Security-Policy"]


def test_a_wrong_password_is_refused_with_a_thai_message(visitor):
    page = visitor()
    page.get("/login")
    response = page.post("/login", {"username": "plan1", "password": "wrong-password"})
    assert response.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in page.text()
    assert page.get("/inbox").status_code == 302, "still not signed in"


def test_pages_send_visitors_who_are_not_signed_in_to_the_sign_in_page_and_back(visitor):
    page = visitor()
    response = page.get("/inbox?due=overdue")
    assert response.status_code == 302 and "/login?next=/inbox?due%3Doverdue" in response.headers["Location"]
    page.get(response.headers["Location"])
    assert page.post("/login", {"username": "plan1", "password": "planflow-demo",
                                "next": "/inbox?due=overdue"}).headers["Location"] == "/inbox?due=overdue"


def test_sign_in_never_sends_the_browser_to_another_site(visitor):
    page = visitor()
    page.get("/login")
    response = page.post("/login", {"username": "plan1", "password": "planflow-demo",
                                    "next": "//evil.example/phish"})
    assert response.headers["Location"] == "/inbox"


def test_a_form_sent_without_its_csrf_token_is_refused(visitor, as_user):
    page = visitor()
    response = page.post("/login", {"username": "plan1", "password": "planflow-demo"}, token=False)
    assert response.status_code == 400 and "แบบฟอร์มหมดอายุ" in page.text()
    plan1 = as_user("plan1")
    response = plan1.post("/cases/new", {"process_key": "budget_transfer", "title": "x", "csrf_token": "forged"})
    assert response.status_code == 400
    assert plan1.post("/logout", token=False).status_code == 400
    assert plan1.get("/inbox").status_code == 200, "a refused sign-out leaves the session alone"


def test_the_json_api_takes_bearer_tokens_without_csrf(app, ctx):
    token = users.create_token(ctx, "plan1")
    client = app.test_client()
    response = client.post("/api/v1/cases", json={"process_key": "budget_transfer", "title": "โอนงบ"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201


def test_signing_out_ends_the_session(as_user):
    plan1 = as_user("plan1")
    assert plan1.post("/logout").status_code == 302
    assert plan1.get("/inbox").status_code == 302


def test_five_wrong_passwords_lock_the_username_for_a_while_even_from_other_addresses(visitor, ctx, clock):
    attacker = visitor("192.0.2.10")
    attacker.get("/login")
    for _ in range(signin.MAX_FAILURES_PER_USERNAME):
        assert attacker.post("/login", {"username": "plan2", "password": "guess"}).status_code == 401
    elsewhere = visitor("192.0.2.99")
    elsewhere.get("/login")
    response = elsewhere.post("/login", {"username": "plan2", "password": "planflow-demo"})
    assert response.status_code == 429 and "กรุณารอ 15 นาที" in elsewhere.text()
    with ctx.read() as session:  # kept in the database, so every web process sees it
        assert session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.username == "plan2")) == signin.MAX_FAILURES_PER_USERNAME
    clock.advance(minutes=16)
    assert elsewhere.post("/login", {"username": "plan2", "password": "planflow-demo"}).status_code == 302


def test_one_address_guessing_many_usernames_is_throttled(visitor):
    attacker = visitor("198.51.100.7")
    attacker.get("/login")
    for number in range(signin.MAX_FAILURES_PER_ADDRESS):
        attacker.post("/login", {"username": f"nobody{number}", "password": "guess"})
    assert attacker.post("/login", {"username": "plan1", "password": "planflow-demo"}).status_code == 429
    assert visitor("198.51.100.8").login("plan1").status_code == 302, "other addresses are not affected"


def test_english_is_chosen_per_user_and_kept_on_their_account(as_user, ctx):
    plan1 = as_user("plan1")
    assert plan1.post("/language", {"lang": "en", "next": "/inbox"}).headers["Location"] == "/inbox"
    assert "My work" in plan1.text(plan1.get("/inbox")) and 'lang="en"' in plan1.text()
    assert users.actor_for_username(ctx, "plan1").language == "en"
    assert "งานของฉัน" in as_user("plan2").text(as_user("plan2").get("/inbox")), "others keep Thai"


def test_unknown_pages_get_the_thai_404_page(as_user):
    plan1 = as_user("plan1")
    response = plan1.get("/no-such-page")
    assert response.status_code == 404 and "ไม่พบหน้าที่ต้องการ" in plan1.text()
