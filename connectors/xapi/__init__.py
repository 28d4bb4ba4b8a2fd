"""An xAPI Learning Record Store, as Tacit talks to it."""
