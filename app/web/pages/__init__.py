"""Server-rendered pages (Thai first, English per user)."""
from flask import Blueprint

pages = Blueprint("pages", __name__, template_folder="../templates")

from . import account, auditpages, casepages, dashboard, documents, editor, home, inbox, session, steps  # noqa: E402,F401
from . import form_editor, versions  # noqa: E402,F401
from .setup import init_pages  # noqa: E402,F401
