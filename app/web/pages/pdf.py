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


def _allowed(url: str) -> bool:
    return url.startswith(SARABUN.as_uri() + "/") or url.startswith(SARABUN.as_posix().replace("@", "%40") + "/")


def _font_fetcher():
    """A fetcher that reads the Sarabun files and nothing else: no address in a case's data is ever
    fetched. WeasyPrint 68+ takes a URLFetcher object, earlier releases a function."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):
        class FontsOnly(urls.URLFetcher):
            def fetch(self, url, headers=None):
                if not _allowed(url):
                    raise ValueError(f"not fetched: {url[:80]}")
                return super().fetch(url, headers)
        return FontsOnly(allowed_protocols=("file",))

    def fetch(url: str, *args, **kwargs):
        if not _allowed(url):
            raise ValueError(f"not fetched: {url[:80]}")
        return urls.default_url_fetcher(url, *args, **kwargs)
    return fetch


def render_pdf(html: str) -> bytes:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _font_fetcher()
    fonts = FontConfiguration()  # @font-face rules only take effect through a shared font configuration
    stylesheets = [CSS(filename=str(STATIC / name), font_config=fonts)
                   for name in ("documents.css", "documents-print.css")]
    if font_available():
        stylesheets.insert(0, CSS(string=_font_face(lambda name: (SARABUN / name).as_uri()),
                                  url_fetcher=fetcher, font_config=fonts))
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=stylesheets, font_config=fonts)


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
