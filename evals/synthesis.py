"""`tacit eval synthesis`: guides from real elaborations, scored by a support check that is itself validated.

The cases: answers whose author replied after a reader's request to elaborate (`answerer_replied_after_request`).
The thread is the question, the answer and the comments up to and including the first request; the author's
comments after it are the replies to that request, as if to a nudge (the request is the nudge's question).

Figures per writer (Tacit's, and two baselines run the same way):
- faithfulness: share of guide sentences their cited sources support, by `SupportScorer` (lexical overlap and
  contradiction checks, plus MiniLM cosine); `guides_faithful`: share of guides with every sentence supported;
- citation_validity: share of citations naming a message of the input thread or a reply;
  `guides_all_citations_valid`: share of guides whose citations all do;
- coverage: share of the replies' content words found in guide sentences citing a reply (the drawn-out
  knowledge that reaches the guide); answer_coverage: the same for the answer;
- sentences_per_guide, guides, failures (share of cases where the writer raised).
Baselines: `answer_only` (the answer's sentences, citing it) and `concatenate` (every source sentence in order
under one section).

The support check is validated on labelled (sentence, source, supported) pairs: built from the data at run time
(see `build_pairs`; only questions in the held-out half are scored, the other half was used to set the check's
constants) plus the hand-written pairs in evals/fixtures/faithfulness_pairs.jsonl; `check_precision`,
`check_recall`, `check_accuracy` are for "supported" at the check's threshold.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elicitor.model import Message, Reply, Thread
from evals.answers import aware_time, read_answers
from evals.files import read_jsonl
from evals.metrics import pr_curve, precision_recall_f1
from evals.report import Report
from retrieval.ports import Embedder
from synthesizer.faithfulness import MIN_SUPPORT, Scorer, SupportScorer
from synthesizer.model import CitedSentence, GuideDraft, Section, Source
from synthesizer.ports import GuideWriter
from synthesizer.sentences import is_code_block, is_list_item, split_sentences
from synthesizer.validate import content_words

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # a message without a (readable) time

NAME = "synthesis"
HAND_PAIRS = Path(__file__).parent / "fixtures" / "faithfulness_pairs.jsonl"
PAIR_ROWS = 160  # answers sampled for generated pairs (each gives up to 9 pairs)
ASKER = "asker"


@dataclass(frozen=True)
class Case:
    """One real elaboration: the thread as it stood at the request, and the author's replies after it."""

    answer_id: str
    thread: Thread
    replies: tuple[Reply, ...]


@dataclass(frozen=True)
class Pair:
    """A labelled example for the support check."""

    sentence: str
    source: str
    supported: bool
    kind: str  # how it was made: quote, trimmed, fused, reworded, reordered | other_thread, negated, ...
    origin: str  # generated | hand


# ---- cases ------------------------------------------------------------


def read_rows(data: Path) -> list[dict[str, Any]]:
    """The answers file's rows, cleaned (evals/answers.py)."""
    return read_answers(data)


