"""Readers' feedback on guides found for a question: "not helpful" in Slack (and on the pages)."""

from __future__ import annotations

from store.feedback_repository import FeedbackRepository
from workflow.access import readable_communities, stranger, viewer_of
from workflow.errors import InvalidInput, NotFound
from workflow.privacy import screen_text
from workflow.services import Services

MAX_REASON_CHARS = 200
MAX_QUERY_CHARS = 1000


def record_feedback(
    services: Services, *, person_id: str | None, guide_id: str, helpful: bool, reason: str | None, query: str
) -> str:
    """Record a verdict on a published guide the person may read (None: someone not linked to Tacit, who reads
    open communities only); the question and reason are screened for personal data before they are stored."""
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(f"the reason has {len(reason)} characters; the limit is {MAX_REASON_CHARS}")
    with services.db.session() as session:
        repo = FeedbackRepository(session)
        viewer = viewer_of(repo, person_id) if person_id else stranger()
        guide = repo.get_guide_row(guide_id)
        if guide is None or guide.status != "published" or guide.community_id not in readable_communities(repo, viewer):
            raise NotFound(f"guide {guide_id!r} does not exist")
        return repo.add_feedback(
            guide_id=guide_id,
            person_id=person_id,
            helpful=helpful,
            reason=screen_text(services, reason).text if reason else None,
            query=screen_text(services, query[:MAX_QUERY_CHARS]).text,
        )
