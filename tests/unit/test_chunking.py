from retrieval.chunking import chunk_guide, embedding_text
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
