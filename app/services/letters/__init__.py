"""Official letters: the outgoing and incoming registers, numbered per calendar year (numbers), what the steps
of a letter record in them when they are sent (on_steps), and reading the registers (registers).

The `official_letter` process (processes/official_letter.bpmn) drafts, initials, signs and dispatches every
letter that leaves the office; docs/letters.md says how a diagram calls it and what it gets back.
"""
