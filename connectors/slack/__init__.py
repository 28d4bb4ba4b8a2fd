"""Slack: Events API in, Web API out (DMs, announcements, users.info)."""
