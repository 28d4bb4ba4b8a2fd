"""Discourse: webhooks in, the REST API out (private messages, announcement topics)."""
