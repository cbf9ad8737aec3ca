"""What a script's requests cost the database, counted in SQL statements (never timed): sending a step and
reading the inbox, once the worker knows the script's token. A revoked token is refused at once by the worker
that revoked it."""
from __future__ import annotations

from sqlalchemy import select

from app.services.kernel.token_cache import TokenCache
from app.store.models import CaseStateChunk

from ..transactions import watching
from .conftest import PREFIX, HttpCase, assert_error


def _transfer(start) -> HttpCase:
    case = start("budget_transfer", title="โอนงบประมาณโครงการอบรม")  # its matter: an office request
    case.complete("request", "plan1", category_from="operating", category_to="other", amount=1000)
    return case


def test_sending_a_step_takes_thirteen_statements_and_reading_the_inbox_one(api, ctx, start):
    case = _transfer(start)
    task_id = case.task_of("analysis")["id"]
    data = case.form_data(task_id, "plan2")
    api.as_("plan2").get("/tasks")  # the worker now knows plan2's token
    with watching(ctx) as seen:
        answer = api.as_("plan2").get("/tasks")
    assert answer.status_code == 200 and [t["id"] for t in answer.get_json()] == [task_id]
    assert seen.queries == 1, "the inbox: one query; the token's actor is the worker's for a few seconds"

    api.as_("plan2").post(f"/tasks/{task_id}/claim")
    with ctx.read() as session:
        chunks_before = len(session.scalars(select(CaseStateChunk.seq).where(CaseStateChunk.case_id == case.id)).all())
    with watching(ctx) as seen:
        answer = api.as_("plan2").post(f"/tasks/{task_id}/complete", json={"data": data})
    assert answer.status_code == 200, answer.get_json()
    # The step with its case (one read), the step's and the case row's UPDATEs (the row's carries the live
    # state and the last event), the dashboard's two projections, the appended chunk, the event, the open
    # steps, the next step with its due date and reminder (4), the drafts. No read of the token (the
    # worker's), of the last event (on the row) or of the stored state (the claim kept the cached workflow).
    # And the transfer's own two: its analysis reads the transfer authority table (who approves), and a
    # process that waits on a message (OBEC's answer) has its case's waits read to keep them current.
    assert seen.queries == 13 + 2
    with ctx.read() as session:
        chunks = session.scalars(select(CaseStateChunk.seq).where(CaseStateChunk.case_id == case.id)).all()
    assert len(chunks) == chunks_before + 1, "the step appended one chunk of what finished"


def test_a_revoked_token_is_refused_at_once_by_the_worker_that_revoked_it(api, client, ctx):
    made = api.as_("plan1").post("/me/tokens", json={"name": "สคริปต์รายงาน"}).get_json()
    script = {"Authorization": f"Bearer {made['token']}"}
    assert client.get(f"{PREFIX}/tasks", headers=script).status_code == 200
    assert client.get(f"{PREFIX}/tasks", headers=script).status_code == 200  # from the worker's cache
    assert client.delete(f"{PREFIX}/me/tokens/{made['id']}", headers=api.headers("plan1")).status_code == 200
    assert_error(client.get(f"{PREFIX}/tasks", headers=script), 401)


def test_a_token_is_kept_only_for_its_few_seconds():
    now = [100.0]
    tokens = TokenCache(ttl=5, clock=lambda: now[0])
    tokens.put("digest", "plan1")
    now[0] += 4.9
    assert tokens.get("digest") == "plan1"
    now[0] += 0.2
    assert tokens.get("digest") is None, "after its TTL the token is read from the database again"
