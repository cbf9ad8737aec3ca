"""A case's history as a PDF (WeasyPrint), in Thai with the Sarabun font from node_modules, ending with
the hash chain's final digest so a printed copy can be checked against the database."""
from __future__ import annotations

from typing import Any

from flask import render_template

from app.services.kernel.actors import Actor

from .vendor import NODE_MODULES

FONT_DIR = NODE_MODULES / "@expo-google-fonts" / "sarabun"
FONTS = {"400": FONT_DIR / "400Regular" / "Sarabun_400Regular.ttf", "700": FONT_DIR / "700Bold" / "Sarabun_700Bold.ttf"}


def font_urls() -> dict[str, str]:
    """file:// addresses of the Thai font's files that are installed (none: the system's Thai fonts)."""
    return {weight: path.as_uri() for weight, path in FONTS.items() if path.is_file()}


def render(replay: dict[str, Any], actor: Actor) -> bytes:
    from weasyprint import HTML

    html = render_template("audit/history_pdf.html", replay=replay, case=replay["case"], fonts=font_urls(),
                           printed_by=actor.display_name or actor.username)
    # Only the font files are fetched, from the local disk: nothing on the page names another address.
    return HTML(string=html, base_url=str(FONT_DIR)).write_pdf()
