"""The use cases, one transaction each, in packages by capability. A package imports only the packages
before it in this order (tests/architecture holds the code to it):

    kernel -> accounts -> catalog -> calendar -> cases -> scheduling -> editor -> audit -> dashboard
    -> documents -> ops

`startup` installs, at start-up, what the services hook into (the dashboard's flush hook, the job handlers).
"""
