"""Retrieval: guide chunks embedded into a vector index, searched by meaning within what the reader may see."""
