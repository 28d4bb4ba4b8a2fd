"""Gap analysis: each kind of context is recognised; missing ones are ordered by what the question asks."""

import pytest

from elicitor.cues import gap_coverage, recommendation_strength
from elicitor.gaps import GapWeights, QuestionType, covers, find_gaps, is_factual, question_type
from elicitor.model import Gap


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (Gap.RATIONALE, "Use a partial index because most rows are archived and never queried."),
        (Gap.RATIONALE, "Pin the version, otherwise a minor upgrade changes the wire format."),
        (Gap.CONDITIONS, "This only works as long as the table fits in memory."),
        (Gap.CONDITIONS, "It depends on the driver: unless you use pooling, keep the default."),
        (Gap.ALTERNATIVES, "Prefer a queue over cron; rather than polling, push events."),
        (Gap.ALTERNATIVES, "Compared to rsync, this is faster than copying, but there is a trade-off."),
        (Gap.STEPS, "First, stop the service. Then copy the data folder. Finally, start it again."),
        (Gap.STEPS, "Do this:\n\n```\nsudo systemctl restart nginx\n```\n"),
        (Gap.STEPS, "1. Open the settings\n2. Disable sync\n3. Restart"),
        (Gap.PITFALLS, "Be careful: a full index won't scale, and watch out for lock contention."),
        (Gap.PITFALLS, "Avoid running it as root; beware of the cache."),
        (Gap.EVIDENCE, "See https://example.org/docs/indexes for the documentation."),
        (Gap.EVIDENCE, "In my experience the benchmark went from 900 ms to 40 ms."),
    ],
)
def test_each_gap_cue_is_recognised(gap: Gap, text: str) -> None:
    assert covers(gap, text)
    assert gap_coverage(text)[gap] >= 0.5


def test_a_bare_instruction_covers_nothing() -> None:
    coverage = gap_coverage("Use a partial index.")
    assert all(value < 0.5 for value in coverage.values())


def test_coverage_saturates_between_zero_and_one() -> None:
    text = "because since so that due to therefore hence thus otherwise the reason " * 20
    assert 0.9 < gap_coverage(text)[Gap.RATIONALE] <= 1.0
    assert gap_coverage("")[Gap.RATIONALE] == 0.0


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Should I use Postgres or MySQL for this?", QuestionType.CHOICE),
        ("Which cache is better for sessions?", QuestionType.CHOICE),
        ("How do I rotate the logs every night?", QuestionType.HOW),
        ("Why does the build fail on Fridays?", QuestionType.WHY),
        ("Is there a list of good tutorials on Rust macros?", QuestionType.RESOURCE),
        ("The service restarts at random", QuestionType.GENERAL),
    ],
)
def test_question_type(question: str, kind: QuestionType) -> None:
    assert question_type(question) == kind


def test_choice_question_puts_rationale_and_alternatives_first() -> None:
    assert find_gaps("Should I use a partial or a full index?", "Use a partial index.")[:2] == (
        Gap.RATIONALE,
        Gap.ALTERNATIVES,
    )


def test_how_question_puts_steps_first() -> None:
    assert find_gaps("How do I add an index without downtime?", "Create it concurrently.")[0] == Gap.STEPS


def test_why_question_puts_rationale_first() -> None:
    assert find_gaps("Why is my query slow?", "The index is not used.")[0] == Gap.RATIONALE


def test_default_order() -> None:
    # With no cue weights, the order of a question that asks nothing clearer.
    assert find_gaps("Slow queries on the orders table", "Add an index.", GapWeights()) == (
        Gap.RATIONALE,
        Gap.STEPS,
        Gap.EVIDENCE,
        Gap.CONDITIONS,
        Gap.PITFALLS,
        Gap.ALTERNATIVES,
    )