def build_case(row: dict[str, Any]) -> Case | None:
    """The case for one answer, or None when no reader asked and the author replied after."""
    comments = row.get("followup_comments") or []
    request = next(
        (i for i, c in enumerate(comments) if c.get("elaboration_patterns") and not c.get("by_answer_author")), None
    )
    if request is None:
        return None
    answer_id, author = row["answer_id"], row.get("answer_author") or "answerer"
    expert_id = f"user:{author}"
    when = aware_time(row.get("answer_created_at"), _EPOCH)
    thread_id = row.get("question_id") or answer_id
    question = Message(
        id=str(thread_id),
        thread_id=str(thread_id),
        author_id=ASKER,
        author_name=ASKER,
        created_at=when,
        text=row.get("question_body") or row.get("question_title") or "",
        kind="question",
        url=_question_url(row),
    )
    answer = Message(
        id=answer_id,
        thread_id=str(thread_id),
        author_id=expert_id,
        author_name=author,
        created_at=when,
        text=row.get("answer_text") or "",
        parent_id=question.id,
        kind="answer",
        score=int(row.get("answer_score") or 0),
        accepted=bool(row.get("answer_is_accepted")),
        url=row.get("answer_url"),
    )

    def commenter(c: dict[str, Any]) -> str:
        if c.get("by_answer_author"):
            return expert_id
        return ASKER if c.get("by_question_author") else f"user:{c.get('author')}"

    messages = [question, answer]
    for c in comments[: request + 1]:
        messages.append(
            Message(
                id=f"{answer_id}/c{c['comment_id']}",
                thread_id=str(thread_id),
                author_id=commenter(c),
                author_name=c.get("author") or "reader",
                text=c.get("text") or "",
                created_at=aware_time(c.get("created_at"), _EPOCH),
                parent_id=answer_id,
                kind="comment",
                score=int(c.get("score") or 0),
            )
        )
    nudge = comments[request].get("text") or ""
    replies = tuple(
        Reply(
            id=f"{answer_id}/c{c['comment_id']}",
            nudge_question=nudge,
            text=c.get("text") or "",
            author_id=expert_id,
            author_name=author,
            created_at=aware_time(c.get("created_at"), _EPOCH),
        )
        for c in comments[request + 1 :]
        if c.get("by_answer_author")
    )
    if not replies:
        return None
    thread = Thread(
        id=str(thread_id),
        community_id=str(row.get("site") or "community"),
        title=row.get("question_title") or "",
        messages=tuple(messages),
        tags=tuple(row.get("question_tags") or ()),
        url=question.url,
    )
    return Case(answer_id=answer_id, thread=thread, replies=replies)


def load_cases(rows: Iterable[dict[str, Any]]) -> list[Case]:
    """Cases for the answers whose author replied after a reader's request."""
    return [c for r in rows if r.get("answerer_replied_after_request") for c in [build_case(r)] if c is not None]


def _question_url(row: dict[str, Any]) -> str | None:
    url, qid = row.get("answer_url") or "", str(row.get("question_id") or "")
    number = qid.rsplit("-", 1)[-1]
    return re.sub(r"/a/\d+$", f"/q/{number}", url) if url and number.isdigit() else None


# ---- baselines ------------------------------------------------------------


class AnswerOnlyWriter:
    """Baseline: the answer's sentences under Summary, each citing the answer; the replies are ignored."""

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        answer = next((m for m in thread.messages if m.kind == "answer"), thread.messages[-1])
        sentences = [CitedSentence(text=s, citations=[answer.id]) for s in split_sentences(answer.text)]
        return GuideDraft(
            title=thread.title or "Guide", sections={Section.SUMMARY: sentences}, sources=[_source(answer)]
        )


class ConcatenateWriter:
    """Baseline: every sentence of every message and reply, in order, under one section."""

    def write(self, thread: Thread, replies: tuple[Reply, ...]) -> GuideDraft:
        every: list[Message | Reply] = [*thread.messages, *replies]
        sentences = [CitedSentence(text=s, citations=[m.id]) for m in every for s in split_sentences(m.text)]
        return GuideDraft(
            title=thread.title or "Guide", sections={Section.SUMMARY: sentences}, sources=[_source(m) for m in every]
        )


def _source(m: Message | Reply) -> Source:
    kind = "nudge_reply" if isinstance(m, Reply) else m.kind
    return Source(id=m.id, author=m.author_name, text=m.text, kind=kind)


# ---- scoring guides ------------------------------------------------------------


def score_guides(cases: Sequence[Case], writer: GuideWriter, scorer: Scorer) -> dict[str, float]:
    """Faithfulness, citation validity and coverage of one writer's guides over the cases."""
    supported = sentences = valid = citations = faithful = all_valid = failures = 0
    coverage: list[float] = []
    answer_coverage: list[float] = []
    for case in cases:
        try:
            draft = writer.write(case.thread, case.replies)
        except Exception:  # noqa: BLE001 - any failure of the writer is a failed case, counted not raised
            failures += 1
            continue
        real = {m.id: m.text for m in case.thread.messages} | {r.id: r.text for r in case.replies}
        pairs = draft.sentences()
        ok = [scorer(s.text, [real[c] for c in s.citations if c in real]) >= MIN_SUPPORT for _, s in pairs]
        good = [c in real for _, s in pairs for c in s.citations]
        supported, sentences = supported + sum(ok), sentences + len(ok)
        valid, citations = valid + sum(good), citations + len(good)
        faithful += all(ok)
        all_valid += all(good)
        reply_ids = {r.id for r in case.replies}
        answer_id = next((m.id for m in case.thread.messages if m.kind == "answer"), "")
        coverage.append(_reached(" ".join(r.text for r in case.replies), pairs, reply_ids))
        answer_coverage.append(_reached(real.get(answer_id, ""), pairs, {answer_id}))
    guides = len(cases) - failures
    return {
        "faithfulness": supported / sentences if sentences else 0.0,
        "guides_faithful": faithful / guides if guides else 0.0,
        "citation_validity": valid / citations if citations else 0.0,
        "guides_all_citations_valid": all_valid / guides if guides else 0.0,
        "coverage": sum(coverage) / len(coverage) if coverage else 0.0,
        "answer_coverage": sum(answer_coverage) / len(answer_coverage) if answer_coverage else 0.0,
        "sentences_per_guide": sentences / guides if guides else 0.0,
        "guides": float(guides),
        "failures": failures / len(cases) if cases else 0.0,
    }


