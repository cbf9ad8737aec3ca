"""The Flask application over the test's own database, and people who talk to it with API tokens.

Everything here goes through HTTP: a test never calls a use case except to mint a token or to run
the scheduler's timer job (which has no route), so the tests read as the manual's stories told by
someone at a browser or a script.
"""
from __future__ import annotations

import io
import re
from typing import Any

import pytest

from app.config import Settings
from app.services.accounts import users
from app.services.ops.demo import DEMO_PASSWORD
from app.web import create_app

from ..samples import fill
from ..stories import BEGUN_AS

PREFIX = "/api/v1"


@pytest.fixture
def app(ctx, tmp_path):
    settings = Settings(database_url=ctx.db.url, secret_key="test", attachments_dir=ctx.attachments_dir,
                        forms_dir=ctx.forms_dir, processes_dir=ctx.processes_dir,
                        instance_dir=tmp_path / "instance", testing=True)
    return create_app(settings, context=ctx)


@pytest.fixture
def client(app):
    return app.test_client()


def bearer(ctx, username: str) -> dict[str, str]:
    """The Authorization header of a new API token for the user."""
    return {"Authorization": f"Bearer {users.create_token(ctx, username)}"}


class Api:
    """The API as one user sees it: `api.as_("plan1").post("/cases", json=...)`."""

    def __init__(self, client, ctx):
        self.client, self.ctx = client, ctx
        self._headers: dict[str, dict[str, str]] = {}

    def headers(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self._headers:
            self._headers[username] = bearer(self.ctx, username)
        return self._headers[username]

    def as_(self, username: str | None) -> _Caller:
        return _Caller(self, username)

    # Reads as someone who sees every case, for checking what a request did or did not change.
    def case(self, case_id: int) -> dict[str, Any]:
        answer = self.as_("admin").get(f"/cases/{case_id}")
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def history(self, case_id: int) -> list[dict[str, Any]]:
        answer = self.as_("admin").get(f"/cases/{case_id}/history")
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def snapshot(self, case_id: int) -> tuple[dict[str, Any], int]:
        """What a refused request must leave as it was: the case (with its steps) and its history's length."""
        return self.case(case_id), len(self.history(case_id))


class _Caller:
    def __init__(self, api: Api, username: str | None):
        self.api, self.username = api, username

    def _call(self, method: str, path: str, **kwargs):
        headers = {**self.api.headers(self.username), **kwargs.pop("headers", {})}
        return self.api.client.open(PREFIX + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self._call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self._call("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self._call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self._call("DELETE", path, **kwargs)


@pytest.fixture
def api(client, ctx) -> Api:
    return Api(client, ctx)


def assert_error(answer, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is docs/api.md's error body with this status; returns the `error` object."""
    assert answer.status_code == status, (answer.status_code, answer.get_data(as_text=True)[:500])
    body = answer.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"]
    assert isinstance(error.get("message"), str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    if "fields" in error:
        assert isinstance(error["fields"], dict) and all(isinstance(v, list) for v in error["fields"].values())
    return error


class HttpCase:
    """A case moved along over HTTP, each step completed by the person named, with a filled-in form."""

    def __init__(self, api: Api, case: dict[str, Any]):
        self.api, self.case = api, case
        self._attachment: int | None = None

    @property
    def id(self) -> int:
        return self.case["id"]

    def refresh(self) -> dict[str, Any]:
        self.case = self.api.case(self.id)
        return self.case

    def open_steps(self) -> list[str]:
        return sorted(t["spec_id"] for t in self.refresh()["open_tasks"])

    def task_of(self, spec_id: str) -> dict[str, Any]:
        found = [t for t in self.refresh()["open_tasks"] if t["spec_id"] == spec_id]
        assert found, f"no open step {spec_id}; open: {self.open_steps()}"
        return found[0]

    def upload(self, who: str = "plan1", name: str = "เอกสาร.pdf", content: bytes = b"%PDF-1.4 plan") -> dict:
        answer = self.api.as_(who).post(f"/cases/{self.id}/attachments",
                                        data={"file": (io.BytesIO(content), name)},
                                        content_type="multipart/form-data")
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def attachment(self) -> int:
        """A file of the case, by its id exactly as the upload answered it (a number), as a client sends it."""
        if self._attachment is None:
            self._attachment = self.upload()["id"]
        return self._attachment

    def form_data(self, task_id: int, who: str, **overrides) -> dict[str, Any]:
        answer = self.api.as_(who).get(f"/tasks/{task_id}")
        assert answer.status_code == 200, answer.get_json()
        return fill(answer.get_json()["form"], overrides, attachment_id=self.attachment())

    def complete_task(self, task_id: int, who: str, **overrides) -> dict[str, Any]:
        data = self.form_data(task_id, who, **overrides)
        answer = self.api.as_(who).post(f"/tasks/{task_id}/complete", json={"data": data})
        assert answer.status_code == 200, answer.get_json()
        self.case = answer.get_json()
        return self.case

    def complete(self, spec_id: str, who: str, **overrides) -> dict[str, Any]:
        return self.complete_task(self.task_of(spec_id)["id"], who, **overrides)

    def send_letter(self, signer: str = "office", **draft) -> dict[str, Any]:
        """An official letter through its four steps over HTTP, as stories.CaseDriver.send_letter does."""
        task = self.task_of("letter_draft")
        detail = self.api.as_("plan1").get(f"/tasks/{task['id']}").get_json()
        given = {name: detail["case_data"][name] for name in detail["form"]["properties"]
                 if detail["case_data"].get(name) not in (None, "")}
        self.complete_task(task["id"], "plan1", **{**given, **draft})
        self.complete("letter_check", "director", letter_check_decision="initial")
        signed_as = {"letter_signed_as": "on_behalf", "letter_signed_for": "ผู้อำนวยการ สพป.ขอนแก่น เขต 1"} \
            if signer != "office" else {"letter_signed_as": "director"}
        self.complete("letter_sign", signer, letter_sign_decision="sign", **signed_as)
        return self.complete("letter_dispatch", "plan1", letter_dispatched_on="2026-12-04")


@pytest.fixture
def start(api):
    """start(process_key, who="plan1", title=...) → an HttpCase begun through POST /cases."""
    def _start(process_key: str, who: str = "plan1", title: str = "เรื่องทดสอบ", data=None,
               begun: bool = True) -> HttpCase:
        body = {"process_key": process_key, "title": title}
        if data is not None:
            body["data"] = data
        answer = api.as_(who).post("/cases", json=body)
        assert answer.status_code == 201, answer.get_json()
        case = HttpCase(api, answer.get_json())
        spec_id, answers = BEGUN_AS.get(process_key, (None, {}))
        task = next((t for t in case.refresh()["open_tasks"] if t["spec_id"] == spec_id), None)
        if begun and task is not None:  # as stories.start does: a choice of kind, no file goes with it
            form = api.as_(who).get(f"/tasks/{task['id']}").get_json()["form"]
            done = api.as_(who).post(f"/tasks/{task['id']}/complete", json={"data": fill(form, answers)})
            assert done.status_code == 200, done.get_json()
            case.case = done.get_json()
        return case
    return _start


# --- The pages: a browser-like visitor that signs in and sends each form's CSRF token. ---

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Page:
    """A signed-in (or not) visitor: remembers the last CSRF token it was given, like a browser tab."""

    def __init__(self, app, address: str = "127.0.0.1"):
        self.client = app.test_client()
        self.address = address
        self.token: str | None = None
        self.last = None

    def get(self, path: str, **kwargs):
        response = self.client.get(path, environ_base={"REMOTE_ADDR": self.address}, **kwargs)
        self._remember(response)
        return response

    def post(self, path: str, data=None, token: bool = True, **kwargs):
        data = dict(data or {})
        if token:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        response = self.client.post(path, data=data, environ_base={"REMOTE_ADDR": self.address}, **kwargs)
        self._remember(response)
        return response

    def _remember(self, response) -> None:
        self.last = response
        found = _TOKEN.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if found:
            self.token = found.group(1)

    def login(self, username: str, password: str = DEMO_PASSWORD):
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.get(response.headers["Location"])  # as a browser would: the new session's page and token
        return response

    def text(self, response=None) -> str:
        return (response or self.last).get_data(as_text=True)


@pytest.fixture
def visitor(app):
    """Make a new visitor: visitor() or visitor(address="10.0.0.9")."""
    return lambda address="127.0.0.1": Page(app, address)


@pytest.fixture
def as_user(app):
    """A visitor already signed in as the named demo user."""
    def make(username: str) -> Page:
        page = Page(app)
        page.login(username)
        return page
    return make
