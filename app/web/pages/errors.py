"""The error page for browsers, in the user's language (Thai unless they chose English)."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

TITLES = {400: _l("The information is not valid"), 401: _l("Please sign in"), 403: _l("Access denied"),
          404: _l("Page not found"), 405: _l("This request is not supported"),
          409: _l("The information was changed by someone else"), 413: _l("The file is too large"),
          429: _l("Too many attempts")}
EXPLANATIONS = {
    400: _l("Please check what you entered and try again."),
    403: _l("This page belongs to another group or role. If you think you should have access, ask your group "
            "director or the system administrator."),
    404: _l("The page may have moved, or the case is not one you may see."),
    409: _l("Reload the page to see the latest information, then try again."),
    413: _l("Please send a smaller file."),
    429: _l("Please wait a while before trying again."),
}
CSRF_TITLE = _l("The form has expired")
CSRF_EXPLANATION = _l("For your safety the form could not be accepted. Go back, reload the page and send it again.")


def render_error(status: int, message: str, fields: dict[str, list[str]] | None = None):
    if status == 401:
        return redirect(url_for("pages.login", next=safe_next(request.full_path)))
    if message == "csrf":
        title, explanation, message = CSRF_TITLE, CSRF_EXPLANATION, ""
    else:
        title, explanation = TITLES.get(status, _l("Something went wrong")), EXPLANATIONS.get(status, "")
    return render_template("error.html", status=status, title=title, explanation=explanation,
                           message=message, fields=fields or {}), status


def safe_next(target: str | None) -> str | None:
    """A local path to return to after sign-in; anything pointing elsewhere is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None
