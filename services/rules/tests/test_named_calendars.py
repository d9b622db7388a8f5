"""A ``business_hours`` condition that names a calendar instead of spelling the hours out: it
is decided with the calendar ticketing keeps, refreshed when a rule needs one not known yet, and a
rule naming a calendar that does not exist is refused when it is saved."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.calendars import CalendarRead
from contracts.interaction import Interaction
from contracts.rpc_ticketing import DeskVocabulary
from contracts.rules import RuleDefinition
from rules import references
from rules.calendars import CalendarBook
from rules.domain.facts import Facts
from rules.domain.hours import compiled
from rules.domain.matching import CompiledRule, RuleSet
from servicekit import rpc

NIGHT_DESK = CalendarRead.model_validate(
    {
        "name": "night-desk",
        "timezone": "America/Sao_Paulo",
        "weekly": {"wed": [{"start": "22:00", "end": "06:00"}]},
        "holidays": [{"date": "2026-12-02"}],
    }
)


def rule(**hours: object) -> RuleDefinition:
    return RuleDefinition.model_validate(
        {"name": "r", "when": {"business_hours": {"calendar": "night-desk", **hours}}, "then": {}}
    )


def at(moment: datetime) -> Interaction:
    return Interaction.model_validate(
        {
            "channel": "facebook",
            "account": "acme",
            "external_id": "c1",
            "kind": "comment",
            "author": {"id": "u1"},
            "text": "",
            "occurred_at": moment,
        }
    )


def reasons(definition: RuleDefinition, moment: datetime) -> list[str] | None:
    facts = Facts(at(moment), compiled([NIGHT_DESK]))
    return CompiledRule.compile(uuid4(), definition).reasons(facts)


def test_a_named_calendar_decides_with_its_night_shift_past_midnight() -> None:
    # Thursday 04:30 in São Paulo is inside Wednesday's 22:00–06:00 shift.
    thursday_early = datetime(2026, 11, 26, 7, 30, tzinfo=UTC)
    assert reasons(rule(), thursday_early) == [
        "Thu 2026-11-26 04:30 America/Sao_Paulo (calendar 'night-desk') is inside business hours"
    ]
    assert reasons(rule(inside=False), thursday_early) is None
    assert reasons(rule(), datetime(2026, 11, 26, 12, 0, tzinfo=UTC)) is None


def test_a_holiday_of_the_named_calendar_is_closed() -> None:
    holiday_night = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # Wed 2 Dec, 23:00 local
    assert reasons(rule(inside=False), holiday_night) == [
        "Wed 2026-12-02 23:00 America/Sao_Paulo (calendar 'night-desk') is a closed date"
    ]


def test_a_calendar_not_known_here_decides_nothing_either_way() -> None:
    facts = Facts(at(datetime(2026, 11, 26, 7, 30, tzinfo=UTC)))
    for definition in (rule(), rule(inside=False)):
        assert CompiledRule.compile(uuid4(), definition).reasons(facts) is None


def test_naming_a_calendar_and_spelling_hours_out_at_once_is_refused() -> None:
    with pytest.raises(ValueError, match="name a calendar or spell the hours out"):
        rule(timezone="UTC")


def test_the_rule_set_knows_which_calendars_its_rules_name_nested_groups_included() -> None:
    nested = RuleDefinition.model_validate(
        {
            "name": "n",
            "when": {"any_of": [{"business_hours": {"calendar": "weekend"}}]},
            "then": {},
        }
    )
    rules = RuleSet([CompiledRule.compile(uuid4(), rule()), CompiledRule.compile(uuid4(), nested)])
    assert rules.calendars == {"night-desk", "weekend"}


async def test_saving_a_rule_naming_a_calendar_that_does_not_exist_is_refused() -> None:
    async def vocabulary() -> DeskVocabulary:
        return DeskVocabulary(priorities=["high"], levels=[], calendars=[])

    with pytest.raises(rpc.Invalid, match="there is no calendar 'night-desk'"):
        await references.check(rule(), vocabulary)


async def test_the_book_asks_at_once_for_a_calendar_newly_named_and_once_only() -> None:
    answers = [
        DeskVocabulary(priorities=[], levels=[], calendars=[]),
        DeskVocabulary(priorities=[], levels=[], calendars=[NIGHT_DESK]),
    ]
    asked = 0

    async def vocabulary() -> DeskVocabulary:
        nonlocal asked
        asked += 1
        return answers[min(asked, len(answers)) - 1]

    book = CalendarBook(vocabulary, refresh_seconds=3600)
    assert await book.current() == {}
    assert set(await book.current({"night-desk"})) == {"night-desk"}
    # A name ticketing does not have (deleted) is not asked for on every interaction.
    for _ in range(3):
        await book.current({"night-desk", "deleted"})
    assert asked == 3
