"""`tacit connect slack|discourse|teams|person|list`: link communities to where they talk, with set-up help."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.table import Table

from api.bootstrap import Tacit, build
from api.settings import Settings
from workflow.connectors import SourceLink, link_identity, link_source, list_sources
from workflow.errors import WorkflowError

app = typer.Typer(
    help="Link communities to Slack channels, Discourse categories and Teams channels.", no_args_is_help=True
)
console = Console(stderr=True)


@contextmanager
def _tacit() -> Iterator[Tacit]:
    tacit = build(Settings())
    try:
        yield tacit
    except WorkflowError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    finally:
        tacit.stop()


def _link(link: SourceLink) -> None:
    with _tacit() as tacit:
        link_source(tacit.services, link=link)
    where = f"{link.workspace} {link.channel or '(all channels)'}"
    console.print(f"{link.community_id} ← {link.platform} {where}; announce={link.announce} nudges={link.nudges}")


@app.command("slack")
def slack(
    community: str = typer.Option(..., "--community", "-c", help="Tacit community id."),
    team: str = typer.Option(..., help="Slack team (workspace) id, T..."),
    channel: str = typer.Option(..., help="Slack channel id, C... (channel details → About → Channel ID)."),
    announce: bool = typer.Option(True, help="Announce newly published guides in this channel."),
    nudges: bool = typer.Option(True, help="Deliver nudges to experts by Slack DM."),
) -> None:
    """Link a community to a Slack channel.

    \b
    Set-up (api.slack.com/apps → Create New App → From an app manifest): paste connectors/slack/manifest.yaml
    with tacit.example.com replaced by your TACIT_PUBLIC_URL. It sets up, or set up by hand:
    1. OAuth & Permissions → Bot Token Scopes: channels:history, groups:history, im:history, im:write,
       chat:write, commands, reactions:read, users:read (users:read.email to match people by email).
       Install to the workspace; put the Bot User OAuth Token (xoxb-...) in TACIT_SLACK_BOT_TOKEN.
    2. Basic Information → Signing Secret → TACIT_SLACK_SIGNING_SECRET.
    3. Event Subscriptions → Request URL: https://<tacit>/v1/webhooks/slack (Slack checks it at once);
       bot events: app_home_opened, message.channels, message.groups, message.im, reaction_added.
    4. Interactivity & Shortcuts → Request URL: https://<tacit>/v1/webhooks/slack/interactivity;
       a message shortcut "Capture this thread" with callback id tacit_capture.
    5. Slash Commands → /tacit, Request URL: https://<tacit>/v1/webhooks/slack/commands.
    6. App Home → Home Tab on; allow users to send messages in the Messages tab (DM replies to nudges).
    7. Set TACIT_PUBLIC_URL: links in Slack point at Tacit's pages there.
    8. /invite @YourApp in the channel, then run this command.

    Example: tacit connect slack --community platform --team T0123 --channel C0456
    """
    _link(SourceLink(community, "slack", team, channel, announce, nudges))


@app.command("discourse")
def discourse(
    community: str = typer.Option(..., "--community", "-c", help="Tacit community id."),
    category: str = typer.Option("", help="Category id (in /c/<slug>/<id>); empty for the whole site."),
    announce: bool = typer.Option(False, help="Post a topic in the category for each newly published guide."),
    nudges: bool = typer.Option(True, help="Deliver nudges to experts as Discourse private messages."),
) -> None:
    """Link a community to a Discourse category (or the whole site, TACIT_DISCOURSE_URL).

    \b
    Set-up (as a Discourse admin):
    1. Admin → API → New API Key, user level "single user" (e.g. a `tacit` account), scope global or
       posts:write + topics:read + users:show; put it in TACIT_DISCOURSE_API_KEY and the user in
       TACIT_DISCOURSE_API_USERNAME; the site URL in TACIT_DISCOURSE_URL.
    2. Admin → API → Webhooks → New: Payload URL https://<tacit>/v1/webhooks/discourse, content type
       application/json, a secret (→ TACIT_DISCOURSE_WEBHOOK_SECRET); events: Topic Event and Post Event.
       Leave the category filter empty: replies to nudge PMs have no category; Tacit filters by category itself.

    Example: tacit connect discourse --community platform --category 5
    """
    with _tacit() as tacit:
        site = (tacit.settings.discourse_url or "").rstrip("/")
    if not site:
        console.print("[red]error:[/red] set TACIT_DISCOURSE_URL first")
        raise typer.Exit(1)
    _link(SourceLink(community, "discourse", site, category, announce, nudges))


@app.command("teams")
def teams(
    community: str = typer.Option(..., "--community", "-c", help="Tacit community id."),
    tenant: str = typer.Option(..., help="Microsoft Entra tenant id."),
    channel: str = typer.Option(..., help="Teams channel id, 19:...@thread.tacv2 (from 'Get link to channel')."),
    announce: bool = typer.Option(True, help="Announce newly published guides through the incoming webhook."),
    nudges: bool = typer.Option(False, help="Post nudges in the incoming webhook's channel (NOT private)."),
) -> None:
    """Link a community to a Teams channel.

    \b
    Set-up (a team owner):
    1. Team → Manage team → Apps → Create an outgoing webhook: name "Tacit", callback URL
       https://<tacit>/v1/webhooks/teams; copy the security token shown once → TACIT_TEAMS_SECURITY_TOKEN.
       Teams sends Tacit only the messages that @mention Tacit.
    2. Channel → Workflows → "Post to a channel when a webhook request is received" (or an Incoming Webhook
       connector); copy the URL → TACIT_TEAMS_INCOMING_WEBHOOK_URL. Announcements go there.
    3. Nudges on Teams are off by default: an incoming webhook cannot send private messages. With --nudges
       they are posted in that channel (use a private experts' channel) and answered with
       "@Tacit answer CODE <answer>".

    Example: tacit connect teams --community platform --tenant 72f9... --channel "19:abc@thread.tacv2"
    """
    _link(SourceLink(community, "teams", tenant, channel, announce, nudges))


@app.command("person")
def person(
    handle: str = typer.Argument(..., help="The Tacit person's handle."),
    platform: str = typer.Option(..., help="slack, discourse or teams."),
    user: str = typer.Option(..., help="Slack user id (U...), Discourse username, or Teams AAD object id."),
    workspace: str = typer.Option(..., help="Slack team id, Discourse site URL, or Teams tenant id."),
) -> None:
    """Say which platform account is a Tacit person, so their messages count as theirs and nudges reach them.

    Without it, a platform user becomes a new member on first message (Slack matches by email when it can).

    Example: tacit connect person marta --platform slack --user U0789 --workspace T0123
    """
    with _tacit() as tacit:
        link_identity(tacit.services, handle=handle, platform=platform, workspace=workspace.rstrip("/"), user_id=user)
    console.print(f"{handle} is {user} on {platform}")


@app.command("list")
def show() -> None:
    """The linked sources of every community."""
    with _tacit() as tacit:
        links = list_sources(tacit.services)
    table = Table("community", "platform", "workspace", "channel", "announce", "nudges")
    for link in links:
        table.add_row(
            link.community_id,
            link.platform,
            link.workspace,
            link.channel or "(all)",
            str(link.announce),
            str(link.nudges),
        )
    Console().print(table)
