"""The one LLM gateway: a typed interface and its errors. Adapters live in prompts/langchain_llm.py."""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


class LLMError(Exception):
    """Base class of LLM gateway errors."""


class LLMUnavailable(LLMError):
    """The endpoint could not be reached, timed out, or refused the request."""


class LLMOutputInvalid(LLMError):
    """The model answered, but not with output that fits the schema."""


class LLM(Protocol):
    def structured(self, prompt: str, schema: type[T]) -> T: ...
