"""What recording a step's state costs late in a long loop next to early in it: format 1 (the whole state as
one text, `engine.dump`) against format 2 (finished chunks plus a live part, `engine.save_flat`), loading
each back from what storage holds, and raw SpiffWorkflow in memory doing the same steps in the same run.

The diagram is ../shared/bench/loop.bpmn (a review step, a counter, a gateway back), with `n` raised so
that the case runs every round asked for; each round completes the review step with a note. A case is
run to the last round asked for, saved in format 2 after every step as the services would (untimed
except at the rounds measured). At a measured round r (the r-th completion of the review step):
  step       PlanFlow's engine.complete (with the run to the next wait)
  f1 save    engine.dump of the state after the step (what is stored today), and its size
  f2 save    engine.save_flat after the step: the chunk appended plus the live part, and their size
  f1 load    engine.load of that text;  f2 load: engine.load_flat of all chunks and the live part
  raw step   SpiffWorkflow alone (SpiffBpmnParser, BpmnWorkflow, get_tasks(READY, manual) -> data ->
             run -> do_engine_steps), in memory, at the same round of its own case
Each figure is the median over --runs cases (wall time; the thread's CPU time beside it in [ ]); as in
timeit, the garbage collector is paused during a timed call.
The suite asserts the same property by counting (tests/unit/test_engine_flat_state.py).

Run:  .venv/bin/python tests/benchmarks/bench_state.py [--runs 5] [--rounds 1,100,500]
The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from app import engine  # noqa: E402

LOOP = (ROOT.parent / "shared" / "bench" / "loop.bpmn").read_bytes()
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NOTE = {"note": "ข้อมูล note"}
Sample = tuple[float, float]  # (wall, CPU) seconds


def _timed(call: Callable[[], object]) -> tuple[object, Sample]:
    gc.disable()  # as timeit does: a collection owed by the case's earlier garbage is not this call's work
    try:
        t0, c0 = time.perf_counter(), time.thread_time()
        result = call()
        return result, (time.perf_counter() - t0, time.thread_time() - c0)
    finally:
        gc.enable()


def _diagram(rounds: int) -> bytes:
    assert b"n = 100" in LOOP, "loop.bpmn no longer sets n = 100"
    return LOOP.replace(b"n = 100", b"n = %d" % (rounds + 10))


def planflow_case(measured: list[int]) -> dict[int, dict[str, object]]:
    """One case to the last measured round; the figures at each measured round."""
    process = engine.compile_diagram(_diagram(max(measured)), "loop")
    workflow = engine.start(process, {}, T0, "bench:0")
    chunks: list[str] = []
    saved = engine.save_flat(workflow)
    chunks += [c.text for c in saved.chunks]
    found: dict[int, dict[str, object]] = {}
    for round_ in range(1, max(measured) + 1):
        [step] = engine.ready_human_tasks(workflow, process)

        def complete(step=step, round_=round_):
            engine.complete(workflow, step.engine_id, NOTE, T0 + timedelta(minutes=round_), f"bench:{round_}")

        _, step_time = _timed(complete)
        if round_ not in measured:
            saved = engine.save_flat(workflow)
            chunks += [c.text for c in saved.chunks]
            continue
        saved, f2_save = _timed(lambda: engine.save_flat(workflow))
        text, f1_save = _timed(lambda: engine.dump(workflow))
        chunks += [c.text for c in saved.chunks]
        _, f1_load = _timed(lambda text=text: engine.load(process, text))
        _, f2_load = _timed(lambda saved=saved, stored=list(chunks): engine.load_flat(process, stored, saved.live))
        found[round_] = {"step": step_time, "f1_save": f1_save, "f2_save": f2_save, "f1_load": f1_load,
                         "f2_load": f2_load, "f1_bytes": len(text.encode()), "f2_bytes": saved.bytes_written,
                         "f2_tasks": saved.tasks_written, "stored_chunks": len(chunks)}
    return found


def raw_case(measured: list[int]) -> dict[int, Sample]:
    """SpiffWorkflow alone, in memory: the step at each measured round of one case."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(_diagram(max(measured)))
    workflow = BpmnWorkflow(parser.get_spec("loop"), parser.get_subprocess_specs("loop"))
    workflow.do_engine_steps()
    found = {}
    for round_ in range(1, max(measured) + 1):
        def step():
            [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
            task.data.update(NOTE)
            task.run()
            workflow.do_engine_steps()

        _, sample = _timed(step)
        if round_ in measured:
            found[round_] = sample
    return found


def _median_ms(samples: list[Sample]) -> tuple[float, float]:
    return (round(statistics.median(s[0] for s in samples) * 1000, 3),
            round(statistics.median(s[1] for s in samples) * 1000, 3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", default="1,100,500")
    args = parser.parse_args()
    measured = sorted(int(n) for n in args.rounds.split(","))
    load_before = os.getloadavg()[0]
    planflow_case(measured[:1]), raw_case(measured[:1])  # warm-up: compile caches, imports
    ours: list[dict[int, dict[str, object]]] = []
    raw: list[dict[int, Sample]] = []
    for _ in range(args.runs):  # alternate, so that load from other processes falls on both alike
        ours.append(planflow_case(measured))
        raw.append(raw_case(measured))

    figures: dict[str, list] = {"rounds": measured}
    for name in ("step", "f1_save", "f2_save", "f1_load", "f2_load"):
        medians = [_median_ms([run[r][name] for run in ours]) for r in measured]  # type: ignore[misc]
        figures[f"{name}_ms"] = [m[0] for m in medians]
        figures[f"{name}_cpu_ms"] = [m[1] for m in medians]
    raw_medians = [_median_ms([run[r] for run in raw]) for r in measured]
    figures["raw_step_ms"] = [m[0] for m in raw_medians]
    figures["raw_step_cpu_ms"] = [m[1] for m in raw_medians]
    for name in ("f1_bytes", "f2_bytes", "f2_tasks", "stored_chunks"):
        figures[name] = [ours[0][r][name] for r in measured]
    for name in ("f1_save", "f2_save"):
        figures[f"{name}_vs_raw_step"] = [round(s / r, 3) for s, r in zip(figures[f"{name}_ms"],
                                                                          figures["raw_step_ms"], strict=True)]
    figures["step_and_f2_save_vs_raw_step"] = [
        round((a + b) / r, 3) for a, b, r in zip(figures["step_ms"], figures["f2_save_ms"], figures["raw_step_ms"],
                                                  strict=True)]

    print(f"{'round':>6} {'step ms':>16} {'raw step ms':>16} {'f1 save ms':>16} {'f1 bytes':>9} "
          f"{'f2 save ms':>16} {'f2 bytes':>9} {'f1 load ms':>16} {'f2 load ms':>16}")
    for i, r in enumerate(measured):
        def cell(name: str, i=i) -> str:
            return f"{figures[name + '_ms'][i]:.3f} [{figures[name + '_cpu_ms'][i]:.3f}]"
        print(f"{r:>6} {cell('step'):>16} {cell('raw_step'):>16} {cell('f1_save'):>16} {figures['f1_bytes'][i]:>9} "
              f"{cell('f2_save'):>16} {figures['f2_bytes'][i]:>9} {cell('f1_load'):>16} {cell('f2_load'):>16}")
    first, last = measured[0], measured[-1]
    print(f"save growth round {first} -> {last}: format 1 x{figures['f1_save_ms'][-1] / figures['f1_save_ms'][0]:.1f}"
          f", format 2 x{figures['f2_save_ms'][-1] / figures['f2_save_ms'][0]:.2f}; "
          f"format-2 save / raw step: {figures['f2_save_vs_raw_step']}")
    load = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(f"1-minute load average before / after: {load[0]} / {load[1]} on {os.cpu_count()} CPUs")
    print(json.dumps({**figures, "runs": args.runs, "loadavg": load}, separators=(",", ":")))


if __name__ == "__main__":
    main()
