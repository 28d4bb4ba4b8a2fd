"""Which platform channel feeds which community (a Slack channel, a Discourse category or site, a Teams channel)."""

from __future__ import annotations

from dataclasses import dataclass

from store.uow import UnitOfWork
from workflow.connectors.channels import check_platform
from workflow.errors import Conflict, NotFound
from workflow.services import Services


@dataclass(frozen=True)
class SourceLink:
    community_id: str
    platform: str
    workspace: str
    channel: str
    announce: bool
    nudges: bool


def link_source(services: Services, *, link: SourceLink) -> None:
    """Link a community to a Slack channel, a Discourse category (or site) or a Teams channel."""
    check_platform(link.platform)
    with services.uow() as uow:
        if uow.communities.get(link.community_id) is None:
            raise NotFound(f"community {link.community_id!r} does not exist; create it first")
        if link.platform == "teams":
            _one_teams_channel(uow, link)
        uow.connectors.link_source(
            community_id=link.community_id,
            platform=link.platform,
            workspace=link.workspace,
            channel=link.channel,
            announce=link.announce,
            nudges=link.nudges,
        )


def _one_teams_channel(uow: UnitOfWork, link: SourceLink) -> None:
    """Tacit posts to Teams through one incoming webhook, which posts to one channel, so Teams serves one community.

    Linking the community to another channel re-points it (its old Teams link goes); handing the linked channel to
    another community moves it; linking a second community to another channel is refused: its nudges and
    announcements would land in the first community's channel.
    """
    teams = [s for s in uow.connectors.sources_of() if s.platform == "teams"]
    for old in teams:
        if old.community_id == link.community_id and (old.workspace, old.channel) != (link.workspace, link.channel):
            uow.connectors.unlink_source(old.id)  # re-pointed
    others = [
        s
        for s in teams
        if s.community_id != link.community_id and (s.workspace, s.channel) != (link.workspace, link.channel)
    ]
    if others:
        taken = others[0]
        raise Conflict(
            f"Teams is already linked to {taken.community_id!r} (channel {taken.channel!r}): Tacit posts to "
            "Teams through one incoming webhook (TACIT_TEAMS_INCOMING_WEBHOOK_URL), which reaches one channel, "
            "so only one community can use Teams."
        )


def list_sources(services: Services) -> list[SourceLink]:
    with services.uow() as uow:
        return [
            SourceLink(r.community_id, r.platform, r.workspace, r.channel, r.announce, r.nudges)
            for r in uow.connectors.sources_of()
        ]
