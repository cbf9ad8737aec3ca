"""What a step costs late in a long revise loop next to early in it: PlanFlow's open-task index against
SpiffWorkflow's own walks from the root (raw SpiffWorkflow, in memory, in the same run).

The suite asserts the same property by counting tasks visited (tests/unit/test_engine_walk_order.py);
this benchmark keeps the timing. A round is completing the draft step with "revise" and running the
engine on to the next draft; the figure is the median of the step that follows `rounds` revisions.

Run:  .venv/bin/python tests/benchmarks/bench_walk_order.py [--runs 5] [--rounds 20,600]
The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402

from app import engine  # noqa: E402
from app.engine import runtime  # noqa: E402
from tests.unit.test_engine_loops import T0, _revise  # noqa: E402


def _step_after(rounds: int) -> float:
    process, workflow = _revise(rounds, round_trip=False, last="revise")
    ready = engine.ready_human_tasks(workflow, process)
    began = time.perf_counter()
    engine.complete(workflow, ready[0].engine_id, {"decision": "revise"}, T0, "loop:timed")
    engine.ready_human_tasks(workflow, process)
    return time.perf_counter() - began


def _median_ms(rounds: int, runs: int) -> float:
    return statistics.median(_step_after(rounds) for _ in range(runs)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", default="20,600")
    args = parser.parse_args()
    early, late = (int(n) for n in args.rounds.split(","))
    ours = {n: _median_ms(n, args.runs) for n in (early, late)}
    runtime.CaseWorkflow = BpmnWorkflow  # SpiffWorkflow's own class: its walks from the root
    raw = {n: _median_ms(n, args.runs) for n in (early, late)}
    figures = {
        "rounds": [early, late],
        "planflow_ms": [round(ours[early], 3), round(ours[late], 3)],
        "raw_spiff_ms": [round(raw[early], 3), round(raw[late], 3)],
        "planflow_growth": round(ours[late] / ours[early], 2),
        "raw_spiff_growth": round(raw[late] / raw[early], 2),
        "late_step_vs_raw": round(ours[late] / raw[late], 3),
    }
    print(f"step after {early} rounds: PlanFlow {ours[early]:.3f} ms, raw SpiffWorkflow {raw[early]:.3f} ms")
    print(f"step after {late} rounds: PlanFlow {ours[late]:.3f} ms, raw SpiffWorkflow {raw[late]:.3f} ms")
    print(f"growth {early} → {late}: PlanFlow ×{figures['planflow_growth']}, raw ×{figures['raw_spiff_growth']}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
