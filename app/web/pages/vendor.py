"""bpmn-js for the case diagram, served straight from node_modules (installed by `npm ci` at setup).

Only the few built files the case page uses are reachable; nothing of the library is copied into the
repository.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory

NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"
FILES = {
    "bpmn-navigated-viewer.js": "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
    "diagram-js.css": "bpmn-js/dist/assets/diagram-js.css",
    "bpmn-js.css": "bpmn-js/dist/assets/bpmn-js.css",
}


def available() -> bool:
    return (NODE_MODULES / FILES["bpmn-navigated-viewer.js"]).is_file()


def register(app: Flask) -> None:
    @app.get("/vendor/bpmn-js/<name>")
    def bpmn_js(name: str):
        target = FILES.get(name)
        if target is None or not (NODE_MODULES / target).is_file():
            abort(404)
        return send_from_directory(NODE_MODULES, target, max_age=86400)