def _reached(text: str, pairs: Sequence[tuple[Section, CitedSentence]], ids: set[str]) -> float:
    """Share of the text's content words found in the guide sentences citing one of `ids`."""
    words = content_words(text)
    if not words:
        return 0.0
    said: set[str] = set().union(*(content_words(s.text) for _, s in pairs if ids & set(s.citations)))
    return len(words & said) / len(words)


# ---- validating the support check ------------------------------------------------------------

_HEDGES = re.compile(r"\b(?:really|just|basically|actually|simply|quite|very|probably|generally|essentially)\s+", re.I)
_LEAD = re.compile(r"^(?:so|well|also|now|however|but|and|i think|i guess|note that|in fact|of course),?\s+", re.I)
_SYNONYMS = {
    "use": "employ",
    "uses": "employs",
    "need": "require",
    "needs": "requires",
    "big": "large",
    "show": "demonstrate",
    "shows": "demonstrates",
    "get": "obtain",
    "gets": "obtains",
    "start": "begin",
    "fast": "quick",
    "help": "assist",
    "because": "since",
    "about": "roughly",
    "often": "frequently",
    "maybe": "perhaps",
    "enough": "sufficient",
    "method": "technique",
    "problem": "issue",
    "answer": "reply",
    "example": "instance",
    "think": "believe",
    "important": "crucial",
    "easy": "simple",
    "hard": "difficult",
    "mostly": "largely",
    "whole": "entire",
}
_CONTRACTIONS = {
    "don't": "do not",
    "doesn't": "does not",
    "isn't": "is not",
    "can't": "cannot",
    "it's": "it is",
    "aren't": "are not",
    "won't": "will not",
    "didn't": "did not",
    "that's": "that is",
}
_AUX = re.compile(
    r"\b(is|are|was|were|can|could|will|would|should|must|does|do|did|has|have|may|might)\b(?! not)", re.I
)
_NEG = re.compile(r"\b(?:not|never)\s+|n't\b|\bcannot\b", re.I)
_CONDITION = re.compile(r"^(if|when|because|since|unless|once)\s+([^,]{6,}),\s+(.{12,})$", re.I)
_STOP_SWAP = frozenset(content_words("the") | {"that", "this", "there"})


