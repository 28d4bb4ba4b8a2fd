"""Synthesizer: turns a thread and an expert's replies into a cited, structured guide."""
