"""Fixtures for the pages: the application over the test database, and a browser-like client that
signs in and sends each form's CSRF token the way a page would."""
from __future__ import annotations

import re

import pytest

from app.config import Settings
from app.services.demo import DEMO_PASSWORD
from app.web import create_app

from ..conftest import ROOT

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(ctx, tmp_path):
    settings = Settings(database_url=ctx.db.url, secret_key="test-secret", attachments_dir=ctx.attachments_dir,
                        forms_dir=ROOT / "forms", processes_dir=ROOT / "processes", instance_dir=tmp_path,
                        testing=True)
    return create_app(settings, context=ctx)


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
