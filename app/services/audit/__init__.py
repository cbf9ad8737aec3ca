"""Proving the record: a case's hash chain and replay verified (every case each night), and what auditors
read: a case replayed event by event, its history as CSV, events across cases, the cases to audit.
"""
