"""Cases stored in format 1 (the whole state as one text) become chunks plus a live part without their
diagram: at any step, the upgrade writes what a first save of the loaded case writes, and a case
upgraded midway goes on to the very state it would have reached."""
from __future__ import annotations

import pytest

from app import engine

from .case_walks import Stored, office_walk, shape_walk
from .engine_shapes import SHAPES
from .test_office_diagrams_round_trip import DIAGRAMS


def _walk(name: str, variant: int):
    return office_walk(name, variant) if name in DIAGRAMS else shape_walk(name, variant)


@pytest.mark.parametrize("name", DIAGRAMS + SHAPES)
def test_a_format_1_state_upgrades_at_any_step_to_what_a_first_save_of_it_writes(name):
    walk = _walk(name, 1)
    for _ in walk.steps():
        text = engine.dump(walk.workflow)
        upgraded = engine.upgrade_to_flat(text)
        first = engine.save_flat(engine.load(walk.process, text))
        assert (upgraded.chunks, upgraded.live, upgraded.digest) == (first.chunks, first.live, first.digest)
        assert upgraded.replaces and [c.seq for c in upgraded.chunks] in ([], [1])
        chunks = [c.text for c in upgraded.chunks]
        assert engine.flat_full_text(chunks, upgraded.live) == text
        assert engine.dump(engine.load_flat(walk.process, chunks, upgraded.live)) == text


def _final(name: str, variant: int) -> tuple[str, int]:
    walk = _walk(name, variant)
    steps = sum(1 for _ in walk.steps())
    return engine.dump(walk.workflow), steps


@pytest.mark.parametrize("name", DIAGRAMS + SHAPES)
def test_a_case_upgraded_midway_goes_on_to_the_state_it_would_have_reached(name):
    expected, steps = _final(name, 2)
    for upgraded_at in sorted({1, steps // 2, steps - 2}):
        walk, stored = _walk(name, 2), Stored()
        for number in walk.steps():
            if number == upgraded_at:
                upgraded = engine.upgrade_to_flat(engine.dump(walk.workflow))
                stored.chunks, stored.live = [c.text for c in upgraded.chunks], upgraded.live
                walk.workflow = stored.load(walk.process)
            elif number > upgraded_at:
                assert not stored.save(walk.workflow).replaces, "the upgraded case appends to its chunks"
        assert engine.dump(walk.workflow) == expected, f"upgraded after step {upgraded_at}"
        assert engine.flat_full_text(stored.chunks, stored.live) == expected

