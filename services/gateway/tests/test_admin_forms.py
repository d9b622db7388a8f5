"""The administrators' form fields as the calendar and SLA screens read them: a day's openings
typed in one field, and a level's SLA targets with their units (the level's and each
priority's) and its band thresholds in percent, over the policy kept."""

from __future__ import annotations

import pytest

from gateway.console.calendar_form import HoursText, hours_text, openings
from gateway.console.calls import Refused
from gateway.console.sla_form import band_percents, sla_policy


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


def test_a_priority_s_targets_are_set_cleared_and_the_unshown_ones_kept() -> None:
    kept = {
        "first_response": {"amount": 30, "unit": "minutes"},
        "by_priority": {
            "low": {"resolution": {"amount": 3, "unit": "days"}},
            "gone": {"first_response": {"amount": 1, "unit": "hours"}},
        },
    }
    fields = {
        "first_response_amount": "30",
        "high:first_response_amount": "10",
        "high:resolution_amount": "4",
        "high:resolution_unit": "hours",
        "low:first_response_amount": "",
        "low:resolution_amount": "",
    }
    policy = sla_policy(fields, kept, pausing_shown=False)
    assert policy is not None
    assert policy["by_priority"] == {
        "high": {
            "first_response": {"amount": 10, "unit": "minutes"},
            "next_response": None,
            "resolution": {"amount": 4, "unit": "hours"},
        },
        "gone": {"first_response": {"amount": 1, "unit": "hours"}},  # not on the form: kept
    }
    with pytest.raises(Refused, match="high:resolution: 'quatro' is not a whole number"):
        sla_policy({"high:resolution_amount": "quatro"}, kept, pausing_shown=False)


def test_band_thresholds_are_percentages_on_the_form_and_shares_in_the_policy() -> None:
    kept = {"first_response": {"amount": 30, "unit": "minutes"}, "yellow_at": 0.4}
    assert band_percents(kept) == {"yellow_at": "40", "red_at": "80"}
    shown = band_percents({"yellow_at": 0.625, "red_at": 0.9})
    assert shown == {"yellow_at": "62.5", "red_at": "90"}
    typed = {"first_response_amount": "30", "yellow_at": "62,5", "red_at": ""}
    policy = sla_policy(typed, kept, pausing_shown=False)
    assert policy is not None and (policy["yellow_at"], policy["red_at"]) == (0.625, 0.8)
    untouched = sla_policy({"first_response_amount": "5"}, {}, pausing_shown=False)
    assert untouched is not None and "yellow_at" not in untouched  # the new-level form
    with pytest.raises(Refused, match="red_at: 'muito' is not a percentage"):
        sla_policy({"first_response_amount": "5", "red_at": "muito"}, kept, pausing_shown=False)
