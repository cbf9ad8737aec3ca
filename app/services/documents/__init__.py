"""What the processes produce: documents built from a case's data, and which of them are public.
"""
