"""Changing the processes: deploying a diagram, the editor's check, diagram drafts, versions and their
differences, moving running cases to a newer version, importing Camunda and spiff-arena models, and editing
step forms. Process owners and administrators, except reading versions.
"""
