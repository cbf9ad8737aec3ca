"""What is deployed: each process's versions, each parsed once and shared by its cases, and the step forms
(JSON Schema) with the server's check of what is submitted. Read-only; deploying is the editor's.
"""
