"""Documents as PDF (WeasyPrint), in the Sarabun typeface served from node_modules (installed by
`npm ci`): the PDF reads the font files straight from disk, the pages fetch them from /vendor/sarabun/."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, abort, send_from_directory, url_for

from .vendor import NODE_MODULES

STATIC = Path(__file__).resolve().parent.parent / "static"
SARABUN = NODE_MODULES / "@expo-google-fonts" / "sarabun"
FACES = {  # weight → the package's file
    400: "400Regular/Sarabun_400Regular.ttf",
    700: "700Bold/Sarabun_700Bold.ttf",
}


def font_available() -> bool:
    return all((SARABUN / name).is_file() for name in FACES.values())


def _font_face(url_of) -> str:
    return "\n".join(f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; font-style: normal; '
                     f'src: url("{url_of(name)}") format("truetype"); }}' for weight, name in FACES.items())


def _fetch_fonts_only(url: str, *args, **kwargs):
    """The PDF may read the Sarabun files and nothing else: no address in a case's data is ever fetched."""
    from weasyprint import default_url_fetcher

    if url.startswith(SARABUN.as_uri() + "/"):
        return default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"not fetched: {url[:80]}")


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML

    stylesheets = [CSS(filename=str(STATIC / "documents.css")), CSS(filename=str(STATIC / "documents-print.css"))]
    if font_available():
        stylesheets.insert(0, CSS(string=_font_face(lambda name: (SARABUN / name).as_uri()),
                                  url_fetcher=_fetch_fonts_only))
    return HTML(string=html, url_fetcher=_fetch_fonts_only).write_pdf(stylesheets=stylesheets)


def register(app: Flask) -> None:
    @app.get("/vendor/sarabun/sarabun.css")
    def sarabun_css():
        if not font_available():
            return Response("", mimetype="text/css")
        css = _font_face(lambda name: url_for("sarabun_font", name=Path(name).name))
        return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/vendor/sarabun/<name>")
    def sarabun_font(name: str):
        target = next((path for path in FACES.values() if Path(path).name == name), None)
        if target is None or not (SARABUN / target).is_file():
            abort(404)
        return send_from_directory(SARABUN, target, max_age=86400, mimetype="font/ttf")
