"""Moved: the pages' repository is store/repositories/web.py (`uow.web`), its records are in store/records.py."""

from store.records import FeedbackRecord, GuideFacts, MissedSearchRecord, VersionRecord
from store.repositories.web import LINK_PREFIX, SESSION_PREFIX, WebRepository

__all__ = [
    "LINK_PREFIX",
    "SESSION_PREFIX",
    "FeedbackRecord",
    "GuideFacts",
    "MissedSearchRecord",
    "VersionRecord",
    "WebRepository",
]
