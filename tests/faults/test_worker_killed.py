"""A web worker dies (killed by the out-of-memory killer, a power cut of one process) in the middle of
completing a step: the case is left as it was before, never half-changed, and the step can be
completed again once gunicorn has replaced the worker."""
from __future__ import annotations

import os
import random
import signal
import threading
import time

import httpx
from sqlalchemy import func, select

from app.services.accounts import users
from app.services.cases import lifecycle
from app.store.models import Case, Event, Task

from ..ops_support import Gunicorn, assert_every_case_whole, deploy_linear


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _case_record(ctx, case_id: int):
    with ctx.read() as session:
        case = session.get(Case, case_id)
        events = session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))
        statuses = sorted(session.scalars(select(Task.status).where(Task.case_id == case_id)))
        return case.lock_version, case.state, events, statuses


def test_a_worker_killed_inside_a_completion_leaves_the_case_as_it_was(live_ctx, people, tmp_path):
    deploy_linear(live_ctx, "fault_linear", 3, tmp_path)
    case = lifecycle.start_case(live_ctx, people["plan1"], "fault_linear", "เรื่องที่ถูกขัดจังหวะ")
    step = case["open_tasks"][0]
    headers = {"Authorization": f"Bearer {users.create_token(live_ctx, 'plan1')}"}
    marker = tmp_path / "paused"
    before = _case_record(live_ctx, case["id"])

    server = Gunicorn(live_ctx.db.url, tmp_path, workers=1, app="tests.faults.paused_wsgi:app",
                      env={"PLANFLOW_FAULT_MARKER": str(marker), "PLANFLOW_FAULT_PAUSE": "30"})
    with server:
        outcome: dict[str, object] = {}

        def submit():
            try:
                outcome["answer"] = httpx.post(f"{server.url}/api/v1/tasks/{step['id']}/complete",
                                               json={"data": {"note": "ส่งแล้ว"}}, headers=headers, timeout=60)
            except httpx.HTTPError as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=submit)
        sender.start()
        worker = int(_wait_for(lambda: marker.exists() and marker.read_text(), 20, "the pause"))
        assert worker in server.worker_pids()
        # The worker is inside the transaction: the engine ran, the event is appended, nothing committed.
        os.kill(worker, signal.SIGKILL)
        sender.join(30)
        assert "error" in outcome, f"the client got an answer from a dead worker: {outcome}"

        assert _case_record(live_ctx, case["id"]) == before
        assert assert_every_case_whole(live_ctx) >= 1

        _wait_for(lambda: server.worker_pids() - {worker}, 20, "a new worker")
        again = httpx.post(f"{server.url}/api/v1/tasks/{step['id']}/complete",
                           json={"data": {"note": "ส่งอีกครั้ง"}}, headers=headers, timeout=30)
        assert again.status_code == 200, again.text
        assert [t["spec_id"] for t in again.json()["open_tasks"]] == ["step02"]
    lock_version, _, events, statuses = _case_record(live_ctx, case["id"])
    assert lock_version > before[0] and events == before[2] + 1
    assert statuses == ["completed", "open"]
    assert_every_case_whole(live_ctx)


def test_workers_killed_at_random_under_load_leave_every_case_whole(live_ctx, people, tmp_path):
    """Two workers serve completions from six clients while one of them is killed now and then."""
    deploy_linear(live_ctx, "fault_linear", 30, tmp_path)
    started = [lifecycle.start_case(live_ctx, people["plan1"], "fault_linear", f"เรื่องที่ {n}") for n in range(6)]
    headers = {"Authorization": f"Bearer {users.create_token(live_ctx, 'plan1')}"}
    answers: list[int] = []
    errors: list[str] = []
    stop = threading.Event()

    with Gunicorn(live_ctx.db.url, tmp_path, workers=2, threads=4) as server:
        def client(case_id: int):
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
                while not stop.is_set():
                    try:
                        case = http.get(f"/api/v1/cases/{case_id}").json()
                        if not case.get("open_tasks"):
                            return
                        task = case["open_tasks"][0]
                        answer = http.post(f"/api/v1/tasks/{task['id']}/complete",
                                           json={"data": {"note": "ok"}})
                        answers.append(answer.status_code)
                    except httpx.HTTPError as exc:  # the worker serving it was killed
                        errors.append(type(exc).__name__)

        threads = [threading.Thread(target=client, args=(c["id"],)) for c in started]
        for thread in threads:
            thread.start()
        rng = random.Random(10)
        try:
            for _ in range(4):  # a worker takes about a second and a half to start again
                time.sleep(rng.uniform(1.5, 2.5))
                pids = sorted(server.worker_pids())
                if pids:
                    os.kill(rng.choice(pids), signal.SIGKILL)
        finally:
            time.sleep(1)
            stop.set()
            for thread in threads:
                thread.join(60)
    assert set(answers) <= {200, 409}, answers
    assert answers.count(200) >= 10
    assert_every_case_whole(live_ctx)
    with live_ctx.read() as session:
        completed = session.scalar(select(func.count()).select_from(Task).where(Task.status == "completed"))
        recorded = session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "task_completed"))
    assert completed == recorded  # every completed step has exactly one event, and no event lacks its step
