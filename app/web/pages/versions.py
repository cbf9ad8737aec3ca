"""A process's versions (issue 7): the list of deployed versions, the visual difference between two, and
moving running cases to a newer one. The editor page links here; the services decide who may see what."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from app.services.editor import migration, migration_candidates, versions
from app.services.kernel.errors import Invalid

from ..auth import current_actor, services
from . import vendor
from .blueprint import pages
from .session import signed_in


def _version_arg(source, name: str, required: bool = True) -> int | None:
    """A version number from the query or the form; missing or not a number is a 400 naming the field."""
    value = (source.get(name) or "").strip()
    if not value and not required:
        return None
    if not value.isdecimal() or len(value) > 9 or int(value) < 1:
        raise Invalid(_("Choose a version."), {name: [_("Choose a version.")]})
    return int(value)


@pages.app_template_global()
def may_read_versions() -> bool:
    """Whether pages that name a process link to its versions (the case and step pages' process box; an
    imported macro does not see the page's `actor`, so the signed-in person is looked up here)."""
    actor = current_actor(required=False)
    return actor is not None and versions.may_read_versions(actor)


@pages.get("/processes/<key>/versions")
@signed_in
def process_versions(key: str):
    actor = current_actor()
    versions.require_version_reader(actor)
    found = versions.list_versions(services(), actor, key)
    return render_template("versions/list.html", key=key, versions=found, process=found[0],
                           may_migrate=migration_candidates.may_migrate(actor))


@pages.get("/processes/<key>/diff")
@signed_in
def process_diff(key: str):
    actor = current_actor()
    versions.require_version_reader(actor)
    older, newer = _version_arg(request.args, "from"), _version_arg(request.args, "to")
    diff = versions.diff_versions(services(), actor, key, older, newer)
    listed = versions.list_versions(services(), actor, key)
    return render_template("versions/diff.html", key=key, diff=diff, process=listed[0],
                           by_number={v["version"]: v for v in listed}, diagram=vendor.available(),
                           may_migrate=migration_candidates.may_migrate(actor))


@pages.get("/processes/<key>/migrate")
@signed_in
def migrate_page(key: str):
    chosen = _version_arg(request.args, "to", required=False)
    offer = migration_candidates.migration_candidates(services(), current_actor(), key, chosen)
    return render_template("versions/migrate.html", key=key, offer=offer, results=None, numbers={},
                           checked=set())


@pages.post("/processes/<key>/migrate")
@signed_in
def migrate_cases(key: str):
    """Check (a dry run) or move the chosen cases; the page comes back with each case's answer."""
    actor = current_actor()
    migration_candidates.require_mover(actor)
    ids = request.form.getlist("case_id")
    case_ids = [int(v) if v.isdecimal() and len(v) <= 18 else v for v in ids]
    target = _version_arg(request.form, "to_version", required=False) or 0
    dry_run = request.form.get("action") != "move"
    results = migration.migrate_cases(services(), actor, key, case_ids, target, dry_run=dry_run)
    offer = migration_candidates.migration_candidates(services(), actor, key, target)
    # After a move the moved cases leave the list, so their numbers come from the move's own answer.
    numbers = migration_candidates.case_numbers(services(), actor, [r["case_id"] for r in results])
    return render_template("versions/migrate.html", key=key, offer=offer, results=results, dry_run=dry_run,
                           numbers=numbers, checked={r["case_id"] for r in results if dry_run and r["ok"]})
