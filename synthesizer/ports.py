"""Interfaces of the synthesizer."""

from __future__ import annotations

from typing import Protocol

from elicitor.model import Reply, Thread
from synthesizer.model import GuideDraft


class GuideWriter(Protocol):
    """Turns a thread and the expert's replies into a guide draft whose sentences cite their sources."""

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft: ...
