"""Running an installation: the scheduler's tick, readiness, backup and restore, the demo data and the
generator of realistic sample cases.
"""
