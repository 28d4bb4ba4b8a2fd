"""Connectors: Slack, Discourse and Microsoft Teams. Signature checks, payload mapping, outgoing API clients."""
