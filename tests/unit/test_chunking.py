import pytest

from retrieval.chunking import Windowing, chunk_guide, embedding_text, estimated_pieces
from synthesizer.model import CitedSentence, GuideDraft, Section


def _draft() -> GuideDraft:
    return GuideDraft(
        title="Pin the CUDA toolkit version in CI",
        sections={
            Section.SUMMARY: [
                CitedSentence(text="Pin the toolkit to the driver's major version.", citations=["m1"]),
            ],
            Section.STEPS: [
                CitedSentence(text="Read the driver version with nvidia-smi.", citations=["m2"]),
                CitedSentence(text="Install the matching toolkit.", citations=["m2", "m3"]),
            ],
            Section.PITFALLS: [],
        },
    )


def test_one_chunk_per_non_empty_section_in_section_order():
    chunks = chunk_guide("g1", "c1", 3, _draft())

    assert [c.section for c in chunks] == ["summary", "steps"]
    assert chunks[1].text == "Read the driver version with nvidia-smi. Install the matching toolkit."
    assert all(c.guide_id == "g1" and c.community_id == "c1" for c in chunks)
    assert all(c.title == "Pin the CUDA toolkit version in CI" for c in chunks)


def test_chunk_ids_are_stable_and_carry_the_version():
    first = chunk_guide("g1", "c1", 3, _draft())
    again = chunk_guide("g1", "c1", 3, _draft())
    newer = chunk_guide("g1", "c1", 4, _draft())

    assert [c.id for c in first] == ["g1:3:summary", "g1:3:steps"]
    assert [c.id for c in again] == [c.id for c in first]
    assert [c.id for c in newer] == ["g1:4:summary", "g1:4:steps"]


def test_citations_are_the_union_of_the_sections_sentences():
    chunks = chunk_guide("g1", "c1", 1, _draft())

    assert chunks[0].citations == ("m1",)
    assert chunks[1].citations == ("m2", "m3")


def test_blank_sentences_do_not_make_a_chunk():
    draft = GuideDraft(
        title="t",
        sections={Section.RATIONALE: [CitedSentence(text="   ", citations=["m1"])]},
    )

    assert chunk_guide("g", "c", 1, draft) == []


def test_a_guide_with_no_sections_has_no_chunks():
    assert chunk_guide("g", "c", 1, GuideDraft(title="Empty")) == []


def test_the_embedded_text_starts_with_the_guide_title():
    [summary, _] = chunk_guide("g1", "c1", 1, _draft())

    assert embedding_text(summary).startswith("Pin the CUDA toolkit version in CI\n")
    assert summary.text in embedding_text(summary)


def _words(n: int, start: int = 0) -> str:
    return " ".join(f"w{i}" for i in range(start, start + n))


def _one_piece_per_word(words):
    return [1] * len(words)


SMALL = Windowing(size=32, overlap=8, count=_one_piece_per_word)


def _long_draft(sentences: list[str], title: str = "Title words") -> GuideDraft:
    return GuideDraft(
        title=title,
        sections={Section.STEPS: [CitedSentence(text=t, citations=[f"m{i}"]) for i, t in enumerate(sentences)]},
    )


def test_a_long_section_is_cut_into_overlapping_windows_that_fit_the_model():
    draft = _long_draft([_words(100)])

    chunks = chunk_guide("g", "c", 1, draft, SMALL)

    budget = 32 - 2 - 2  # special tokens, then the two title words
    assert all(len(c.text.split()) <= budget for c in chunks)
    assert " ".join(chunks[0].text.split()[-8:]) == " ".join(chunks[1].text.split()[:8])  # 8 pieces overlap
    covered = {w for c in chunks for w in c.text.split()}
    assert covered == set(_words(100).split())  # nothing dropped
    assert chunks[-1].text.split()[-1] == "w99"


def test_windows_have_their_own_ids_and_the_first_keeps_the_section_id():
    chunks = chunk_guide("g", "c", 2, _long_draft([_words(60)]), SMALL)

    assert [c.id for c in chunks] == ["g:2:steps"] + [f"g:2:steps:{n}" for n in range(1, len(chunks))]
    assert len(chunks) >= 2


def test_a_window_cites_only_the_sentences_it_holds():
    chunks = chunk_guide("g", "c", 1, _long_draft([_words(20), _words(20, 20), _words(20, 40)]), SMALL)

    # windows of 28 words, 8 overlapping: w0-w27, w20-w47, w40-w59
    assert [c.citations for c in chunks] == [("m0", "m1"), ("m1", "m2"), ("m2",)]


def test_a_word_longer_than_a_window_is_a_window_of_its_own():
    def pieces(words):
        return [100 if w == "huge" else 1 for w in words]

    chunks = chunk_guide("g", "c", 1, _long_draft(["a b huge c d"]), Windowing(size=32, overlap=8, count=pieces))

    assert [c.text for c in chunks] == ["a b", "huge", "c d"]


def test_a_section_that_fits_is_one_chunk_with_the_whole_text():
    [chunk] = chunk_guide("g", "c", 1, _long_draft(["short text here"]), SMALL)

    assert chunk.text == "short text here"


def test_a_long_title_still_leaves_half_the_window_to_the_text():
    draft = _long_draft([_words(40)], title=_words(50, 500))

    chunks = chunk_guide("g", "c", 1, draft, SMALL)

    assert all(len(c.text.split()) == 16 for c in chunks[:-1])


def test_windowing_refuses_an_overlap_as_large_as_half_the_window():
    with pytest.raises(ValueError):
        Windowing(size=32, overlap=16)


def test_the_estimate_counts_punctuation_and_long_words_as_several_pieces():
    assert estimated_pieces(["the", "apt-get", "internationalization", "12345678"]) == [1, 3, 7, 4]


def test_the_model_tokenizer_counts_word_pieces_as_the_model_reads_them():
    from retrieval.embedder import bundled_model_path
    from retrieval.wordpieces import model_windowing

    windowing = model_windowing(bundled_model_path())

    assert windowing.size == 256
    assert windowing.count(["install", "nvidia-driver-535,"]) == [1, 9]


def test_a_title_without_words_is_not_embedded():
    [chunk] = chunk_guide("g", "c", 1, _long_draft(["short text here"], title="-"))

    assert embedding_text(chunk) == "short text here"


def test_windows_keep_the_text_as_written():
    lines = "\n".join(f"line {i} says something" for i in range(30))  # 120 words over line breaks

    chunks = chunk_guide("g", "c", 1, _long_draft([lines]), SMALL)
    [whole] = chunk_guide("g", "c", 1, _long_draft(["first line\nsecond  line"]), SMALL)

    assert len(chunks) > 1 and all(c.text in lines for c in chunks)
    assert "\n" in chunks[0].text
    assert whole.text == "first line\nsecond  line"
