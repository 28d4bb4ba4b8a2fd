"""A scripted LLM for tests: replies are queued with `enqueue`, and `history` shows what was asked."""

from __future__ import annotations

from collections import deque
from typing import Any

from pydantic import BaseModel, ValidationError

from prompts.llm import LLMOutputInvalid, LLMUnavailable, T


class FakeLLM:
    """Implements prompts.llm.LLM. Each `structured` call takes the next scripted reply.

    A dict or model reply is validated into the requested schema (a mismatch raises LLMOutputInvalid, as
    the real adapter does); an exception reply is raised; an empty queue raises LLMUnavailable.
    """

    def __init__(self, *replies: BaseModel | dict[str, Any] | Exception) -> None:
        self._replies: deque[BaseModel | dict[str, Any] | Exception] = deque(replies)
        self.history: list[tuple[str, type[BaseModel]]] = []

    def enqueue(self, reply: BaseModel | dict[str, Any] | Exception) -> None:
        """Script the reply to the next unanswered call."""
        self._replies.append(reply)

    @property
    def prompts(self) -> list[str]:
        """The prompts asked so far, in order."""
        return [prompt for prompt, _ in self.history]

    def structured(self, prompt: str, schema: type[T]) -> T:
        self.history.append((prompt, schema))
        if not self._replies:
            raise LLMUnavailable("FakeLLM has no scripted reply left")
        reply = self._replies.popleft()
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, schema):
            return reply
        data = reply.model_dump(mode="json") if isinstance(reply, BaseModel) else reply
        try:
            return schema.model_validate(data)
        except ValidationError as e:
            raise LLMOutputInvalid(f"scripted reply does not fit {schema.__name__}: {e}") from e
