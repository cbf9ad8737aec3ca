"""Server-rendered pages (Thai first)."""
from flask import Blueprint

pages = Blueprint("pages", __name__, template_folder="../templates")

from . import home  # noqa: E402,F401
