"""The house's shape, held by its source: no import cycle anywhere in app/ (an import inside a function is
still a dependency; an `if TYPE_CHECKING:` block is not), each capability package of the services importing
only the packages below it, no module over 400 lines, and no module using another module's private names.

Each check first proves on a small package written to a temporary folder that it does fail on what it
forbids, so a check that could never fail fails here.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from . import layout

APP = Path(__file__).resolve().parents[2] / "app"
MAX_LINES = 400
SERVICES = "app.services"
# The capability packages of app/services, lowest first: each may import only those before it.
LAYERS = ("kernel", "accounts", "catalog", "calendar", "letters", "budget", "cases", "scheduling", "editor", "audit",
          "dashboard", "documents", "ops")


@pytest.fixture(scope="module")
def app_modules() -> dict[str, layout.Module]:
    return layout.modules(APP)



def layer_breaches(known: dict[str, layout.Module], layers: tuple[str, ...], root: str) -> list[str]:
    """Imports of a capability package of `root` that reach a package at its level's right (or one not in
    `layers`), as 'importer -> imported'."""
    breaches = []
    for importer, targets in layout.import_graph(known).items():
        if not importer.startswith(root + ".") or len(importer.split(".")) <= root.count(".") + 2:
            continue  # root's own top-level modules (start-up wiring) may import any capability
        own = importer.split(".")[root.count(".") + 1]
        for target in targets:
            if not target.startswith(root + "."):
                continue
            other = target.split(".")[root.count(".") + 1]
            if other == own:
                continue
            if own not in layers or other not in layers or layers.index(other) > layers.index(own):
                breaches.append(f"{importer} -> {target}")
    return sorted(breaches)


def too_long(known: dict[str, layout.Module], limit: int = MAX_LINES) -> list[str]:
    """Modules over `limit` lines, as 'name: lines'."""
    return [f"{name}: {lines}" for name, lines in sorted(layout.lengths(known).items()) if lines > limit]


def _write(root: Path, files: dict[str, str]) -> dict[str, layout.Module]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return layout.modules(root / next(iter(files)).split("/")[0])


def test_the_checks_fail_on_what_they_forbid(tmp_path):
    """A lazy import closing a circle is a cycle; a TYPE_CHECKING import is not; a long module, a private
    name taken from another module and an import of a higher capability are each found."""
    known = _write(tmp_path, {
        "house/__init__.py": "",
        "house/a.py": "from house import b\n\n_hidden = 1\n",
        "house/b.py": "def later():\n    from . import a  # inside a function: still a dependency\n    return a\n",
        "house/c.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from house import d\n",
        "house/d.py": "from house import c\n",
        "house/e.py": "from house.a import _hidden\n" + "x = 1\n" * MAX_LINES,
        "house/f.py": "from house import a\n\nprint(a._hidden)\n",
        "house/low/__init__.py": "",
        "house/low/one.py": "from house.high import two\n",
        "house/high/__init__.py": "",
        "house/high/two.py": "from house.low import one\n",
    })
    assert layout.cycles(layout.import_graph(known)) == [["house.a", "house.b"], ["house.high.two", "house.low.one"]]
    assert too_long(known) == [f"house.e: {MAX_LINES + 1}"]
    assert [use.split(": ")[1] for use in layout.private_uses(known)] == ["house.a._hidden", "house.a._hidden"]
    assert layer_breaches(known, ("low", "high"), "house") == ["house.low.one -> house.high.two"]


def test_nothing_in_app_imports_in_a_circle(app_modules):
    found = layout.cycles(layout.import_graph(app_modules))
    assert found == [], "import cycles (imports inside functions count): " + "; ".join(" <-> ".join(c) for c in found)


def test_each_capability_of_the_services_imports_only_those_below_it(app_modules):
    packages = {name.split(".")[2] for name in app_modules if name.startswith(SERVICES + ".") and name.count(".") >= 3}
    assert packages <= set(LAYERS), f"place every capability package in LAYERS: {sorted(packages - set(LAYERS))}"
    assert layer_breaches(app_modules, LAYERS, SERVICES) == []


def test_no_module_is_longer_than_400_lines(app_modules):
    assert too_long(app_modules) == [], "split these modules"


def test_no_module_uses_another_modules_private_names(app_modules):
    assert layout.private_uses(app_modules) == [], "make the name public, or keep its use in its own module"