def test_covered_gaps_are_not_reported() -> None:
    answer = "Because the index is not used, which means a full scan; see the docs at https://x.org."
    gaps = find_gaps("Why is my query slow?", answer)
    assert Gap.RATIONALE not in gaps
    assert Gap.EVIDENCE not in gaps


def test_one_because_is_not_yet_the_why() -> None:
    # A single reason cue fills a gap in a reply (covers) but does not make an answer explain itself.
    assert Gap.RATIONALE in find_gaps("Why is my query slow?", "Because the index is not used.")
    assert covers(Gap.RATIONALE, "Because the index is not used.")


@pytest.mark.parametrize(
    ("question", "factual"),
    [
        ("What Kubernetes version is prod on?", True),
        ("Where is the runbook for the payments gateway?", True),
        ("Is the VPN down for anyone else?", True),
        ("How many nodes does the cluster have?", True),
        ("What is the difference between a process and a thread?", False),
        ("How do I rotate the logs?", False),
        ("Which version should we upgrade to?", False),
    ],
)
def test_factual_questions(question: str, factual: bool) -> None:
    assert is_factual(question) is factual


def test_a_reply_that_explains_why_covers_rationale_only() -> None:
    reply = "The reason is that archived rows are never read, so indexing them wastes space."
    assert covers(Gap.RATIONALE, reply)
    assert not covers(Gap.STEPS, reply)


def test_recommendation_strength() -> None:
    assert recommendation_strength("Use a partial index, a full one won't scale.") >= 0.5
    assert recommendation_strength("You should pin the version. It breaks otherwise.") >= 0.5
    assert recommendation_strength("Thanks!") == 0.0
    assert recommendation_strength("https://example.org/a") == 0.0
    assert recommendation_strength("Which version are you on?") == 0.0


def test_a_pasted_error_asks_for_the_steps_of_the_fix() -> None:
    from elicitor.gaps import QuestionType, question_type

    pasted = "apt-get stopped half way\n<ana> it says E: Could not get lock /var/lib/dpkg/lock\n<bo> hm"
    assert question_type(pasted) == QuestionType.HOW
    assert question_type("There is an error somewhere in my reasoning about entropy.") == QuestionType.GENERAL


def test_cues_of_what_was_asked_against_what_was_answered() -> None:
    from elicitor.gaps import answer_cues

    fired = answer_cues("<bob> is there a way to mount a drive on boot?", "bob: edit your fstab")
    assert fired["how_like"] and fired["instruction"] and not fired["bare_claim"]
    fired = answer_cues("Should I use ext3 or ext4?", "ext4 is the default these days.")
    assert fired["options"] and fired["bare_claim"] and not fired["instruction"]
    fired = answer_cues("A tool for bad sectors?", "look up badblocks, but be careful with it")
    assert fired["pointer"] and fired["warning"]
    assert answer_cues("Disk full", "If it is a server, rotate the logs.")["condition"]
    assert answer_cues("I can't log in since the upgrade", "Reset it.")["problem"]
    assert not answer_cues("The problem of factoring", "Shor's algorithm.")["problem"]
    assert answer_cues("Where does cron keep its files?", "In /var/spool/cron/crontabs")["names_file"]


def test_a_reported_problem_asks_for_the_steps_of_the_fix_first() -> None:
    # The shipped weights move "steps" above "rationale" when the asker reports something broken; with no
    # weights the question type's order (rationale first) stands.
    question = "My nightly report can't finish before the morning"
    assert find_gaps(question, "Add an index.")[0] == Gap.STEPS
    assert find_gaps(question, "Add an index.", GapWeights())[0] == Gap.RATIONALE
    assert find_gaps("Slow queries on the orders table", "Add an index.")[0] == Gap.RATIONALE


def test_a_chat_style_how_to_ask_puts_steps_first() -> None:
    question = "<nadia> is there a way I can mount a drive and have it mount on boot?"
    assert find_gaps(question, "nadia: the drive is in fstab already")[0] == Gap.STEPS
