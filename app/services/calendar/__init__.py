"""The office's time: Thai working days and the office's closures, when a step is due and which reminders it
gets, and the queue of jobs due at a given time (carried out by the scheduler, exactly once).
"""
