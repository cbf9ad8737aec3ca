"""case_state_chunks: cases stored in state format 2 (finished history in append-only chunks, the live
part on the case row), every case upgraded a page at a time; and the case's last event (seq and hash)
on its row, so that a new event is chained without reading the events table

Revision ID: 0014_flat_state
Revises: 0013_budget_transfer_authority
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_flat_state"
down_revision = "0013_budget_transfer_authority"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PAGE = 200
GENESIS = "0" * 64

CHUNKS = sa.table("case_state_chunks", sa.column("case_id", ID), sa.column("seq", sa.Integer),
                  sa.column("text", sa.Text), sa.column("chain", sa.String))


def upgrade() -> None:
    op.create_table(
        "case_state_chunks",
        sa.Column("case_id", ID, sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
    )
    # Plain ALTER TABLE on SQLite too: a batch copy of `cases` would cascade its DROP to the events.
    op.add_column("cases", sa.Column("flat_since_seq", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("cases", sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("cases", sa.Column("last_hash", sa.String(64), nullable=False, server_default=GENESIS))
    _upgrade_cases(op.get_bind())


def _pages(bind, state_format: int):
    last_id = 0
    while True:
        page = bind.execute(sa.text(
            "SELECT id, state, state_format FROM cases WHERE state_format = :format AND id > :after "
            "ORDER BY id LIMIT :page"), {"format": state_format, "after": last_id, "page": PAGE}).all()
        if not page:
            return
        last_id = page[-1][0]
        yield page


def _last_events(bind, ids: list[int]) -> dict[int, tuple[int, str]]:
    rows = bind.execute(sa.text(
        "SELECT e.case_id, e.seq, e.hash FROM events e WHERE e.case_id IN :ids "
        "AND e.seq = (SELECT MAX(l.seq) FROM events l WHERE l.case_id = e.case_id)")
        .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids}).all()
    return {case_id: (seq, hash_) for case_id, seq, hash_ in rows}


def _upgrade_cases(bind) -> None:
    """Each format-1 case as the first save of its workflow in format 2 writes it; its events so far keep
    their format-1 digests (replay checks them so, up to `flat_since_seq`)."""
    from app import engine

    for page in _pages(bind, 1):
        last = _last_events(bind, [row[0] for row in page])
        chunks = []
        for case_id, state, state_format in page:
            seq, hash_ = last.get(case_id, (0, GENESIS))
            saved = engine.upgrade_to_flat(engine.upgrade_state(state, state_format))
            chunks += [{"case_id": case_id, "seq": c.seq, "text": c.text, "chain": c.chain} for c in saved.chunks]
            bind.execute(sa.text(
                "UPDATE cases SET state = :state, state_format = :format, flat_since_seq = :since, "
                "last_seq = :seq, last_hash = :hash, lock_version = lock_version + 1 WHERE id = :id"),
                {"state": saved.live, "format": engine.FLAT_STATE_FORMAT, "since": seq + 1, "seq": seq,
                 "hash": hash_, "id": case_id})
        if chunks:
            op.bulk_insert(CHUNKS, chunks)


def downgrade() -> None:
    from app import engine

    bind = op.get_bind()
    for page in _pages(bind, engine.FLAT_STATE_FORMAT):
        for case_id, live, _ in page:
            texts = bind.execute(sa.text("SELECT text FROM case_state_chunks WHERE case_id = :id ORDER BY seq"),
                                 {"id": case_id}).scalars().all()
            bind.execute(sa.text("UPDATE cases SET state = :state, state_format = 1, "
                                 "lock_version = lock_version + 1 WHERE id = :id"),
                         {"state": engine.flat_full_text(texts, live), "id": case_id})
    for column in ("last_hash", "last_seq", "flat_since_seq"):
        op.drop_column("cases", column)
    op.drop_table("case_state_chunks")
