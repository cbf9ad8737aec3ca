"""Every table of the schema in one metadata: the core tables and each feature's.

Import this module where the whole schema matters (Alembic's environment, a check that counts every
table); a use case imports only the model modules it reads.
"""
from __future__ import annotations

from . import (  # noqa: F401 - each adds its tables
    budget_models,
    dashboard_models,
    deadline_models,
    editor_models,
    letter_models,
    models,
    ui_models,
)
from .base import Base

metadata = Base.metadata
