"""case_waits: what each running case waits on besides people (messages and timers), filled for the
cases already running or suspended by reading their stored workflows once

Revision ID: 0011_case_waits
Revises: 0010_dash_indexes
"""
import json
from datetime import UTC

from alembic import op
import sqlalchemy as sa

revision = "0011_case_waits"
down_revision = "0010_dash_indexes"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PAGE = 500

WAITS = sa.table(
    "case_waits",
    sa.column("case_id", ID), sa.column("engine_id", sa.String), sa.column("kind", sa.String),
    sa.column("element_id", sa.String), sa.column("name", sa.String), sa.column("name_en", sa.String),
    sa.column("lane", sa.String), sa.column("message", sa.String), sa.column("form", sa.String),
    sa.column("since", sa.DateTime(timezone=True)), sa.column("due_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    op.create_table(
        "case_waits",
        sa.Column("id", ID, primary_key=True),
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("engine_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("element_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300), nullable=True),
        sa.Column("lane", sa.String(80), nullable=True),
        sa.Column("message", sa.String(200), nullable=True),
        sa.Column("form", sa.String(200), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", "engine_id"),
    )
    op.create_index("ix_case_waits_case_id", "case_waits", ["case_id"])
    op.create_index("ix_case_waits_kind_since", "case_waits", ["kind", "since"])
    op.create_index("ix_case_waits_kind_due", "case_waits", ["kind", "due_at"])
    _fill(op.get_bind())


def _fill(bind) -> None:
    """The waits of every running or suspended case, read from its stored workflow the way a step projects
    them (app/services/waits.py), a page of cases at a time."""
    from app import engine

    processes: dict[int, object] = {}
    last_id = 0
    while True:
        page = bind.execute(sa.text(
            "SELECT id, process_version_id, state, state_format FROM cases "
            "WHERE status IN ('running', 'suspended') AND id > :after ORDER BY id LIMIT :page"),
            {"after": last_id, "page": PAGE}).all()
        if not page:
            return
        rows = []
        for case_id, version_id, state, state_format in page:
            last_id = case_id
            if version_id not in processes:
                processes[version_id] = _compiled(bind, engine, version_id)
            process = processes[version_id]
            if process is None or not process.catch_events or not state:
                continue
            workflow = engine.load(process, engine.upgrade_state(state, state_format))
            rows += [_row(bind, case_id, wait) for wait in engine.waiting_for(workflow, process)]
        if rows:
            op.bulk_insert(WAITS, rows)


def _compiled(bind, engine, version_id: int):
    """The version's parsed diagram with the versions of the processes it calls, as pinned at its deploy."""
    key, xml, metadata = bind.execute(sa.text(
        "SELECT key, xml, metadata_json FROM process_versions WHERE id = :id"), {"id": version_id}).one()
    metadata = json.loads(metadata) if isinstance(metadata, str) else (metadata or {})
    called = {}
    for called_key, pinned in (metadata.get("calls") or {}).items():
        found = bind.execute(sa.text("SELECT xml FROM process_versions WHERE key = :key AND version = :version"),
                             {"key": called_key, "version": pinned["version"]}).scalar()
        if found is None:
            return None  # its cases could not run either; they keep no waits
        called[called_key] = found.encode("utf-8")
    return engine.compile_diagram(xml.encode("utf-8"), key, called or None)


def _row(bind, case_id: int, wait) -> dict:
    def stored(moment):
        if moment is None:
            return None
        moment = moment.astimezone(UTC)
        return moment.replace(tzinfo=None) if bind.dialect.name == "sqlite" else moment

    return {"case_id": case_id, "engine_id": wait.engine_id, "kind": wait.kind, "element_id": wait.element_id,
            "name": wait.name[:300], "name_en": (wait.name_en or None) and wait.name_en[:300], "lane": wait.lane,
            "message": wait.message, "form": wait.form, "since": stored(wait.since), "due_at": stored(wait.due_at)}


def downgrade() -> None:
    op.drop_index("ix_case_waits_kind_due", table_name="case_waits")
    op.drop_index("ix_case_waits_kind_since", table_name="case_waits")
    op.drop_index("ix_case_waits_case_id", table_name="case_waits")
    op.drop_table("case_waits")
