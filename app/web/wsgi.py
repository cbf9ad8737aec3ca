"""The WSGI entry point for production servers: `gunicorn app.web.wsgi:app`.

Settings come from the environment (DATABASE_URL and the PLANFLOW_* variables). Workers do not
migrate the schema: several starting at once would race, so `planflow init` runs once before them
(the systemd unit's ExecStartPre, the compose file's web command), and /readyz reports a schema
that is behind. Behind the reverse proxy (PLANFLOW_PROXY=1, the default) its forwarded headers are
trusted; PLANFLOW_HTTPS=1 marks the session cookie Secure. Logs are JSON lines unless PLANFLOW_LOG_FORMAT=text.
"""
from __future__ import annotations

from app import config, logs
from app.bootstrap import build_context
from app.web import create_app


def build():
    logs.configure()
    settings = config.from_environment()
    application = create_app(settings, build_context(settings, migrate=settings.migrate_on_start))
    if settings.behind_proxy:
        # Behind the reverse proxy (deploy/): trust its X-Forwarded-For/-Proto, so request.is_secure
        # and the sign-in throttle's address are the browser's own.
        from werkzeug.middleware.proxy_fix import ProxyFix

        application.wsgi_app = ProxyFix(application.wsgi_app, x_for=1, x_proto=1, x_host=1)
    return application


app = build()
