"""The WSGI entry point for production servers: `gunicorn app.web.wsgi:app`.

Settings come from the environment (DATABASE_URL and the PLANFLOW_* variables). Workers do not
migrate the schema: several starting at once would race, so `planflow init` runs once before them
(the systemd unit's ExecStartPre, the compose file's web command), and /readyz reports a schema
that is behind. Logs are JSON lines unless PLANFLOW_LOG_FORMAT=text.
"""
from __future__ import annotations

import os

from app import config, logs
from app.bootstrap import build_context
from app.web import create_app


def build():
    logs.configure()
    settings = config.from_environment()
    migrate = os.environ.get("PLANFLOW_MIGRATE_ON_START", "").lower() in ("1", "true", "yes")
    return create_app(settings, build_context(settings, migrate=migrate))


app = build()