def build_pairs(rows: Sequence[dict[str, Any]], sample: int = PAIR_ROWS, seed: int = 13) -> list[tuple[str, Pair]]:
    """(question id, pair) for sampled answers: supported variants of one sentence and unsupported ones.

    Supported: the sentence verbatim, trimmed (hedges, leads, parentheticals or a trailing clause dropped),
    fused with the next sentence, reworded (synonyms, expanded contractions), reordered (a leading condition
    moved to the end). Unsupported: a sentence from another question, the sentence negated (or its negation
    removed), two of its content words swapped, a claim from another question appended, one to six words of
    another question appended to the verbatim sentence (how a model slips an unsupported claim past overlap).
    """
    rng = random.Random(seed)
    tails = random.Random(seed + 1)  # its own stream: the other pairs stay what they were
    usable = [(r, s) for r in rows for s in [_prose(r.get("answer_text") or "")] if len(s) >= 2]
    picked = rng.sample(usable, min(sample, len(usable)))
    foreign = [(r["question_id"], s) for r, ss in usable for s in ss]
    out: list[tuple[str, Pair]] = []
    for row, sentences in picked:
        qid, source = row["question_id"], row["answer_text"]
        i = rng.randrange(len(sentences) - 1)
        sentence, following = sentences[i], sentences[i + 1]
        others = [s for q, s in rng.sample(foreign, min(12, len(foreign))) if q != qid]

        def add(
            text: str | None, supported: bool, kind: str, qid: str = qid, original: str = sentence, source: str = source
        ) -> None:
            if text and text.strip() and (text != original or kind == "quote"):
                out.append((qid, Pair(text, source, supported, kind, "generated")))

        add(sentence, True, "quote")
        add(_trimmed(sentence), True, "trimmed")
        add(sentence.rstrip(".") + "; " + following[:1].lower() + following[1:], True, "fused")
        add(_reworded(sentence), True, "reworded")
        add(_reordered(sentence), True, "reordered")
        add(others[0] if others else None, False, "other_thread")
        add(_negated(sentence), False, "negated")
        add(_swapped(sentence, rng), False, "swapped")
        if len(others) > 1:
            add(sentence.rstrip(".!") + ", and " + others[1][:1].lower() + others[1][1:], False, "added_claim")
        add(_appended(sentence, source, others, tails), False, "appended_words")
    return out


def _appended(sentence: str, source: str, others: Sequence[str], rng: random.Random) -> str | None:
    """The sentence verbatim with 1-6 content words of other questions appended, none of them in its source."""
    known = content_words(source)
    fresh = [w for o in others for w in o.split() if w.isalpha() and content_words(w) and not content_words(w) & known]
    if not fresh:
        return None
    return sentence.rstrip(".!") + " " + " ".join(fresh[: rng.randint(1, 6)]) + "."


def held_out(question_id: str) -> bool:
    """The half of the questions the check's constants were not set on."""
    return hashlib.blake2b(question_id.encode(), digest_size=2).digest()[0] % 2 == 1


def load_hand_pairs(path: Path = HAND_PAIRS) -> list[Pair]:
    if not path.exists():
        return []
    rows = [row for _, row in read_jsonl(path)]
    return [Pair(r["sentence"], r["source"], bool(r["supported"]), r.get("kind", "hand"), "hand") for r in rows]


def check_figures(pairs: Sequence[Pair], scorer: Scorer) -> tuple[dict[str, float], list[float]]:
    """Precision, recall, accuracy of "supported" at the threshold, and the scores."""
    scores = [scorer(p.sentence, [p.source]) for p in pairs]
    gold = [p.supported for p in pairs]
    predicted = [s >= MIN_SUPPORT for s in scores]
    figures = precision_recall_f1(predicted, gold)
    accuracy = sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold) if gold else 0.0
    return {**figures, "accuracy": accuracy}, scores


def _per_kind(pairs: Sequence[Pair], scores: Sequence[float]) -> str:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for p, s in zip(pairs, scores, strict=True):
        total[p.kind] += 1
        right[p.kind] += (s >= MIN_SUPPORT) == p.supported
    return ", ".join(f"{k} {right[k]}/{n}" for k, n in sorted(total.items()))


def _prose(text: str) -> list[str]:
    """Plain prose sentences of 6-40 words (no code, lists, formulas or links)."""
    out = []
    for s in split_sentences(text):
        n = len(s.split())
        if 6 <= n <= 40 and not (is_code_block(s) or is_list_item(s)) and not re.search(r"[$\\`]|https?://|\n", s):
            out.append(s)
    return out


def _trimmed(sentence: str) -> str | None:
    text = re.sub(r"\s*\([^)]*\)", "", _HEDGES.sub("", _LEAD.sub("", sentence)))
    if text == sentence and ", " in sentence:
        head = sentence.rsplit(", ", 1)[0]
        text = (
            head + "."
            if len(head.split()) >= 5 and not re.search(r"\b(?:not|no|never|n't)\b", sentence[len(head) :])
            else text
        )
    return text[:1].upper() + text[1:] if text != sentence else None


