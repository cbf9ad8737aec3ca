"""Running cases: starting, reading and stopping them (lifecycle), running one engine step and recording it
(step_runner), acting on a step (step_actions), the inbox, step drafts, messages from outside, attachments,
comments, the hash-chained history, what a case waits for, and what the case and step pages show (page_data).
"""
