"""People and their groups: accounts, passwords and API tokens, signing in with its throttle, each person's
own settings (reminder e-mail, calendar address), and the school register.
"""
