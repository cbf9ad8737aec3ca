"""Wiring: settings → database → the service context that every entry point (web, CLI, scheduler) uses."""
from __future__ import annotations

from app import engine
from app.config import Settings
from app.services.kernel.context import ServiceContext
from app.store import db, schema

from .services import startup


def build_context(settings: Settings, migrate: bool = True) -> ServiceContext:
    """The service context of an entry point, with the services' hooks installed and the schema upgraded."""
    startup.install()
    if settings.database_url.startswith("sqlite:///"):
        settings.instance_dir.mkdir(parents=True, exist_ok=True)
    engine.configure_limits(engine.EngineLimits(max_tasks=settings.engine_max_tasks,
                                                max_seconds=settings.engine_max_seconds))
    database = db.connect(settings.database_url)
    if migrate:
        schema.upgrade(database.writer.kw["bind"])
    return ServiceContext(db=database, attachments_dir=settings.attachments_dir, forms_dir=settings.forms_dir,
                          processes_dir=settings.processes_dir, max_upload_bytes=settings.max_upload_bytes,
                          settings={"smtp_url": settings.smtp_url, "mail_from": settings.mail_from,
                                    "base_url": settings.base_url,
                                    "scheduler_batch": settings.scheduler_batch,
                                    "heartbeat_max_age": settings.heartbeat_max_age_seconds,
                                    "letter_prefix": settings.letter_prefix})
