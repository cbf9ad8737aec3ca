"""Fixtures shared by every layer of tests: a fake clock, a fresh database on each backend, the demo.

Every integration test runs twice, on SQLite and on PostgreSQL (PLANFLOW_TEST_PG_URL, falling back to
the local server). Each test gets its own database copied from a template that already holds the
schema, the office's processes and the demo users, so tests never see each other's cases.
"""
from __future__ import annotations

import os
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.services import startup
from app.services.accounts import users
from app.services.kernel.actors import Actor
from app.services.kernel.context import ServiceContext
from app.services.ops import demo
from app.store import db, schema

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Thursday 3 December 2026, 09:00 Bangkok: fiscal year 2570, a working day.
START = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

# Hashing with the production cost would make every demo user cost ~50 ms.
users.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
# What every entry point installs before its first use case (the dashboard's flush hook, the job handlers).
startup.install()


class FakeClock:
    """The time every service call sees; tests move it forward, nothing sleeps."""

    def __init__(self, start: datetime = START):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


def pg_url() -> str:
    url = os.environ.get("PLANFLOW_TEST_PG_URL", DEFAULT_PG_URL)
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


def _admin_engine():
    return create_engine(make_url(pg_url()), isolation_level="AUTOCOMMIT")


def _context(url: str, tmp: Path, clock: FakeClock) -> ServiceContext:
    return ServiceContext(db=db.connect(url), attachments_dir=tmp / "attachments", forms_dir=ROOT / "forms",
                          processes_dir=ROOT / "processes", clock=clock)


def _fill_template(url: str, tmp: Path) -> None:
    ctx = _context(url, tmp, FakeClock())
    schema.upgrade(ctx.db.writer.kw["bind"])
    demo.create_demo(ctx)
    ctx.db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    _fill_template(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def pg_template(tmp_path_factory):
    name = f"planflow_tmpl_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means no server to test against
        if os.environ.get("PLANFLOW_REQUIRE_PG"):
            raise
        pytest.skip(f"PostgreSQL is not reachable: {exc}")
    url = make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    _fill_template(url, tmp_path_factory.mktemp("pgtemplate"))
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def database_url(request, backend, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "planflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"planflow_t_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(pg_url()).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def own_forms(ctx, tmp_path):
    """A copy of the forms folder, so a test that saves forms never touches the repository's."""
    folder = tmp_path / "forms"
    shutil.copytree(ctx.forms_dir, folder)
    ctx.forms_dir = folder
    return folder


@pytest.fixture
def ctx(database_url, tmp_path, clock) -> ServiceContext:
    context = _context(database_url, tmp_path, clock)
    yield context
    context.db.dispose()


@pytest.fixture
def people(ctx) -> dict[str, Actor]:
    """The demo's users as actors, by username."""
    names = [u[0] for u in demo.DEMO_USERS] + [f"school{i}" for i in range(1, 6)]
    return {name: users.actor_for_username(ctx, name) for name in names}
