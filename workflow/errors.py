"""Errors the workflow raises; the API maps each to one HTTP status and one error shape."""


class WorkflowError(Exception):
    """Base class: the message is meant for the person who made the request."""


class NotFound(WorkflowError):
    """The thing asked for does not exist (or the caller may not know it exists)."""


class Forbidden(WorkflowError):
    """The caller may not do this."""


class Conflict(WorkflowError):
    """The request clashes with the current state (e.g. replying to a closed nudge)."""


class InvalidInput(WorkflowError):
    """The request is well-formed but its content cannot be used."""
