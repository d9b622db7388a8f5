"""The administrators' form fields as the calendar and SLA screens read them: a day's openings
typed in one field, and a level's SLA targets with their units over the policy kept."""

from __future__ import annotations

import pytest

from gateway.console.calendar_form import HoursText, hours_text, openings
from gateway.console.calls import Refused
from gateway.console.sla_form import sla_policy


def test_a_day_s_openings_are_read_from_one_field_and_shown_back() -> None:
    typed = "09:00-12:00, 13:00 – 18:00"
    read = openings(typed)
    assert read == [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
    assert hours_text(read) == "09:00-12:00, 13:00-18:00"
    assert openings("  ") == [] and hours_text([]) == ""


@pytest.mark.parametrize("typed", ["nine to five", "09:00", "09:00-", "09:00-12:00-13:00"])
def test_a_field_that_is_not_openings_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(HoursText, match="write it as 09:00-18:00"):
        openings(typed)


def test_the_sla_form_sets_each_target_with_its_unit_and_keeps_the_rest() -> None:
    kept = {"by_priority": {"high": {"first_response": {"amount": 5}}}, "yellow_at": 0.4}
    fields = {
        "first_response_amount": "30",
        "first_response_unit": "minutes",
        "resolution_amount": "2",
        "resolution_unit": "days",
        "pause_pending": "on",
    }
    policy = sla_policy(fields, kept, pausing_shown=True)
    assert policy == {
        **kept,
        "first_response": {"amount": 30, "unit": "minutes"},
        "next_response": None,
        "resolution": {"amount": 2, "unit": "days"},
        "pausing_statuses": ["pending"],
    }


def test_no_target_at_all_is_no_sla_and_a_word_is_refused() -> None:
    assert sla_policy({}, {"pausing_statuses": ["pending"]}, pausing_shown=False) is None
    with pytest.raises(Refused, match="not a whole number"):
        sla_policy({"resolution_amount": "dois"}, None, pausing_shown=False)
