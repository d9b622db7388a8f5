"""The console's inbox and rule editor pieces that need no services: the filter form read into
the API's query, the SLA time left of a row, the rule editor's field help (read from the
rules contract, so it covers every field) and its drafts' refusals."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from contracts.rules import OpenTicket, RuleActions, RuleConditions
from gateway.console.inbox_query import as_params, chosen_filters, form_values, ticket_query
from gateway.console.rule_drafts import fields_of, read_draft, read_interaction
from gateway.console.rule_fields import field_names
from gateway.console.sla_rows import duration, with_time_left


def test_the_filter_form_becomes_the_ticket_list_query() -> None:
    params = QueryParams(
        "status=new&status=open&tag=procon,%20anatel&level=&opened_from=2026-11-30"
        "&overdue=1&sort=sla_due&order=asc&text=nota%20fiscal"
    )
    query = ticket_query(params)
    assert query.status == ["new", "open"]
    assert query.tag == ["procon", "anatel"]
    assert query.level == []
    assert query.opened_from is not None and query.opened_from.isoformat().startswith(
        "2026-11-30T00:00:00"
    )
    assert (query.overdue, query.sort, query.order, query.text) == (
        True,
        "sla_due",
        "asc",
        "nota fiscal",
    )
    assert query.page_size == 50


def test_a_value_the_desk_does_not_know_is_refused() -> None:
    with pytest.raises(ValidationError):
        ticket_query(QueryParams("sla_band=purple"))
    with pytest.raises(ValidationError):
        ticket_query(QueryParams("sort=mood"))


def test_a_view_s_filters_come_back_as_the_form_and_its_query_string() -> None:
    query = ticket_query(QueryParams("channel=facebook&opened_to=2026-12-01&protocol=0001"))
    values = form_values(query)
    assert values["channel"] == ["facebook"] and values["opened_to"] == "2026-12-01"
    again = QueryParams(as_params(query, "opened", "desc"))
    assert chosen_filters(again) == chosen_filters(
        QueryParams("channel=facebook&opened_to=2026-12-01&protocol=0001")
    )


def _clock(left: float, *, paused: bool = False, met: bool = False) -> dict[str, object]:
    return {
        "business_minutes_left": left,
        "paused": paused,
        "met_at": "2026-12-01T10:00:00Z" if met else None,
    }


def test_a_row_shows_the_time_left_on_its_most_urgent_running_clock() -> None:
    ticket = {
        "sla": {
            "band": "red",
            "first_response": _clock(-5, met=True),
            "next_response": _clock(12.5),
            "resolution": _clock(3, paused=True),
        }
    }
    shown = with_time_left(ticket)
    assert (shown["sla_minutes_left"], shown["sla_left"]) == (12.5, "12 min")
    assert with_time_left({"sla": None})["sla_left"] == ""
    assert duration(-95) == "1 h 35 min" and duration(60 * 24 * 2 + 61) == "2 d 1 h"


def test_the_field_help_names_every_condition_and_action_of_the_contract() -> None:
    names = field_names()
    assert names["when"] == list(RuleConditions.model_fields)
    assert names["then"] == list(RuleActions.model_fields)
    assert names["then.open_ticket"] == list(OpenTicket.model_fields)


def test_a_draft_s_problems_say_where_they_are() -> None:
    draft = read_draft(
        {"name": "x", "when": '{"channels": ["fax"]}', "then": "{not json", "active": "1"}
    )
    assert draft.rule is None
    assert draft.problems_of("then") and "not valid JSON" in draft.problems_of("then")[0]
    draft = read_draft({"name": "x", "when": '{"channels": ["fax"]}', "then": "{}"})
    assert draft.rule is None
    assert [where for where, _ in draft.problems] == ["when → channels → 0"]
    assert read_draft({"name": "x", "when": "{}", "then": "{}", "ends_at": "soon"}).problems


def test_a_stored_rule_round_trips_through_the_editor() -> None:
    fields = {
        "name": "Procon",
        "active": "1",
        "order": "3",
        "starts_at": "2026-12-01T09:30",
        "when": json.dumps({"text_any": ["procon"], "any_of": [{"kinds": ["review"]}]}),
        "then": json.dumps({"open_ticket": {"priority": "high"}, "add_tags": ["procon"]}),
    }
    draft = read_draft(fields)
    assert draft.rule is not None and draft.rule.order == 3 and draft.rule.active
    assert draft.rule.starts_at is not None and draft.rule.starts_at.utcoffset() is not None
    assert read_draft(fields_of(draft.rule)).rule == draft.rule


def test_a_pasted_interaction_that_is_not_one_is_located() -> None:
    found, problems = read_interaction('{"channel": "facebook"}')
    assert found is None
    assert problems and all(where.startswith("interaction") for where, _ in problems)
