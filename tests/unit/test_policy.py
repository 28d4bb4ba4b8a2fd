"""The nudge policy: opt-out, once per message, rounds, weekly limit, quiet hours over midnight and zones."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from elicitor.policy import MAX_ROUNDS, NudgePreferences, decide, parse_quiet_hours

NOON = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


def test_allowed_now_outside_quiet_hours() -> None:
    decision = decide(NudgePreferences(), NOON, sent_last_7_days=0, already_nudged_for_message=False)
    assert decision.allowed and decision.deliver_at == NOON


def test_opted_out_is_never_nudged() -> None:
    decision = decide(NudgePreferences(opted_out=True), NOON, 0, False)
    assert not decision.allowed and decision.deliver_at is None
    assert "opted out" in decision.reason


def test_never_twice_for_one_message() -> None:
    decision = decide(NudgePreferences(), NOON, 0, already_nudged_for_message=True)
    assert not decision.allowed
    assert "never twice" in decision.reason


def test_second_round_is_allowed_after_a_first_nudge() -> None:
    assert decide(NudgePreferences(), NOON, 1, already_nudged_for_message=True, round=2).allowed


def test_rounds_beyond_the_maximum_are_refused() -> None:
    decision = decide(NudgePreferences(), NOON, 0, True, round=MAX_ROUNDS + 1)
    assert not decision.allowed and "round" in decision.reason
    assert not decide(NudgePreferences(), NOON, 0, False, round=0).allowed


def test_weekly_limit() -> None:
    prefs = NudgePreferences(max_per_week=3)
    assert decide(prefs, NOON, 2, False).allowed
    decision = decide(prefs, NOON, 3, False)
    assert not decision.allowed and "weekly limit" in decision.reason
    assert not decide(NudgePreferences(max_per_week=0), NOON, 0, False).allowed
    assert not decide(prefs, NOON, 3, True, round=2).allowed


def test_quiet_hours_wrapping_midnight_late_evening_waits_for_next_morning() -> None:
    now = datetime(2024, 3, 5, 22, 30, tzinfo=UTC)
    decision = decide(NudgePreferences(quiet_start=20, quiet_end=8), now, 0, False)
    assert decision.allowed
    assert decision.deliver_at == datetime(2024, 3, 6, 8, 0, tzinfo=UTC)


def test_quiet_hours_wrapping_midnight_early_morning_waits_until_end_today() -> None:
    now = datetime(2024, 3, 5, 3, 15, tzinfo=UTC)
    decision = decide(NudgePreferences(), now, 0, False)
    assert decision.deliver_at == datetime(2024, 3, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("hour", "quiet"), [(7, True), (8, False), (19, False), (20, True)])
def test_quiet_window_edges(hour: int, quiet: bool) -> None:
    now = datetime(2024, 3, 5, hour, 0, tzinfo=UTC)
    decision = decide(NudgePreferences(), now, 0, False)
    assert (decision.deliver_at != now) is quiet


def test_daytime_quiet_window_not_wrapping() -> None:
    prefs = NudgePreferences(quiet_start=12, quiet_end=14)
    assert decide(prefs, NOON, 0, False).deliver_at == datetime(2024, 3, 5, 14, 0, tzinfo=UTC)
    assert decide(prefs, NOON + timedelta(hours=3), 0, False).deliver_at == NOON + timedelta(hours=3)


def test_no_quiet_hours() -> None:
    prefs = NudgePreferences(quiet_start=None, quiet_end=None)
    midnight = datetime(2024, 3, 5, 0, 0, tzinfo=UTC)
    assert decide(prefs, midnight, 0, False).deliver_at == midnight


def test_quiet_hours_are_local_to_the_experts_time_zone() -> None:
    # 12:00 UTC is 21:00 in Tokyo: quiet until 08:00 Tokyo, which is 23:00 UTC.
    decision = decide(NudgePreferences(timezone="Asia/Tokyo"), NOON, 0, False)
    assert decision.deliver_at == datetime(2024, 3, 5, 23, 0, tzinfo=UTC)
    assert decision.deliver_at.tzinfo == UTC


def test_quiet_end_across_a_dst_change() -> None:
    # Europe/Paris springs forward on 2024-03-31; 08:00 local that morning is 06:00 UTC.
    now = datetime(2024, 3, 30, 22, 0, tzinfo=UTC)
    decision = decide(NudgePreferences(timezone="Europe/Paris"), now, 0, False)
    assert decision.deliver_at == datetime(2024, 3, 31, 6, 0, tzinfo=UTC)


def test_non_utc_and_naive_inputs_give_aware_utc() -> None:
    plus_two = datetime(2024, 3, 5, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    assert decide(NudgePreferences(), plus_two, 0, False).deliver_at == NOON
    assert decide(NudgePreferences(), datetime(2024, 3, 5, 12, 0), 0, False).deliver_at == NOON


def test_unknown_time_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        decide(NudgePreferences(timezone="Mars/Olympus"), NOON, 0, False)


@pytest.mark.parametrize(
    ("text", "expected"), [("20-8", (20, 8)), (" 9 - 17 ", (9, 17)), ("", (None, None)), ("0-23", (0, 23))]
)
def test_parse_quiet_hours(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize("text", ["20", "20-", "a-b", "25-8", "8-24", "20:00-08:00", "-1-8"])
def test_parse_quiet_hours_rejects_bad_input(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        parse_quiet_hours(text)
