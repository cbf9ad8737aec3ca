"""The supervisors' dashboard: who sees what (scope), open, overdue and stalled work and the workload
(overview), how long steps wait (step_times), and the projections of completed steps it reads (step_stats,
wait_stats).
"""
