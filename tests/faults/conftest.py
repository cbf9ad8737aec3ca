"""Fixtures of the fault tests: the test's database seen through the real clock, as gunicorn sees it."""
from __future__ import annotations

import pytest

from app.services.kernel.context import ServiceContext
from app.store import db

from ..conftest import ROOT


@pytest.fixture
def live_ctx(database_url, tmp_path) -> ServiceContext:
    """The test's database with the system clock (the server it shares it with has no fake one)."""
    context = ServiceContext(db=db.connect(database_url), attachments_dir=tmp_path / "attachments",
                             forms_dir=ROOT / "forms", processes_dir=ROOT / "processes")
    yield context
    context.db.dispose()
