"""Workflow: the jobs and commands of the loop (ingest, assess, nudge, reply, synthesize, review, index, search)."""
