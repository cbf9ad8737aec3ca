"""How long an auditor waits for `verify`: one long case, and many cases at once.

1. A 500-event case: a revise loop (draft → count → again?) completed 499 times through the service
   layer on SQLite (timed: the live step path), then `verification.verify_case` (hash chain + deterministic
   replay) timed several times, and its replay page once. Target ≤ 1 s. Beside it, in the same run:
   raw SpiffWorkflow running the same steps in memory (its own tree walks, our parsed spec, its
   default script engine), and our engine facade doing the same.
2. Many events across cases: `--cases N` generated cases (app.services.ops.generator, realistic, every
   state) verified with `verification.verify_all`; events per second extrapolate to 1M events (the JSON says
   so: `1m_events_measured` is false unless a run had that many).

Run: .venv/bin/python tests/benchmarks/bench_verify.py [--cases 2000] [--runs 5].
The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from app import engine  # noqa: E402
from app.services import startup  # noqa: E402
from app.services.accounts import users  # noqa: E402
from app.services.audit import inspection, verification  # noqa: E402
from app.services.cases import lifecycle, step_actions  # noqa: E402
from app.services.editor import deployment  # noqa: E402
from app.services.kernel.actors import SYSTEM  # noqa: E402
from app.services.kernel.context import ServiceContext  # noqa: E402
from app.services.ops import demo, generator  # noqa: E402
from app.store import db, schema  # noqa: E402
from tests.unit.test_engine_loops import LOOP_XML  # noqa: E402


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


DECISION_FORM = {"type": "object", "properties": {"decision": {"type": "string", "enum": ["revise", "approve"]}},
                 "required": ["decision"], "additionalProperties": False}
REVISE_XML = LOOP_XML.replace(
    b'<bpmn:userTask id="draft" name="Draft">',
    b'<bpmn:userTask id="draft" name="Draft"><bpmn:extensionElements><spiffworkflow:properties>'
    b'<spiffworkflow:property name="formJsonSchemaFilename" value="revise_decision.json"/>'
    b'</spiffworkflow:properties></bpmn:extensionElements>').replace(
    b'xmlns:xsi=', b'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:xsi=')


def _context(folder: Path) -> ServiceContext:
    forms = folder / "forms"
    shutil.copytree(ROOT / "forms", forms)
    (forms / "revise_decision.json").write_text(json.dumps(DECISION_FORM))
    startup.install()  # what every entry point installs (flush hook, job handlers)
    ctx = ServiceContext(db=db.connect(f"sqlite:///{folder / 'bench.db'}"), attachments_dir=folder / "files",
                         forms_dir=forms, processes_dir=ROOT / "processes", clock=Clock())
    schema.upgrade(ctx.db.writer.kw["bind"])
    users.use_password_hasher(users.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    demo.create_demo(ctx)
    return ctx


def long_case(ctx: ServiceContext, steps: int) -> tuple[int, int]:
    deployment.deploy_version(ctx, SYSTEM, "revise", REVISE_XML)
    admin = users.actor_for_username(ctx, "admin")
    case = lifecycle.start_case(ctx, admin, "revise", "ร่างที่แก้ไขหลายรอบ")
    for i in range(steps):
        task = lifecycle.get_case(ctx, admin, case["id"])["open_tasks"][0]
        step_actions.complete(ctx, admin, task["id"], {"decision": "revise" if i < steps - 1 else "approve"})
    return case["id"], steps + 1


def raw_steps(steps: int) -> float:
    """SpiffWorkflow on its own, in memory: the same diagram and the same steps, its own tree walks."""
    process = engine.compile_diagram(LOOP_XML, "revise")
    began = time.perf_counter()
    workflow = BpmnWorkflow(process.spec, process.subprocess_specs, script_engine=PythonScriptEngine())
    workflow.do_engine_steps()
    for i in range(steps):
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        ready.data["decision"] = "revise" if i < steps - 1 else "approve"
        ready.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
    assert workflow.is_completed()
    return time.perf_counter() - began


def engine_steps(steps: int) -> float:
    """The same steps through our engine facade, in memory (no database, no dumps)."""
    process = engine.compile_diagram(LOOP_XML, "revise")
    at = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    began = time.perf_counter()
    workflow = engine.start(process, {}, at, "raw:1")
    for i in range(steps):
        ready = engine.ready_human_tasks(workflow, process)[0]
        engine.complete(workflow, ready.engine_id, {"decision": "revise" if i < steps - 1 else "approve"},
                        at + timedelta(seconds=i + 1), f"raw:{i + 2}")
    assert engine.is_completed(workflow)
    return time.perf_counter() - began


def long_case_figures(ctx: ServiceContext, steps: int, runs: int) -> dict:
    """Record the long case live, verify it `runs` times, open its replay page; raw and engine beside."""
    began = time.perf_counter()
    case_id, _ = long_case(ctx, steps)
    live = time.perf_counter() - began
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        verdict = verification.verify_case(ctx, SYSTEM, case_id)
        timings.append(time.perf_counter() - began)
        assert verdict.ok, verdict.problems
    began = time.perf_counter()
    replay = inspection.replay_case(ctx, SYSTEM, case_id)
    replay_page = time.perf_counter() - began
    assert all(s.get("state_matches") for s in replay["steps"])
    verify_p50 = statistics.median(timings)
    raw, ours = raw_steps(steps), engine_steps(steps)
    print(f"verify a case of {verdict.events} events: p50 {verify_p50:.3f} s over {runs} runs (target 1 s); "
          f"its replay page (every event's data and path): {replay_page:.3f} s")
    print(f"recording it live through the services (SQLite): {live:.1f} s, {live / steps * 1000:.1f} ms per step")
    print(f"the same {steps} steps in memory: raw SpiffWorkflow {raw:.3f} s, our engine {ours:.3f} s; "
          f"verify / raw = {verify_p50 / raw:.2f}")
    return {"long_case_events": verdict.events, "verify_long_case_p50_s": round(verify_p50, 3),
            "raw_spiffworkflow_same_steps_in_memory_s": round(raw, 3), "engine_same_steps_in_memory_s": round(ours, 3),
            "ratio_verify_vs_raw": round(verify_p50 / raw, 2), "target_long_case_s": 1.0,
            "replay_page_long_case_s": round(replay_page, 3), "live_steps_long_case_s": round(live, 2)}


def across_cases_figures(ctx: ServiceContext, cases: int, long_events: int) -> dict:
    """Generate `cases` cases and verify every case in the database; events per second, and 1M from it."""
    written = generator.generate_cases(ctx, cases)
    began = time.perf_counter()
    verdicts = verification.verify_all(ctx)
    many = time.perf_counter() - began
    assert all(v.ok for v in verdicts)
    total_events = written["events"] + long_events
    per_second = total_events / many
    measured = total_events >= 1_000_000
    print(f"verify {len(verdicts)} cases, {total_events} events: {many:.1f} s, {per_second:.0f} events/s; "
          f"1M events across cases would take about {1_000_000 / per_second / 60:.1f} min on one core "
          f"({'measured' if measured else 'extrapolated from this run, not run at that scale'})")
    return {"cases": len(verdicts), "events": total_events, "verify_all_s": round(many, 2),
            "events_per_s": round(per_second), "est_1m_events_min": round(1_000_000 / per_second / 60, 1),
            "1m_events_measured": measured}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=499)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = _context(Path(tmp))
        figures = long_case_figures(ctx, args.steps, args.runs)
        figures |= across_cases_figures(ctx, args.cases, figures["long_case_events"])
        ctx.db.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
