"""What the operators see: liveness and readiness for the load balancer, request ids in answers and
logs, and the metrics Prometheus reads."""
from __future__ import annotations

import io
import json
import logging
import re

import pytest
from sqlalchemy import text

from app import logs
from app.services.cases import step_actions
from app.services.ops import ticks
from app.store import schema

from ..conftest import _context
from ..ops_support import bearer, web_app
from ..samples import fill
from ..stories import start


@pytest.fixture
def client(ctx, tmp_path):
    return web_app(ctx, tmp_path).test_client()


def _metric(page: str, name: str, **labels) -> float:
    """The value of one sample on a /metrics page (0 when absent)."""
    for line in page.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        sample, value = line.rsplit(" ", 1)
        found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
        if sample.split("{")[0] == name and all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


def test_the_load_balancer_sees_a_live_and_ready_process(ctx, client):
    assert client.get("/healthz").json == {"status": "ok"}
    ticks.run_tick(ctx, "scheduler-1")
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"]["database"] == "ok" and answer.json["checks"]["migrations"] == "ok"
    assert answer.json["checks"]["scheduler"].startswith("ok")


def test_a_schema_behind_the_code_is_not_ready(ctx, client):
    with ctx.db.engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version WHERE version_num = '0005_audit'"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0001')"))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["status"] == "not_ready"
    assert any("migrations" in reason and "planflow init" in reason for reason in answer.json["reasons"])


def test_readiness_follows_the_schedulers_heartbeat(ctx, client, clock):
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "no scheduler has reported" in answer.json["checks"]["scheduler"]
    ticks.run_tick(ctx, "scheduler-1")
    assert client.get("/readyz").status_code == 200
    clock.advance(minutes=10)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert "scheduler: the scheduler last reported 600 s ago" in answer.json["reasons"]


def test_an_unreachable_database_is_not_ready_and_requests_get_503_not_500(tmp_path, backend, clock):
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}" if backend == "sqlite" else \
        "postgresql+psycopg://postgres@127.0.0.1:1/planflow"  # nothing listens on port 1
    ctx = _context(url, tmp_path, clock)
    try:
        client = web_app(ctx, tmp_path).test_client()
        answer = client.get("/readyz")
        assert answer.status_code == 503 and answer.json["checks"]["database"].startswith("unreachable")
        answer = client.get("/api/v1/tasks", headers={"Authorization": "Bearer pf_anything"})
        assert answer.status_code == 503
        assert answer.json["error"]["code"] == "unavailable"
        assert "X-Request-Id" in answer.headers
    finally:
        ctx.db.dispose()


def test_every_answer_carries_a_request_id_the_caller_may_choose(client):
    assert client.get("/healthz", headers={"X-Request-Id": "office-script.42"}).headers["X-Request-Id"] == \
        "office-script.42"
    generated = client.get("/api/v1/processes").headers["X-Request-Id"]  # a 401 still has one
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    hostile = client.get("/healthz", headers={"X-Request-Id": "x\" injected " + "a" * 200})
    assert re.fullmatch(r"[0-9a-f]{32}", hostile.headers["X-Request-Id"])


def test_each_request_is_logged_as_json_with_its_request_id_and_user(ctx, client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("planflow.request")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/api/v1/tasks", headers={**bearer(ctx, "plan1"), "X-Request-Id": "req-1"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    entry = json.loads(stream.getvalue().splitlines()[-1])
    assert entry["request_id"] == "req-1" and entry["user"] == "plan1"
    assert entry["endpoint"] == "api.list_tasks" and entry["status"] == 200
    assert entry["level"] == "info" and entry["duration_ms"] >= 0


def test_log_lines_written_while_serving_a_request_carry_its_id():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("planflow.test")
    logger.addHandler(handler)
    token = logs.request_id.set("abc")
    try:
        logger.warning("ทดสอบ %s", 1, extra={"case_id": 7})
    finally:
        logs.request_id.reset(token)
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry == {**entry, "request_id": "abc", "message": "ทดสอบ 1", "case_id": 7, "level": "warning"}


def test_metrics_count_completed_steps_time_requests_and_cases_by_status(ctx, people, client):
    transfer = start(ctx, people, "budget_transfer")
    before = client.get("/metrics").get_data(as_text=True)
    step = transfer.task_of("request")
    form = step_actions.get_task(ctx, people["plan1"], step["id"])["form"]
    data = fill(form, {"category_from": "operating", "category_to": "other", "amount": 1000},
                attachment_id=transfer.attachment())
    answer = client.post(f"/api/v1/tasks/{step['id']}/complete", json={"data": data},
                         headers=bearer(ctx, "plan1"))
    assert answer.status_code == 200, answer.json
    page = client.get("/metrics").get_data(as_text=True)
    steps = "planflow_steps_completed_total"
    completed = _metric(page, steps, process_key="budget_transfer")
    assert completed == _metric(before, steps, process_key="budget_transfer") + 1
    histogram = "planflow_http_request_duration_seconds_count"
    assert _metric(page, histogram, endpoint="api.complete_task", method="POST") >= 1
    assert _metric(page, "planflow_cases", status="running") == 1
    assert _metric(page, "planflow_database_up") == 1


def test_schema_helpers_know_the_revisions_this_version_has():
    assert schema.knows_revision("0001") and not schema.knows_revision("9999_from_the_future")


def test_metrics_add_up_every_gunicorn_worker(database_url, people, tmp_path):
    """Under gunicorn each worker counts for itself; /metrics, from whichever worker, shows the sum."""
    import httpx

    from app.services.accounts import users
    from app.services.cases import lifecycle
    from app.services.kernel.context import ServiceContext
    from app.store import db

    from ..conftest import ROOT
    from ..ops_support import Gunicorn, deploy_linear

    live = ServiceContext(db=db.connect(database_url), attachments_dir=tmp_path / "attachments",
                          forms_dir=ROOT / "forms", processes_dir=ROOT / "processes")
    try:
        deploy_linear(live, "metrics_linear", 12, tmp_path)
        case = lifecycle.start_case(live, people["plan1"], "metrics_linear", "นับขั้นตอน")
        headers = {"Authorization": f"Bearer {users.create_token(live, 'plan1')}"}
        with Gunicorn(database_url, tmp_path, workers=2) as server, \
                httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            for _ in range(10):
                task = http.get(f"/api/v1/cases/{case['id']}").json()["open_tasks"][0]
                assert http.post(f"/api/v1/tasks/{task['id']}/complete",
                                 json={"data": {"note": "ok"}}).status_code == 200
            pages = [http.get("/metrics", headers={"Connection": "close"}).text for _ in range(4)]
    finally:
        live.db.dispose()
    for page in pages:
        assert _metric(page, "planflow_steps_completed_total", process_key="metrics_linear") == 10
        assert _metric(page, "planflow_http_request_duration_seconds_count",
                       endpoint="api.complete_task", method="POST") == 10
        assert _metric(page, "planflow_cases", status="running") == 1
