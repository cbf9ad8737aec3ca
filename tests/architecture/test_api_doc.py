"""The API contract in docs/api.md names every route the application serves outside its pages, and no route
it does not serve: integrations read the page, so a route missing from it, or one it promises that is gone,
breaks someone's script."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.config import Settings
from app.services.kernel.context import ServiceContext
from app.store import db
from app.web import create_app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "api.md"
# Routes served from files rather than answered: the pages' static files and the vendored scripts and fonts.
FILES = ("static", "bpmn_js", "sarabun_font", "sarabun_css")
_DOC_ROUTE = re.compile(r"^\| (GET|POST|PUT|PATCH|DELETE) `([^`]+)` \|", re.M)
_FLASK_PARAM = re.compile(r"<(?:\w+:)?\w+>")
_DOC_PARAM = re.compile(r"\{\w+\}")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> set[str]:
    """'METHOD /path' of every route outside the pages, parameters written {}."""
    folder = tmp_path_factory.mktemp("api-doc")
    context = ServiceContext(db=db.connect(f"sqlite:///{folder / 'unused.db'}"), attachments_dir=folder,
                             forms_dir=ROOT / "forms", processes_dir=ROOT / "processes")
    settings = Settings(database_url=context.db.url, secret_key="test", attachments_dir=folder,
                        forms_dir=ROOT / "forms", processes_dir=ROOT / "processes", instance_dir=folder, testing=True)
    app = create_app(settings, context=context)
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("pages.") or rule.endpoint in FILES:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add(f"{method} {_FLASK_PARAM.sub('{}', rule.rule)}")
    context.db.dispose()
    return found


def documented() -> set[str]:
    return {f"{method} {_DOC_PARAM.sub('{}', path)}" for method, path in _DOC_ROUTE.findall(DOC.read_text())}


def test_the_contract_names_every_route_the_application_serves(served):
    assert len(served) > 60
    assert sorted(served - documented()) == [], "add these routes to docs/api.md"


def test_the_contract_promises_no_route_the_application_does_not_serve(served):
    assert sorted(documented() - served) == [], "these routes of docs/api.md are not served"


def test_the_check_reads_the_contracts_rows():
    rows = documented()
    assert "POST /api/v1/tasks/{}/complete" in rows and "GET /healthz" in rows
    assert "GET /calendar/{}.ics" in rows
