"""Alembic environment: the connection is handed in by `app.store.schema`, never read from a file."""
from alembic import context

from app.store.tables import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
