"""Word pieces per word from the model's own tokenizer: what chunking measures windows in."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

from retrieval.chunking import DEFAULT_WINDOWING, PieceCounter, Windowing, estimated_pieces

_DEFAULT_MAX_TOKENS = 256


class TokenizerPieces:
    """Counts word pieces with a sentence-transformers folder's `tokenizer.json` (Hugging Face `tokenizers`)."""

    def __init__(self, tokenizer_file: Path) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def __call__(self, words: Sequence[str]) -> list[int]:
        if not words:
            return []
        encodings = self._tokenizer.encode_batch(list(words), add_special_tokens=False)
        return [max(1, len(e.ids)) for e in encodings]


@functools.lru_cache(maxsize=8)  # one tokenizer per model folder, however many apps a process builds
def model_windowing(model_dir: Path | None, overlap: int = DEFAULT_WINDOWING.overlap) -> Windowing:
    """Windows that fit the model in `model_dir`: its `max_seq_length`, counted by its tokenizer.

    A folder without `tokenizer.json` (or none given) falls back to the estimate and 256 word pieces.
    """
    if model_dir is None:
        return Windowing(size=_DEFAULT_MAX_TOKENS, overlap=overlap, count=estimated_pieces)
    config_file = model_dir / "sentence_bert_config.json"
    config = json.loads(config_file.read_text()) if config_file.exists() else {}
    size = int(config.get("max_seq_length") or _DEFAULT_MAX_TOKENS)
    tokenizer_file = model_dir / "tokenizer.json"
    count: PieceCounter = TokenizerPieces(tokenizer_file) if tokenizer_file.exists() else estimated_pieces
    return Windowing(size=size, overlap=min(overlap, size // 2 - 1), count=count)
