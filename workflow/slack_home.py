"""Slack's App Home: the person's open follow-up questions, drafts waiting for them, their tandems' next tasks."""

from __future__ import annotations

from connectors.slack import interactive as ui
from workflow import guides, nudges, tandems
from workflow.job_types import SlackHome, defer
from workflow.services import Services
from workflow.slack_actions import NOT_LINKED, person_of, slack_client


def home_opened(services: Services, *, team: str, user: str) -> bool:
    """The app_home_opened event: queue publishing the tab (twins while one is queued are dropped)."""
    if slack_client(services) is None or not user:
        return False
    defer(services.runner, SlackHome(team, user))
    return True


def publish_home(services: Services, *, team: str, user: str) -> str:
    """Job: views.publish the person's App Home, each item with a button or a link to its page."""
    client = slack_client(services)
    if client is None:
        return "no slack"
    person_id = person_of(services, team, user)
    if person_id is None:
        client.publish_home(user, ui.home_view([], [], [], NOT_LINKED))
        return "not linked"
    base = services.public_url
    waiting = [
        ui.HomeItem(f"“{n.thread_title}”: {n.question}", f"{base}/inbox/{n.id}", ui.ANSWER, n.id, "Answer")
        for n in nudges.inbox(services, person_id=person_id)
    ]
    drafts = [
        ui.HomeItem(str(g.content.get("title", "")), f"{base}/guides/{g.id}/review", label="Review")
        for g in guides.guides_to_review(services, person_id=person_id)
    ]
    client.publish_home(user, ui.home_view(waiting, drafts, _next_tasks(services, person_id), ""))
    return "done"


def _next_tasks(services: Services, person_id: str) -> list[ui.HomeItem]:
    """Tasks the person's tandems took and have not finished; a tandem with none links to its suggestions."""
    items = []
    for view in tandems.my_tandems(services, person_id=person_id):
        row = view.row
        if row.status != "active":
            continue
        url = f"{services.public_url}/tandems/{row.id}"
        taken = [
            t
            for t in tandems.list_tasks(services, person_id=person_id, community_id=row.community_id, status="taken")
            if t.tandem_id == row.id
        ]
        partner = view.senior if row.junior_id == person_id else view.junior
        items += [ui.HomeItem(f"{t.title} (with {partner})", url) for t in taken]
        if not taken:
            items.append(ui.HomeItem(f"Pick your next task with {partner}", url, label="Suggestions"))
    return items
