"""What happens by itself: diagram timers, reminders and escalations, processes that start on a schedule,
in-app notifications, e-mail, and each person's calendar feed.
"""
