"""Entrypoints: the FastAPI app, the `tacit` CLI, settings and the composition root."""
