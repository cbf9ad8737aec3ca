"""Budget management (§3.3): the table of which budget transfers the office may approve itself, kept by the
process owner (authority), and what a transfer case's analysis step learns from it (on_steps).

It comes after letters and before cases: a step of a transfer case reads the table inside its own
transaction, as a signed letter takes its number there.
"""
