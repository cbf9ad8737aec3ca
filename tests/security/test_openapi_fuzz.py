"""Requests generated from /api/openapi.json, sent through the WSGI application as a staff member and
as an administrator: no answer is a 500, and a refused request (4xx) changes nothing in the database.

Every operation of the document is drawn from; path parameters are the fixture case's real ids or
anything else, query parameters and bodies follow the operation's schema or break it. What a refused
request must leave alone is a digest of every table's row count and every case's lock_version.
"""
from __future__ import annotations

import hashlib
import io
import time

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text as text_sql

from app.services.accounts import users
from app.services.cases import attachments, lifecycle
from app.store.tables import metadata

REQUESTS_PER_USER = 2_500  # two users on two databases: 10,000 generated requests in all
FUZZ = settings(max_examples=REQUESTS_PER_USER, deadline=None, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))

text = st.text(max_size=30)
junk_scalar = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | text
junk = st.recursive(junk_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                    max_leaves=6)


def from_schema(schema: dict, spec: dict):
    """Values that follow a (small) JSON Schema, or anything at all now and then."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        required = set(schema.get("required", ()))
        props = {k: from_schema(v, spec) for k, v in schema["properties"].items()}
        shaped = st.fixed_dictionaries({k: v for k, v in props.items() if k in required},
                                       optional={k: v for k, v in props.items() if k not in required})
        return st.one_of(shaped, shaped, shaped, junk)
    if kind == "string":
        fitted = st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 60))
        if schema.get("format") == "date" or "date" in schema.get("description", ""):
            fitted = fitted | st.dates().map(str)
        return fitted | st.dates().map(str) | junk_scalar
    if kind == "integer":
        return st.integers(-3, 5) | st.integers(-(2**70), 2**70) | junk_scalar
    if kind == "boolean":
        return st.booleans() | junk_scalar
    return junk


class Target:
    """The fixture the generated requests aim at: a case with an open step and an attachment."""

    def __init__(self, ctx, people):
        case = lifecycle.start_case(ctx, people["plan1"], "development_plan", "แผนพัฒนา (ฟัซซิ่ง)")
        self.case_id, self.task_id = case["id"], case["open_tasks"][0]["id"]
        self.attachment_id = attachments.attach_file(ctx, people["plan1"], self.case_id, "a.pdf", "application/pdf",
                                                     io.BytesIO(b"%PDF-1.4 fuzz"))["id"]

    def path_value(self, name: str, schema: dict):
        if schema.get("type") == "integer":
            real = {"case_id": self.case_id, "task_id": self.task_id, "attachment_id": self.attachment_id,
                    "version": 1}.get(name, 1)
            return st.sampled_from([real, real, 0, 1, 2**31, 2**63, 10**30]) | st.integers(-5, 10**6)
        return st.sampled_from(["development_plan", "plan1", "admin", "2030-01-07", "..", "%2e%2e", "a/b"]) | text


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, item in sorted(spec["paths"].items())
            for method, op in sorted(item.items())]


@st.composite
def requests(draw, spec, target):
    method, path, op = draw(st.sampled_from(operations(spec)))
    url = path
    for param in op.get("parameters", ()):
        if param["in"] == "path":
            value = draw(target.path_value(param["name"], param["schema"]))
            url = url.replace("{" + param["name"] + "}", _quote(str(value)))
    query = {}
    for param in op.get("parameters", ()):
        if param["in"] == "query" and draw(st.booleans()):
            query[param["name"]] = str(draw(from_schema(param["schema"], spec)))
    if draw(st.integers(0, 9)) == 0:
        query[draw(text)] = draw(text)
    kwargs: dict = {"query_string": query}
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" in content:
        body = draw(from_schema(content["application/json"]["schema"], spec))
        kwargs["data"] = _json(body) if draw(st.integers(0, 19)) else draw(st.binary(max_size=40))
        kwargs["content_type"] = "application/json"
    elif "multipart/form-data" in content:
        name = draw(st.sampled_from(["a.pdf", "b.docx", "c.png", "x.html", "x.svg", "../../etc/passwd", "", "x"])
                    | text)
        kwargs["data"] = {"file": (io.BytesIO(draw(st.binary(max_size=200))), name)}
        kwargs["content_type"] = "multipart/form-data"
    elif "application/xml" in content:
        kwargs["data"] = draw(st.sampled_from(["<definitions/>", "<x", "", "<?xml version='1.0'?><a>ก</a>"]) | text)
        kwargs["content_type"] = "application/xml"
    elif method != "GET" and draw(st.integers(0, 4)) == 0:
        kwargs["data"], kwargs["content_type"] = _json(draw(junk)), "application/json"
    return method, url, kwargs


def _json(value) -> str:
    import json
    return json.dumps(value)


def _quote(value: str) -> str:
    from urllib.parse import quote
    return quote(value, safe="")


_COUNTS = text_sql("SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in sorted(metadata.tables)))
_LOCKS = text_sql("SELECT id, lock_version FROM cases ORDER BY id")


def digest(ctx) -> str:
    """Every table's row count and every case's lock_version, hashed."""
    with ctx.db.engine.connect() as connection:
        counts = connection.execute(_COUNTS).one()
        locks = connection.execute(_LOCKS).all()
    return hashlib.sha256(repr((tuple(counts), [tuple(r) for r in locks])).encode()).hexdigest()


def _fuzz_as(app, ctx, people, username: str) -> tuple[int, float]:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as a 500, not raise into the test
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    target = Target(ctx, people)
    auth = {"Authorization": f"Bearer {users.create_token(ctx, username)}"}
    sent, started = [0], time.monotonic()

    @FUZZ
    @given(request=requests(spec, target))
    def send(request):
        nonlocal auth
        method, url, kwargs = request
        before = digest(ctx)
        answer = client.open(url, method=method, headers=auth, **kwargs)
        sent[0] += 1
        assert answer.status_code < 500, (method, url, kwargs, answer.get_data(as_text=True)[:300])
        if answer.status_code >= 400:
            assert digest(ctx) == before, ("a refused request changed the database", method, url, kwargs,
                                           answer.status_code)
        elif method == "DELETE" and "/tokens/" in url:  # it may have revoked the caller's own token
            auth = {"Authorization": f"Bearer {users.create_token(ctx, username)}"}

    send()
    return sent[0], time.monotonic() - started


def test_generated_requests_as_staff_never_crash_and_refusals_change_nothing(app, ctx, people):
    sent, seconds = _fuzz_as(app, ctx, people, "plan1")
    print(f"fuzz as plan1: {sent} requests in {seconds:.0f} s")
    assert sent >= REQUESTS_PER_USER


def test_generated_requests_as_admin_never_crash_and_refusals_change_nothing(app, ctx, people):
    sent, seconds = _fuzz_as(app, ctx, people, "admin")
    print(f"fuzz as admin: {sent} requests in {seconds:.0f} s")
    assert sent >= REQUESTS_PER_USER
