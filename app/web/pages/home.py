"""The front page: what PlanFlow runs, for anyone who opens it."""
from __future__ import annotations

from flask import render_template

from app.services import processes

from ..auth import services
from . import pages


@pages.get("/")
def index():
    return render_template("home.html", processes=processes.list_processes(services()))
