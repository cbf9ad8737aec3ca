"""Creating and upgrading the schema through Alembic, and asking whether it is current.

Features may add migrations on their own branch from an earlier revision (upgrading to "heads"
applies every branch); a merge revision joins them when they land together.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection=None) -> Config:
    """Alembic's configuration for our migrations, on `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest migration."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")


def is_current(engine: Engine) -> bool:
    """Whether every migration has been applied."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads


def autogenerate(engine: Engine, message: str) -> None:
    """Write a new migration from the models' difference to the database (developers only)."""
    with engine.begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


def current_revisions(connection) -> set[str]:
    """The migration heads applied to the database (empty for a database without the schema)."""
    return set(MigrationContext.configure(connection).get_current_heads())


def knows_revision(revision: str) -> bool:
    """Whether this version of PlanFlow has the migration (a backup from a newer one may not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown id
        return False


def upgrade_to(engine: Engine, revisions: set[str]) -> None:
    """Bring an empty database to exactly these revisions (a restore loads rows of that schema)."""
    with engine.begin() as connection:
        for revision in sorted(revisions):
            command.upgrade(alembic_config(connection), revision)
