"""Errors of the synthesizer."""


class SynthesisError(Exception):
    """A guide could not be synthesized from these sources."""


class InvalidGuide(SynthesisError):
    """A guide (edited or generated) breaks the guide rules, e.g. cites a message that is not a source."""
