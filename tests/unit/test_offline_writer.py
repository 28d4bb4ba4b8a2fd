"""The offline extractive guide writer, and the sentence splitter it stands on."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from elicitor.model import Message, Reply, Thread
from synthesizer.errors import SynthesisError
from synthesizer.model import GuideDraft, Section
from synthesizer.offline import ExtractiveGuideWriter, is_noise
from synthesizer.sentences import split_sentences
from synthesizer.validate import check_citations

T0 = datetime(2024, 5, 1, 12, 0)


def msg(id: str, author: str, text: str, kind: str = "reply", minutes: int = 0, **kw: object) -> Message:
    return Message(
        id=id,
        thread_id="t",
        author_id=author,
        author_name=author.title(),
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        kind=kind,
        **kw,  # type: ignore[arg-type]
    )


def reply(id: str, question: str, text: str, author: str = "expert", minutes: int = 0) -> Reply:
    return Reply(
        id=id,
        nudge_question=question,
        text=text,
        author_id=author,
        author_name=author.title(),
        created_at=T0 + timedelta(days=1, minutes=minutes),
    )


QA = Thread(
    id="t-qa",
    community_id="c",
    title="How do I stop Postgres running out of connections?",
    messages=(
        msg(
            "q1",
            "asker",
            "Hi all! Our Django app opens hundreds of connections. How do I fix this?",
            "question",
        ),
        msg(
            "a1",
            "expert",
            "Put PgBouncer in front of Postgres in transaction mode. Raising max_connections won't scale.",
            "answer",
            score=12,
            accepted=True,
            url="https://ex.com/a/1",
        ),
        msg(
            "a2",
            "other",
            "You could also use Django's CONN_MAX_AGE to reuse connections. Hope this helps!",
            "answer",
            score=3,
        ),
        msg("a3", "troll", "Just buy a much bigger database server lol.", "answer", score=-2),
        msg("c1", "asker", "Thanks, that worked! Does it work with Celery too?", "comment"),
        msg("c2", "third", "Careful: prepared statements break in transaction mode.", "comment", score=2),
    ),
)
QA_REPLIES = (
    reply(
        "r1",
        "Why transaction mode?",
        "Because each Postgres connection is a separate process with its own memory, so a few hundred of "
        "them exhaust RAM. Transaction mode returns the server connection to the pool after every "
        "transaction.",
    ),
    reply(
        "r2",
        "How exactly do you set it up?",
        "Install it and set the pool mode:\n\n```ini\n[pgbouncer]\npool_mode = transaction\n"
        "default_pool_size = 20\n```\n\nThen point DATABASE_URL at port 6432. If you use server-side "
        "cursors, disable them with DISABLE_SERVER_SIDE_CURSORS = True.",
        minutes=5,
    ),
    reply(
        "r3",
        "Why not just raise max_connections?",
        "Session pooling is the simpler alternative, but it pins a server connection per client.",
        minutes=9,
    ),
)

CHAT = Thread(
    id="t-chat",
    community_id="c",
    title="",
    messages=(
        msg("m1", "dana", "hey folks", minutes=0),
        msg("m2", "dana", "our celery workers keep hitting redis max clients, anyone seen this?", minutes=1),
        msg("m3", "sam", "+1 same here", minutes=2),
        msg("m4", "lee", "set broker_pool_limit to something small like 10", minutes=3, reactions=4),
        msg("m5", "lee", "each worker process opens its own pool otherwise", minutes=4),
        msg("m6", "lee", "dana: don't set it to 0 though, that disables pooling entirely", minutes=5),
        msg("m7", "dana", "thanks!! trying now", minutes=6),
        msg("m8", "sam", "@lee does that apply to the result backend too?", minutes=7),
        msg("m9", "sam", "lol", minutes=8),
    ),
)
CHAT_REPLIES = (
    reply(
        "r9",
        "When would you not do this?",
        "with gevent workers the pool is shared by all greenlets\nfor prefork pools it really matters",
        author="lee",
    ),
)


@pytest.fixture
def qa() -> GuideDraft:
    return ExtractiveGuideWriter().write(QA, QA_REPLIES)


@pytest.fixture
def chat() -> GuideDraft:
    return ExtractiveGuideWriter().write(CHAT, CHAT_REPLIES)


def texts(draft: GuideDraft, section: Section) -> list[str]:
    return [s.text for s in draft.sections.get(section, [])]


def all_texts(draft: GuideDraft) -> list[str]:
    return [s.text for _, s in draft.sentences()]


# ---- invariants on both kinds of thread ----------------------------------------


@pytest.mark.parametrize("name", ["qa", "chat"])
def test_every_sentence_is_a_verbatim_quote_of_the_one_source_it_cites(name: str, request) -> None:
    draft: GuideDraft = request.getfixturevalue(name)
    check_citations(draft)  # raises on an unknown id
    by_id = {s.id: s.text for s in draft.sources}
    for _, sentence in draft.sentences():
        assert len(sentence.citations) == 1
        assert sentence.text in by_id[sentence.citations[0]]


@pytest.mark.parametrize("name", ["qa", "chat"])
def test_no_sentence_twice_and_each_in_one_section(name: str, request) -> None:
    draft: GuideDraft = request.getfixturevalue(name)
    sentences = all_texts(draft)
    assert len(sentences) == len(set(sentences))


# ---- Q&A thread ----------------------------------------


def test_summary_is_the_key_answers_leading_claim(qa: GuideDraft) -> None:
    assert texts(qa, Section.SUMMARY) == ["Put PgBouncer in front of Postgres in transaction mode."]
    assert qa.sections[Section.SUMMARY][0].citations == ["a1"]


def test_sentences_land_in_the_section_their_cues_point_to(qa: GuideDraft) -> None:
    assert "Raising max_connections won't scale." in texts(qa, Section.PITFALLS)
    assert "Careful: prepared statements break in transaction mode." in texts(qa, Section.PITFALLS)
    assert "You could also use Django's CONN_MAX_AGE to reuse connections." in texts(qa, Section.ALTERNATIVES)
    assert "If you use server-side cursors, disable them with DISABLE_SERVER_SIDE_CURSORS = True." in texts(
        qa, Section.APPLIES_WHEN
    )
    assert texts(qa, Section.RATIONALE)[0].startswith("Because each Postgres connection is a separate")


def test_steps_keep_the_lead_in_the_code_block_and_their_order(qa: GuideDraft) -> None:
    steps = texts(qa, Section.STEPS)
    assert steps[0] == "Install it and set the pool mode:"
    assert steps[1] == "```ini\n[pgbouncer]\npool_mode = transaction\ndefault_pool_size = 20\n```"
    assert steps[2] == "Then point DATABASE_URL at port 6432."


def test_every_reply_reaches_the_guide(qa: GuideDraft) -> None:
    cited = qa.cited_ids()
    assert {"r1", "r2", "r3"} <= cited
    # A reply with no cue words of its own goes where its nudge asked: "why not ..." -> alternatives.
    assert any(s.citations == ["r3"] for s in qa.sections[Section.ALTERNATIVES])
    assert "Transaction mode returns the server connection to the pool after every transaction." in texts(
        qa, Section.RATIONALE
    )


def test_noise_questions_and_downvoted_answers_are_dropped(qa: GuideDraft) -> None:
    joined = " ".join(all_texts(qa))
    for noise in ("Hope this helps", "Thanks", "Celery", "bigger database server", "Hi all", "How do I fix"):
        assert noise not in joined
    assert not {"a3", "c1", "q1"} & qa.cited_ids()


def test_sources_are_the_question_and_the_cited_messages(qa: GuideDraft) -> None:
    sources = {s.id: s for s in qa.sources}
    assert set(sources) == {"q1", "a1", "a2", "c2", "r1", "r2", "r3"}
    assert sources["q1"].kind == "question"
    assert sources["a1"].url == "https://ex.com/a/1" and sources["a1"].author == "Expert"
    assert sources["r1"].kind == "nudge_reply" and sources["r1"].text == QA_REPLIES[0].text


def test_title_is_the_thread_title(qa: GuideDraft) -> None:
    assert qa.title == "How do I stop Postgres running out of connections?"


# ---- chat thread ----------------------------------------


def test_chat_summary_pitfall_rationale_and_reply(chat: GuideDraft) -> None:
    assert texts(chat, Section.SUMMARY) == ["set broker_pool_limit to something small like 10"]
    # "dana: " addresses a participant; the quote starts after it.
    assert texts(chat, Section.PITFALLS) == ["don't set it to 0 though, that disables pooling entirely"]
    assert "each worker process opens its own pool otherwise" in texts(chat, Section.RATIONALE)
    when = texts(chat, Section.APPLIES_WHEN) + texts(chat, Section.RATIONALE)
    assert "with gevent workers the pool is shared by all greenlets" in when
    assert "r9" in chat.cited_ids()


def test_chat_noise_and_the_askers_lines_are_dropped(chat: GuideDraft) -> None:
    assert not {"m1", "m3", "m7", "m8", "m9"} & chat.cited_ids()


def test_chat_title_is_the_askers_question_not_the_greeting(chat: GuideDraft) -> None:
    assert chat.title == "our celery workers keep hitting redis max clients, anyone seen this?"
    assert [s.id for s in chat.sources][0] == "m2"


def test_key_answer_prefers_the_answer_the_replies_belong_to() -> None:
    thread = Thread(
        id="t",
        community_id="c",
        title="Which queue?",
        messages=(
            msg("q", "asker", "Which queue should we use for background jobs?", "question"),
            msg("a-top", "popular", "Use Celery with Redis for most background jobs.", "answer", score=40),
            msg("a-exp", "expert", "Use the database as the queue with SKIP LOCKED.", "answer", score=2),
        ),
    )
    draft = ExtractiveGuideWriter().write(thread, (reply("r", "Why?", "Because it avoids a second system."),))
    assert draft.sections[Section.SUMMARY][0].citations == ["a-exp"]


def test_without_replies_the_accepted_answer_leads() -> None:
    thread = Thread(
        id="t",
        community_id="c",
        title="",
        messages=(
            msg("q", "asker", "Which queue should we use for background jobs?", "question"),
            msg("a1", "one", "Use Celery with Redis for background jobs.", "answer", score=10),
            msg("a2", "two", "Use the database as the queue with SKIP LOCKED.", "answer", score=2, accepted=True),
        ),
    )
    draft = ExtractiveGuideWriter().write(thread, ())
    assert draft.sections[Section.SUMMARY][0].citations == ["a2"]
    assert draft.title == "Which queue should we use for background jobs?"


def test_long_titles_are_shortened() -> None:
    long_title = "How do I " + "really " * 40 + "fix it?"
    thread = Thread(
        id="t",
        community_id="c",
        title=long_title,
        messages=(
            msg("q", "asker", "Question text here.", "question"),
            msg("a", "one", "Restart the pooler after changing the config.", "answer"),
        ),
    )
    title = ExtractiveGuideWriter().write(thread, ()).title
    assert len(title) <= 120 and title.endswith("…") and title.startswith("How do I really")


def test_a_thread_with_nothing_to_say_raises() -> None:
    thread = Thread(
        id="t",
        community_id="c",
        title="?",
        messages=(
            msg("q", "asker", "anyone?", "question"),
            msg("x", "bob", "+1"),
            msg("y", "eve", "thanks!"),
        ),
    )
    with pytest.raises(SynthesisError):
        ExtractiveGuideWriter().write(thread, ())


@pytest.mark.parametrize(
    "sentence",
    [
        "Thanks, that worked!",
        "Hope this helps.",
        "+1",
        "Did that help?",
        "@bob can you check the logs?",
        "lol",
        "anyone know how to fix this",
        "> quoted from above",
    ],
)
def test_noise(sentence: str) -> None:
    assert is_noise(sentence)


@pytest.mark.parametrize(
    "sentence", ["Use pgbouncer.", "don't set it to 0", "Thanks to WAL, replicas stay consistent."]
)
def test_not_noise(sentence: str) -> None:
    assert not is_noise(sentence)


# ---- sentence splitting ----------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Use a pool, e.g. PgBouncer. It reuses connections, i.e. fewer backends.",
            ["Use a pool, e.g. PgBouncer.", "It reuses connections, i.e. fewer backends."],
        ),
        (
            "Upgrade to v1.2. Then edit settings.py and restart.",
            ["Upgrade to v1.2.", "Then edit settings.py and restart."],
        ),
        (
            "See https://www.pgbouncer.org/config.html. Then restart.",
            ["See https://www.pgbouncer.org/config.html.", "Then restart."],
        ),
        ("use pgbouncer\nit pools connections", ["use pgbouncer", "it pools connections"]),
        ("Run `foo.bar(). baz` twice. ok then", ["Run `foo.bar(). baz` twice.", "ok then"]),
        ("Check it, acc. to the docs. Done.", ["Check it, acc. to the docs.", "Done."]),
        ("Works? yes. It does!", ["Works?", "yes.", "It does!"]),
        ("Wait... then it works. Done.", ["Wait... then it works.", "Done."]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_split_keeps_code_blocks_and_list_items_whole() -> None:
    text = (
        "Do this:\n\n```ini\n[pgbouncer]\npool_mode = transaction\n\n# a comment. Another.\n```\n\n"
        "- first item. Still the item\n  continued here\n- second item\n1. numbered one\n2) numbered two"
    )
    assert split_sentences(text) == [
        "Do this:",
        "```ini\n[pgbouncer]\npool_mode = transaction\n\n# a comment. Another.\n```",
        "- first item. Still the item\n  continued here",
        "- second item",
        "1. numbered one",
        "2) numbered two",
    ]


def test_split_joins_hard_wrapped_lines_and_stays_verbatim() -> None:
    first = "The reason is that each backend is a process and the line is long enough to\n"
    text = first + "wrap across lines. Next."
    out = split_sentences(text)
    assert out == [
        "The reason is that each backend is a process and the line is long enough to\nwrap across lines.",
        "Next.",
    ]
    assert all(s in text for s in out)


def test_split_an_unclosed_fence_runs_to_the_end() -> None:
    assert split_sentences("Try:\n```\npip install x\n") == ["Try:", "```\npip install x"]


# ---- long answers: sections stay meaningful ----------------------------------------


def test_remarks_about_the_conversation_are_noise() -> None:
    for remark in ("Good point, that was worded poorly.", "You're right.", "Edited.", "See my edit."):
        assert is_noise(remark)
    assert not is_noise("Good caching needs an eviction policy.")


def test_a_meta_lead_is_not_the_summary_and_uncued_sentences_do_not_flood_why() -> None:
    body = " ".join(f"Fact number {i} about the pooler holds here." for i in range(12))
    thread = Thread(
        id="t",
        community_id="c",
        title="Pooling?",
        messages=(
            msg("q", "asker", "How should we pool connections?", "question"),
            msg(
                "a",
                "expert",
                "I'll try to answer the general question first. Use PgBouncer in transaction mode. " + body,
                "answer",
                score=3,
            ),
        ),
    )
    draft = ExtractiveGuideWriter().write(thread, (reply("r", "Why?", "Plain facts here. More plain facts here."),))
    assert texts(draft, Section.SUMMARY)[0] == "Use PgBouncer in transaction mode."
    assert "I'll try to answer the general question first." not in all_texts(draft)
    why = draft.sections[Section.RATIONALE]
    assert sum(s.citations == ["a"] for s in why) == 6  # UNCUED_PER_GUIDE
    assert sum(s.citations == ["r"] for s in why) == 2  # the expert's reply is never capped


def test_an_uncued_sentence_right_after_a_cued_one_stays_with_it() -> None:
    thread = Thread(
        id="t",
        community_id="c",
        title="",
        messages=(
            msg("q", "asker", "How should we pool connections?", "question"),
            msg(
                "a", "expert", "Use PgBouncer. Don't enable session mode. The pool pins a backend per client.", "answer"
            ),
        ),
    )
    draft = ExtractiveGuideWriter().write(thread, ())
    assert texts(draft, Section.PITFALLS) == ["Don't enable session mode.", "The pool pins a backend per client."]
