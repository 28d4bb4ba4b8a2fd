"""The store's own errors, so callers never need to know the ORM's."""

from __future__ import annotations


class DuplicateKey(Exception):
    """Another transaction stored the same key (a unique constraint) first; try again to see what it stored."""