def _reworded(sentence: str) -> str | None:
    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        new = _CONTRACTIONS.get(word.lower()) or _SYNONYMS.get(word.lower())
        return (new[:1].upper() + new[1:] if word[:1].isupper() else new) if new else word

    text = re.sub(r"[A-Za-z']+", swap, sentence)
    return text if text != sentence else None


def _reordered(sentence: str) -> str | None:
    m = _CONDITION.match(sentence.rstrip(".!"))
    if not m:
        return None
    marker, condition, main = m.groups()
    return f"{main[:1].upper()}{main[1:]} {marker.lower()} {condition}."


def _negated(sentence: str) -> str | None:
    if _NEG.search(sentence):
        text = _NEG.sub(
            lambda m: (
                ""
                if m.group(0).strip().lower() in ("not", "n't")
                else ("always " if m.group(0).lower().startswith("never") else "can")
            ),
            sentence,
            count=1,
        )
        return text.replace("won't", "will").replace("  ", " ")
    m = _AUX.search(sentence)
    if not m:
        return None
    word = m.group(1)
    return sentence[: m.end()] + ("not" if word.lower() == "can" else " not") + sentence[m.end() :]


def _swapped(sentence: str, rng: random.Random) -> str | None:
    words = list(re.finditer(r"[A-Za-z][A-Za-z-]{3,}", sentence))
    words = [w for w in words if w.group(0).lower() in content_words(w.group(0)) - _STOP_SWAP]
    if len(words) < 3:
        return None
    for _ in range(10):
        a, b = sorted(rng.sample(range(len(words)), 2))
        x, y = words[a], words[b]
        if x.group(0).lower() != y.group(0).lower() and b - a >= 1:
            return sentence[: x.start()] + y.group(0) + sentence[x.end() : y.start()] + x.group(0) + sentence[y.end() :]
    return None


# ---- the evaluation ------------------------------------------------------------


def run(data: Path, writer: GuideWriter, embedder: Embedder) -> Report:
    """Guides for every real elaboration in `data` by `writer` and the two baselines; the check's own figures."""
    rows = read_rows(data)
    cases = load_cases(rows)
    scorer = SupportScorer(embedder)
    tacit: dict[str, float] = {}
    baselines: dict[str, dict[str, float]] = {}
    if cases:  # with none, there is no guide to measure: no figure rather than zeros
        tacit = score_guides(cases, writer, scorer)
        baselines = {
            "answer_only": score_guides(cases, AnswerOnlyWriter(), scorer),
            "concatenate": score_guides(cases, ConcatenateWriter(), scorer),
        }
    generated = build_pairs(rows)
    test = [p for q, p in generated if held_out(q)]
    hand = load_hand_pairs()
    pairs = test + hand
    check, scores = check_figures(pairs, scorer)
    tacit |= {
        "check_precision": check["precision"],
        "check_recall": check["recall"],
        "check_accuracy": check["accuracy"],
    }
    hand_figures, hand_scores = check_figures(hand, scorer)
    gen_scores = scores[: len(test)]
    thresholds, precision, recall = pr_curve(scores, [p.supported for p in pairs])
    notes = [
        f"{len(cases)} cases: answers whose author replied after a reader's request to elaborate; thread = question, "
        "answer and comments up to the request; replies = the author's comments after it.",
        "coverage = share of the replies' content words in guide sentences citing a reply.",
        f"support check (SupportScorer: lexical overlap + contradiction checks + embedding cosine, threshold "
        f"{MIN_SUPPORT}) on {len(pairs)} labelled pairs ({sum(p.supported for p in pairs)} supported): "
        f"{len(test)} generated from held-out questions, {len(hand)} hand-written; precision "
        f"{check['precision']:.3f}, recall {check['recall']:.3f}, accuracy {check['accuracy']:.3f}.",
        f"  hand-written pairs alone: precision {hand_figures['precision']:.3f}, recall {hand_figures['recall']:.3f}, "
        f"accuracy {hand_figures['accuracy']:.3f}.",
        f"  right per kind (generated): {_per_kind(test, gen_scores)}.",
        f"  right per kind (hand): {_per_kind(hand, hand_scores)}.",
    ]
    extra = {"pr_curve_support_check": {"thresholds": thresholds, "precision": precision, "recall": recall}}
    return Report(name=NAME, tacit=tacit, baselines=baselines, notes=notes, extra=extra)
