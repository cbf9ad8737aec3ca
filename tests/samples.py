"""Valid form data made from a form's own JSON Schema (the same filler the demo generator uses)."""
from app.services.ops.sample_data import fill, value_for  # noqa: F401
