"""The rule editor's actions form without services: its action types and fields are the
rules contract's (every one, with words in both languages), the posted rows make the same
``then`` the JSON would, and a rule's actions come back as the rows that make them."""

from __future__ import annotations

import json

from contracts.rules import OpenTicket, RuleActions
from gateway.console.i18n import WORDS
from gateway.console.rule_actions import (
    action_types,
    actions_of_rows,
    rows_for,
    rows_of_actions,
    rows_of_form,
)
from gateway.console.rule_drafts import read_draft


def test_every_action_and_field_of_the_contract_is_in_the_form_with_words() -> None:
    kinds = {kind.name: kind for kind in action_types()}
    assert set(kinds) == set(RuleActions.model_fields)
    open_ticket = {f.name: f for f in kinds["open_ticket"].fields}
    assert set(open_ticket) == set(OpenTicket.model_fields)
    assert open_ticket["status"].choices == ("new", "open", "pending", "on_hold")
    assert open_ticket["title_template"].widget == "long_text"
    digest = {f.name: f for f in kinds["digest"].fields}
    assert digest["every"].choices == ("hour", "day", "test_window")
    assert digest["emails"].widget == "list" and digest["emails"].required
    assert kinds["track_engagement"].shape == "flag"
    assert kinds["add_tags"].fields[0].widget == "list"
    for kind in kinds.values():
        assert f"action_{kind.name}" in WORDS
        for field in kind.fields:
            assert field.name == "value" or f"action_field_{field.name}" in WORDS


FORM = {
    "then_mode": "form",
    "name": "Procon",
    "when": '{"text_any": ["procon"]}',
    "action-0-type": "open_ticket",
    "action-0-open_ticket-status": "open",
    "action-0-open_ticket-priority": "high",
    "action-0-open_ticket-level": "",
    "action-0-add_tags-value": "ignored: not the chosen type",
    "action-3-type": "add_tags",
    "action-3-add_tags-value": "procon, urgent,\nanatel",
    "action-1-type": "",  # a row left empty
    "action-2-type": "track_engagement",
}


def test_the_rows_make_the_actions_the_json_would() -> None:
    draft = read_draft(FORM)
    assert draft.problems == []
    assert draft.rule is not None
    assert draft.rule.then == RuleActions(
        open_ticket=OpenTicket(status="open", priority="high"),
        add_tags=["procon", "urgent", "anatel"],
        track_engagement=True,
    )
    # The JSON beside the form shows what the rows made.
    assert json.loads(draft.fields["then"])["add_tags"] == ["procon", "urgent", "anatel"]
    # Without then_mode (an older client), the JSON is what counts.
    assert read_draft({**FORM, "then_mode": "", "then": '{"set_priority": "low"}'}).rule.then == (  # type: ignore[union-attr]
        RuleActions(set_priority="low")
    )


def test_wrong_rows_are_refused_where_they_are() -> None:
    repeated = {
        **FORM,
        "action-4-type": "open_ticket",
        "action-4-open_ticket-status": "new",
        "action-5-type": "set_priority",
        "action-5-set_priority-value": "  ",
        "action-6-type": "digest",
        "action-6-digest-every": "day",
    }
    draft = read_draft(repeated)
    assert draft.rule is None
    assert ("then → open_ticket", "action 5 repeats this action: keep one row") in draft.problems
    then, problems = actions_of_rows(rows_of_form(repeated))
    assert then["set_priority"] == "" and then["digest"] == {"every": "day", "emails": []}
    assert problems == [("then → open_ticket", "action 5 repeats this action: keep one row")]
    unknown, problems = actions_of_rows(rows_of_form({"action-0-type": "close_ticket"}))
    assert unknown == {} and problems == [("then", "action 1: there is no action 'close_ticket'")]


def test_a_rule_s_actions_come_back_as_rows_that_make_them_again() -> None:
    stored = RuleActions(
        open_ticket=OpenTicket(level="sac", title_template="$author_name: $text"),
        alert_emails=["a@example.com", "b@example.com"],
        digest={"every": "hour", "emails": ["c@example.com"]},  # type: ignore[arg-type]
        track_engagement=True,
    ).model_dump(mode="json", exclude_defaults=True)
    rows = rows_of_actions(stored)
    # In the contract's order of actions, as the rules service stores them.
    expected = ["open_ticket", "alert_emails", "track_engagement", "digest"]
    assert [row.type for row in rows] == expected
    assert rows[1].values == {"value": "a@example.com, b@example.com"}
    fields = {"then_mode": "form"}
    for n, row in enumerate(rows):
        fields[f"action-{n}-type"] = row.type
        fields |= {f"action-{n}-{row.type}-{k}": v for k, v in row.values.items()}
    then, problems = actions_of_rows(rows_of_form(fields))
    assert problems == [] and RuleActions.model_validate(then) == RuleActions.model_validate(stored)
    # The editor always has a row to start from, and reads a stored rule's JSON into rows.
    assert [row.type for row in rows_for({"then": "not json"})] == [""]
    assert len(rows_for({"then": json.dumps(stored)})) == 4
