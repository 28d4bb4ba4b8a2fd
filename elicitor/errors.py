"""Errors of the elicitation domain."""


class ElicitorError(Exception):
    """Base class of the elicitor's errors."""


class NudgeNotAllowed(ElicitorError):
    """The expert's policy forbids this nudge (opt-out, limit, repeat)."""
