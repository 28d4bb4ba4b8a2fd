"""The platform clients Tacit talks back to, by platform name."""

from __future__ import annotations

from connectors.model import PLATFORMS, Channel
from workflow.errors import InvalidInput
from workflow.services import Services


def channel_for(services: Services, platform: str) -> Channel | None:
    return next((c for c in services.channels if c.platform == platform), None)


def check_platform(platform: str) -> None:
    if platform not in PLATFORMS:
        raise InvalidInput(f"platform must be one of {', '.join(PLATFORMS)}")
