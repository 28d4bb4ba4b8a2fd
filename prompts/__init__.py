"""Prompt templates (jinja2) and the single LLM gateway."""
