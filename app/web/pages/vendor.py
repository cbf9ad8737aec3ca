"""bpmn-js for the diagrams, served straight from node_modules (installed by `npm ci` at setup).

Only the built files the pages use are reachable (an allow-list, so no other file of node_modules is
served); nothing of the library is copied into the repository. The modeler's icons come from the
bpmn-font stylesheet, whose fonts it names relative to itself (`../font/...`), so those paths keep
their folders here.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory

NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"
_FONT = "bpmn-js/dist/assets/bpmn-font/"
FILES = {
    "bpmn-navigated-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "bpmn-modeler.js": "bpmn-js/dist/bpmn-modeler.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
    "bpmn-font/css/bpmn.css": _FONT + "css/bpmn.css",
    **{f"bpmn-font/font/bpmn.{ext}": f"{_FONT}font/bpmn.{ext}" for ext in ("woff2", "woff", "ttf", "eot", "svg")},
}


def available(name: str = "bpmn-navigated-viewer.js") -> bool:
    """Whether the named bundle is installed (the pages fall back to text without it)."""
    return (NODE_MODULES / FILES[name]).is_file()


def register(app: Flask) -> None:
    @app.get("/vendor/bpmn-js/<path:name>")
    def bpmn_js(name: str):
        target = FILES.get(name)
        if target is None or not (NODE_MODULES / target).is_file():
            abort(404)
        return send_from_directory(NODE_MODULES, target, max_age=86400)
