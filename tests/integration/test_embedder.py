import math

import pytest

from retrieval.embedder import MINILM_DIMENSION, SentenceTransformerEmbedder
from retrieval.qdrant_index import QdrantIndex, open_embedded
from retrieval.search import GuideSearch
from synthesizer.model import CitedSentence, GuideDraft, Section


def test_construction_loads_nothing():
    embedder = SentenceTransformerEmbedder()

    assert embedder.dimension == MINILM_DIMENSION
    assert embedder._model is None


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    e = SentenceTransformerEmbedder()
    e.load()
    return e


def _guide(title: str, summary: str, steps: list[str]) -> GuideDraft:
    return GuideDraft(
        title=title,
        sections={
            Section.SUMMARY: [CitedSentence(text=summary, citations=["s"])],
            Section.STEPS: [CitedSentence(text=t, citations=[f"t{i}"]) for i, t in enumerate(steps)],
        },
    )


@pytest.mark.model
def test_vectors_are_normalized_and_of_the_models_dimension(embedder: SentenceTransformerEmbedder):
    vectors = embedder.embed(["reset a forgotten password", "rotate the TLS certificate"], kind="document")

    assert embedder.dimension == 384
    assert [len(v) for v in vectors] == [384, 384]
    assert all(math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-4) for v in vectors)
    assert embedder.embed([], kind="query") == []


@pytest.mark.model
def test_a_paraphrase_ranks_its_guide_first(embedder: SentenceTransformerEmbedder):
    client = open_embedded(None)
    search = GuideSearch(embedder, QdrantIndex(client, "guides", embedder.dimension))
    search.index_guide(
        "wifi",
        "ubuntu",
        1,
        _guide(
            "Wireless network disappears after resume from suspend",
            "Reload the iwlwifi kernel module after the laptop wakes up.",
            ["Run sudo modprobe -r iwlwifi.", "Run sudo modprobe iwlwifi."],
        ),
    )
    search.index_guide(
        "grub",
        "ubuntu",
        1,
        _guide(
            "Restore the boot menu after installing Windows",
            "Reinstall GRUB from a live USB to get the dual-boot menu back.",
            ["Boot the live USB.", "Chroot into the installed system and run grub-install."],
        ),
    )
    search.index_guide(
        "disk",
        "ubuntu",
        1,
        _guide(
            "Free up space on a full root partition",
            "Clean the apt cache and remove old kernels.",
            ["Run sudo apt clean.", "Run sudo apt autoremove --purge."],
        ),
    )

    query = "my laptop loses its wi-fi connection every time it comes back from sleep"
    hits = search.search(query, ["ubuntu"])

    assert [h.guide_id for h in hits][0] == "wifi"
    assert len({h.guide_id for h in hits}) == len(hits) == 3
    client.close()
