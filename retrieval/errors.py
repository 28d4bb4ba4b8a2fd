"""Errors of retrieval."""


class IndexConfigError(Exception):
    """The stored index does not fit this one (vector names, dimension or sparse encoding): rebuild it."""


class EmbedderError(Exception):
    """The embedding model cannot be prepared (export failed, unsupported pooling)."""


class IndexBusy(Exception):
    """The embedded index's folder is held by another process: it has one writer (the serving process)."""
