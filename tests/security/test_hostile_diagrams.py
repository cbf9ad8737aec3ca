"""A corpus of hostile diagrams (tests/security/hostile/): each is refused when deployed, with a clear
message, or — when only running it can tell — stopped by the sandbox (a script or condition) or by the
engine's budget (a loop of automatic steps). Nothing of it reaches the disk: no marker file, nothing
new beside the database. What stops each is asserted, not how fast: the sandbox and the budget carry
their own limits (tests/unit/test_sandbox*.py, tests/security/test_engine_budget.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import func, select

from app.engine import sandbox
from app.services.cases import lifecycle
from app.services.editor import deployment
from app.services.kernel.errors import Invalid, InvalidDiagramError
from app.store.models import Case, ProcessVersion

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"
GOOD = (ROOT / "processes" / "budget_transfer.bpmn").read_bytes()
MARKER = Path("/tmp/planflow-owned")
CORPUS = sorted(HOSTILE.glob("*.bpmn"))
# Only these may be accepted at deploy: what they do wrong shows only when they run (sizes, loops).
STOPPED_AT_RUN_TIME_ONLY = {"condition-big-power", "condition-big-shift", "condition-string-multiplication",
                            "condition-list-multiplication", "condition-huge-range",
                            "condition-nested-comprehension", "condition-nested-comprehension-lists",
                            "condition-ljust", "condition-format-width", "condition-percent-width",
                            "condition-fstring-width", "script-huge-loop", "script-growing-list",
                            "script-big-power", "script-string-doubling",
                            # names that are not among the sandbox's functions: unknown when they run
                            "condition-getattr-walk", "condition-globals", "condition-open", "script-write-file",
                            # str.format is refused when called (the sandbox refuses the method)
                            "condition-format-walk",
                            # a value a case cannot store: the sandbox refuses what the script leaves
                            "script-unstorable-value",
                            # stopped by the engine's budget when a case starts: a loop of automatic steps,
                            # a step opened once for each of three million items
                            "loop-automatic", "multi-instance-millions"}
STOPPED_BY_THE_ENGINE_BUDGET = {"loop-automatic", "multi-instance-millions"}
_EXPRESSIONS = ".//{*}conditionExpression"
_SCRIPTS = ".//{*}scriptTask/{*}script"


def _versions(ctx) -> int:
    with ctx.read() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion))


def _files(*folders: Path) -> set[Path]:
    return {p for folder in folders if folder.exists() for p in folder.rglob("*")}


def _hostile_code(xml: bytes) -> list[tuple[str, str]]:
    """The expressions and scripts of the file that the good diagram does not have."""
    good_root, root = etree.fromstring(GOOD), etree.fromstring(xml)
    known = {(e.text or "").strip() for e in good_root.iterfind(_EXPRESSIONS)}
    known |= {(e.text or "").strip() for e in good_root.iterfind(_SCRIPTS)}
    found = [("expression", (e.text or "").strip()) for e in root.iterfind(_EXPRESSIONS)]
    found += [("script", (e.text or "").strip()) for e in root.iterfind(_SCRIPTS)]
    return [(kind, code) for kind, code in found if code not in known]


def test_the_corpus_covers_each_kind_of_attack():
    names = {p.stem for p in CORPUS}
    for needed in ("xml-external-entity", "xml-billion-laughs", "xml-deep-nesting", "condition-import",
                   "condition-subclasses", "script-while-true", "condition-huge-range",
                   "condition-nested-comprehension", "condition-string-multiplication", "condition-big-power",
                   "condition-format-walk", "call-self", "call-mutual", "loop-automatic", "multi-instance-millions",
                   "timer-endless-duration", "signal-never-sent", "event-subprocess-rewires"):
        assert needed in names
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_a_hostile_diagram_is_refused_at_deploy_or_stopped_when_it_runs(ctx, people, path, tmp_path):
    xml = path.read_bytes()
    watched = (ctx.attachments_dir, ROOT / "processes", ROOT / "forms", HOSTILE)
    before_files, before_versions = _files(*watched), _versions(ctx)
    try:
        deployment.deploy_version(ctx, people["owner"], "budget_transfer", xml)
    except InvalidDiagramError as refused:
        assert _versions(ctx) == before_versions, "a refused diagram stores nothing"
        messages = [d["message"] for d in refused.details]
        assert messages and all(isinstance(m, str) and len(m) > 10 for m in messages), messages
    else:
        assert path.stem in STOPPED_AT_RUN_TIME_ONLY, f"{path.name} was deployed"
        if path.stem in STOPPED_BY_THE_ENGINE_BUDGET:
            _starting_a_case_is_refused(ctx, people)
        else:
            _the_sandbox_stops_its_code(path, xml)
    assert not MARKER.exists(), "hostile code wrote a file"
    assert _files(*watched) == before_files, "something was written beside the database"


def _starting_a_case_is_refused(ctx, people) -> None:
    with ctx.read() as session:
        before = session.scalar(select(func.count()).select_from(Case))
    with pytest.raises(Invalid, match="automatic steps|tasks in one step"):
        lifecycle.start_case(ctx, people["plan1"], "budget_transfer", "ทดสอบ")
    with ctx.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == before


def _the_sandbox_stops_its_code(path: Path, xml: bytes) -> None:
    hostile = _hostile_code(xml)
    assert hostile, "the hostile expression or script was not found"
    data = {"decision": "approve", "category_from": "operating", "category_to": "other", "amount": 1}
    for kind, code in hostile:
        with pytest.raises((sandbox.SandboxError, NameError)) as stopped:
            (sandbox.evaluate if kind == "expression" else sandbox.execute)(code, dict(data))
        assert str(stopped.value), path.name


def test_an_oversized_diagram_is_refused_before_it_is_parsed(ctx, people):
    padding = b"<!-- " + b"x" * (3 * 1024 * 1024) + b" -->"
    xml = GOOD.replace(b"</bpmn:definitions>", padding + b"</bpmn:definitions>")
    with pytest.raises(InvalidDiagramError) as refused:
        deployment.deploy_version(ctx, people["owner"], "budget_transfer", xml)
    assert "larger than" in refused.value.details[0]["message"]


def test_hostile_diagrams_posted_to_the_api_get_a_400_naming_the_problem(api):
    for path in CORPUS:
        if path.stem in STOPPED_AT_RUN_TIME_ONLY:
            continue
        answer = api.as_("owner").post("/processes/budget_transfer/versions", data=path.read_bytes(),
                                       content_type="application/xml")
        assert answer.status_code == 400, (path.name, answer.status_code)
        assert answer.get_json()["error"]["details"], path.name
