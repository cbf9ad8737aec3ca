"""Persistence: typed models, engines and sessions, migrations."""
