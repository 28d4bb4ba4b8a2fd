"""Microsoft Teams: an outgoing webhook in, an incoming webhook out."""
