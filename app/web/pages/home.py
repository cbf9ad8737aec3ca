"""The front page: what PlanFlow runs, for anyone who opens it; signed-in users go to their inbox."""
from __future__ import annotations

from flask import redirect, render_template, url_for

from app.services.catalog import processes

from ..auth import current_actor, services
from .blueprint import pages


@pages.get("/")
def index():
    if current_actor(required=False) is not None:
        return redirect(url_for("pages.inbox"))
    return render_template("home.html", processes=processes.list_processes(services()))
