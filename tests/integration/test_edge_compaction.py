"""Compaction of the embedded index (issue 14, item 5): after a guide is forgotten and the index compacted, no byte
of its text is left in any file under the index folder; a kill -9 at any step leaves a working index."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.edge_index import EdgeIndex
from tests.integration.test_qdrant_index import CHUNKS, EMBEDDER, _chunk, _fill, _query

ROOT = Path(__file__).parents[2]
SECRET = "Frobozzquark Zyxwquärk"  # an ASCII word and a non-ASCII one, so encoded and escaped forms differ
SECRET_CHUNK = _chunk("s1:1:summary", "s1", "A", f"{SECRET} tenant listing on the blue cluster")


def encodings(word: str) -> list[bytes]:
    """Every form a payload could store the word in: UTF-8, UTF-16 both ways, JSON-escaped or not."""
    forms = {word.encode(), word.encode("utf-16-le"), word.encode("utf-16-be")}
    forms |= {json.dumps(word).strip('"').encode(), json.dumps(word, ensure_ascii=False).strip('"').encode()}
    return sorted(forms)


SECRET_FORMS = [form for word in SECRET.split() for form in encodings(word)]


def traces(folder: Path) -> list[str]:
    """Files under `folder` that hold any form of the secret."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.relative_to(folder)}: {form!r}" for form in SECRET_FORMS if form in content]
    return found


def filled(folder: Path) -> EdgeIndex:
    index = EdgeIndex(folder, EMBEDDER.dimension)
    _fill(index, [*CHUNKS, SECRET_CHUNK])
    return index


def test_a_forgotten_guide_leaves_the_files_after_compaction(tmp_path: Path):
    folder = tmp_path / "vectors"
    index = filled(folder)
    index.forget_guide("s1")
    assert index.compaction_due()
    assert traces(folder), "deleted points' bytes stay in segments and WAL until compaction"

    assert index.compact() == len(CHUNKS)

    assert traces(folder) == []
    assert not index.compaction_due()
    assert index.count() == len(CHUNKS)
    assert index.search(*_query("jvm garbage collector"), ["A"], 1)[0].chunk == CHUNKS[1]
    index.close()
    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert reopened.count() == len(CHUNKS)
    assert [p.name for p in folder.iterdir() if p.is_dir()] == [reopened._location.name]  # type: ignore[union-attr]
    reopened.close()


def test_writes_made_while_compaction_copies_reach_the_new_shard(tmp_path: Path):
    many = [_chunk(f"g{i}:1:summary", f"g{i}", "A", f"kafka consumer note {i}") for i in range(600)]
    index = EdgeIndex(tmp_path / "vectors", EMBEDDER.dimension)
    _fill(index, [*many, *CHUNKS])
    late = _chunk("late:1:summary", "late", "B", "a guide published during the compaction")
    pages: list[tuple[int, int]] = []

    def meanwhile(copied: int, total: int) -> None:
        if not pages:  # after the first page, as a live request would
            _fill(index, [late])
            index.delete_guide("g599")
            index.forget_guide("a2")
        pages.append((copied, total))

    assert index.compact(meanwhile) == len(many) + len(CHUNKS)

    assert len(pages) == 3 and pages[-1] == (len(many) + len(CHUNKS), len(many) + len(CHUNKS))
    assert index.count() == len(many) + len(CHUNKS) + 1 - 2
    guides = {h.chunk.guide_id for h in index.search(*_query("a guide published during"), ["A", "B"], 50)}
    assert "late" in guides and "g599" not in guides and "a2" not in guides
    assert index.compaction_due(), "a guide forgotten during the copy may be in the new shard: compact again"
    index.compact()
    assert not index.compaction_due()
    index.close()


def test_a_failed_compaction_keeps_the_old_index_and_stays_due(tmp_path: Path):
    folder = tmp_path / "vectors"
    index = filled(folder)
    index.forget_guide("s1")

    def fail(copied: int, total: int) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        index.compact(fail)

    assert len(list(folder.glob("shard-*"))) == 1, "the half-built shard is removed"
    assert index.count() == len(CHUNKS) and index.compaction_due()
    index.compact()
    assert traces(folder) == []
    index.close()


# A kill -9 at each step of a compaction: while copying, while naming the new shard (its temporary marker
# written, not yet renamed), and after the swap, before the old shard's folder is removed.
_CRASH = {
    "copying": "index.compact(lambda done, total: kill())",
    "naming": "edge_index._write_durably = lambda path, content: (path.with_name(path.name + '.tmp').write_bytes(content), kill())\n"
    "index.compact()",
    "removing": "edge_index._remove = lambda entry: kill()\nindex.compact()",
}


@pytest.mark.parametrize("step", list(_CRASH))
def test_a_kill_during_compaction_leaves_the_old_or_the_new_index(tmp_path: Path, step: str):
    folder = tmp_path / "vectors"
    index = filled(folder)
    index.forget_guide("s1")
    index.close()
    script = (
        "import os, signal\n"
        "from pathlib import Path\n"
        "from retrieval import edge_index\n"
        f"index = edge_index.EdgeIndex(Path({str(folder)!r}), {EMBEDDER.dimension})\n"
        "kill = lambda: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"{_CRASH[step]}\n"
    )
    killed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr

    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert reopened.count() == len(CHUNKS)
    assert reopened.search(*_query("jvm garbage collector"), ["A"], 1)[0].chunk == CHUNKS[1]
    shards = [p.name for p in folder.iterdir() if p.is_dir()]
    assert shards == [reopened._location.name]  # type: ignore[union-attr]  # the other one is swept on open
    assert reopened.compaction_due(), "until the old files are gone the compaction is still due"
    reopened.compact()
    assert traces(folder) == []
    reopened.close()


def test_an_index_from_before_compaction_moves_into_a_shard_folder(tmp_path: Path):
    folder = tmp_path / "vectors"
    index = filled(folder)
    index.close()
    # The layout of earlier versions: the shard in the folder itself and a marker that names none.
    [shard] = folder.glob("shard-*")
    for entry in shard.iterdir():
        shutil.move(entry, folder / entry.name)
    shard.rmdir()
    marker = folder / "tacit-index.json"
    marker.write_text(json.dumps({k: v for k, v in json.loads(marker.read_text()).items() if k != "shard"}))

    old = EdgeIndex(folder, EMBEDDER.dimension)
    assert old.count() == len(CHUNKS) + 1
    old.forget_guide("s1")
    old.compact()

    assert not (folder / "segments").exists() and not (folder / "wal").exists()
    assert traces(folder) == []
    assert old.count() == len(CHUNKS)
    old.close()


def test_reset_leaves_nothing_due(tmp_path: Path):
    index = filled(tmp_path / "vectors")
    index.forget_guide("s1")
    index.reset()

    assert not index.compaction_due()
    assert traces(tmp_path / "vectors") == []
    assert index.count() == 0
    index.close()


def test_compaction_keeps_a_rebuild_note_and_every_point_it_vouches_for(tmp_path: Path):
    folder = tmp_path / "vectors"
    index = filled(folder)
    index.set_rebuild_note('{"after": "c", "chunks": 3}')  # as an interrupted rebuild leaves it
    index.forget_guide("s1")

    index.compact()
    index.close()

    reopened = EdgeIndex(folder, EMBEDDER.dimension)
    assert reopened.rebuild_note() == '{"after": "c", "chunks": 3}'  # beside the marker compaction rewrote
    assert reopened.count() == len(CHUNKS) and not reopened.compaction_due()
    reopened.close()
