"""The skill vocabulary: labels normalized, abbreviations expanded, synonyms merged by meaning."""

from __future__ import annotations

import pytest

from tandem.relatedness import Relatedness
from tandem.skills import InvalidSkill, Skill, Vocabulary, canonical


class SynonymEmbedder:
    """A fake Embedder: texts naming the same concept get the same direction, others are orthogonal."""

    dimension = 3
    CONCEPTS = {"kubernetes": 0, "container orchestration": 0, "python": 1, "css": 2, "stylesheets": 2}

    def embed(self, texts, kind):  # type: ignore[no-untyped-def]
        out = []
        for text in texts:
            vector = [0.0, 0.0, 0.0]
            vector[self.CONCEPTS.get(text.lower(), 1)] = 1.0
            out.append(vector)
        return out


def test_labels_are_folded_into_one_canonical_name() -> None:
    assert canonical("  Machine Learning ") == "machine-learning"
    assert canonical("C++") == "c++"
    assert canonical("Postgres") == "postgresql" and canonical("k8s") == "kubernetes"
    with pytest.raises(InvalidSkill):
        canonical(" -- ")
    with pytest.raises(InvalidSkill):
        canonical("x" * 61)


def test_a_synonym_merges_into_the_existing_skill_by_meaning() -> None:
    vocabulary = Vocabulary(
        [Skill("kubernetes", "Kubernetes"), Skill("python", "Python")], Relatedness(SynonymEmbedder())
    )
    merged = vocabulary.resolve("Container orchestration")
    assert merged.skill.name == "kubernetes" and not merged.new
    assert merged.merged_from == "container-orchestration"
    assert vocabulary.resolve("Stylesheets").new  # no skill of that meaning yet: a new one


def test_exact_names_and_aliases_win_before_meaning() -> None:
    vocabulary = Vocabulary([Skill("kubernetes", "Kubernetes", ("container-orchestration",))], Relatedness())
    assert vocabulary.resolve("container orchestration").merged_from is None
    assert vocabulary.resolve("K8S").skill.name == "kubernetes"


def test_without_an_embedder_only_near_identical_spellings_merge() -> None:
    vocabulary = Vocabulary([Skill("javascript", "JavaScript")], Relatedness())
    assert vocabulary.resolve("java").new
    assert vocabulary.resolve("javascripts").skill.name == "javascript"


def test_abbreviations_in_free_text_gain_their_long_form() -> None:
    from tandem.skills import expand

    assert expand("pg index on a big table") == "pg index on a big table postgresql"
    assert expand("Postgres and k8s") == "Postgres and k8s postgresql kubernetes"
    assert expand("plain words") == "plain words"
