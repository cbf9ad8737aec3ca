"""Every unit test runs with the state cross-check on: each format-2 save also compares what it wrote
before with a full dump (see app/engine/state.py)."""
import pytest


@pytest.fixture(autouse=True)
def state_crosscheck(monkeypatch):
    monkeypatch.setenv("PLANFLOW_STATE_CROSSCHECK", "1")
