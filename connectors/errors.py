"""Errors of the connectors; the API maps each to one status and the one error shape."""


class ConnectorError(Exception):
    """Base class of connector errors."""


class NotConfigured(ConnectorError):
    """The connector has no secret configured, so nothing it receives can be trusted."""


class InvalidSignature(ConnectorError):
    """The request is not signed by the platform (bad or missing signature, stale timestamp)."""


class InvalidPayload(ConnectorError):
    """The body is not the JSON the platform sends."""


class PlatformError(ConnectorError):
    """The platform's API refused a call; the message names the API method and the platform's error code."""


class RateLimited(PlatformError):
    """The platform asked us to slow down for longer than we are willing to wait inside a job."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
