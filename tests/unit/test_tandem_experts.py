"""Who knows X? on a small hand-made community whose right answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tandem.evidence import Evidence, Kind, decay
from tandem.experts import rank_experts, skill_strength
from tandem.relatedness import Relatedness

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def community() -> list[Evidence]:
    return [
        # ana: endorsed twice for python and the reviewer of a published guide on python scripting
        Evidence("ana", Kind.ENDORSEMENT, "python", ago(30), ref="python"),
        Evidence("ana", Kind.ENDORSEMENT, "python", ago(10), ref="python"),
        Evidence("ana", Kind.GUIDE, "Python scripting to rotate service logs", ago(20), "ops"),
        # ben: neither; a plain answer on a python question and a lot about CSS
        Evidence("ben", Kind.ANSWER, "Python script for renaming files", ago(5), "ops", score=0),
        *[Evidence("ben", Kind.ACCEPTED_ANSWER, "CSS grid layout breaks on Safari", ago(d), "web") for d in (1, 2, 3)],
        # cara: says she knows python, nothing else
        Evidence("cara", Kind.DECLARED_SKILL, "python", ago(400), ref="python"),
    ]


def test_the_endorsed_guide_author_ranks_above_people_with_neither() -> None:
    ranked = rank_experts("python scripting", community(), Relatedness(), NOW)
    assert [s.person_id for s in ranked] == ["ana", "ben", "cara"]
    top = ranked[0]
    assert {r.kind for r in top.reasons} == {Kind.ENDORSEMENT, Kind.GUIDE}
    assert "2 endorsements" in top.explanation() and "1 guide" in top.explanation()


def test_people_with_nothing_on_the_topic_are_not_listed_and_reasons_name_the_topic() -> None:
    ranked = rank_experts("css grid", community(), Relatedness(), NOW)
    assert [s.person_id for s in ranked] == ["ben"]
    assert ranked[0].reasons[0].examples == ("CSS grid layout breaks on Safari",)
    assert rank_experts("kubernetes", community(), Relatedness(), NOW) == []


def test_evidence_decays_with_age_but_endorsements_do_not() -> None:
    assert decay(ago(0), NOW) == 1.0 and abs(decay(ago(365), NOW) - 0.5) < 1e-9
    fresh = [Evidence("x", Kind.ACCEPTED_ANSWER, "terraform state locking", ago(1), "ops")]
    stale = [Evidence("y", Kind.ACCEPTED_ANSWER, "terraform state locking", ago(900), "ops")]
    [first, second] = rank_experts("terraform", fresh + stale, Relatedness(), NOW)
    assert (first.person_id, second.person_id) == ("x", "y") and first.score > second.score
    old = [Evidence("z", Kind.ENDORSEMENT, "terraform", ago(900), ref="terraform")]
    new = [Evidence("z", Kind.ENDORSEMENT, "terraform", ago(1), ref="terraform")]
    assert (
        rank_experts("terraform", old, Relatedness(), NOW)[0].score
        == rank_experts("terraform", new, Relatedness(), NOW)[0].score
    )


def test_excluded_people_are_never_listed_and_strength_saturates_below_one() -> None:
    assert [s.person_id for s in rank_experts("python", community(), Relatedness(), NOW, exclude={"ana"})] == [
        "ben",
        "cara",
    ]
    strong = skill_strength("ana", "python", community(), Relatedness(), NOW)
    assert 0.5 < strong < 1.0 and skill_strength("ana", "css", community(), Relatedness(), NOW) == 0.0
